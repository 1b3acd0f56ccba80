"""Neo4j connection settings, read from the environment or given explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Neo4jConfig"]


@dataclass(frozen=True)
class Neo4jConfig:
    """Where and how to connect to Neo4j. The password never appears in ``repr``.

    Parameters
    ----------
    uri
        Bolt URI such as ``bolt://127.0.0.1:7687`` or ``neo4j://host:7687``.
    user, password
        Credentials; the local test launcher runs without authentication.
    database
        Database name (Neo4j Community has one user database, ``neo4j``).
    """

    uri: str
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: str | None) -> Neo4jConfig:
        """Read ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE``.

        Keyword ``overrides`` that are not ``None`` win over the environment.

        Raises
        ------
        ValueError
            No URI is given in either place.

        Examples
        --------
        >>> Neo4jConfig.from_env({"NEO4J_URI": "bolt://127.0.0.1:7687", "NEO4J_PASSWORD": "s3cret"})
        Neo4jConfig(uri='bolt://127.0.0.1:7687', user='neo4j', database='neo4j')
        """
        env = os.environ if environ is None else environ
        values = {
            "uri": env.get("NEO4J_URI", ""),
            "user": env.get("NEO4J_USER", "neo4j"),
            "password": env.get("NEO4J_PASSWORD", ""),
            "database": env.get("NEO4J_DATABASE", "neo4j"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values["uri"]:
            raise ValueError("no Neo4j URI: set NEO4J_URI or pass --uri (for example bolt://127.0.0.1:7687)")
        return cls(**values)

    @property
    def auth(self) -> tuple[str, str] | None:
        """Driver auth tuple, or ``None`` when no password is set."""
        return (self.user, self.password) if self.password else None
