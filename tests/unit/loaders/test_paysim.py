"""PaySim loader: exact canonical output from a hand-made file, and missing columns."""

from __future__ import annotations

import pandas as pd
import pytest

import graphrisk
from graphrisk.errors import InputError
from graphrisk.loaders.paysim import load_paysim

HEADER = "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud"
ROWS = [
    "1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0",
    "1,TRANSFER,181.0,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0",
    "2,CASH_OUT,181.0,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0",
    "26,PAYMENT,11.5,C1231006815,160296.36,160284.86,M1230701703,0.0,0.0,0,0",
]


def _write(tmp_path, header=HEADER, rows=ROWS, name="paysim.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _utc(*stamps):
    return pd.Series(pd.to_datetime(list(stamps), utc=True)).astype("datetime64[ns, UTC]")


def test_maps_every_column(tmp_path):
    tables = load_paysim(_write(tmp_path))
    expected = pd.DataFrame({
        "transaction_id": pd.Series(["1", "2", "3", "4"], dtype="string"),
        "timestamp": _utc("2016-01-01T01:00Z", "2016-01-01T01:00Z", "2016-01-01T02:00Z", "2016-01-02T02:00Z"),
        "user_id": pd.Series(["C1231006815", "C1305486145", "C840083671", "C1231006815"], dtype="string"),
        "merchant_id": pd.Series(["M1979787155", None, None, "M1230701703"], dtype="string"),
        "counterparty_id": pd.Series([None, "C553264065", "C38997010", None], dtype="string"),
        "amount": [9839.64, 181.0, 181.0, 11.5],
        "is_fraud": pd.Series([0, 1, 1, 0], dtype="Int8"),
        "type": pd.Series(["PAYMENT", "TRANSFER", "CASH_OUT", "PAYMENT"], dtype="string"),
        "step": [1, 1, 2, 26],
        "is_flagged_fraud": pd.Series([0, 0, 0, 0], dtype="Int8"),
    })
    pd.testing.assert_frame_equal(tables.transactions, expected)
    assert tables.links is None and tables.users is None
    pd.testing.assert_frame_equal(tables.labels, pd.DataFrame({
        "user_id": pd.Series(["C1231006815", "C1305486145", "C840083671"], dtype="string"),
        "is_fraud": pd.Series([0, 1, 1], dtype="Int8"),
    }))


def test_loads_into_the_graph_with_no_rejects(tmp_path):
    graph, report = graphrisk.build_graph(**load_paysim(_write(tmp_path)).as_kwargs())
    assert report.rows_rejected == 0
    assert graph.node_counts["user"] == 5 and graph.node_counts["merchant"] == 2
    assert graph.edge_counts["paid"] == 2 and graph.edge_counts["sent"] == 2
    assert "type" not in graph.transactions.columns  # extra columns are ignored by build_graph


def test_required_columns_only_limit_and_origin(tmp_path):
    rows = [",".join(r.split(",")[i] for i in (0, 1, 2, 3, 6, 9)) for r in ROWS]
    path = _write(tmp_path, header="step,type,amount,nameOrig,nameDest,isFraud", rows=rows)
    tables = load_paysim(path, limit=2, origin="2020-03-01")
    assert list(tables.transactions["transaction_id"]) == ["1", "2"]
    assert "is_flagged_fraud" not in tables.transactions.columns
    assert tables.transactions["timestamp"][0] == pd.Timestamp("2020-03-01T01:00Z")


def test_parquet_gives_the_same_tables(tmp_path):
    frame = pd.read_csv(_write(tmp_path))
    frame.to_parquet(tmp_path / "paysim.parquet", index=False)
    from_csv = load_paysim(tmp_path / "paysim.csv")
    from_parquet = load_paysim(tmp_path / "paysim.parquet")
    pd.testing.assert_frame_equal(from_csv.transactions, from_parquet.transactions)
    pd.testing.assert_frame_equal(from_csv.labels, from_parquet.labels)


def test_bad_values_reach_the_rejects_as_written(tmp_path):
    rows = [*ROWS[:2], "x,PAYMENT,ten,C9,0.0,0.0,M1,0.0,0.0,0,0", "3,PAYMENT,1.0,C9,M1,0.0,0.0,0.0,0.0,0,0"]
    tables = load_paysim(_write(tmp_path, rows=rows))
    _, report = graphrisk.build_graph(**tables.as_kwargs())
    assert list(report.rejects["line"]) == [3]
    assert report.rejects["reason"][0] == "empty timestamp; unparseable amount"
    assert '"amount": "ten"' in report.rejects["record"][0] and '"step": "x"' in report.rejects["record"][0]


def test_missing_columns_are_named(tmp_path):
    path = _write(tmp_path, header="step,type,amount,nameOrig,oldbalanceOrg", rows=["1,PAYMENT,1.0,C1,0.0"])
    with pytest.raises(InputError, match=r"paysim.csv: missing columns nameDest, isFraud for the paysim format \(found: step"):
        load_paysim(path)


@pytest.mark.parametrize("limit, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_limit_is_refused(tmp_path, limit, error):
    with pytest.raises(error, match="limit"):
        load_paysim(_write(tmp_path), limit=limit)
