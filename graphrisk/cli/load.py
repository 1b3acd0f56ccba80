"""``graphrisk load``: validate canonical input and load it into Neo4j."""

from __future__ import annotations

import argparse

from graphrisk.cli.options import (
    add_graph_input_options,
    add_neo4j_options,
    check_input_choice,
    graph_input,
    neo4j_config,
    positive_int,
)
from graphrisk.cli.progress import stage_bars
from graphrisk.cli.summary import store_summary
from graphrisk.store.loader import DEFAULT_BATCH_SIZE, DEFAULT_WORKERS, load_graph
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``load`` command."""
    parser = commands.add_parser(
        "load", help="validate input and load it into Neo4j",
        description="Validate canonical input row by row and load the aggregated graph into Neo4j. "
        "Loading the same input again changes nothing; an interrupted load resumes where it stopped. "
        "Give either --transactions (with --links/--users/--labels) or --input in a public format.",
    )
    add_graph_input_options(parser)
    add_neo4j_options(parser)
    parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, metavar="N",
                        help="rows per transaction")
    parser.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS, metavar="N",
                        help="transactions written at once (default: %(default)s)")
    parser.add_argument("--keep-transactions", action="store_true", help="also write one :Transaction node per transaction")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk load``."""
    check_input_choice(args)
    config = neo4j_config(args)  # before reading: a missing URI or a bad config file fails fast
    read = graph_input(args, keep_transactions=args.keep_transactions, progress=not args.no_progress)
    graph, report = read.graph, read.report
    with connect(config) as runner, stage_bars(not args.no_progress, unit="items") as progress:
        stored = load_graph(
            runner, graph, batch_size=args.batch_size, workers=args.workers,
            keep_transactions=args.keep_transactions, progress=progress,
        )
    print(store_summary(stored, report.tables[0].rows_loaded))
    return 0
