"""``compute_features``: every user feature in one DataFrame, and ``export_features``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import pandas as pd

from graphrisk.features.centrality import centrality_features
from graphrisk.features.community import community_features
from graphrisk.features.flow import flow_features
from graphrisk.features.label_aware import TrainingLabels, label_features
from graphrisk.features.structure import structure_features
from graphrisk.features.temporal import temporal_features
from graphrisk.graph.projection import DEFAULT_HUB_CAP, identifier_projection, merchant_projection
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.writers import write_table

__all__ = ["compute_features", "export_features", "FAMILIES"]

FAMILIES: tuple[str, ...] = ("structure", "flow", "community", "centrality", "temporal")


def compute_features(
    graph: TransactionGraph,
    *,
    families: Sequence[str] = FAMILIES,
    hub_cap: int = DEFAULT_HUB_CAP,
    merchant_hub_cap: int = 20,
    seed: int = 0,
    betweenness_k: int = 256,
    coactivity_window: str = "1h",
    training_labels: TrainingLabels | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> pd.DataFrame:
    """Compute graph and behaviour features for every user.

    Parameters
    ----------
    graph
        From :func:`graphrisk.build_graph` (temporal features need ``keep_transactions=True``,
        the default).
    families
        Any of ``structure``, ``flow``, ``community``, ``centrality``, ``temporal``.
    hub_cap
        Identifiers used by more users are left out of the identifier projection.
    merchant_hub_cap
        Merchants with more payers are left out of the merchant projection (lower than
        ``hub_cap``: merchants are shared far more than identifiers).
    seed
        Seed of Louvain, label propagation and sampled betweenness.
    betweenness_k
        Sample sources for approximate betweenness.
    coactivity_window
        Window of the co-activity features (pandas offset string).
    training_labels
        Adds the label-aware family, computed from training labels only.
    progress
        Called as ``progress(stage, 1)`` when a stage starts.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``user_id``, one float column per feature (see
        :func:`graphrisk.features.catalog.feature_table`).

    Raises
    ------
    ValueError
        An unknown family, or temporal features without transactions.
    TypeError
        ``graph`` is not a TransactionGraph, or ``training_labels`` is not TrainingLabels.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2", "3"], "timestamp": ["2024-01-01T10:00:00Z"] * 3,
    ...                    "user_id": ["a", "b", "c"], "amount": [5.0, 6.0, 7.0], "merchant_id": ["m"] * 3,
    ...                    "device_id": ["d", "d", "e"]})
    >>> features = compute_features(build_graph(tx)[0], families=["structure"])
    >>> features.loc[["a", "c"], "component_size"].tolist()
    [2.0, 1.0]
    """
    if not isinstance(graph, TransactionGraph):
        raise TypeError(f"graph must be a TransactionGraph (from graphrisk.build_graph), got {type(graph).__name__}")
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown feature families {unknown}; choose from {', '.join(FAMILIES)}")
    if training_labels is not None and not isinstance(training_labels, TrainingLabels):
        raise TypeError(f"training_labels must be TrainingLabels, got {type(training_labels).__name__}")
    if "temporal" in families and graph.transactions is None:
        raise ValueError("temporal features need the transactions: build the graph with keep_transactions=True")

    def stage(name: str) -> None:
        if progress is not None:
            progress(name, 1)

    users = pd.Index(graph.users["user_id"], name="user_id")
    parts: list[pd.DataFrame] = []
    stage("projections")
    identifiers = identifier_projection(graph, hub_cap=hub_cap)
    merchants = (
        merchant_projection(graph, hub_cap=merchant_hub_cap) if {"community", "centrality"} & set(families) else None
    )
    if "structure" in families:
        stage("structure")
        parts.append(structure_features(graph, identifiers))
    if "flow" in families:
        stage("flow")
        parts.append(flow_features(graph))
    if "community" in families:
        stage("community")
        parts.append(community_features(identifiers, seed=seed))
        parts.append(community_features(merchants, seed=seed, prefix="merchant_", label_propagation=False))
    if "centrality" in families:
        stage("centrality")
        parts.append(centrality_features(identifiers, seed=seed, betweenness_k=betweenness_k))
        parts.append(_pagerank_only(merchants))
    if "temporal" in families:
        stage("temporal")
        ages = None
        if "account_age_days" in graph.users.columns:
            ages = graph.users.set_index("user_id")["account_age_days"].astype(float)
        parts.append(temporal_features(graph.transactions, users, account_age_days=ages,
                                       window=coactivity_window, hub_cap=hub_cap))
    if training_labels is not None:
        stage("label")
        parts.append(label_features(identifiers, training_labels))
    features = pd.concat([p.reindex(users) for p in parts], axis=1) if parts else pd.DataFrame(index=users)
    features.index.name = "user_id"
    return features


def _pagerank_only(projection: nx.Graph) -> pd.DataFrame:
    users = pd.Index(list(projection.nodes), name="user_id")
    return pd.DataFrame({"merchant_pagerank": pd.Series(nx.pagerank(projection, weight="weight")).reindex(users)}, index=users)


def export_features(features: pd.DataFrame, path: str | Path) -> Path:
    """Write features to ``.parquet`` or ``.csv`` (by suffix), keeping ``user_id``.

    Raises
    ------
    ValueError
        Any other suffix.
    """
    return write_table(features, path, index=True)
