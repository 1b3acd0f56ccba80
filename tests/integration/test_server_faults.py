"""The Neo4j server stopped or killed under a running load or write-back, then started again.

With a short retry bound the command gives up with one clear line and status 1, and a
rerun ends exactly like one clean run; with a bound longer than the outage the driver's
retries (exponential backoff) carry the command through, with exact results.

These tests stop their own server (one per module, its data kept across restarts in a
state dir), never the session's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from local_server import LocalServer, own_server

from graphrisk import build_graph
from graphrisk.store.config import Neo4jConfig
from graphrisk.store.constraints import ensure_constraints
from graphrisk.store.runner import connect
from graphrisk.synth import WorldConfig, generate_world

pytestmark = pytest.mark.integration

#: Retry bound that gives up quickly once the server is gone.
SHORT_RETRY = "3"
#: Retry bound longer than a stop and a start of the server.
LONG_RETRY = "90"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with own_server(tmp_path_factory.mktemp("neo4j-faults")) as local:
        yield local


@pytest.fixture
def config(server: LocalServer) -> Neo4jConfig:
    """Settings of the module's server, on an empty database (restarted first if a test left it down)."""
    settings = server.emptied()
    with connect(settings) as runner:
        ensure_constraints(runner)  # the labels exist: no "unknown label" notice on the polls below
    return settings


@pytest.fixture(scope="module")
def world_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    world = generate_world(1000, seed=5, config=WorldConfig(fraud_share=0.06))
    return world, world.write(folder)


