"""The in-memory transaction graph every consumer derives its own view from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES

__all__ = ["TransactionGraph", "EDGE_COLUMNS"]

#: Columns of every aggregated edge table (``used`` adds ``entity_type`` and ``link_count``).
EDGE_COLUMNS = ["src", "dst", "count", "amount", "first_seen", "last_seen", "fraud_count"]


@dataclass
class TransactionGraph:
    """Users, merchants and identifiers with relationships aggregated per pair.

    Build one with :func:`graphrisk.build_graph`; do not fill the tables by hand.

    Attributes
    ----------
    users
        One row per user (sorted by ``user_id``) with the attribute columns of the users table.
    merchants
        Sorted merchant ids (column ``merchant_id``).
    identifiers
        Per identifier type (``device``, ``card``, ``ip``, ``email``, ``phone``, ``address``)
        the sorted ids (column ``entity_id``).
    paid, sent, used
        Edge tables with :data:`EDGE_COLUMNS`; ``used`` also has ``entity_type`` and ``link_count``.
    labels
        ``user_id``, ``is_fraud``, ``ring_id`` for the labelled users, or ``None``.
    transactions
        The validated transactions when kept (``keep_transactions=True``), else ``None``.
    content_id
        Hash of the validated transaction and link rows (independent of chunking, order and
        file format); the Neo4j loader's key for "this input was already added".
    """

    users: pd.DataFrame
    merchants: pd.DataFrame
    identifiers: dict[str, pd.DataFrame]
    paid: pd.DataFrame
    sent: pd.DataFrame
    used: pd.DataFrame
    labels: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = field(default=None, repr=False)
    content_id: str | None = field(default=None, repr=False)

    @property
    def node_counts(self) -> dict[str, int]:
        """Number of nodes per node type (identifier types with none are left out)."""
        counts = {"user": len(self.users), "merchant": len(self.merchants)}
        for kind in IDENTIFIER_TYPES:
            if kind in self.identifiers and len(self.identifiers[kind]):
                counts[kind] = len(self.identifiers[kind])
        return counts

    @property
    def edge_counts(self) -> dict[str, int]:
        """Number of aggregated relationships per type."""
        return {"paid": len(self.paid), "sent": len(self.sent), "used": len(self.used)}

    def fingerprint(self) -> str:
        """A SHA-256 of the graph's content: equal graphs give equal fingerprints.

        The Neo4j loader uses it to recognise a load it has already done or started.
        """
        digest = hashlib.sha256()
        tables: list[tuple[str, pd.DataFrame | None]] = [
            ("users", self.users),
            ("merchants", self.merchants),
            ("paid", self.paid),
            ("sent", self.sent),
            ("used", self.used),
            ("labels", self.labels),
        ]
        tables += [(f"identifier:{k}", v) for k, v in sorted(self.identifiers.items())]
        for name, table in tables:
            digest.update(name.encode())
            if table is None:
                continue
            digest.update(",".join(map(str, table.columns)).encode())
            digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
        return digest.hexdigest()

    def __repr__(self) -> str:
        nodes = ", ".join(f"{k}={v}" for k, v in self.node_counts.items())
        edges = ", ".join(f"{k}={v}" for k, v in self.edge_counts.items())
        return f"TransactionGraph(nodes: {nodes}; edges: {edges})"
