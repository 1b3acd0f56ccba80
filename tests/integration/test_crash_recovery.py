"""A graphrisk process killed with SIGKILL mid-load or mid-write-back, then run again: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.synth import WorldConfig, generate_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    world = generate_world(2000, seed=5, config=WorldConfig(fraud_share=0.06))
    paths = world.write(folder)
    return world, paths


def _graphrisk(args: list[str], uri: str) -> subprocess.Popen:
    env = {**os.environ, "NEO4J_URI": uri}
    return subprocess.Popen([sys.executable, "-m", "graphrisk.cli.main", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(process: subprocess.Popen, ready, timeout: float = 240.0) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` is true (it must still be running then)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"finished before it could be killed: {process.communicate()}")
        assert time.monotonic() < deadline, "never reached the point to kill it"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)  # reaps it and closes its pipes
    assert process.returncode == -signal.SIGKILL


def _count(runner, query: str) -> int:
    return runner.read(query)[0]["n"]


def test_load_killed_midway_then_rerun_loads_exactly_once(runner, db_counts, neo4j_config, world_files, tmp_path):
    world, paths = world_files
    expected = build_graph(world.transactions, world.links, world.users)[0]
    args = ["load", "--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
            "--users", str(paths["users"]), "--batch-size", "100", "--workers", "1", "--no-progress",
            "--rejects", str(tmp_path / "rejects.csv")]
    process = _graphrisk(args, neo4j_config.uri)
    _kill_when(process, lambda: _count(runner, "MATCH (b:LoadBatch) RETURN count(b) AS n") >= 20)
    assert _count(runner, "MATCH (l:Load {status: 'complete'}) RETURN count(l) AS n") == 0  # really cut short

    rerun = _graphrisk(args, neo4j_config.uri)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert "neo4j: resumed" in out
    nodes, relationships = db_counts()
    assert nodes["User"] == expected.node_counts["user"] and nodes["Merchant"] == expected.node_counts["merchant"]
    assert relationships == {"PAID": len(expected.paid), "SENT": len(expected.sent), "USED": len(expected.used)}
    totals = runner.read("MATCH (:User)-[r:PAID|SENT]->() RETURN sum(r.count) AS n, sum(r.amount) AS amount")[0]
    assert totals["n"] == len(world.transactions)
    assert totals["amount"] == pytest.approx(float(world.transactions["amount"].sum()))


def test_write_back_killed_midway_then_rerun_matches_a_clean_run(runner, neo4j_config, world_files, tmp_path):
    from graphrisk.model import RiskDetector
    from graphrisk.store.loader import load_graph

    world, _ = world_files
    graph = build_graph(world.transactions, world.links, world.users)[0]
    load_graph(runner, graph, keep_transactions=True)
    model = tmp_path / "model"
    RiskDetector(epochs=10, seed=0).fit(graph, world.known_labels).save(model)
    scores = tmp_path / "scores.csv"
    args = ["score", "--from-neo4j", "--model", str(model), "--write-neo4j", "--batch-size", "25", "--no-progress",
            "--out", str(scores)]
    process = _graphrisk(args, neo4j_config.uri)
    _kill_when(process, lambda: _count(runner, "MATCH (u:User) WHERE u.score_run IS NOT NULL RETURN count(u) AS n") >= 200)
    written = _count(runner, "MATCH (u:User) WHERE u.score_run IS NOT NULL RETURN count(u) AS n")
    assert written < len(graph.users)  # really cut short

    rerun = _graphrisk(args, neo4j_config.uri)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert "neo4j: resumed score run" in out
    table = pd.read_csv(scores, keep_default_na=False)
    state = runner.read("""
        RETURN COUNT { MATCH (u:User) WHERE u.risk_score IS NOT NULL } AS scored,
               COUNT { MATCH (r:Ring {status: 'active'}) } AS rings,
               COUNT { MATCH (r:Ring) } AS all_rings,
               COUNT { MATCH (:User)-[:MEMBER_OF]->(:Ring) } AS members,
               COUNT { MATCH (s:ScoreRun {status: 'complete'}) } AS runs
    """)[0]
    in_rings = table.loc[table["ring_id"] != "", "ring_id"]
    assert state == {"scored": len(table), "rings": in_rings.nunique(), "all_rings": in_rings.nunique(),
                     "members": len(in_rings), "runs": 1}
    stored = pd.DataFrame(runner.read("MATCH (u:User) RETURN u.user_id AS user_id, u.risk_score AS risk, "
                                      "coalesce(u.ring_id, '') AS ring_id")).set_index("user_id").sort_index()
    expected = table.set_index("user_id").sort_index()
    assert stored["risk"].to_numpy() == pytest.approx(expected["risk_score"].to_numpy())
    assert (stored["ring_id"] == expected["ring_id"]).all()
