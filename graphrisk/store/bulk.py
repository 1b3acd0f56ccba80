"""A first load into an empty database with Neo4j's own bulk importer.

``neo4j-admin database import full`` writes the store files directly, about ten times
faster than transactions, but only into a database that is offline and is replaced
whole. So :func:`bulk_load`:

1. refuses a database that holds any node (``--bulk`` is for a first load only);
2. writes the graph as importer files (:mod:`graphrisk.store.bulk_files`);
3. runs the importer command, which must stop the server, import and start it again:
   ``tools/neo4j-local/neo4j-local import --`` does so for the local launcher, and
   ``tools/docker-neo4j-import`` for the Docker Compose service;
4. waits for the server, creates the constraints, and checks that the database holds
   exactly the graph's nodes and relationships.

The load's ``(:Load)`` node (status ``complete``, ``method: 'bulk'``) is one of the
imported nodes, so the graph and the record of its load arrive together: an incremental
``graphrisk load`` of the same input finds it already loaded, even after a bulk load
stopped between the import and the constraints (which every load creates again).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from graphrisk.errors import StoreError
from graphrisk.graph.model import NODE_TYPES, RELATIONSHIPS
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store import cypher
from graphrisk.store.bulk_files import write_import_files
from graphrisk.store.config import Neo4jConfig
from graphrisk.store.constraints import ensure_constraints
from graphrisk.store.loader import StoreReport
from graphrisk.store.runner import QueryRunner, connect

__all__ = ["bulk_load", "check_empty", "DEFAULT_IMPORTER", "IMPORTER_ENV"]

#: The importer command when neither ``importer`` nor :data:`IMPORTER_ENV` names one.
DEFAULT_IMPORTER = "neo4j-admin database import full"

#: Environment variable holding the importer command (split like a shell command line).
IMPORTER_ENV = "GRAPHRISK_NEO4J_IMPORT"

#: Seconds to wait for the server to serve again after the import.
RESTART_SECONDS = 180.0

#: Called with a stage name when it starts.
BulkProgress = Callable[[str], None]


def bulk_load(
    config: Neo4jConfig,
    graph: TransactionGraph,
    *,
    importer: str | Sequence[str] | None = None,
    folder: str | Path | None = None,
    progress: BulkProgress | None = None,
    checked_empty: bool = False,
) -> StoreReport:
    """Load ``graph`` into the empty database at ``config`` with Neo4j's bulk importer.

    Parameters
    ----------
    config
        The server; checked for emptiness before, and written to after, the import.
    graph
        The graph to load.
    importer
        The importer command (a shell-like string or a list); the importer's arguments
        (the database name first, then the files) are appended. Default: the
        ``GRAPHRISK_NEO4J_IMPORT`` environment variable, else ``neo4j-admin database import full``.
    folder
        Where the importer files are written (kept afterwards); default a temporary folder,
        deleted afterwards. It must be readable where the importer runs.
    progress
        Called with each stage's name as it starts.
    checked_empty
        The caller has just checked that the database is empty (:func:`check_empty`), so it
        is not checked again.

    Returns
    -------
    StoreReport
        With ``status`` ``"bulk-loaded"``.

    Raises
    ------
    StoreError
        The database is not empty, the importer is missing or failed, the server did not
        come back, or the database does not hold exactly the graph afterwards.
    """
    started = time.perf_counter()
    tell = progress or (lambda stage: None)
    command = _importer_command(importer)
    if not checked_empty:
        tell("checking the database is empty")
        check_empty(config)
    report = StoreReport(load_id=graph.content_id or graph.fingerprint(), status="bulk-loaded",
                         nodes=graph.node_counts, relationships=graph.edge_counts)
    tell("importer files")
    with tempfile.TemporaryDirectory(prefix="graphrisk-bulk-") as scratch:
        where = Path(folder) if folder is not None else Path(scratch)
        files = write_import_files(graph, where, load=_load_record(report))
        tell("neo4j-admin import")
        _run_importer(command, files.arguments(config.database), where, kept=folder is not None)
    tell("waiting for the server")
    _wait_for_server(config)
    with connect(config) as runner:
        tell("constraints")
        ensure_constraints(runner)
        runner.write("CALL db.awaitIndexes($seconds)", {"seconds": int(RESTART_SECONDS)})
        tell("checking counts")
        _check_counts(runner, report)
    report.seconds = time.perf_counter() - started
    return report


def _load_record(report: StoreReport) -> dict:
    """The ``(:Load)`` node of a bulk load, imported with the graph: complete when the graph is there at all.

    So an incremental ``graphrisk load`` of the same input finds it already loaded, even if
    this process was stopped between the import and the constraints.
    """
    from graphrisk import __version__

    return {"load_id": report.load_id, "status": "complete", "method": "bulk",
            "started_at": datetime.now(timezone.utc), "graphrisk_version": __version__,
            **{f"nodes_{k}": v for k, v in report.nodes.items()},
            **{f"relationships_{k}": v for k, v in report.relationships.items()}}


def _importer_command(importer: str | Sequence[str] | None) -> list[str]:
    if importer is None:
        importer = os.environ.get(IMPORTER_ENV) or DEFAULT_IMPORTER
    command = shlex.split(importer) if isinstance(importer, str) else list(importer)
    if not command:
        raise StoreError(f"the importer command is empty: set {IMPORTER_ENV} or --importer")
    return command


def check_empty(config: Neo4jConfig) -> None:
    """Raise :class:`StoreError` unless the database at ``config`` holds no node (cheap: the count store)."""
    with connect(config) as runner:
        _check_empty(runner, config)


def _check_empty(runner: QueryRunner, config: Neo4jConfig) -> None:
    nodes = runner.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    if nodes:
        raise StoreError(
            f"the database {config.database!r} at {config.uri} is not empty ({nodes:,} nodes): --bulk loads only into "
            "an empty database; load without --bulk to add to it"
        )


def _run_importer(command: list[str], arguments: list[str], folder: Path, *, kept: bool) -> None:
    """Run the importer with its output in ``folder/import.log``; one clear error if it fails.

    The error names the log when ``folder`` is kept (``--bulk-dir``).
    """
    log = folder / "import.log"
    environment = {**os.environ, "GRAPHRISK_BULK_DIR": str(folder)}
    try:
        with log.open("w") as output:
            finished = subprocess.run([*command, *arguments], stdout=output, stderr=subprocess.STDOUT,
                                      env=environment, check=False)
    except FileNotFoundError as e:
        raise StoreError(f"the importer command {command[0]!r} was not found: set {IMPORTER_ENV} or --importer "
                         "(see docs/bulk-load.md)") from e
    if finished.returncode:
        where = f" (its output: {log})" if kept else " (keep its output with --bulk-dir)"
        raise StoreError(f"the importer failed (exit {finished.returncode}): {_last_error(log)}{where}")


def _last_error(log: Path) -> str:
    """The most telling line of the importer's output."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    for line in lines:
        if "Exception" in line and not line.startswith("at "):
            return line[:300]
    return (lines[-1][:300] if lines else "no output")


