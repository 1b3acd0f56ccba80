"""``graphrisk demo``: the main job end to end, on a generated world or your own labelled data."""

from __future__ import annotations

import argparse
import os

from graphrisk.cli.options import (
    add_graph_input_options,
    files_given,
    graph_input,
    neo4j_config,
    number_between,
    whole_number,
)
from graphrisk.cli.summary import graph_summary
from graphrisk.cli.train import add_model_options, settings_from

__all__ = ["add_parser", "run"]

#: Default world: small enough for a few minutes on 2 cores, with a dozen rings or more.
DEMO_USERS = 3000
DEMO_FRAUD_SHARE = 0.05


def add_parser(commands) -> None:
    """Register the ``demo`` command."""
    parser = commands.add_parser(
        "demo", help="the main job end to end: world, graph, features, training, scores, rings, report",
        description="Generate a world with planted fraud rings (or take --transactions ... with --labels as ground "
        "truth, or an --input in a public format that carries labels), build the graph, compute features, train "
        "the GNN on a leak-free split beside gradient-boosting baselines, score every user, group rings, evaluate, "
        "and write scores.csv, rings.csv, metrics, the model and a self-contained report.html into --out. No "
        "server needed; with NEO4J_URI set it also loads the graph, writes the scores and rings back and prints "
        "the queries to open next.",
    )
    parser.add_argument("--out", default="out/demo", metavar="DIR", help="output folder (default: %(default)s)")
    parser.add_argument("--world-users", type=whole_number(100), default=DEMO_USERS, metavar="N",
                        help="accounts in the generated world (default: %(default)s)")
    parser.add_argument("--fraud-share", type=number_between(0, 1), default=DEMO_FRAUD_SHARE, metavar="F",
                        help="share of accounts in fraud rings in the generated world (default: %(default)s)")
    add_graph_input_options(parser)
    add_model_options(parser)
    parser.set_defaults(run=run)


def _generated(args: argparse.Namespace):
    from graphrisk.graph.build import build_graph
    from graphrisk.synth import WorldConfig, generate_world

    world = generate_world(args.world_users, seed=args.seed, config=WorldConfig(fraud_share=args.fraud_share))
    world.write(os.path.join(args.out, "world"))
    print(f"world: {world.summary()} -> {os.path.join(args.out, 'world')}")
    graph, _ = build_graph(world.transactions, world.links, world.users)
    print(graph_summary(graph))
    summary = {"input": f"generated world (seed {args.seed})", "world": world.summary()}
    return graph, world.labels, summary


def _from_files(args: argparse.Namespace):
    read = graph_input(args, labels_needed="the demo evaluates against the ground truth")
    graph = read.graph
    summary = {"input": read.name, "users": f"{len(graph.users):,}"}
    return graph, graph.labels, summary


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk demo``."""
    from graphrisk.jobs import run_main_job

    graph, truth, summary = _from_files(args) if files_given(args) else _generated(args)
    options = settings_from(args)
    if not os.environ.get("NEO4J_URI"):
        result = run_main_job(graph, truth, args.out, seed=args.seed, detector_options=options, device=args.device, summary=summary,
                              say=lambda line: print(line, flush=True))
    else:
        from graphrisk.store.runner import connect

        config = neo4j_config(argparse.Namespace(uri=None, user=None, database=None))
        with connect(config) as runner:
            result = run_main_job(graph, truth, args.out, seed=args.seed, detector_options=options, device=args.device, runner=runner,
                                  summary=summary, say=lambda line: print(line, flush=True))
    _print(result)
    return 0


def _print(result) -> None:
    metrics = result.comparison.metrics
    shown = metrics[["auc_pr", "auc_roc", "precision_at_k", "ring_recall", "seconds"]]
    print(shown.to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"scored {len(result.scores):,} users: {int(result.scores['flagged'].sum()):,} flagged in "
          f"{len(result.rings):,} rings")
    if "load" in result.store:
        print(f"neo4j: graph {result.store['load'].status} (load {result.store['load'].load_id[:12]})")
        print(result.store["write_back"].summary())
    for name, path in result.paths.items():
        print(f"{name} -> {path}")
    print("next:")
    for line in result.next_steps:
        print(f"  {line}")
