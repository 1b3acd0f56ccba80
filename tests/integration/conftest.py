"""A real Neo4j for integration tests.

Uses ``NEO4J_URI`` when set; otherwise starts the local launcher
(``tools/neo4j-local/neo4j-local``) once per test session and stops it at the end.
Under ``CI=true`` an unreachable Neo4j fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphrisk.errors import StoreError
from graphrisk.store.config import Neo4jConfig
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import Neo4jRunner, connect

LAUNCHER = Path(__file__).resolve().parents[2] / "tools" / "neo4j-local" / "neo4j-local"

pytestmark = pytest.mark.integration


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Neo4j is required under CI=true: {message}")
    pytest.skip(f"no Neo4j: {message}")


@pytest.fixture(scope="session")
def neo4j_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jConfig]:
    """Connection settings of a running real Neo4j."""
    if os.environ.get("NEO4J_URI"):
        yield Neo4jConfig.from_env()
        return
    state = tmp_path_factory.mktemp("neo4j-local")
    env = {**os.environ, "NEO4J_LOCAL_STATE": str(state)}
    started = subprocess.run(
        [str(LAUNCHER), "start", "--state-dir", str(state)], env=env, capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        _unavailable(f"the local launcher failed: {started.stderr.strip()[-500:]}")
    try:
        yield Neo4jConfig(uri=started.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([str(LAUNCHER), "stop"], env=env, check=False, capture_output=True)


@pytest.fixture
def runner(neo4j_config: Neo4jConfig) -> Iterator[Neo4jRunner]:
    """A runner on an empty database (graphrisk's constraints are kept)."""
    try:
        with connect(neo4j_config) as runner:
            clear_graph(runner)
            yield runner
    except StoreError as e:
        _unavailable(str(e))


@pytest.fixture
def db_counts(runner: Neo4jRunner):
    """A function returning ``(nodes per label, relationships per type)`` now in the database."""
    return lambda: (count_nodes(runner), count_relationships(runner))


def count_nodes(runner: Neo4jRunner) -> dict[str, int]:
    """Nodes per label, leaving out the loader's ledger (``LoadBatch``)."""
    rows = runner.read(
        "MATCH (n) WHERE NOT n:LoadBatch UNWIND labels(n) AS label RETURN label, count(*) AS n"
    )
    return {row["label"]: row["n"] for row in rows}


def count_relationships(runner: Neo4jRunner) -> dict[str, int]:
    """Relationships per type."""
    rows = runner.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    return {row["type"]: row["n"] for row in rows}
