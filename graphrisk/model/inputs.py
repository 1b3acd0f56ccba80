"""Node input tables of the detector: graph and behaviour features per node type."""

from __future__ import annotations

import pandas as pd

from graphrisk.features.compute import compute_features
from graphrisk.features.entities import entity_features
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["node_inputs", "ID_COLUMNS", "LABEL_LIKE"]

#: Feature columns that are identifiers, not quantities: never model inputs.
ID_COLUMNS = ("louvain_community", "merchant_louvain_community")

#: User attributes that are answers, not inputs: a users table holding one is refused.
LABEL_LIKE = frozenset({"is_fraud", "fraud", "fraud_count", "ring_id", "ring", "label", "target", "verdict"})


def node_inputs(graph: TransactionGraph, *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Raw (unscaled) input tables for every node type of the graph.

    Users get :func:`graphrisk.compute_features` (structure, flow, community, centrality and,
    when the transactions were kept, temporal features) plus the numeric columns of the
    users table; merchants and identifiers get :func:`graphrisk.features.entity_features`.
    No label enters here: label-aware features are left out on purpose, so scoring needs
    nothing but the graph.

    Raises
    ------
    ValueError
        The users table holds a label column (see :data:`LABEL_LIKE`).

    Returns
    -------
    dict
        ``{"user": DataFrame indexed by user_id, "merchant": ..., "device": ...}``.
    """
    families = ["structure", "flow", "community", "centrality"]
    if graph.transactions is not None:
        families.append("temporal")
    users = compute_features(graph, families=families, seed=seed)
    users = users.drop(columns=[c for c in ID_COLUMNS if c in users.columns])
    attributes = graph.users.set_index("user_id").select_dtypes("number")
    leaking = sorted(c for c in attributes.columns if c in LABEL_LIKE or c.startswith("label_"))
    if leaking:
        raise ValueError(f"the users table has label columns {leaking}: labels go in the labels table, "
                         "never among the model inputs")
    attributes = attributes.drop(columns=[c for c in attributes.columns if c in users.columns])
    users = users.join(attributes.add_prefix("attr_"))
    return {"user": users, **entity_features(graph)}
