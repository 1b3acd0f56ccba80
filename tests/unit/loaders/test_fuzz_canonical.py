"""Property-based tests of canonical-input validation: random mixes of good and bad transaction rows.

Each example writes a transactions table (CSV text, or Parquet with text or typed columns)
drawn by :mod:`fuzz_strategies` (``tests/fuzz_strategies.py``): every cell was drawn
together with what the documented rules say about it (README "Canonical input",
:mod:`graphrisk.io.validate`), and the oracle built from those cells alone predicts, row by
row, what :func:`graphrisk.build_graph` must load and reject, and with which reasons and
line numbers. For every input:

* nothing is raised but the documented one-line :class:`InputError` for a missing required column;
* ``rows_read == rows_loaded + rows_rejected``;
* the rejects file has exactly ``rows_rejected`` data rows, each with the expected line and reason;
* the loaded transactions are exactly the valid rows, in order, with the values the rules give,
  in a table with the canonical columns even when no row is valid;
* the aggregated relationships count every loaded transaction once, and their amounts stay
  finite (an amount above 1e15 is rejected).

ISO timestamps outside 1677..2262 and ``"now"``/``"today"`` are rejected, a corrupt or
truncated Parquet file or an empty file gives a one-line ``InputError`` (tested at the end).
"""

from __future__ import annotations

