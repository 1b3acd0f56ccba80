"""Edge cases found in review: load identity, timestamps, blank lines, empty labels, label-free names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from neo4j.exceptions import ServiceUnavailable

from graphrisk import build_graph
from graphrisk.cli import load as load_command
from graphrisk.cli.main import main


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


def test_out_of_range_parquet_timestamps_are_rejected(tmp_path):
    frame = pd.DataFrame({
        "transaction_id": ["a", "b"],
        "timestamp": pd.Series(pd.to_datetime(["2024-01-01", "9999-12-31"])).astype("datetime64[us]"),
        "user_id": ["u", "v"], "amount": [1.0, 2.0],
    })
    frame.to_parquet(tmp_path / "tx.parquet")
    _, report = build_graph(tmp_path / "tx.parquet")
    assert report.rejects[["line", "reason"]].values.tolist() == [[2, "unparseable timestamp"]]


def test_compact_iso_dates_are_dates_not_seconds():
    frame = pd.DataFrame({"transaction_id": ["a", "b"], "timestamp": ["20240115", "1700000000"],
                          "user_id": ["u", "u"], "amount": ["1", "1"]})
    tx = build_graph(frame)[0].transactions
    assert tx["timestamp"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-15", "2023-11-14"]


def test_blank_lines_are_rejected_and_line_numbers_stay_true(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("transaction_id,timestamp,user_id,amount\nt1,2024-01-01,u1,1\n\nt2,bad,u2,1\n")
    _, report = build_graph(path)
    assert report.rejects["line"].tolist() == [3, 4]
    assert report.rejects["reason"].iloc[1] == "unparseable timestamp"
    assert (report.rows_read, report.rows_loaded) == (3, 1)


def test_empty_labels_table_is_fine(sample_paths):
    labels = pd.DataFrame({"user_id": pd.Series(dtype=str), "is_fraud": pd.Series(dtype=int)})
    graph, report = build_graph(sample_paths["transactions"], labels=labels)
    assert graph.labels is not None and graph.labels.empty
    assert report.tables[-1].rows_read == 0


def test_planted_identities_carry_no_ring_names():
    from graphrisk.synth import WorldConfig, generate_world

    world = generate_world(1_000, seed=3, config=WorldConfig(fraud_share=0.05, ring_mix={"bust_out": 1.0}))
    ids = world.links["entity_id"].astype(str)
    assert not ids.str.contains("-r").any()
    fraud = set(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    shared = world.links[world.links["user_id"].isin(fraud) & world.links["entity_type"].isin(["phone", "address"])]
    assert shared["entity_id"].str.fullmatch(r"(tel|addr)\d+").all()


def test_neo4j_failure_during_a_load_is_one_line(sample_paths, tmp_path, capsys, monkeypatch):
    class FakeConnect:
        def __init__(self, config):
            pass

        def __enter__(self):
            return object()

        def __exit__(self, *exc):
            return False

    def failing_load(*args, **kwargs):
        raise ServiceUnavailable("Failed to read from defunct connection\nmore detail")

    monkeypatch.setattr(load_command, "connect", FakeConnect)
    monkeypatch.setattr(load_command, "load_graph", failing_load)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    status = main(["load", "--no-progress", "--transactions", str(sample_paths["transactions"]),
                   "--rejects", str(tmp_path / "r.csv")])
    err = capsys.readouterr().err
    assert status == 1
    assert err == "graphrisk load: error: Neo4j: Failed to read from defunct connection\n"
