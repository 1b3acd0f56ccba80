"""Leakage-safe evaluation: ring-aware splits, metrics and baselines."""

from graphrisk.evaluate.splits import ring_aware_split
from graphrisk.evaluate.tabular import tabular_baseline, user_transaction_stats

__all__ = ["ring_aware_split", "user_transaction_stats", "tabular_baseline"]