import io
import json
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fuzz_strategies import (
    ENTITY_COLUMNS,
    OPTIONAL_IDS,
    REQUIRED,
    TOO_LARGE,
    Cell,
    Table,
    oracle,
    tables,
    weighted,
    write_csv,
    write_parquet,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphrisk import build_graph
from graphrisk.errors import InputError
from graphrisk.io.schema import TRANSACTIONS

# Pinned (derandomize) like every random choice in the tests; no example database in the checkout.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def check(table: Table, path: Path, first_line: int, chunk_rows: int, workdir: Path) -> None:
    """Build the graph from ``path`` and compare everything with the oracle."""
    graph, report = build_graph(path, chunk_rows=chunk_rows, keep_transactions=True)
    expected = oracle(table, first_line)
    (counts,) = report.tables
    assert counts.rows_read == len(table.rows)
    assert counts.rows_read == counts.rows_loaded + counts.rows_rejected
    assert (counts.rows_loaded, counts.rows_rejected) == (len(expected.loaded), len(expected.rejects))

    rejects = pd.read_csv(report.write_rejects(workdir / "rejects.csv"), dtype=str, keep_default_na=False)
    assert list(rejects.columns) == ["table", "source", "line", "reason", "record"]
    assert len(rejects) == counts.rows_rejected
    assert (rejects["reason"].str.len() > 0).all()
    assert list(zip(rejects["line"].astype(int), rejects["reason"])) == expected.rejects
    assert set(rejects["table"]) <= {"transactions"} and set(rejects["source"]) <= {str(path)}
    for (number, _), record in zip(expected.rejects, rejects["record"]):
        row = table.rows[number - first_line]
        kept = json.loads(record)  # the original record, as read
        if row is not None:
            assert kept["transaction_id"] == row["transaction_id"].raw

    tx = graph.transactions  # a table with the canonical columns, even when no row loaded
    assert list(tx.columns) == list(TRANSACTIONS.names)
    assert len(tx) == len(expected.loaded)
    assert tx["transaction_id"].tolist() == [r["transaction_id"].value for r in expected.loaded]
    assert tx["user_id"].tolist() == [r["user_id"].value for r in expected.loaded]
    assert tx["amount"].tolist() == [r["amount"].value for r in expected.loaded]
    assert (str(tx["timestamp"].dtype), str(tx["amount"].dtype)) == ("datetime64[ns, UTC]", "float64")
    for got, row in zip(tx["timestamp"], expected.loaded):
        assert abs(got - row["timestamp"].value) <= pd.Timedelta(microseconds=2), (row["timestamp"].raw, got)
    for column in (*OPTIONAL_IDS, "is_fraud"):
        want = [r[column].value if column in r else None for r in expected.loaded]
        assert [None if v is pd.NA else v for v in tx[column].tolist()] == want, column

    # every loaded transaction is counted once in the aggregated relationships
    def present(column: str) -> list[dict[str, Cell]]:
        return [r for r in expected.loaded if column in r and r[column].value is not None]

    assert int(graph.paid["count"].sum()) == len(present("merchant_id"))
    assert int(graph.sent["count"].sum()) == len(present("counterparty_id"))
    for column, kind in ENTITY_COLUMNS.items():
        used = graph.used[graph.used["entity_type"] == kind]
        assert int(used["count"].sum()) == len(present(column)), column
    assert np.isfinite(graph.paid["amount"]).all() and np.isfinite(graph.used["amount"]).all()
    paid_amount = math.fsum(r["amount"].value for r in present("merchant_id"))
    assert math.isclose(float(graph.paid["amount"].sum()), paid_amount, rel_tol=1e-9, abs_tol=1e-300)
    assert set(graph.users["user_id"]) == {r["user_id"].value for r in expected.loaded} | {
        r["counterparty_id"].value for r in present("counterparty_id")}


# --- the properties -------------------------------------------------------------------------------

# Small chunks split duplicates and blank lines across chunks, but each chunk costs ~50 ms: mostly one chunk.
_CHUNKS = weighted((2, st.just(250_000)), (1, st.sampled_from([3, 5])), (2, st.just(250_000)))


@SETTINGS
@given(table=tables(parquet=False), chunk_rows=_CHUNKS, quote_all=st.booleans(), bom=st.booleans(),
       padded_header=st.booleans(), crlf=st.booleans())
def test_csv_rows_load_or_are_rejected_as_documented(table, chunk_rows, quote_all, bom, padded_header, crlf):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.csv"
        write_csv(table, path, quote_all=quote_all, bom=bom, padded_header=padded_header, crlf=crlf)
        check(table, path, 2, chunk_rows, Path(folder))  # the header is line 1


@SETTINGS
@given(table=tables(parquet=True), chunk_rows=_CHUNKS)
def test_parquet_rows_load_or_are_rejected_as_documented(table, chunk_rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.parquet"
        write_parquet(table, path)
        check(table, path, 1, chunk_rows, Path(folder))  # Parquet rows count from 1


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(table=tables(parquet=False, drop_required=True), parquet=st.booleans())
def test_a_missing_required_column_is_one_line(table, parquet):
    missing = next(c for c in REQUIRED if c not in table.columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("transactions.parquet" if parquet else "transactions.csv")
        if parquet:
            table.rows = [r for r in table.rows if r is not None]
            write_parquet(table, path)
        else:
            write_csv(table, path, quote_all=False, bom=False, padded_header=False)
        with pytest.raises(InputError) as info:
            build_graph(path)
    message = str(info.value)
    assert f"missing required column '{missing}' in transactions" in message
    assert "\n" not in message and str(path) in message


# --- examples -------------------------------------------------------------------------------------

HEADER = "transaction_id,timestamp,user_id,amount,merchant_id\n"


def _one_line_input_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        build_graph(path)
    return str(info.value)


def _parquet_bytes(rows: int = 50) -> bytes:
    frame = pd.DataFrame({"transaction_id": [f"t{i}" for i in range(rows)], "timestamp": ["2024-01-01T00:00:00Z"] * rows,
                          "user_id": ["u1"] * rows, "amount": np.arange(rows, dtype="float64")})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_header_only_file_loads_nothing_and_reconciles(tmp_path, suffix):
    path = tmp_path / f"transactions{suffix}"
    if suffix == ".csv":
        path.write_text(HEADER, encoding="utf-8")
    else:
        pq.write_table(pa.table({c: pa.array([], pa.string()) for c in HEADER.strip().split(",")}), path)
    graph, report = build_graph(path)
    (counts,) = report.tables
    assert (counts.rows_read, counts.rows_loaded, counts.rows_rejected) == (0, 0, 0)
    assert pd.read_csv(report.write_rejects(tmp_path / "rejects.csv")).empty
    assert graph.node_counts["user"] == 0 and graph.edge_counts == {"paid": 0, "sent": 0, "used": 0}


@pytest.mark.parametrize("kind", ["csv", "parquet", "frame", "all rejected"])
def test_a_header_only_file_keeps_an_empty_transactions_table(tmp_path, kind):
    columns = HEADER.strip().split(",")
    if kind == "csv":
        source = tmp_path / "transactions.csv"
        source.write_text(HEADER, encoding="utf-8")
    elif kind == "parquet":
        source = tmp_path / "transactions.parquet"
        pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), source)
    elif kind == "frame":
        source = pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    else:
        source = pd.DataFrame({"transaction_id": ["t1"], "timestamp": ["never"], "user_id": ["u1"], "amount": [1.0]})
    graph, _ = build_graph(source, keep_transactions=True)
    expected, _ = build_graph(pd.DataFrame({"transaction_id": ["t1"], "timestamp": ["2024-01-01"], "user_id": ["u1"],
                                            "amount": [1.0]}), keep_transactions=True)
    assert graph.transactions is not None and graph.transactions.empty
    assert graph.transactions.dtypes.to_dict() == expected.transactions.dtypes.to_dict()
    assert list(graph.transactions.columns) == list(TRANSACTIONS.names)
    assert build_graph(source, keep_transactions=False)[0].transactions is None


def test_an_empty_file_is_one_line_input_error(tmp_path):
    path = tmp_path / "transactions.csv"
    path.write_bytes(b"")
    message = _one_line_input_error(path)
    assert "the file is empty" in message and "\n" not in message


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_a_truncated_parquet_file_is_one_line_input_error(tmp_path, keep):
    data = _parquet_bytes()
    path = tmp_path / "transactions.parquet"
    path.write_bytes(data[: int(len(data) * keep)])
    message = _one_line_input_error(path)
    assert message.startswith(f"{path}: cannot read") and "\n" not in message


def test_a_parquet_file_with_a_corrupt_footer_is_one_line_input_error(tmp_path):
    data = _parquet_bytes()
    (footer,) = struct.unpack("<I", data[-8:-4])  # metadata length, before the closing magic bytes
    path = tmp_path / "transactions.parquet"
    path.write_bytes(data[: -8 - footer] + b"\x00" * footer + data[-8:])
    message = _one_line_input_error(path)
    assert message.startswith(f"{path}: cannot read") and "\n" not in message


def test_labels_of_unknown_users_are_rejected_with_a_reason(tmp_path):
    transactions = tmp_path / "transactions.csv"
    transactions.write_text(HEADER + "t1,2024-01-01,u1,5,m1\nt2,2024-01-02,u2,7,m1\n", encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("user_id,is_fraud,ring_id\nu1,1,R1\nghost,1,R1\n\"x'}) DETACH DELETE n //\",0,\nu2,0,\n",
                      encoding="utf-8")
    graph, report = build_graph(transactions, labels=labels)
    counts = {t.table: t for t in report.tables}["labels"]
    assert (counts.rows_read, counts.rows_loaded, counts.rows_rejected) == (4, 2, 2)
    assert graph.labels["user_id"].tolist() == ["u1", "u2"]
    rejects = pd.read_csv(report.write_rejects(tmp_path / "rejects.csv"), dtype=str, keep_default_na=False)
    assert len(rejects) == counts.rows_rejected
    assert rejects[["table", "line", "reason"]].values.tolist() == [
        ["labels", "3", "unknown user_id (not in transactions, links or users)"],
        ["labels", "4", "unknown user_id (not in transactions, links or users)"],
    ]
    assert [json.loads(r)["user_id"] for r in rejects["record"]] == ["ghost", "x'}) DETACH DELETE n //"]


@pytest.mark.parametrize("timestamp", ["2500-01-01T00:00:00Z", "9999-12-31", "1600-01-01 12:00:00+01:00", "1234"])
def test_an_iso_timestamp_outside_the_range_is_rejected(tmp_path, timestamp):
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + f"t1,{timestamp},u1,5,m1\nt2,2024-01-01,u1,5,m1\n", encoding="utf-8")
    graph, report = build_graph(path)
    assert report.rejects["reason"].tolist() == ["unparseable timestamp"]
    assert graph.transactions["transaction_id"].tolist() == ["t2"]


@pytest.mark.parametrize("timestamp", ["now", "today"])
def test_now_is_not_a_timestamp(tmp_path, timestamp):
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + f"t1,{timestamp},u1,5,m1\n", encoding="utf-8")
    _, report = build_graph(path)
    assert report.rejects["reason"].tolist() == ["unparseable timestamp"]


