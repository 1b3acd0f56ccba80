"""``graphrisk score``: risk, flag, ring and reasons for every user of the input."""

from __future__ import annotations

import argparse
from graphrisk.cli.options import add_input_options, graph_from_files
from graphrisk.io.writers import write_table

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``score`` command."""
    parser = commands.add_parser(
        "score", help="score every user with a trained model",
        description="Build the graph from the input, score every user with the model in --model (no retraining: "
        "new users, devices and merchants are fine) and write user_id,risk_score,flagged,ring_id and the top "
        "reasons to --out (.csv or .parquet). --rings writes one row per ring with its members and shared entities.",
    )
    add_input_options(parser)
    parser.add_argument("--model", required=True, metavar="DIR", help="model directory from graphrisk train")
    parser.add_argument("--out", required=True, metavar="FILE", help="scores, .csv or .parquet")
    parser.add_argument("--rings", metavar="FILE", help="also write the rings table (.csv or .parquet)")
    parser.add_argument("--reasons", type=int, default=3, metavar="N", help="reasons per user (default: %(default)s)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk score``."""
    from graphrisk.model.detector import RiskDetector  # torch loads only when a model is needed

    detector = RiskDetector.load(args.model, device=args.device)  # fail fast on a bad model
    graph = graph_from_files(args)
    scores = detector.score(graph, reasons=args.reasons)
    for note in detector.schema_notes_:
        print(f"note: {note}")
    path = write_table(scores, args.out)
    print(f"scored {len(scores):,} users: {int(scores['flagged'].sum()):,} flagged "
          f"(risk >= {detector.threshold_:.3f}), {len(detector.rings_):,} rings -> {path}")
    if args.rings:
        print(f"rings -> {write_table(detector.rings_.table, args.rings)}")
    return 0
