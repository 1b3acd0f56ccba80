"""Building the transaction graph from the hand-made sample: exact, hand-counted results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph


def test_sample_counts_reconcile(sample_paths):
    graph, report = build_graph(**sample_paths)
    per_table = {t.table: (t.rows_read, t.rows_loaded, t.rows_rejected) for t in report.tables}
    assert per_table == {
        "transactions": (19, 12, 7),
        "links": (7, 5, 2),
        "users": (7, 6, 1),
        "labels": (7, 5, 2),
    }
    assert len(report.rejects) == report.rows_rejected == 12
    assert report.rows_read == report.rows_loaded + report.rows_rejected


def test_sample_reject_reasons(sample_paths):
    _, report = build_graph(**sample_paths)
    reasons = report.rejects.sort_values(["table", "line"])[["table", "line", "reason"]].values.tolist()
    assert reasons == [
        ["labels", 7, "unknown user_id (not in transactions, links or users)"],
        ["labels", 8, "is_fraud must be 0 or 1"],
        ["links", 7, "entity_type must be one of device, card, ip, email, phone, address"],
        ["links", 8, "empty entity_id"],
        ["transactions", 14, "unparseable timestamp"],
        ["transactions", 15, "empty user_id"],
        ["transactions", 16, "negative amount"],
        ["transactions", 17, "unparseable amount"],
        ["transactions", 18, "duplicate transaction_id (first on line 6)"],
        ["transactions", 19, "empty transaction_id"],
        ["transactions", 20, "is_fraud must be 0 or 1"],
        ["users", 8, "empty user_id"],
    ]


def test_sample_nodes_and_edges(sample_paths):
    graph, _ = build_graph(**sample_paths)
    # users: u1..u8 from transactions (u8 also as counterparty), u9 from links, u10 from users
    assert graph.node_counts == {"user": 10, "merchant": 4, "device": 5, "card": 6, "ip": 3, "email": 2, "phone": 1}
    assert graph.edge_counts == {"paid": 8, "sent": 2, "used": 26}
    used = graph.used.groupby("entity_type").size().to_dict()
    assert used == {"device": 8, "card": 8, "ip": 6, "email": 3, "phone": 1}


def test_pairs_are_aggregated(sample_paths):
    graph, _ = build_graph(**sample_paths)
    u1_m1 = graph.paid.set_index(["src", "dst"]).loc[("u1", "m1")]
    assert (u1_m1["count"], u1_m1["amount"], u1_m1["fraud_count"]) == (2, 37.5, 0)
    u7_dx = graph.used.set_index(["entity_type", "src", "dst"]).loc[("device", "u7", "dX")]
    assert (u7_dx["count"], u7_dx["link_count"]) == (1, 1)
    assert str(u7_dx["first_seen"]) == "2024-02-27 00:00:00+00:00"  # the login came before the payment
    sent = graph.sent[["src", "dst", "amount", "fraud_count"]].values.tolist()
    assert sent == [["u5", "u8", 500.0, 1], ["u6", "u8", 450.0, 1]]


@pytest.mark.parametrize("chunk_rows", [1, 3, 1000])
def test_chunk_size_does_not_change_the_graph(sample_paths, chunk_rows):
    reference, _ = build_graph(**sample_paths)
    graph, report = build_graph(**sample_paths, chunk_rows=chunk_rows)
    assert graph.fingerprint() == reference.fingerprint()
    assert report.rows_rejected == 12


def test_transactions_are_kept_only_on_request(sample_paths):
    kept, _ = build_graph(sample_paths["transactions"])
    dropped, _ = build_graph(sample_paths["transactions"], keep_transactions=False)
    assert len(kept.transactions) == 12
    assert dropped.transactions is None
    assert kept.fingerprint() == dropped.fingerprint()


@pytest.fixture
def many_amounts():
    rng = np.random.default_rng(0)
    n = 2_000
    return pd.DataFrame({
        "transaction_id": [f"t{i}" for i in range(n)],
        "timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86_400 * 30, n), unit="s"),
        "user_id": rng.choice(["a", "b", "c"], n),
        "amount": rng.lognormal(3, 1, n),
        "merchant_id": "m",
    })


def test_content_id_ignores_chunking_order_and_format(many_amounts, tmp_path):
    reference = build_graph(many_amounts)[0].content_id
    assert build_graph(many_amounts, chunk_rows=97)[0].content_id == reference
    assert build_graph(many_amounts.sample(frac=1.0, random_state=1))[0].content_id == reference
    many_amounts.to_parquet(tmp_path / "tx.parquet")
    assert build_graph(tmp_path / "tx.parquet", chunk_rows=500)[0].content_id == reference
    users = pd.DataFrame({"user_id": ["a", "b"], "segment": ["x", "y"]})
    assert build_graph(many_amounts, users=users)[0].content_id == reference  # node properties only
    assert build_graph(many_amounts.iloc[1:])[0].content_id != reference


def test_empty_labels_table_is_fine(sample_paths):
    labels = pd.DataFrame({"user_id": pd.Series(dtype=str), "is_fraud": pd.Series(dtype=int)})
    graph, report = build_graph(sample_paths["transactions"], labels=labels)
    assert graph.labels is not None and graph.labels.empty
    assert report.tables[-1].rows_read == 0