def test_amounts_above_the_maximum_are_rejected_so_sums_stay_finite():
    """Two 1e308 payments to one merchant would sum to inf; an amount above 1e15 is rejected instead."""
    tx = pd.DataFrame({"transaction_id": ["t1", "t2", "t3", "t4", "t5"], "timestamp": ["2024-01-01T00:00:00Z"] * 5,
                       "user_id": ["u1"] * 5, "amount": ["1e308", "1e308", "1e15", "1e15", "-1e308"],
                       "merchant_id": ["m1"] * 5})
    graph, report = build_graph(tx)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 2, 3)
    assert report.rejects[["line", "reason"]].values.tolist() == [
        [1, TOO_LARGE], [2, TOO_LARGE], [5, "negative amount"]]
    assert graph.paid[["src", "dst", "count", "amount"]].values.tolist() == [["u1", "m1", 2, 2e15]]


@pytest.mark.parametrize("amount", [1e16, 1e308, np.nextafter(1e15, np.inf)])
def test_a_typed_amount_above_the_maximum_is_rejected(tmp_path, amount):
    path = tmp_path / "transactions.parquet"
    pq.write_table(pa.table({"transaction_id": ["t1", "t2"], "timestamp": ["2024-01-01"] * 2, "user_id": ["u1"] * 2,
                             "amount": pa.array([amount, 1e15], pa.float64())}), path)
    graph, report = build_graph(path)
    assert report.rejects["reason"].tolist() == [TOO_LARGE]
    assert graph.transactions["amount"].tolist() == [1e15]
