"""``graphrisk load --bulk`` (Neo4j's own importer) against the incremental load of the same files.

The module runs its own server: the bulk import stops and restarts it (through
``tools/neo4j-local/neo4j-local import``), which the session's server must not see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from local_server import LAUNCHER, LocalServer, own_server

from graphrisk.store.config import Neo4jConfig
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import connect
from graphrisk.synth import WorldConfig, generate_world

pytestmark = pytest.mark.integration

#: Every domain node with its properties, and every relationship with its ends and properties.
NODES = "MATCH (n) WHERE NOT n:Load AND NOT n:LoadBatch RETURN labels(n) AS labels, properties(n) AS p"
RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN labels(a)[0] AS a_label, a.user_id AS a, labels(b)[0] AS b_label,
       [k IN keys(b) WHERE k ENDS WITH '_id' | b[k]][0] AS b, type(r) AS type, properties(r) AS p
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with own_server(tmp_path_factory.mktemp("neo4j-bulk")) as local:
        yield local


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    """A generated world with links, user attributes and labels, plus a user whose attribute has a line break."""
    folder = tmp_path_factory.mktemp("bulk-world")
    paths = generate_world(400, seed=11, config=WorldConfig(fraud_share=0.08)).write(folder)
    users = pd.read_csv(paths["users"], dtype=str, keep_default_na=False)
    users.loc[0, users.columns[-1]] = 'a "quoted",\nmulti-line value'
    users.to_csv(paths["users"], index=False)
    return paths


def _graphrisk(args: list[str], server: LocalServer) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEO4J_URI": server.uri, "NEO4J_LOCAL_STATE": str(server.state),
           "GRAPHRISK_NEO4J_RETRY_SECONDS": "30"}
    env.pop("GRAPHRISK_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "graphrisk.cli.main", *args], env=env, capture_output=True,
                          text=True, check=False, timeout=600)


def _load_args(world: dict[str, Path], tmp_path: Path, *extra: str) -> list[str]:
    return ["load", "--transactions", str(world["transactions"]), "--links", str(world["links"]),
            "--users", str(world["users"]), "--labels", str(world["labels"]), "--no-progress",
            "--rejects", str(tmp_path / "rejects.csv"), *extra]


def _bulk(world, tmp_path, server) -> subprocess.CompletedProcess:
    return _graphrisk(_load_args(world, tmp_path, "--bulk", "--importer", f"{LAUNCHER} import --",
                                 "--bulk-dir", str(tmp_path / "bulk")), server)


def _snapshot(config: Neo4jConfig) -> tuple[list, list]:
    with connect(config) as runner:
        nodes = sorted((sorted(row["labels"]), sorted(row["p"].items())) for row in runner.read(NODES))
        relationships = sorted(
            (row["a_label"], row["a"], row["b_label"], row["b"], row["type"], sorted(row["p"].items()))
            for row in runner.read(RELATIONSHIPS)
        )
    return nodes, relationships


def test_bulk_and_incremental_loads_give_identical_graphs(server, world, tmp_path):
    config = server.emptied()
    bulk = _bulk(world, tmp_path, server)
    assert bulk.returncode == 0, bulk.stderr[-2000:]
    assert "neo4j: bulk-loaded" in bulk.stdout
    bulk_nodes, bulk_relationships = _snapshot(config)

    with connect(config) as runner:
        clear_graph(runner)
    incremental = _graphrisk(_load_args(world, tmp_path), server)
    assert incremental.returncode == 0, incremental.stderr[-2000:]
    nodes, relationships = _snapshot(config)

    assert len(bulk_nodes) > 400 and len(bulk_relationships) > 1000
    assert bulk_nodes == nodes  # every node, label and property (attributes, labels, the line break)
    assert bulk_relationships == relationships  # every pair: count, amount, first/last seen, fraud and link counts


def test_a_bulk_load_is_recognised_by_an_incremental_rerun(server, world, tmp_path):
    config = server.emptied()
    assert _bulk(world, tmp_path, server).returncode == 0
    before = _snapshot(config)
    again = _graphrisk(_load_args(world, tmp_path), server)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "neo4j: already-loaded" in again.stdout
    assert _snapshot(config) == before
    with connect(config) as runner:
        [load] = runner.read("MATCH (l:Load) RETURN l.method AS method, l.status AS status")
    assert load == {"method": "bulk", "status": "complete"}


def test_bulk_refuses_a_database_that_is_not_empty_in_one_line(server, world, tmp_path):
    config = server.emptied()
    with connect(config) as runner:
        runner.write("CREATE (:User {user_id: 'already-here'})")
    refused = _bulk(world, tmp_path, server)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1].startswith("graphrisk load: error: the database 'neo4j' at ")
    assert "is not empty (1 nodes): --bulk loads only into an empty database" in refused.stderr
    assert not (tmp_path / "bulk").exists()  # refused before anything was written
    with connect(config) as runner:
        assert runner.read("MATCH (n) RETURN count(n) AS n") == [{"n": 1}]


def test_a_failing_importer_is_one_line_and_names_its_log(server, world, tmp_path):
    server.emptied()
    failed = _graphrisk(_load_args(world, tmp_path, "--bulk", "--importer", f"{LAUNCHER} import -- --no-such-option",
                                   "--bulk-dir", str(tmp_path / "bulk")), server)
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("graphrisk load: error: the importer failed (exit ")
    assert f"(its output: {tmp_path / 'bulk' / 'import.log'})" in last
    assert (tmp_path / "bulk" / "import.log").read_text()
