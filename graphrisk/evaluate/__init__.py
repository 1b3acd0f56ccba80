"""Leakage-safe evaluation: ring-aware and temporal splits, metrics, peer baselines and plots."""

from graphrisk.evaluate.baselines import BASELINES, baseline_scores
from graphrisk.evaluate.boosting import gradient_boosting_scores
from graphrisk.evaluate.metrics import detection_metrics, ring_recall
from graphrisk.evaluate.neighbours import neighbour_aggregate_features
from graphrisk.evaluate.plots import plot_pr_curves, plot_score_distributions
from graphrisk.evaluate.tabular import tabular_baseline, user_transaction_stats
from graphrisk.model.splits import group_split, ring_aware_split, temporal_split

__all__ = [
    "ring_aware_split",
    "group_split",
    "temporal_split",
    "detection_metrics",
    "ring_recall",
    "user_transaction_stats",
    "tabular_baseline",
    "gradient_boosting_scores",
    "neighbour_aggregate_features",
    "baseline_scores",
    "BASELINES",
    "plot_pr_curves",
    "plot_score_distributions",
]
