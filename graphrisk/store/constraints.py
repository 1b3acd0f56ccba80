"""Uniqueness constraints of the graph model, created first and idempotently."""

from __future__ import annotations

from graphrisk.graph.model import NODE_TYPES
from graphrisk.store.runner import QueryRunner

__all__ = ["ensure_constraints", "CONSTRAINTS"]

#: (constraint name, label, key property); the label and key come from the fixed graph model.
CONSTRAINTS: tuple[tuple[str, str, str], ...] = tuple(
    (f"graphrisk_{t.name}_key", t.label, t.key) for t in NODE_TYPES.values()
) + (
    ("graphrisk_load_key", "Load", "load_id"),
    ("graphrisk_transaction_key", "Transaction", "transaction_id"),
    ("graphrisk_load_batch_key", "LoadBatch", "batch_key"),
)


def ensure_constraints(runner: QueryRunner) -> None:
    """Create every uniqueness constraint that does not exist yet (``IF NOT EXISTS``)."""
    for name, label, key in CONSTRAINTS:
        # Names, labels and keys are constants of the graph model, never user input.
        runner.write(f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE")
