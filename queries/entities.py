"""Parameters that name an entity which must exist: the ``(must exist: KIND)`` header tag.

A query whose parameter names a ring or an account would otherwise answer a mistyped id
with no rows, which reads like a clean answer. A header declares such a parameter with
``(must exist: ring)`` (or ``user``) in its description; before the query runs,
:func:`check_entities` looks each given value up with a parameterised read query and
raises :class:`EntityNotFound` (``not found: ring R1``) when there is none. An optional
parameter left out is not looked up.

Examples
--------
>>> sorted(ENTITY_LOOKUPS)
['ring', 'user']
>>> str(EntityNotFound("ring", "R1"))
'not found: ring R1'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphrisk.errors import InputError

if TYPE_CHECKING:
    from graphrisk.queries.header import QueryInfo
    from graphrisk.store.runner import QueryRunner

__all__ = ["ENTITY_LOOKUPS", "EntityNotFound", "check_entities"]

#: Entity kind a header may name -> the read query that says whether ``$value`` exists.
ENTITY_LOOKUPS: dict[str, str] = {
    "ring": "MATCH (n:Ring {ring_id: $value}) RETURN count(n) > 0 AS found",
    "user": "MATCH (n:User {user_id: $value}) RETURN count(n) > 0 AS found",
}


class EntityNotFound(InputError):
    """A parameter names a ring or an account that is not in the database.

    Parameters
    ----------
    kind
        One of :data:`ENTITY_LOOKUPS` (``ring``, ``user``).
    value
        The id that was looked up.
    """

    def __init__(self, kind: str, value: Any) -> None:
        super().__init__(f"not found: {kind} {value}")
        self.kind = kind
        self.value = value


def check_entities(runner: QueryRunner, info: QueryInfo, parameters: Mapping[str, Any]) -> None:
    """Look up every given value of a ``(must exist: KIND)`` parameter, in header order.

    Parameters
    ----------
    runner
        Where to look (read transactions).
    info
        The query, its header parsed.
    parameters
        Typed values; ``None`` (an optional parameter left out) is not looked up.

    Raises
    ------
    EntityNotFound
        The first value that names no entity.
    """
    for parameter in info.parameters:
        value = parameters.get(parameter.name)
        if parameter.must_exist is None or value is None:
            continue
        rows = runner.read(ENTITY_LOOKUPS[parameter.must_exist], {"value": value})
        if not rows or not rows[0]["found"]:
            raise EntityNotFound(parameter.must_exist, value)
