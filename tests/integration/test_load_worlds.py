"""A generated world and the real Fraud Detection Handbook data load into Neo4j through ``graphrisk load``."""

from __future__ import annotations

import pytest

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.loaders import load

pytestmark = pytest.mark.integration


def test_generated_default_world_loads_through_the_cli(runner, db_counts, neo4j_config, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_config.uri)
    world = tmp_path / "world"
    assert main(["generate", "--out", str(world), "--seed", "4"]) == 0  # the default world: 10,000 users
    tables = {name: world / f"{name}.csv" for name in ("transactions", "links", "users")}
    expected = build_graph(**tables, labels=world / "known_labels.csv")[0]
    argv = ["load", "--no-progress", "--rejects", str(tmp_path / "rejects.csv"), "--labels", str(world / "known_labels.csv")]
    for name, path in tables.items():
        argv += [f"--{name}", str(path)]
    assert main(argv) == 0
    assert "rejected" in capsys.readouterr().out
    nodes, relationships = db_counts()
    assert nodes["User"] == 10_000 == len(expected.users)
    assert nodes["Device"] == expected.node_counts["device"]
    assert relationships["PAID"] == len(expected.paid)
    assert relationships["SENT"] == len(expected.sent)
    assert relationships["USED"] == len(expected.used)
    [fraud] = runner.read("MATCH (u:User {label_is_fraud: 1}) RETURN count(u) AS n")
    assert fraud["n"] == int(expected.labels["is_fraud"].sum())


@pytest.mark.data
def test_handbook_data_loads_through_the_cli(runner, db_counts, neo4j_config, handbook_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_config.uri)
    argv = ["load", "--no-progress", "--input", str(handbook_path), "--format", "handbook",
            "--rejects", str(tmp_path / "rejects.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "1,754,155" in out
    nodes, relationships = db_counts()
    assert (nodes["User"], nodes["Merchant"]) == (4_990, 10_000)
    expected = build_graph(**load(handbook_path).as_kwargs(), keep_transactions=False)[0]
    assert relationships == {"PAID": len(expected.paid)}
    [totals] = runner.read("MATCH ()-[r:PAID]->() RETURN sum(r.count) AS n, sum(r.fraud_count) AS fraud")
    assert totals == {"n": 1_754_155, "fraud": 14_681}
