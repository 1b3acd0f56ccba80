"""``graphrisk evaluate``: the detector beside its peers on a split that does not leak."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphrisk.cli.options import add_graph_input_options, graph_from_files, number_between
from graphrisk.cli.train import add_model_options, settings_from
from graphrisk.model.splits import SPLITS

__all__ = ["add_parser", "run"]

#: Metric columns printed, in order.
SHOWN = ("auc_pr", "auc_roc", "precision_at_k", "recall_at_k", "ring_recall", "seconds")


def add_parser(commands) -> None:
    """Register the ``evaluate`` command."""
    parser = commands.add_parser(
        "evaluate", help="compare the detector with gradient-boosting baselines on a leak-free split",
        description="Split the users of --labels (ground truth: user_id,is_fraud[,ring_id]; or the labels of an "
        "--input in a public format that carries them) so that whole rings "
        "stay on one side, hide a share of the training fraud labels, train the GNN and three baselines (tabular "
        "GB, neighbour-aggregate GB, graph features + GB) on the same users, and report AUC-PR, AUC-ROC, "
        "precision and recall at k and ring recall on the same test users. Writes metrics.csv, metrics.json, "
        "pr_curves.png and score_distributions.png into --out.",
    )
    add_graph_input_options(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--split", choices=SPLITS, default="ring", help="ring: random whole rings; temporal: the "
                        "accounts that appear last (default: %(default)s)")
    parser.add_argument("--test-size", type=number_between(0, 1, low_open=True, high_open=True), default=0.3,
                        metavar="F", help="held-out share (default: %(default)s)")
    parser.add_argument("--missing-label-share", type=number_between(0, 1, high_open=True), default=0.15, metavar="F",
                        help="share of training fraud labels hidden, as in practice (default: %(default)s)")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk evaluate``."""
    # imported here: scikit-learn, LightGBM and matplotlib would add 2 s to every other command's start
    from graphrisk.evaluate.compare import compare_systems
    from graphrisk.evaluate.plots import plot_pr_curves, plot_score_distributions

    graph = graph_from_files(args, labels_needed="evaluate compares against the ground truth (user_id,is_fraud[,ring_id])")
    comparison = compare_systems(
        graph, graph.labels, split=args.split, test_size=args.test_size, missing_label_share=args.missing_label_share,
        seed=args.seed, detector_options=settings_from(args), device=args.device, progress=lambda stage: print(f"... {stage}", flush=True),
    )
    out = Path(args.out)
    comparison.write(out)
    plot_pr_curves(comparison.truth, comparison.scores, out / "pr_curves.png")
    plot_score_distributions(comparison.truth, comparison.scores, out / "score_distributions.png")
    d = comparison.details
    print(f"split {d['split']}: {d['train_users']:,} training users ({d['train_fraud_labelled']:,} fraud labels "
          f"after hiding {d['missing_label_share']:.0%}), {d['test_users']:,} test users with {d['test_fraud']:,} "
          f"fraudsters in {d['test_rings']:,} rings")
    print(comparison.metrics[list(SHOWN)].to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"results -> {out}")
    return 0
