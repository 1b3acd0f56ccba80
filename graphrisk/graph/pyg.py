"""The PyTorch Geometric view: a ``HeteroData`` of users, merchants and identifiers.

Node inputs are feature tables (from :mod:`graphrisk.features`), aligned to the graph's
node order; edges carry their aggregates ``[count, amount, span_seconds]`` (float64,
:data:`EDGE_AGGREGATES`) and every relation also gets its reverse (``rev_paid``,
``rev_sent``, ``rev_used``), so messages flow both ways. What the detector's network reads
is derived from this view by :class:`graphrisk.model.encoding.GraphEncoder` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import HeteroData

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["to_pyg", "PygGraph", "EDGE_AGGREGATES", "node_matrix"]

#: Names of the edge attribute columns: transactions, their summed amount, seconds from first to last.
EDGE_AGGREGATES = ("count", "amount", "span_seconds")


@dataclass
class PygGraph:
    """A ``HeteroData`` and, per node type, the ids in node-index order."""

    data: HeteroData
    ids: dict[str, pd.Index]


def node_matrix(index: pd.Index, table: pd.DataFrame | None) -> torch.Tensor:
    """The input matrix of the nodes ``index``: rows of ``table`` (missing rows and NaN: 0; no table: 1)."""
    if table is None or table.shape[1] == 0:
        return torch.ones((len(index), 1), dtype=torch.float32)
    values = table.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan)
    return torch.from_numpy(np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32))


def _edge_attr(edges: pd.DataFrame) -> torch.Tensor:
    span = (edges["last_seen"] - edges["first_seen"]).dt.total_seconds()
    attr = np.column_stack([edges["count"].to_numpy(dtype=float), edges["amount"].to_numpy(dtype=float),
                            span.to_numpy(dtype=float, na_value=np.nan)])
    return torch.from_numpy(attr.astype(np.float64))


def to_pyg(
    graph: TransactionGraph,
    user_features: pd.DataFrame | None = None,
    entity_features: dict[str, pd.DataFrame] | None = None,
) -> PygGraph:
    """Build the heterogeneous PyG graph.

    Parameters
    ----------
    graph
        The transaction graph.
    user_features
        Indexed by ``user_id``; missing users and NaN become 0 (scale features before).
        ``None`` gives every user the constant input 1.
    entity_features
        Per node type (``merchant``, ``device``...), tables indexed by id, as from
        :func:`graphrisk.features.entity_features`; missing types get the constant 1.

    Examples
    --------
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01", "2024-01-02"],
    ...                    "user_id": ["a", "b"], "amount": [5.0, 7.0], "merchant_id": ["m", "m"]})
    >>> from graphrisk import build_graph
    >>> pyg = to_pyg(build_graph(tx)[0])
    >>> pyg.data["user", "paid", "merchant"].edge_index.tolist()
    [[0, 1], [0, 0]]
    """
    entity_features = entity_features or {}
    data = HeteroData()
    ids: dict[str, pd.Index] = {"user": pd.Index(graph.users["user_id"].astype(str), name="user_id")}
    ids["merchant"] = pd.Index(graph.merchants["merchant_id"].astype(str), name="merchant_id")
    for kind in IDENTIFIER_TYPES:
        table = graph.identifiers.get(kind)
        if table is not None and len(table):
            ids[kind] = pd.Index(table["entity_id"].astype(str), name="entity_id")
    data["user"].x = node_matrix(ids["user"], user_features)
    for kind, index in ids.items():
        if kind != "user":
            data[kind].x = node_matrix(index, entity_features.get(kind))

    def add(relation: str, target: str, edges: pd.DataFrame) -> None:
        if not len(edges) or target not in ids:
            return
        src = ids["user"].get_indexer(edges["src"].astype(str))
        dst = ids[target].get_indexer(edges["dst"].astype(str))
        index = torch.from_numpy(np.vstack([src, dst]).astype(np.int64))
        attr = _edge_attr(edges)
        data["user", relation, target].edge_index = index
        data["user", relation, target].edge_attr = attr
        data[target, f"rev_{relation}", "user"].edge_index = index.flip(0)
        data[target, f"rev_{relation}", "user"].edge_attr = attr

    add("paid", "merchant", graph.paid)
    add("sent", "user", graph.sent)
    for kind in IDENTIFIER_TYPES:
        add("used", kind, graph.used[graph.used["entity_type"] == kind])
    return PygGraph(data=data, ids=ids)