def _wait_for_server(config: Neo4jConfig) -> None:
    """Return once the server answers again after the import."""
    deadline = time.monotonic() + RESTART_SECONDS
    while True:
        try:
            with connect(config):
                return
        except StoreError:
            if time.monotonic() > deadline:
                raise StoreError(f"Neo4j at {config.uri} did not come back within {RESTART_SECONDS:g} s after the "
                                 "import") from None
            time.sleep(1.0)


def _check_counts(runner: QueryRunner, report: StoreReport) -> None:
    """The database must hold exactly the graph's nodes and relationships (one query, read from the count store)."""
    expected = {NODE_TYPES[kind].label: count for kind, count in report.nodes.items()}
    # types with none are left out: the database does not know them
    expected.update({RELATIONSHIPS[name][0]: count for name, count in report.relationships.items() if count})
    nodes = [f"COUNT {{ (:{cypher.name(NODE_TYPES[kind].label)}) }} AS {cypher.name(NODE_TYPES[kind].label)}"
             for kind in report.nodes]
    relationships = [f"COUNT {{ ()-[:{cypher.name(RELATIONSHIPS[name][0])}]->() }} AS {cypher.name(RELATIONSHIPS[name][0])}"
                     for name, count in report.relationships.items() if count]
    found = runner.read("RETURN " + ", ".join(nodes + relationships))[0]
    wrong = {key: (found[key], want) for key, want in expected.items() if found[key] != want}
    if wrong:
        detail = ", ".join(f"{key} {got:,} instead of {want:,}" for key, (got, want) in wrong.items())
        raise StoreError(f"after the import the database holds {detail}")
