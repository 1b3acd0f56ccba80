"""Domain errors raised by graphrisk.

Expected failures (a bad input file, a bad flag value, an unusable Neo4j configuration, an
unreachable database) raise a subclass of :class:`GraphRiskError`; the CLI prints them as
one line (``graphrisk <command>: error: ...``) and exits with status 1. Anything else is a
bug and keeps its traceback: the CLI does not catch ``ValueError``, ``TypeError`` or
``OSError``.

:class:`InputError` and :class:`ConfigError` also subclass :class:`ValueError`: code
written before they existed, which caught ``ValueError`` around a bad file, a bad query
parameter or a bad Neo4j setting, still catches them.

Examples
--------
>>> issubclass(InputError, GraphRiskError) and issubclass(InputError, ValueError)
True
>>> try:
...     raise ConfigError("no Neo4j URI")
... except ValueError as e:
...     print(type(e).__name__, e)
ConfigError no Neo4j URI
"""

from __future__ import annotations

__all__ = ["GraphRiskError", "InputError", "ConfigError", "StoreError", "StoreUnavailable", "ModelError"]


class GraphRiskError(Exception):
    """Base class of every expected graphrisk failure."""


class InputError(GraphRiskError, ValueError):
    """An input cannot be used: a missing, unreadable or malformed file or frame, a bad query
    or query parameter, a bad combination of command-line options, or an output path given
    that cannot be written.

    Also a :class:`ValueError`, for callers that caught that before.
    """


class ConfigError(GraphRiskError, ValueError):
    """The Neo4j connection settings cannot be used: no URI, a bad retry bound, credentials
    in the URI, or a config file that is missing, invalid or readable by others.

    Messages name the setting or the file, never the password. Also a :class:`ValueError`,
    for callers that caught that before.
    """


class StoreError(GraphRiskError):
    """Neo4j could not be reached or refused a write."""


class StoreUnavailable(StoreError):
    """Neo4j stayed unreachable (or kept failing with transient errors) for the whole retry bound."""


class ModelError(GraphRiskError):
    """A model directory is missing, damaged, or was trained on another schema."""