@pytest.fixture
def graphrisk() -> Iterator:
    """Start ``python -m graphrisk.cli.main ARGS`` against a URI with a retry bound; none outlives the test."""
    started: list[subprocess.Popen] = []

    def run(args: list[str], uri: str, retry_seconds: str) -> subprocess.Popen:
        env = {**os.environ, "NEO4J_URI": uri, "GRAPHRISK_NEO4J_RETRY_SECONDS": retry_seconds}
        env.pop("GRAPHRISK_CONFIG", None)
        started.append(subprocess.Popen([sys.executable, "-m", "graphrisk.cli.main", *args], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        return started[-1]

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _count(config: Neo4jConfig, query: str) -> int:
    with connect(config) as runner:
        return runner.read(query)[0]["n"]


def _wait_for(process: subprocess.Popen, config: Neo4jConfig, query: str, at_least: int,
              timeout: float = 120.0) -> None:
    """Return as soon as ``query`` counts ``at_least``, while ``process`` still runs (one connection, closed after)."""
    deadline = time.monotonic() + timeout
    with connect(config) as runner:
        while runner.read(query)[0]["n"] < at_least:
            if process.poll() is not None:
                pytest.fail(f"finished before the server could be stopped: {process.communicate()}")
            assert time.monotonic() < deadline, "never reached the point to stop the server"
            time.sleep(0.05)


def _assert_one_error_line(err: str, command: str) -> None:
    """One ``graphrisk COMMAND: error: Neo4j...`` line; the rest only the driver's one-line retry notes."""
    lines = err.splitlines()
    errors = [line for line in lines if line.startswith(f"graphrisk {command}: error:")]
    assert len(errors) == 1, err
    assert "Neo4j at bolt://127.0.0.1:" in errors[0] and f"gave up after retrying for {SHORT_RETRY} s" in errors[0], err
    assert "Traceback" not in err
    assert all(line.startswith("neo4j: ") for line in lines if line not in errors), err


def _load_args(paths: dict, tmp_path: Path) -> list[str]:
    return ["load", "--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
            "--users", str(paths["users"]), "--batch-size", "40", "--workers", "1", "--no-progress",
            "--rejects", str(tmp_path / "rejects.csv")]


def _assert_loaded_exactly_once(config: Neo4jConfig, world) -> None:
    expected = build_graph(world.transactions, world.links, world.users)[0]
    with connect(config) as runner:
        nodes = {r["label"]: r["n"] for r in runner.read(
            "MATCH (n) WHERE NOT n:LoadBatch UNWIND labels(n) AS label RETURN label, count(*) AS n")}
        relationships = {r["type"]: r["n"] for r in runner.read(
            "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")}
        totals = runner.read("MATCH (:User)-[r:PAID|SENT]->() RETURN sum(r.count) AS n, sum(r.amount) AS amount")[0]
        loads = runner.read("MATCH (l:Load) RETURN l.status AS status")
    assert nodes["User"] == expected.node_counts["user"] and nodes["Merchant"] == expected.node_counts["merchant"]
    assert relationships == {"PAID": len(expected.paid), "SENT": len(expected.sent), "USED": len(expected.used)}
    assert totals["n"] == len(world.transactions)
    assert totals["amount"] == pytest.approx(float(world.transactions["amount"].sum()))
    assert loads == [{"status": "complete"}]


BATCHES = "MATCH (b:LoadBatch) RETURN count(b) AS n"
LOADS_COMPLETE = "MATCH (l:Load {status: 'complete'}) RETURN count(l) AS n"
SCORED = "MATCH (u:User) WHERE 'score_run' IN keys(u) RETURN count(u) AS n"  # no notice before the key exists


def test_server_stopped_mid_load_fails_in_one_line_and_a_rerun_loads_exactly_once(
    server, config, world_files, graphrisk, tmp_path
):
    world, paths = world_files
    args = _load_args(paths, tmp_path)
    process = graphrisk(args, config.uri, SHORT_RETRY)
    _wait_for(process, config, BATCHES, 5)
    server.stop()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, (out, err)
    _assert_one_error_line(err, "load")

    server.start()
    assert _count(config, LOADS_COMPLETE) == 0  # really cut short
    rerun = graphrisk(args, config.uri, SHORT_RETRY)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert "neo4j: resumed" in out
    _assert_loaded_exactly_once(config, world)


def test_server_killed_mid_write_back_fails_in_one_line_and_a_rerun_matches_a_clean_run(
    server, config, world_files, graphrisk, tmp_path
):
    from graphrisk.model import RiskDetector
    from graphrisk.store.loader import load_graph

    world, paths = world_files
    graph = build_graph(world.transactions, world.links, world.users)[0]
    with connect(config) as runner:
        load_graph(runner, graph, workers=1)
    model = tmp_path / "model"
    RiskDetector(epochs=10, seed=0).fit(graph, world.known_labels).save(model)
    scores = tmp_path / "scores.csv"
    args = ["score", "--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
            "--users", str(paths["users"]), "--model", str(model), "--write-neo4j", "--batch-size", "10",
            "--no-progress", "--out", str(scores), "--rejects", str(tmp_path / "rejects.csv")]
    process = graphrisk(args, config.uri, SHORT_RETRY)
    _wait_for(process, config, SCORED, 100)
    server.kill()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, (out, err)
    _assert_one_error_line(err, "score")

    server.start()
    assert _count(config, SCORED) < len(graph.users)  # really cut short
    rerun = graphrisk(args, config.uri, SHORT_RETRY)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert "neo4j: resumed score run" in out
    table = pd.read_csv(scores, keep_default_na=False)
    with connect(config) as runner:
        state = runner.read("""
            RETURN COUNT { MATCH (u:User) WHERE u.risk_score IS NOT NULL } AS scored,
                   COUNT { MATCH (r:Ring {status: 'active'}) } AS rings,
                   COUNT { MATCH (r:Ring) } AS all_rings,
                   COUNT { MATCH (:User)-[:MEMBER_OF]->(:Ring) } AS members,
                   COUNT { MATCH (s:ScoreRun {status: 'complete'}) } AS runs,
                   COUNT { MATCH (l:WriteLock) WHERE l.holder IS NOT NULL } AS locks_held
        """)[0]
        stored = pd.DataFrame(runner.read("MATCH (u:User) RETURN u.user_id AS user_id, u.risk_score AS risk, "
                                          "coalesce(u.ring_id, '') AS ring_id")).set_index("user_id").sort_index()
    in_rings = table.loc[table["ring_id"] != "", "ring_id"]
    assert in_rings.nunique() > 0  # rings were written, not just scores
    assert state == {"scored": len(table), "rings": in_rings.nunique(), "all_rings": in_rings.nunique(),
                     "members": len(in_rings), "runs": 1, "locks_held": 0}
    expected = table.set_index("user_id").sort_index()
    assert stored["risk"].to_numpy() == pytest.approx(expected["risk_score"].to_numpy())
    assert (stored["ring_id"] == expected["ring_id"]).all()


def test_a_restart_within_the_retry_bound_is_retried_through(server, config, world_files, graphrisk, tmp_path):
    world, paths = world_files
    process = graphrisk(_load_args(paths, tmp_path), config.uri, LONG_RETRY)
    _wait_for(process, config, BATCHES, 5)
    server.stop()
    assert process.poll() is None  # the load waits for the server
    server.start()
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    assert re.search(r"^neo4j: .*retr(ying|ied) in", err, re.MULTILINE), err  # the driver's backoff, a line a retry
    _assert_loaded_exactly_once(config, world)
