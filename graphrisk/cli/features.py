"""``graphrisk features``: compute user features from files or from Neo4j and write them out."""

from __future__ import annotations

import argparse

from graphrisk.cli.engine import add_engine_options, check_spark_args, spark_for, spark_input_files, spark_rejects_path
from graphrisk.cli.options import (
    add_graph_input_options,
    add_neo4j_options,
    check_input_choice,
    graph_from_files,
    graph_from_neo4j,
    neo4j_config,
    whole_number,
)
from graphrisk.cli.progress import stage_bars
from graphrisk.errors import InputError
from graphrisk.features import FAMILIES, compute_features, export_features
from graphrisk.graph.projection import DEFAULT_HUB_CAP
from graphrisk.io.writers import TABLE_SUFFIXES

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``features`` command."""
    parser = commands.add_parser(
        "features", help="compute user features (files or Neo4j) into Parquet or CSV",
        description="Compute structure, community, centrality and temporal features per user and write them to "
        "--out (.parquet or .csv). Read the canonical files, a file in a public format (--input), or the graph in "
        "Neo4j with --from-neo4j (temporal features then need a load made with --keep-transactions).",
    )
    add_graph_input_options(parser, from_neo4j=True)
    add_neo4j_options(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="output .parquet or .csv")
    parser.add_argument("--families", type=_families, default=list(FAMILIES), metavar="NAMES",
                        help=f"comma-separated (default: {','.join(FAMILIES)})")
    parser.add_argument("--hub-cap", type=whole_number(2), default=DEFAULT_HUB_CAP, metavar="N",
                        help="identifier hub cap")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_engine_options(parser)
    parser.set_defaults(run=run)


def _families(text: str) -> list[str]:
    """argparse type: comma-separated feature families, each one of :data:`FAMILIES`."""
    families = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise argparse.ArgumentTypeError(f"expected some of {','.join(FAMILIES)}, got {text!r}")
    return families


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk features``."""
    families = args.families
    check_input_choice(args)
    if not args.out.lower().endswith(TABLE_SUFFIXES):  # before the work, not after it
        raise InputError(f"--out {args.out}: use a .parquet or .csv file")
    if args.engine == "spark":
        return _run_on_spark(args)
    if args.from_neo4j:
        needed = "the temporal features need them (or leave temporal out of --families)"
        graph = graph_from_neo4j(neo4j_config(args), transactions_needed=needed if "temporal" in families else None)
    else:
        graph = graph_from_files(args)
    with stage_bars(not args.no_progress, unit="stages") as progress:
        features = compute_features(graph, families=families, hub_cap=args.hub_cap, seed=args.seed, progress=progress)
    path = export_features(features, args.out)
    print(f"features: {features.shape[1]} columns for {features.shape[0]:,} users -> {path}")
    return 0


def _run_on_spark(args: argparse.Namespace) -> int:
    """``graphrisk features --engine spark``: the same table, computed on Spark, as a Parquet dataset."""
    from graphrisk.cli.summary import input_summary
    from graphrisk.engines.spark.pipeline import spark_feature_job
    from graphrisk.graph.build import InputReport

    check_spark_args(args, {"--labels": bool(args.labels)})
    rejects = spark_rejects_path(args)
    with spark_for(args) as spark:
        job = spark_feature_job(spark, spark_input_files(args), families=args.families, hub_cap=args.hub_cap,
                                seed=args.seed, shards=args.shards, max_component_users=args.max_component_users,
                                rejects=rejects)
        print(input_summary(InputReport(tables=list(job.data.counts.values())), rejects))
        print(job.shards.summary())
        job.features.write.mode("overwrite").parquet(args.out)
        columns = len(job.features.columns) - 1
        print(f"features: {columns} columns for {job.shards.users.count():,} users -> {args.out} (Parquet dataset)")
    return 0
