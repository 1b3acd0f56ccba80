"""Fraud Detection Handbook loader on the real data (../shared/data/fraud_handbook)."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import graphrisk
from graphrisk.loaders.handbook import load_handbook

pytestmark = pytest.mark.data


def test_first_rows_map_one_to_one(handbook_path):
    tables = load_handbook(handbook_path, limit=5_000)
    raw = next(pq.ParquetFile(handbook_path).iter_batches(batch_size=5_000)).to_pandas()
    tx = tables.transactions
    assert len(tx) == 5_000
    assert tx["transaction_id"].tolist() == raw["TRANSACTION_ID"].astype(str).tolist()
    assert tx["user_id"].tolist() == raw["CUSTOMER_ID"].astype(str).tolist()
    assert tx["merchant_id"].tolist() == raw["TERMINAL_ID"].astype(str).tolist()
    assert tx["amount"].tolist() == raw["TX_AMOUNT"].tolist()
    assert tx["is_fraud"].astype(int).tolist() == raw["TX_FRAUD"].tolist()
    assert tx["fraud_scenario"].astype(int).tolist() == raw["TX_FRAUD_SCENARIO"].tolist()
    assert (tx["timestamp"] == raw["TX_DATETIME"].dt.tz_localize("UTC")).all()
    assert tx["timestamp"].iloc[0] == pd.Timestamp("2018-04-01T00:00:31Z")
    assert tables.links is None and tables.users is None
    assert tables.labels["user_id"].is_unique and set(tables.labels["user_id"]) == set(tx["user_id"])


def test_whole_file_facts(handbook_path):
    tables = load_handbook(handbook_path)
    tx, labels = tables.transactions, tables.labels
    assert len(tx) == 1_754_155 and tx["transaction_id"].is_unique
    assert int(tx["is_fraud"].sum()) == 14_681 and round(tx["is_fraud"].mean() * 100, 3) == 0.837
    assert tx["user_id"].nunique() == 4_990 and tx["merchant_id"].nunique() == 10_000
    assert tx["timestamp"].min() == pd.Timestamp("2018-04-01T00:00:31Z")
    assert tx["timestamp"].max() == pd.Timestamp("2018-09-30T23:59:57Z")
    compromised = tx[tx["fraud_scenario"] == 2]
    assert len(compromised) == 9_077 and compromised["merchant_id"].nunique() == 357
    # user labels: customers with any fraudulent transaction; rings: their main compromised terminal
    assert len(labels) == 4_990 and int(labels["is_fraud"].sum()) == 3_472
    rings = labels.dropna(subset=["ring_id"])
    assert len(rings) == compromised["user_id"].nunique() == 3_212
    assert (rings["is_fraud"] == 1).all() and rings["ring_id"].str.startswith("terminal:").all()
    victims = set(zip(compromised["user_id"], "terminal:" + compromised["merchant_id"]))
    assert all(pair in victims for pair in zip(rings["user_id"], rings["ring_id"]))


def test_builds_the_graph_with_no_rejects(handbook_path):
    tables = load_handbook(handbook_path, limit=100_000)
    graph, report = graphrisk.build_graph(**tables.as_kwargs())
    assert report.rows_rejected == 0
    assert [(t.table, t.rows_loaded) for t in report.tables] == [("transactions", 100_000), ("labels", 4_879)]
    assert graph.node_counts["user"] == 4_879
    assert graph.node_counts["merchant"] == tables.transactions["merchant_id"].nunique()
    assert int(graph.paid["fraud_count"].sum()) == 299
    # fraud_scenario is kept for analysis in Python; build_graph ignores it
    assert "fraud_scenario" in tables.transactions.columns and "fraud_scenario" not in graph.transactions.columns
