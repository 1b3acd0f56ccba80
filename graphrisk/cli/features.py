"""``graphrisk features``: compute user features from files or from Neo4j and write them out."""

from __future__ import annotations

import argparse

from graphrisk.cli.options import add_input_options, add_neo4j_options, neo4j_config
from graphrisk.cli.progress import stage_bars
from graphrisk.cli.summary import input_summary
from graphrisk.features import FAMILIES, compute_features, export_features
from graphrisk.graph.build import build_graph
from graphrisk.graph.projection import DEFAULT_HUB_CAP
from graphrisk.store.reader import read_graph
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``features`` command."""
    parser = commands.add_parser(
        "features", help="compute user features (files or Neo4j) into Parquet or CSV",
        description="Compute structure, community, centrality and temporal features per user and write them to "
        "--out (.parquet or .csv). Read the canonical files, or the graph in Neo4j with --from-neo4j "
        "(temporal features then need a load made with --keep-transactions).",
    )
    add_input_options(parser, transactions_required=False)
    add_neo4j_options(parser)
    parser.add_argument("--from-neo4j", action="store_true", help="read the graph from Neo4j instead of files")
    parser.add_argument("--out", required=True, metavar="FILE", help="output .parquet or .csv")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated (default: %(default)s)")
    parser.add_argument("--hub-cap", type=int, default=DEFAULT_HUB_CAP, metavar="N", help="identifier hub cap")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk features``."""
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    if args.from_neo4j:
        if args.transactions:
            raise ValueError("give either --transactions (files) or --from-neo4j, not both")
        with connect(neo4j_config(args)) as runner:
            graph = read_graph(runner)
        print(f"read from Neo4j: {graph}")
    else:
        if not args.transactions:
            raise ValueError("no input: give --transactions FILE or --from-neo4j")
        graph, report = build_graph(args.transactions, args.links, args.users, args.labels, chunk_rows=args.chunk_rows)
        report.write_rejects(args.rejects)
        print(input_summary(report, args.rejects))
    with stage_bars(not args.no_progress, unit="stages") as progress:
        features = compute_features(graph, families=families, hub_cap=args.hub_cap, seed=args.seed, progress=progress)
    path = export_features(features, args.out)
    print(f"features: {features.shape[1]} columns for {features.shape[0]:,} users -> {path}")
    return 0
