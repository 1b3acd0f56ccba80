"""The service's mutable copy of the detector's graph: node ids, aggregated edges, adjacency.

The batch path builds a fresh :class:`~graphrisk.graph.pyg.PygGraph` for every run. The
service starts from that same graph and then adds one transaction at a time: a new pair
gets a new edge (and its reverse), a known pair has its count, amount and time span
updated, and unknown users, merchants and identifiers become new nodes. Edge inputs come
from the encoder's :func:`~graphrisk.model.encoding.edge_features`, as in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from graphrisk.graph.pyg import PygGraph
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.schema import TRANSACTION_ENTITY_COLUMNS
from graphrisk.model.encoding import edge_features

__all__ = ["LiveGraph", "Change"]

EdgeType = tuple[str, str, str]


def _seconds(values: pd.Series) -> np.ndarray:
    """Epoch seconds of a UTC timestamp column (NaN where missing)."""
    stamps = pd.to_datetime(values, utc=True)
    out = (stamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
    return out.to_numpy(dtype=np.float64, na_value=np.nan)


class _Column:
    """A numpy array that grows by doubling (appends are amortised O(1), reads are views)."""

    def __init__(self, values: np.ndarray) -> None:
        self._data = np.array(values)
        self.size = len(self._data)

    def append(self, value: float) -> None:
        if self.size == len(self._data):
            grown = np.empty(max(16, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size] = value
        self.size += 1

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]


class _Relation:
    """One user -> target relation (its reverse shares the edge ids): endpoints and aggregates."""

    def __init__(self, src: np.ndarray, dst: np.ndarray, count: np.ndarray, amount: np.ndarray,
                 first: np.ndarray, last: np.ndarray) -> None:
        self.src, self.dst = _Column(src.astype(np.int64)), _Column(dst.astype(np.int64))
        self.count, self.amount = _Column(count.astype(np.float64)), _Column(amount.astype(np.float64))
        self.first, self.last = _Column(first.astype(np.float64)), _Column(last.astype(np.float64))
        self.pairs: dict[tuple[int, int], int] = {(s, d): i for i, (s, d) in enumerate(zip(src.tolist(), dst.tolist()))}

    def __len__(self) -> int:
        return self.src.size

    def attr(self, edges: np.ndarray) -> np.ndarray:
        """The network's edge inputs of ``edges`` (:func:`~graphrisk.model.encoding.edge_features`)."""
        span = self.last.values[edges] - self.first.values[edges]
        return edge_features(self.count.values[edges], self.amount.values[edges], span)


