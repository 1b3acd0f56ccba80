"""Reading on Spark validates every file as build_graph does: same rows, same rejects, same reasons and lines."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graphrisk import build_graph
from graphrisk.engines.spark.reading import read_validated, table_files
from graphrisk.errors import InputError
from graphrisk.io.readers import read_chunks
from graphrisk.io.schema import LINKS, TRANSACTIONS
from graphrisk.io.validate import REJECT_COLUMNS, Validator

HEADER = "transaction_id,timestamp,user_id,amount,merchant_id,device_id,counterparty_id,card_id,ip,is_fraud\n"
# every kind of bad row, a quoted record over two lines, a blank line, and a duplicate after it
BAD_TRANSACTIONS = HEADER + (
    "t1,2024-03-01T09:00:00Z,u1,25.50,m1,d1,,c1,10.0.0.1,0\n"
    "t2,1709290800,u2,12,m1,,u3,,,1\n"
    '"t\n3",2024-03-01 10:30:00,"u ""three""",7.5,m2,d2,,,,\n'
    "t4,not-a-time,u1,5,m1,,,,,0\n"
    "t5,2024-03-01T11:30:00+01:00,  ,5,m1,,,,,0\n"
    "t6,2024-03-01T12:00:00Z,u4,-3,m2,,,,,0\n"
    "t7,2024-03-01T12:00:00Z,u4,abc,m2,,,,,0\n"
    "t8,2024-03-01T12:00:00Z,u4,2e15,m2,,,,,0\n"
    "t1,2024-03-02T00:00:00Z,u5,1,m3,,,,,0\n"
    ",2024-03-02T00:00:00Z,u5,1,m3,,,,,0\n"
    "t9,2024-03-02T00:00:00Z,u5,1,m3,,,,,yes\n"
    "t10,2024-03-02T00:00:00Z,u5,1,m3,,,,,2\n"
    "  t11 ,20240302,u6,0,m3,,,,,false\n"
    "\n"
    "t12,2024-03-02T00:00:00.123456Z,ü7,3.25,m4,,,,,\n"
    "t13,,u8,-1,m4,,,,,maybe\n"
    "t12,2024-03-03T00:00:00Z,u9,1,m4,,,,,0\n"
)
LINKS_CSV = (
    "user_id,entity_type,entity_id,timestamp\n"
    "u1,Email,a@example.com,2024-02-28T00:00:00Z\n"
    "u2,device,d9,\n"
    "u1,fax,123,\n"
    "u2,device,,2024-02-28T00:00:00Z\n"
    "u3,phone,+1555,yesterday\n"
    ",card,c1,1709290800\n"
    "u1,Email,a@example.com,2024-02-28T00:00:00Z\n"
)
USERS_CSV = (
    "user_id,country,account_age_days,score,mixed\n"
    "u1,US,400,0.5,7\n"
    "u2, GB ,380,,x\n"
    ",US,5,1,2\n"
    "u1,FR,1,2,3\n"
    "u3,,12, 3e2 ,4\n"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _raw(path: Path) -> pd.DataFrame:
    """The raw text of a CSV, as the local reader reads it."""
    return pd.concat([raw for raw, _ in read_chunks(path)], ignore_index=True)


def _rejects(frame: pd.DataFrame) -> list[tuple]:
    rows = [(str(t), str(s), int(n), str(r), str(c)) for t, s, n, r, c in frame[REJECT_COLUMNS].itertuples(index=False)]
    return sorted(rows)


def _spark_rejects(data, convert) -> list[tuple]:
    return _rejects(convert[1](data.rejects))


def _plain(value):
    """A pandas or Spark value as plain Python: None for missing, microseconds for timestamps."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.value // 1000
    return value.item() if hasattr(value, "item") else value


def _spark_rows(frame, columns) -> list[tuple]:
    """The rows of a Spark table in (source, line) order, timestamps as microseconds since the epoch."""
    from pyspark.sql import functions as F

    picked = [F.unix_micros(c).alias(c) if t == "timestamp" else F.col(c) for c, t in frame.dtypes if c in columns]
    ordered = frame.orderBy("source", "line").select(*picked)
    return [tuple(_plain(v) for v in row) for row in ordered.collect()]


def _local_rows(table: pd.DataFrame) -> list[tuple]:
    return [tuple(_plain(v) for v in row) for row in table.itertuples(index=False)]


@pytest.mark.parametrize("chunk_rows", [3, 250_000])
def test_bad_csv_gives_the_local_rejects_and_rows(spark, convert, tmp_path, chunk_rows):
    path = _write(tmp_path / "tx.csv", BAD_TRANSACTIONS)
    graph, report = build_graph(path)
    with read_validated(spark, path, chunk_rows=chunk_rows) as data:
        assert _spark_rejects(data, convert) == _rejects(report.rejects)
        assert len(report.rejects) == 11  # the crafted file has that many bad rows
        assert {r for r in report.rejects["reason"]} >= {
            "unparseable timestamp", "empty user_id", "negative amount", "unparseable amount", "amount above 1e15",
            "duplicate transaction_id (first on line 2)", "empty transaction_id", "is_fraud must be 0 or 1",
            "duplicate transaction_id (first on line 16)"}
        assert _spark_rows(data.transactions, TRANSACTIONS.names) == _local_rows(graph.transactions)
        assert "t\n3" in set(graph.transactions["transaction_id"])  # the two-line record is a valid row
        lines = [row.line for row in data.transactions.orderBy("line").collect()]
        assert lines == [2, 3, 4, 12, 14, 16]  # the quoted two-line record is line 4: lines count records
        (table,) = report.tables
        assert data.counts["transactions"].rows_read == table.rows_read == 17
        assert (data.counts["transactions"].rows_loaded, data.counts["transactions"].rows_rejected) == (6, 11)
        assert dict(data.transactions.dtypes) == {
            "transaction_id": "string", "timestamp": "timestamp", "user_id": "string", "amount": "double",
            "merchant_id": "string", "device_id": "string", "counterparty_id": "string", "card_id": "string",
            "ip": "string", "is_fraud": "int", "source": "string", "line": "bigint"}
        assert data.links is None and data.users is None
        path.unlink()  # the validated rows are cached: the file is not read again
        assert _spark_rows(data.transactions, TRANSACTIONS.names) == _local_rows(graph.transactions)
        assert _spark_rejects(data, convert) == _rejects(report.rejects)


def test_parquet_gives_the_local_rejects_and_rows(spark, convert, tmp_path):
    path = tmp_path / "tx.parquet"
    raw = _raw(_write(tmp_path / "tx.csv", BAD_TRANSACTIONS))
    pq.write_table(pa.Table.from_pandas(raw.astype({"amount": "object"}), preserve_index=False), path)
    graph, report = build_graph(path)
    with read_validated(spark, path) as data:
        assert _spark_rejects(data, convert) == _rejects(report.rejects)
        assert _spark_rows(data.transactions, TRANSACTIONS.names) == _local_rows(graph.transactions)
        assert data.rows_read == report.rows_read and data.rows_rejected == report.rows_rejected == 11


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["transaction_id", "timestamp", "user_id", "amount"])


PARTS = {
    # tX is bad here (negative), so the valid tX of part-1 is the first valid one and stays
    "date=2024-03-01/part-0": _frame([("t1", "2024-03-01T00:00:00Z", "u1", 1.0), ("tX", "2024-03-01T00:00:00Z", "u1", -1.0),
                                      ("t2", "2024-03-01T00:00:00Z", "u2", 2.0)]),
    # t1 again (valid: rejected, first in part-0); t3 twice in this file (the local reason)
    "date=2024-03-01/part-1": _frame([("t3", "1709290800", "u3", 3.0), ("t1", "2024-03-01T05:00:00Z", "u9", 9.0),
                                      ("tX", "2024-03-01T00:00:00Z", "u1", 4.0), ("t3", "1709290801", "u3", 3.5)]),
    "date=2024-03-02/part-0": _frame([("t2", "2024-03-02T00:00:00Z", "u2", 2.0), ("t4", "2024-03-02T00:00:00Z", "u4", 4.0)]),
}


def _folder(root: Path, kind: str) -> dict[str, Path]:
    files = {}
    for name, frame in PARTS.items():
        path = root / f"{name}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "parquet":
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        else:
            frame.to_csv(path, index=False)
        files[name] = path
    # what Spark and Hadoop leave beside the data, and other files: not read
    _write(root / "_SUCCESS", "")
    _write(root / "date=2024-03-01" / f".part-0.{kind}.crc", "junk")
    _write(root / "_temporary" / f"part-9.{kind}", "junk")
    _write(root / "notes.txt", "junk")
    return files


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_key_valid_in_two_files_is_rejected_in_the_later_one(spark, convert, tmp_path, kind):
    files = _folder(tmp_path / "tx", kind)
    assert table_files(tmp_path / "tx") == sorted(files.values(), key=str)
    first = 1 if kind == "parquet" else 2  # the line of a file's first row
    with read_validated(spark, tmp_path / "tx") as data:
        expected = []
        for path in files.values():  # within a file: exactly the local rejects
            expected += _rejects(build_graph(path)[1].rejects)
        a, b, c = (str(p) for p in files.values())
        t1_again = PARTS["date=2024-03-01/part-1"].iloc[1]
        t2_again = PARTS["date=2024-03-02/part-0"].iloc[0]
        for source, line, key, first_line, first_source, row in [(b, first + 1, "t1", first, a, t1_again),
                                                                 (c, first, "t2", first + 2, a, t2_again)]:
            record = json.loads(next(r for r in _spark_rejects(data, convert) if r[1:3] == (source, line))[4])
            assert record["transaction_id"] == key and record["user_id"] == row["user_id"]
            expected.append(("transactions", source, line,
                             f"duplicate transaction_id (first on line {first_line} of {first_source})",
                             json.dumps(record, ensure_ascii=False)))
        assert _spark_rejects(data, convert) == sorted(expected)
        reasons = [r[3] for r in _spark_rejects(data, convert)]
        assert "negative amount" in reasons and f"duplicate transaction_id (first on line {first})" in reasons
        kept = [(row.transaction_id, row.source, row.line) for row in data.transactions.orderBy("source", "line").collect()]
        assert kept == [("t1", a, first), ("t2", a, first + 2), ("t3", b, first), ("tX", b, first + 2), ("t4", c, first + 1)]
        counts = data.counts["transactions"]
        assert (counts.rows_read, counts.rows_loaded, counts.rows_rejected) == (9, 5, 4)
        assert counts.rows_read == counts.rows_loaded + counts.rows_rejected == data.transactions.count() + data.rejects.count()


def test_links_and_users_are_validated_as_locally(spark, convert, tmp_path):
    tx = _write(tmp_path / "tx.csv", HEADER + "t1,2024-03-01T09:00:00Z,u1,1,m1,,,,,0\n")
    links = _write(tmp_path / "links.csv", LINKS_CSV)
    users = _write(tmp_path / "users.csv", USERS_CSV)
    graph, report = build_graph(tx, links, users)
    with read_validated(spark, tx, links, users) as data:
        assert _spark_rejects(data, convert) == _rejects(report.rejects)
        assert {r[0] for r in _spark_rejects(data, convert)} == {"links", "users"}
        # links: the rows the local Validator keeps (build_graph only keeps their aggregates)
        raw, lines = next(read_chunks(links))
        local_links = Validator(LINKS, str(links)).validate(raw, lines=lines)
        assert _spark_rows(data.links, LINKS.names) == _local_rows(local_links.rows)
        assert [r[0] for r in _spark_rows(data.links, ["entity_type"])] == ["email", "device", "email"]
        # users: attributes typed as build_graph types them (numbers where the whole column is numbers)
        assert dict(data.users.dtypes) == {"user_id": "string", "country": "string", "account_age_days": "double",
                                           "score": "double", "mixed": "string", "source": "string", "line": "bigint"}
        names = ["user_id", "country", "account_age_days", "score", "mixed"]
        local_users = graph.users[graph.users["user_id"].isin(["u1", "u2", "u3"])][names]
        assert _spark_rows(data.users, names) == _local_rows(local_users)
        assert {t: (c.rows_read, c.rows_loaded, c.rows_rejected) for t, c in data.counts.items()} == {
            t.table: (t.rows_read, t.rows_loaded, t.rows_rejected) for t in report.tables}


LABELS_CSV = (
    "user_id,is_fraud,ring_id\n"
    "u1,1,r1\n"
    "u2,0,\n"
    "ghost,1,r1\n"
    "u3,maybe,\n"
    "u1,0,\n"
    ",1,\n"
    "u9,0,\n"
)


def test_labels_are_validated_as_locally_and_unknown_users_rejected(spark, convert, tmp_path):
    tx = _write(tmp_path / "tx.csv", HEADER + "t1,2024-03-01T09:00:00Z,u1,1,m1,,u2,,,0\n")
    users = _write(tmp_path / "users.csv", "user_id,age\nu3,4\n")
    labels = _write(tmp_path / "labels.csv", LABELS_CSV)
    graph, report = build_graph(tx, users=users, labels=labels)
    with read_validated(spark, tx, users=users, labels=labels) as data:
        assert _spark_rejects(data, convert) == _rejects(report.rejects)
        reasons = {r[3] for r in _spark_rejects(data, convert) if r[0] == "labels"}
        assert "unknown user_id (not in transactions, links or users)" in reasons and len(reasons) >= 3
        assert _spark_rows(data.labels, ["user_id", "is_fraud", "ring_id"]) == _local_rows(
            graph.labels[["user_id", "is_fraud", "ring_id"]])
        assert data.counts["labels"].rows_read == 7
        assert {t: (c.rows_read, c.rows_loaded, c.rows_rejected) for t, c in data.counts.items()} == {
            t.table: (t.rows_read, t.rows_loaded, t.rows_rejected) for t in report.tables}


def test_users_duplicated_across_files_keep_the_first(spark, convert, tmp_path):
    _write(tmp_path / "users" / "a.csv", "user_id,country\nu1,US\nu2,GB\n")
    _write(tmp_path / "users" / "b.csv", "user_id,country,age\nu3,FR,5\nu1,DE,7\n")
    tx = _write(tmp_path / "tx.csv", HEADER + "t1,2024-03-01T09:00:00Z,u1,1,m1,,,,,0\n")
    with read_validated(spark, tx, users=tmp_path / "users") as data:
        assert [r[2:4] for r in _spark_rejects(data, convert)] == [
            (3, f"duplicate user_id (first on line 2 of {tmp_path / 'users' / 'a.csv'})")]
        rows = _spark_rows(data.users, ["user_id", "country", "age"])
        assert rows == [("u1", "US", None), ("u2", "GB", None), ("u3", "FR", 5.0)]
        assert data.counts["users"].rows_read == 4 and data.counts["users"].rows_rejected == 1


def test_rejects_are_written_as_parquet(spark, tmp_path):
    path = _write(tmp_path / "tx.csv", BAD_TRANSACTIONS)
    out = tmp_path / "out" / "rejects"
    for _ in range(2):  # the second run replaces the first
        with read_validated(spark, path, rejects=out) as data:
            written = pd.read_parquet(out)
            assert list(written.columns) == REJECT_COLUMNS
            assert len(written) == data.rows_rejected == data.rejects.count() == 11
            assert _rejects(written) == _rejects(build_graph(path)[1].rejects)


def test_unusable_inputs_are_one_line_input_errors(spark, tmp_path):
    good = _write(tmp_path / "tx.csv", HEADER + "t1,2024-03-01T09:00:00Z,u1,1,m1,,,,,0\n")
    no_user = _write(tmp_path / "links.csv", "entity_type,entity_id\ndevice,d1\n")
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty" / "_SUCCESS", "")
    wide = _write(tmp_path / "wide" / "part-0.csv", "transaction_id,timestamp,user_id,amount\nt1,2024-01-01,u1,1,extra\n")
    cases = [
        ((tmp_path / "nope.csv",), "nope.csv: file or folder not found"),
        ((good, no_user), "missing required column 'user_id' in links"),
        ((tmp_path / "empty",), "empty: no .csv or .parquet file in the folder"),
        ((good, None, no_user), "missing required column 'user_id' in users"),
    ]
    for args, message in cases:
        with pytest.raises(InputError, match=message) as error:
            read_validated(spark, *args)
        assert "\n" not in str(error.value)
    # a file the worker cannot parse: the local message, raised on the driver
    with pytest.raises(InputError) as local:
        build_graph(wide)
    with pytest.raises(InputError) as remote:
        read_validated(spark, wide.parent)
    assert str(remote.value) == str(local.value) and "\n" not in str(remote.value)
