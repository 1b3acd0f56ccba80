"""Peer systems the graph model is compared with in the same run, on the same split.

All three use one gradient-boosting recipe (:func:`gradient_boosting_scores`) and differ
only in what they see:

``tabular_gb``
    per-user transaction statistics (:func:`~graphrisk.evaluate.tabular.user_transaction_stats`);
``neighbour_gb``
    the same statistics beside their 1-hop and 2-hop neighbour means (RF-Graph / XGBGraph of
    GADBench, :func:`~graphrisk.evaluate.neighbours.neighbour_aggregate_features`);
``graph_features_gb``
    the statistics joined with graphrisk's graph features
    (:func:`graphrisk.features.compute_features`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from graphrisk.evaluate.boosting import gradient_boosting_scores
from graphrisk.evaluate.neighbours import neighbour_aggregate_features
from graphrisk.evaluate.tabular import user_transaction_stats
from graphrisk.features.compute import compute_features
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["baseline_scores", "gradient_boosting_scores", "neighbour_aggregate_features", "BASELINES"]

#: Names of the systems :func:`baseline_scores` returns, in report order.
BASELINES: tuple[str, ...] = ("tabular_gb", "neighbour_gb", "graph_features_gb")


def baseline_scores(
    graph: TransactionGraph,
    transactions: pd.DataFrame,
    users_table: pd.DataFrame | None,
    labels: pd.Series,
    train_users: Iterable[str],
    test_users: Iterable[str],
    *,
    seed: int = 0,
    graph_features: pd.DataFrame | None = None,
) -> dict[str, pd.Series]:
    """Test scores of the three peer systems (see the module docstring), keyed by :data:`BASELINES`.

    Parameters
    ----------
    graph
        The transaction graph of ``transactions`` (from :func:`graphrisk.build_graph`).
    transactions, users_table
        Canonical transactions and optional user attributes (numeric columns are used).
    labels
        ``user_id -> 0/1`` for (at least) the training users.
    train_users, test_users
        The split every system is trained and scored on.
    seed
        Seed of the classifiers and, when computed here, of the graph features.
    graph_features
        Precomputed :func:`graphrisk.features.compute_features` of ``graph``; computed with
        its defaults when ``None``. Columns named like a statistic keep both, the graph one
        suffixed ``__graph``. Label-aware features must come from this split's training
        labels only, or the test scores leak.

    Returns
    -------
    dict of str to pandas.Series
        ``user_id -> probability`` for every test user, per system.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.evaluate import ring_aware_split
    >>> from graphrisk.synth import generate_world
    >>> world = generate_world(600, seed=1)
    >>> graph, _ = build_graph(world.transactions, world.links, world.users)
    >>> train, test = ring_aware_split(world.labels, seed=0)
    >>> y = world.labels.set_index("user_id")["is_fraud"]
    >>> scores = baseline_scores(graph, world.transactions, world.users, y, train, test)  # doctest: +SKIP
    >>> sorted(scores)  # doctest: +SKIP
    ['graph_features_gb', 'neighbour_gb', 'tabular_gb']
    """
    train, test = list(train_users), list(test_users)
    stats = user_transaction_stats(transactions, users_table)
    if graph_features is None:
        graph_features = compute_features(graph, seed=seed)
    shared = graph_features.columns.intersection(stats.columns)
    tables = {
        "tabular_gb": stats,
        "neighbour_gb": neighbour_aggregate_features(graph, stats),
        "graph_features_gb": stats.join(graph_features.rename(columns={c: f"{c}__graph" for c in shared}), how="outer"),
    }
    return {name: gradient_boosting_scores(tables[name], labels, train, test, seed=seed) for name in BASELINES}
