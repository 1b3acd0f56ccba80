"""xFraud eBay sample loader on the real data (../shared/data/xfraud_ebay)."""

from __future__ import annotations

import pandas as pd
import pytest

import graphrisk
from graphrisk.loaders.xfraud import XFRAUD_TIMESTAMP, load_xfraud

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def tables(xfraud_path):
    return load_xfraud(xfraud_path)


def test_communities_and_transactions(tables):
    tx = tables.transactions
    assert len(tx) == 1_075 and tx["transaction_id"].is_unique
    assert tx["community_id"].nunique() == 41
    assert int(tx["is_fraud"].sum()) == 547 and round(tx["is_fraud"].mean() * 100, 1) == 50.9
    assert int(tx["is_seed"].sum()) == 41  # one seed transaction per community (data-seed.txt)
    assert (tx["timestamp"] == XFRAUD_TIMESTAMP).all() and (tx["amount"] == 0.0).all()


def test_buyers_pay_and_the_rest_get_stand_ins(tables, xfraud_path):
    nodes = pd.read_csv(xfraud_path / "annotation_publish.csv")
    edges = pd.read_csv(xfraud_path / "masked_df_e.csv")
    kind = {(c, n): k for c, n, k in zip(nodes["community_id"], nodes["node_id"], nodes["node_type_mask"])}
    expected = {f"{c}:{s}": f"{c}:{t}" for s, t, c in zip(edges["source"], edges["target"], edges["community_id"])
                if kind[(c, s)] == "link" and kind[(c, t)] == "node"}
    payer = dict(zip(tables.transactions["transaction_id"], tables.transactions["user_id"]))
    assert len(expected) == 833
    assert all(payer[txn] == buyer for txn, buyer in expected.items())
    stand_ins = {t: u for t, u in payer.items() if t not in expected}
    assert len(stand_ins) == 242 and all(u == t.replace(":", ":buyer-of-", 1) for t, u in stand_ins.items())
    users = tables.users
    assert len(users) == 392 and users["user_id"].is_unique
    assert users["buyer_known"].value_counts().to_dict() == {0: 242, 1: 150}


def test_entities_become_links(tables):
    links = tables.links
    assert len(links) == 2_511
    assert links["entity_type"].value_counts().to_dict() == {"address": 875, "email": 850, "card": 786}
    assert links.groupby("entity_type")["entity_id"].nunique().to_dict() == {"address": 74, "card": 160, "email": 132}


def test_labels_per_user_with_community_rings(tables):
    labels = tables.labels
    assert len(labels) == 392 and int(labels["is_fraud"].sum()) == 125
    fraud = labels[labels["is_fraud"] == 1]
    assert fraud["ring_id"].notna().all() and labels.loc[labels["is_fraud"] == 0, "ring_id"].isna().all()
    assert (fraud["ring_id"] == fraud["user_id"].str.split(":").str[0]).all()
    # communities 15 and 27 hold no fraudulent transaction, so 39 of the 41 are rings
    assert fraud["ring_id"].nunique() == 39 and not {"15", "27"} & set(fraud["ring_id"])


def test_builds_the_graph_with_no_rejects(tables):
    graph, report = graphrisk.build_graph(**tables.as_kwargs())
    assert report.rows_rejected == 0 and report.rows_read == 1_075 + 2_511 + 392 + 392
    assert graph.node_counts == {"user": 392, "merchant": 0, "card": 160, "email": 132, "address": 74}


def test_limit_and_a_file_path(xfraud_path):
    tables = load_xfraud(xfraud_path / "annotation_publish.csv", limit=10)
    assert tables.transactions["transaction_id"].tolist() == [f"0:{i}" for i in range(10)]
    assert set(tables.links["user_id"]) <= set(tables.transactions["user_id"])
    assert set(tables.labels["user_id"]) == set(tables.users["user_id"]) == set(tables.transactions["user_id"])