class _Adjacency:
    """The edges arriving at each node of one relation direction: ``(edge id, node at the other end)``.

    The edges of the full scoring sit in compressed rows (CSR), read without a Python loop
    over edges; edges added since go to a small per-node overflow.
    """

    def __init__(self, ends: np.ndarray, others: np.ndarray, nodes: int) -> None:
        order = np.argsort(ends, kind="stable")
        self.edge_ids = order.astype(np.int64)
        self.others = others.astype(np.int64)[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(ends.astype(np.int64), minlength=nodes))])
        self.added: dict[int, list[tuple[int, int]]] = {}

    def add(self, node: int, edge: int, other: int) -> None:
        self.added.setdefault(node, []).append((edge, other))

    def incoming(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(edge ids, other ends, nodes)`` of every edge arriving at ``nodes``."""
        nodes = np.asarray(nodes, dtype=np.int64)
        rows = len(self.indptr) - 1
        known = nodes < rows  # nodes newer than the compressed rows have edges in the overflow only
        starts = np.where(known, self.indptr[np.minimum(nodes, rows)], 0)
        lengths = np.where(known, self.indptr[np.minimum(nodes + 1, rows)] - starts, 0)
        total = int(lengths.sum())
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(total)
        edges, others, targets = self.edge_ids[offsets], self.others[offsets], np.repeat(nodes, lengths)
        if self.added:
            extra = [(edge, other, node) for node in nodes.tolist() for edge, other in self.added.get(node, ())]
            if extra:
                more = np.asarray(extra, dtype=np.int64).reshape(-1, 3)
                edges, others, targets = (np.concatenate([edges, more[:, 0]]), np.concatenate([others, more[:, 1]]),
                                          np.concatenate([targets, more[:, 2]]))
        return edges, others, targets


@dataclass
class Change:
    """What one transaction changed: new nodes per type and the endpoints of touched edges."""

    new_nodes: dict[str, list[int]] = field(default_factory=dict)
    touched: dict[str, set[int]] = field(default_factory=dict)
    new_edges: int = 0
    #: a relation got its first edge (so it now takes part in message passing)
    new_relation: bool = False

    def touch(self, kind: str, node: int) -> None:
        self.touched.setdefault(kind, set()).add(node)


class LiveGraph:
    """Node ids and aggregated edges of every relation the model reads, open to additions.

    Parameters
    ----------
    graph
        The transaction graph the detector scored.
    pyg
        Its PyG view as the detector aligned it.
    node_types
        Node types the model has inputs for (new nodes of other types are ignored, as in
        the batch).
    relations
        The model's relations (``detector.encoder_.edge_types_``); reverses are derived.
    """

    def __init__(self, graph: TransactionGraph, pyg: PygGraph, node_types: list[str],
                 relations: list[EdgeType]) -> None:
        self.names: dict[str, list[str]] = {k: [str(v) for v in pyg.ids.get(k, [])] for k in node_types}
        self.ids: dict[str, dict[str, int]] = {k: {v: i for i, v in enumerate(n)} for k, n in self.names.items()}
        self.relations: dict[EdgeType, _Relation] = {}
        #: per relation and direction: the edges arriving at each node
        self._incoming: dict[EdgeType, _Adjacency] = {}
        tables = {"paid": graph.paid, "sent": graph.sent}
        for edge_type in relations:
            src_type, relation, dst_type = edge_type
            if relation.startswith("rev_") or src_type not in self.ids or dst_type not in self.ids:
                continue
            table = tables.get(relation)
            if table is None:  # used: one relation per identifier type
                table = graph.used[graph.used["entity_type"] == dst_type]
            self._add_relation(edge_type, table)

    def _add_relation(self, edge_type: EdgeType, table: pd.DataFrame) -> None:
        src_type, relation, dst_type = edge_type
        src = pd.Index(self.names[src_type]).get_indexer(table["src"].astype(str))
        dst = pd.Index(self.names[dst_type]).get_indexer(table["dst"].astype(str))
        rel = _Relation(src, dst, table["count"].to_numpy(dtype=float), table["amount"].to_numpy(dtype=float),
                        _seconds(table["first_seen"]), _seconds(table["last_seen"]))
        self.relations[edge_type] = rel
        self._incoming[edge_type] = _Adjacency(dst, src, len(self.names[dst_type]))
        self._incoming[(dst_type, f"rev_{relation}", src_type)] = _Adjacency(src, dst, len(self.names[src_type]))

    # ------------------------------------------------------------------ read
    def edge_types(self) -> list[EdgeType]:
        """Every relation with at least one edge, reverses included (as in the batch's PyG graph)."""
        out = []
        for (s, r, d), rel in self.relations.items():
            if len(rel):
                out += [(s, r, d), (d, f"rev_{r}", s)]
        return out

    def num_nodes(self, kind: str) -> int:
        """Nodes of type ``kind`` now."""
        return len(self.names[kind])

    def incoming(self, edge_type: EdgeType, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edges of ``edge_type`` arriving at ``nodes``: ``(edge ids, sources, targets)``."""
        adjacency = self._incoming.get(edge_type)
        if adjacency is None:
            none = np.zeros(0, dtype=np.int64)
            return none, none, none
        return adjacency.incoming(nodes)

    def receivers(self, kind: str, nodes: np.ndarray) -> dict[str, np.ndarray]:
        """Per node type, the nodes that ``nodes`` (of type ``kind``) send messages to."""
        out: dict[str, list[np.ndarray]] = {}
        for edge_type in self.edge_types():
            if edge_type[0] == kind:
                # n sends along its outgoing edges: the ones arriving at n in the reverse relation
                src_type, relation, dst_type = edge_type
                reverse = (dst_type, relation[4:] if relation.startswith("rev_") else f"rev_{relation}", src_type)
                _, others, _ = self.incoming(reverse, nodes)
                out.setdefault(dst_type, []).append(others)
        return {k: np.unique(np.concatenate(v)) for k, v in out.items()}

    def edge_attr(self, edge_type: EdgeType, edges: np.ndarray) -> np.ndarray:
        """The network's inputs of ``edges`` of ``edge_type``."""
        return self._forward(edge_type).attr(edges)

    def _forward(self, edge_type: EdgeType) -> _Relation:
        src_type, relation, dst_type = edge_type
        if relation.startswith("rev_"):
            return self.relations[(dst_type, relation[4:], src_type)]
        return self.relations[edge_type]

    def full_edges(self) -> tuple[dict[EdgeType, torch.Tensor], dict[EdgeType, torch.Tensor]]:
        """Edge indexes and inputs of the whole graph, as the network reads them."""
        index, attrs = {}, {}
        for edge_type in self.edge_types():
            rel = self._forward(edge_type)
            ends = [rel.src.values, rel.dst.values]
            if edge_type[1].startswith("rev_"):
                ends.reverse()
            index[edge_type] = torch.from_numpy(np.vstack(ends).astype(np.int64))
            attrs[edge_type] = torch.from_numpy(rel.attr(np.arange(len(rel))))
        return index, attrs

    # ------------------------------------------------------------------ write
    def node(self, kind: str, name: str, change: Change) -> int:
        """The index of node ``name`` of type ``kind``, added when new."""
        known = self.ids[kind].get(name)
        if known is not None:
            return known
        index = len(self.names[kind])
        self.ids[kind][name] = index
        self.names[kind].append(name)
        change.new_nodes.setdefault(kind, []).append(index)
        return index

    def add_transaction(self, row: dict) -> Change:
        """Add one validated canonical transaction (its columns; ``None`` where a field is empty)."""
        change = Change()
        payer = self.node("user", row["user_id"], change)
        change.touch("user", payer)
        when = pd.Timestamp(row["timestamp"]).timestamp()
        amount = float(row["amount"])
        receiver = row.get("counterparty_id")
        if receiver is not None:  # an account either way, as build_graph makes it, even without a transfer relation
            self.node("user", str(receiver), change)
        targets = [("paid", "merchant", row.get("merchant_id")), ("sent", "user", receiver)]
        targets += [("used", kind, row.get(column)) for column, kind in TRANSACTION_ENTITY_COLUMNS.items()]
        for relation, kind, name in targets:
            edge_type = ("user", relation, kind)
            if name is None or edge_type not in self.relations:
                continue  # no such field, or a relation the model never learned
            target = self.node(kind, str(name), change)
            change.touch(kind, target)
            self._add_edge(edge_type, payer, target, amount, when, change)
        return change

    def _add_edge(self, edge_type: EdgeType, src: int, dst: int, amount: float, when: float, change: Change) -> None:
        rel = self.relations[edge_type]
        edge = rel.pairs.get((src, dst))
        if edge is None:
            edge = len(rel)
            change.new_relation |= edge == 0
            rel.pairs[(src, dst)] = edge
            for column, value in ((rel.src, src), (rel.dst, dst), (rel.count, 0.0), (rel.amount, 0.0),
                                  (rel.first, when), (rel.last, when)):
                column.append(value)
            self._incoming[edge_type].add(dst, edge, src)
            self._incoming[(edge_type[2], f"rev_{edge_type[1]}", edge_type[0])].add(src, edge, dst)
            change.new_edges += 1
        rel.count.values[edge] += 1.0
        rel.amount.values[edge] += amount
        rel.first.values[edge] = np.fmin(rel.first.values[edge], when)
        rel.last.values[edge] = np.fmax(rel.last.values[edge], when)
