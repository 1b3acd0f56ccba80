"""IEEE-CIS loader: exact canonical output from a hand-made file, and missing columns."""

from __future__ import annotations

import pandas as pd
import pytest

import graphrisk
from graphrisk.errors import InputError
from graphrisk.loaders.ieee_cis import load_ieee_cis

HEADER = ("TransactionID,isFraud,TransactionDT,TransactionAmt,ProductCD,card1,card2,card3,card4,card5,card6,"
          "addr1,P_emaildomain,DeviceInfo,V1")
ROWS = [
    "2987000,0,86400,68.5,W,13926,,150.0,discover,142.0,credit,315.0,,,1.0",
    "2987001,0,86401,29.0,W,2755,404.0,150.0,mastercard,102.0,credit,325.0,gmail.com,SM-G960U Build/R16NW,",
    "2987002,1,86469,59.0,W,2755,404.0,150.0,mastercard,102.0,debit,330.0,Gmail.com,SM-G960U Build/R16NW,",
    "2987003,1,90000,50.0,H,2755,404,150,mastercard,102,credit,,yahoo.com,Windows,",
    "2987004,0,90061,15.25,C,,,,,,,,hotmail.com,Windows,",
]


def _write(tmp_path, header=HEADER, rows=ROWS, name="train.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_maps_every_column(tmp_path):
    tables = load_ieee_cis(_write(tmp_path))
    user = "2755|404|150|102"
    expected = pd.DataFrame({
        "transaction_id": pd.Series(["2987000", "2987001", "2987002", "2987003", "2987004"], dtype="string"),
        "timestamp": pd.Series(pd.to_datetime(
            ["2017-12-02T00:00:00Z", "2017-12-02T00:00:01Z", "2017-12-02T00:01:09Z", "2017-12-02T01:00:00Z",
             "2017-12-02T01:01:01Z"], utc=True)).astype("datetime64[ns, UTC]"),
        "user_id": pd.Series(["13926||150|142", user, user, user, None], dtype="string"),
        "amount": [68.5, 29.0, 59.0, 50.0, 15.25],
        "card_id": pd.Series(["13926||150|discover|142|credit", "2755|404|150|mastercard|102|credit",
                              "2755|404|150|mastercard|102|debit", "2755|404|150|mastercard|102|credit", None],
                             dtype="string"),
        "device_id": pd.Series([None, "SM-G960U Build/R16NW", "SM-G960U Build/R16NW", "Windows", "Windows"],
                               dtype="string"),
        "is_fraud": pd.Series([0, 0, 1, 1, 0], dtype="Int8"),
    })
    pd.testing.assert_frame_equal(tables.transactions, expected)
    assert tables.links is None
    # the domain is an attribute (most frequent per user, case folded), never an identifier
    pd.testing.assert_frame_equal(tables.users, pd.DataFrame({
        "user_id": pd.Series([user], dtype="string"), "email_domain": pd.Series(["gmail.com"], dtype="string"),
    }))
    pd.testing.assert_frame_equal(tables.labels, pd.DataFrame({
        "user_id": pd.Series(["13926||150|142", user], dtype="string"),
        "is_fraud": pd.Series([0, 1], dtype="Int8"),
    }))


def test_loads_into_the_graph_rejecting_only_the_row_without_card1(tmp_path):
    graph, report = graphrisk.build_graph(**load_ieee_cis(_write(tmp_path)).as_kwargs())
    assert report.rows_rejected == 1
    assert report.rejects["reason"].tolist() == ["empty user_id"]
    assert report.rejects["record"][0].startswith('{"transaction_id": "2987004"')
    assert graph.node_counts["user"] == 2
    assert graph.node_counts["card"] == 3 and graph.node_counts["device"] == 2
    domains = dict(zip(graph.users["user_id"], graph.users["email_domain"].fillna("-")))
    assert domains == {"13926||150|142": "-", "2755|404|150|102": "gmail.com"}

def test_optional_columns_may_be_absent(tmp_path):
    header = "TransactionID,TransactionDT,TransactionAmt,card1,card2,card3,card4,card5,card6"
    path = _write(tmp_path, header=header, rows=["3663549,18403224,31.95,10409,111.0,150.0,visa,226.0,debit"])
    tables = load_ieee_cis(path, reference="2020-01-01")
    assert list(tables.transactions.columns) == ["transaction_id", "timestamp", "user_id", "amount", "card_id"]
    assert tables.users is None and tables.labels is None
    assert tables.transactions["timestamp"][0] == pd.Timestamp("2020-01-01T00:00Z") + pd.Timedelta(seconds=18403224)


def test_limit_reads_the_first_rows(tmp_path):
    assert load_ieee_cis(_write(tmp_path), limit=2).transactions["transaction_id"].tolist() == ["2987000", "2987001"]


def test_missing_required_columns_are_all_named(tmp_path):
    path = _write(tmp_path, header="TransactionID,TransactionAmt,card1,card2,card3,card5,card6", rows=["1,2.0,3,4,5,6,debit"])
    with pytest.raises(InputError, match=r"train.csv: missing columns TransactionDT, card4 for the ieee format \(found: "):
        load_ieee_cis(path)
