"""``graphrisk load``: validate canonical input and load it into Neo4j."""

from __future__ import annotations

import argparse
import sys

from graphrisk.cli.driver_log import deadlock_retries
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
from graphrisk.errors import InputError
from graphrisk.store.bulk import DEFAULT_IMPORTER, IMPORTER_ENV, bulk_load, check_empty
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
    bulk = parser.add_argument_group(
        "bulk first load",
        "Load into an empty database with Neo4j's own importer (neo4j-admin database import full): several times "
        "faster, for a first load only. See docs/bulk-load.md.",
    )
    bulk.add_argument("--bulk", action="store_true", help="load with Neo4j's importer; refuses a database that is not empty")
    bulk.add_argument("--importer", metavar="COMMAND", default=None,
                      help=f"the importer command, to which the database and files are appended (default: "
                      f"${IMPORTER_ENV}, else '{DEFAULT_IMPORTER}'; the local launcher: "
                      "'tools/neo4j-local/neo4j-local import --')")
    bulk.add_argument("--bulk-dir", metavar="DIR", default=None,
                      help="where the importer files are written and kept (default: a temporary folder, deleted after)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk load``."""
    check_input_choice(args)
    if args.bulk and args.keep_transactions:
        raise InputError("--bulk writes no transaction nodes: load with --bulk first, then run the same "
                         "graphrisk load --keep-transactions (it finds the graph loaded and adds only those)")
    if not args.bulk and (args.importer or args.bulk_dir):
        raise InputError("--importer and --bulk-dir go with --bulk")
    config = neo4j_config(args)  # before reading: a missing URI or a bad config file fails fast
    if args.bulk:
        check_empty(config)  # and a database that is not empty, too
    read = graph_input(args, keep_transactions=args.keep_transactions, progress=not args.no_progress)
    graph, report = read.graph, read.report
    if args.bulk:
        stored = bulk_load(config, graph, importer=args.importer, folder=args.bulk_dir, checked_empty=True,
                           progress=None if args.no_progress else _say_stage)
        print(store_summary(stored, report.tables[0].rows_loaded))
        return 0
    with connect(config) as runner, stage_bars(not args.no_progress, unit="items") as progress:
        stored = load_graph(
            runner, graph, batch_size=args.batch_size, workers=args.workers,
            keep_transactions=args.keep_transactions, progress=progress,
        )
    print(store_summary(stored, report.tables[0].rows_loaded, deadlock_retries=deadlock_retries()))
    return 0


def _say_stage(stage: str) -> None:
    print(f"bulk load: {stage}...", file=sys.stderr, flush=True)
