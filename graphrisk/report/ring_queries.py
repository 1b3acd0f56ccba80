"""The ``graphrisk query`` commands an investigator copies from the report to open a ring in Neo4j."""

from __future__ import annotations

from graphrisk.queries.output import query_command

__all__ = ["RING_QUERIES", "ring_query_commands"]

#: The shipped queries (``queries/*.cypher``) that open one ring, with what each answers.
RING_QUERIES: dict[str, str] = {
    "ring_members": "its members, most risky first",
    "ring_money_flow": "the money its members sent each other",
}


def ring_query_commands(ring_id: str) -> list[str]:
    """One shell command per :data:`RING_QUERIES` entry for ring ``ring_id``, quoted for a POSIX shell.

    Parameters
    ----------
    ring_id
        The ring's id as stored in Neo4j (the id in ``rings.csv``).

    Returns
    -------
    list of str
        ``graphrisk query <name> --param ring_id=<id>``; an id with characters a shell would
        read is single-quoted, so pasting the command never runs anything else.

    Examples
    --------
    >>> ring_query_commands("ring-18f59d5604")[0]
    'graphrisk query ring_members --param ring_id=ring-18f59d5604'
    >>> ring_query_commands("a b;rm")[1]
    "graphrisk query ring_money_flow --param 'ring_id=a b;rm'"
    """
    if not isinstance(ring_id, str) or not ring_id:
        raise ValueError(f"ring_id must be a non-empty string, got {ring_id!r}")
    return [query_command(name, {"ring_id": ring_id}) for name in RING_QUERIES]
