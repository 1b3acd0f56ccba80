"""Domain errors raised by graphrisk.

Expected failures (a bad input file, an unreachable database) raise a subclass of
:class:`GraphRiskError`; the CLI prints them as one line and exits non-zero. Anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["GraphRiskError", "InputError", "StoreError", "StoreUnavailable", "ModelError"]


class GraphRiskError(Exception):
    """Base class of every expected graphrisk failure."""


class InputError(GraphRiskError):
    """An input file or frame cannot be used at all (missing file, missing column, unreadable)."""


class StoreError(GraphRiskError):
    """Neo4j could not be reached or refused a write."""


class StoreUnavailable(StoreError):
    """Neo4j stayed unreachable (or kept failing with transient errors) for the whole retry bound."""


class ModelError(GraphRiskError):
    """A model directory is missing, damaged, or was trained on another schema."""
