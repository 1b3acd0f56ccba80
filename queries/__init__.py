"""Investigators' Cypher queries, shipped as package data (installed as ``graphrisk.queries``).

Each ``.cypher`` file starts with a ``//`` comment header: purpose, parameters with types
and defaults, and an example.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["list_queries", "read_query"]


def list_queries() -> list[str]:
    """Names of the shipped queries (file names without ``.cypher``), sorted."""
    return sorted(p.name.removesuffix(".cypher") for p in files(__name__).iterdir() if p.name.endswith(".cypher"))


def read_query(name: str) -> str:
    """The text of one shipped query.

    Raises
    ------
    ValueError
        No query has that name; the message lists the known ones.
    """
    if name not in list_queries():
        raise ValueError(f"unknown query {name!r}; known: {', '.join(list_queries())}")
    return (files(__name__) / f"{name}.cypher").read_text(encoding="utf-8")
