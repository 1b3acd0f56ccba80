"""The one place where a name (label, relationship type, property key, constraint name) may
enter Cypher text: Cypher cannot take those as parameters, so they come from the fixed
graph model only, and are checked here against it before any query text is built."""

from __future__ import annotations

import re

from graphrisk.graph.model import NODE_TYPES, RELATIONSHIPS

__all__ = ["name", "ALLOWED_NAMES"]

#: Every label, key, relationship type and constraint name graphrisk writes into query text.
ALLOWED_NAMES: frozenset[str] = frozenset(
    {t.label for t in NODE_TYPES.values()}
    | {t.key for t in NODE_TYPES.values()}
    | {f"graphrisk_{t.name}_key" for t in NODE_TYPES.values()}
    | {rel_type for rel_type, _, _ in RELATIONSHIPS.values()}
    | {"Load", "load_id", "graphrisk_load_key", "Transaction", "transaction_id", "graphrisk_transaction_key",
       "LoadBatch", "batch_key", "graphrisk_load_batch_key",
       "Ring", "ring_id", "graphrisk_ring_key", "ScoreRun", "run_id", "graphrisk_score_run_key",
       "WriteLock", "name", "graphrisk_write_lock_key"}
)

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def name(text: str) -> str:
    """Return ``text`` unchanged if it is an allowed name of the graph model.

    Raises
    ------
    ValueError
        Any other text (it would be pasted into a query).

    Examples
    --------
    >>> name("Merchant")
    'Merchant'
    """
    if text not in ALLOWED_NAMES or not _PLAIN.fullmatch(text):
        raise ValueError(f"{text!r} is not a name of graphrisk's graph model; values must be query parameters")
    return text
