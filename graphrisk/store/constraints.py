"""Uniqueness constraints of the graph model, created first and idempotently."""

from __future__ import annotations

from graphrisk.graph.model import NODE_TYPES
from graphrisk.store import cypher
from graphrisk.store.runner import QueryRunner

__all__ = ["ensure_constraints", "CONSTRAINTS"]

#: (constraint name, label, key property); the label and key come from the fixed graph model.
CONSTRAINTS: tuple[tuple[str, str, str], ...] = tuple(
    (f"graphrisk_{t.name}_key", t.label, t.key) for t in NODE_TYPES.values()
) + (
    ("graphrisk_load_key", "Load", "load_id"),
    ("graphrisk_transaction_key", "Transaction", "transaction_id"),
    ("graphrisk_load_batch_key", "LoadBatch", "batch_key"),
    ("graphrisk_ring_key", "Ring", "ring_id"),
    ("graphrisk_score_run_key", "ScoreRun", "run_id"),
    ("graphrisk_write_lock_key", "WriteLock", "name"),
)


def ensure_constraints(runner: QueryRunner) -> None:
    """Create every uniqueness constraint that does not exist yet (``IF NOT EXISTS``)."""
    for constraint, label, key in CONSTRAINTS:
        runner.write(
            f"CREATE CONSTRAINT {cypher.name(constraint)} IF NOT EXISTS "
            f"FOR (n:{cypher.name(label)}) REQUIRE n.{cypher.name(key)} IS UNIQUE"
        )
