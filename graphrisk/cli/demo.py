"""``graphrisk demo``: the main job on an embedded default, no server needed."""

from __future__ import annotations

import argparse
import os
from importlib.resources import as_file, files
from pathlib import Path

from graphrisk.cli.summary import graph_summary, input_summary, store_summary
from graphrisk.graph.build import build_graph
from graphrisk.store.config import Neo4jConfig
from graphrisk.store.loader import load_graph
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run"]

SAMPLE_TABLES = ("transactions", "links", "users", "labels")


def add_parser(commands) -> None:
    """Register the ``demo`` command."""
    parser = commands.add_parser(
        "demo", help="run the main job on the built-in sample",
        description="Validate the built-in sample (with deliberately bad rows), build the transaction graph and "
        "report what was read, loaded and rejected. With NEO4J_URI set it also loads the graph into Neo4j.",
    )
    parser.add_argument("--out", default="graphrisk-demo", metavar="DIR", help="output folder (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk demo``."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    samples = files("graphrisk") / "samples"
    with as_file(samples) as folder:
        paths = {name: Path(folder) / f"{name}.csv" for name in SAMPLE_TABLES}
        graph, report = build_graph(**paths)
    rejects = report.write_rejects(out / "rejects.csv")
    print("graphrisk demo: built-in sample (a household sharing a device, a ring of three sharing a device,")
    print("card and email, paying one merchant within seconds and sending money to a fourth account)\n")
    print(input_summary(report, str(rejects)))
    print(graph_summary(graph))
    labelled = graph.labels if graph.labels is not None else None
    if labelled is not None:
        print(f"labels: {int(labelled['is_fraud'].sum())} fraud, {int((labelled['is_fraud'] == 0).sum())} legitimate")
    if os.environ.get("NEO4J_URI"):
        with connect(Neo4jConfig.from_env()) as runner:
            stored = load_graph(runner, graph)
        print(store_summary(stored, report.tables[0].rows_loaded))
    else:
        print("neo4j: skipped (set NEO4J_URI to load the graph into Neo4j)")
    return 0
