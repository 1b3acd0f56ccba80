"""Investigators' Cypher queries, shipped as package data (installed as ``graphrisk.queries``).

Every query is one ``.cypher`` file: read-only, parameterised (each value a ``$param``),
for plain Neo4j Community 5.26 (no APOC, no GDS). It starts with a header of ``//``
comment lines, which :func:`~graphrisk.queries.header.parse_query` reads::

    // Accounts that share a device or another identifier with a given account
    //
    // One row per other account, with the identifiers it shares. Identifiers used
    // by more than $max_hub accounts (kiosks, shared terminals) are ignored.
    //
    // Parameters:
    //   $user_id  STRING   the account to start from (must exist: user) (required)
    //   $max_hub  INTEGER  ignore identifiers used by more accounts than this
    //                      (default 50)
    //
    // Example:
    //   graphrisk query shared_identifiers --param user_id=u5

The header rules:

* The header is the block of ``//`` lines at the top of the file; it ends at the first
  other line (Cypher or blank), so comments inside the Cypher need a line before them.
* Line 1 is the title; a blank ``//`` line ends it.
* The purpose is the text up to ``// Parameters:``.
* ``Parameters:`` lists one parameter per line as ``$name TYPE description``; a
  longer description continues on the next lines, indented past the type. The
  description ends with ``(required)``, ``(optional)`` (no default: the query treats a
  missing value as "no filter") or ``(default VALUE)``, with ``VALUE`` written as on the
  command line. A query without parameters says ``(none)``.
* A parameter that names a ring or an account carries ``(must exist: ring)`` or
  ``(must exist: user)`` in its description, before the final tag. Before the query
  runs, the value is looked up with a parameterised read query
  (:mod:`graphrisk.queries.entities`); an unknown id stops with ``not found: ring R1``
  (``graphrisk query`` prints it as one error line and exits with status 1) instead of an
  empty answer. An optional parameter left out is not looked up.
* A parameter with a fixed set of values carries ``(one of: a, b, c)`` before the final
  tag; any other value (any other item, for a ``LIST<STRING>``) is refused before the
  query runs, so a typo never reads as "no rows".
* ``Example:`` shows one or more command lines.

``graphrisk query --file PATH`` reads a custom file's header by the same rules, more
leniently: the header may be missing (the file name is then the title) or have only
some sections; a ``Parameters:`` section is needed only when the Cypher uses
``$parameters``, and must declare each one it uses (types, tags and ``must exist``
work as above); parameters declared but unused are allowed. The file is checked to be
read-only before its header is read. ``--show`` prints a ``:params {...}`` block with
the typed values (given, else the defaults; ``null`` for a required one not given) and
then the file, ready to paste into Neo4j Browser.

Types, and how :func:`~graphrisk.queries.values.convert_parameters` reads a command-line value:

============== ==================================================================
``STRING``     as given
``INTEGER``    a whole number, ``50``
``FLOAT``      a number, ``0.5``
``BOOLEAN``    ``true/false``, ``yes/no``, ``1/0``, ``on/off`` (any case)
``DATETIME``   ISO 8601 date or date-time, ``2024-03-01`` or ``2024-03-01T12:00:00+01:00``;
               passed as a timezone-aware :class:`datetime.datetime` (no zone means
               UTC; a date means its midnight UTC). The queries wrap it in
               ``datetime($since)``, so Python callers may pass an ISO string too.
``LIST<STRING>`` comma-separated, ``device,card``; blanks around items are dropped
============== ==================================================================

Each query applies its defaults itself with ``coalesce($param, default)``, so a Python
caller may pass ``None`` for any optional parameter; :func:`convert_parameters` passes
the header's default, which the unit tests keep equal to the one in the Cypher.

Examples
--------
>>> info = describe_query("shared_identifiers")
>>> info.title
'Accounts that share a device or another identifier with a given account'
>>> [(p.name, p.type, p.required) for p in info.parameters]
[('user_id', 'STRING', True), ('max_hub', 'INTEGER', False)]
>>> convert_parameters(info, {"user_id": "u5", "max_hub": "10"})
{'user_id': 'u5', 'max_hub': 10}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from graphrisk.errors import InputError
from graphrisk.queries.entities import ENTITY_LOOKUPS, EntityNotFound, check_entities
from graphrisk.queries.header import QueryInfo, QueryParameter, parse_query
from graphrisk.queries.read_only import check_read_only
from graphrisk.queries.scan import used_parameters
from graphrisk.queries.values import PARAMETER_TYPES, convert_parameters, convert_value

if TYPE_CHECKING:  # the library itself needs no driver
    from graphrisk.store.runner import QueryRunner

__all__ = [
    "QueryParameter", "QueryInfo", "PARAMETER_TYPES", "list_queries", "read_query", "describe_query",
    "parse_query", "convert_parameters", "convert_value", "check_read_only", "used_parameters", "run_query",
    "QueryResult", "run_query_result", "EntityNotFound", "ENTITY_LOOKUPS", "check_entities",
]


def list_queries() -> list[str]:
    """Names of the shipped queries (file names without ``.cypher``), sorted."""
    return sorted(p.name.removesuffix(".cypher") for p in files(__name__).iterdir() if p.name.endswith(".cypher"))


def read_query(name: str) -> str:
    """The text of one shipped query.

    Raises
    ------
    InputError
        No query has that name; the message lists the known ones (a ``ValueError`` too).
    """
    if name not in list_queries():
        raise InputError(f"unknown query {name!r}; known: {', '.join(list_queries())}")
    return (files(__name__) / f"{name}.cypher").read_text(encoding="utf-8")


def describe_query(name: str) -> QueryInfo:
    """The parsed header and text of one shipped query.

    Raises
    ------
    InputError
        No query has that name, or its header is malformed (a ``ValueError`` too).
    """
    return parse_query(read_query(name), name)


@dataclass(frozen=True)
class QueryResult:
    """The answer of a query: its column names (known even with no row) and its rows.

    Attributes
    ----------
    columns
        The result's keys, in ``RETURN`` order.
    rows
        One dict per record.
    """

    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


def run_query_result(runner: QueryRunner, info: QueryInfo, parameters: Mapping[str, Any]) -> QueryResult:
    """Check a query is read-only and that the entities it names exist, then run it in a read transaction.

    Parameters
    ----------
    runner
        A :class:`graphrisk.store.runner.QueryRunner`. When it has ``read_with_keys`` (the
        :class:`~graphrisk.store.runner.Neo4jRunner` does) the columns come from the driver;
        otherwise from the first row (none when there is no row).
    info
        The query.
    parameters
        Typed values (from :func:`convert_parameters`).

    Returns
    -------
    QueryResult

    Raises
    ------
    InputError
        The text writes (nothing is sent to the server; a ``ValueError`` too).
    EntityNotFound
        A ``(must exist: KIND)`` parameter names no ring or account (``not found: ring R1``;
        an :class:`InputError`). The query itself is not run.
    """
    check_read_only(info.text)  # the package's name: tests patch graphrisk.queries.check_read_only
    check_entities(runner, info, parameters)
    read_with_keys = getattr(runner, "read_with_keys", None)
    if read_with_keys is not None:
        columns, rows = read_with_keys(info.text, dict(parameters))
        return QueryResult(list(columns), rows)
    rows = runner.read(info.text, dict(parameters))
    return QueryResult(list(rows[0]) if rows else [], rows)


def run_query(runner: QueryRunner, info: QueryInfo, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of :func:`run_query_result`: read-only check, entity check, read transaction.

    Parameters
    ----------
    runner
        A :class:`graphrisk.store.runner.QueryRunner`.
    info
        The query.
    parameters
        Typed values (from :func:`convert_parameters`).

    Returns
    -------
    list of dict
        The records.

    Raises
    ------
    InputError
        The text writes (nothing is sent to the server; a ``ValueError`` too).
    EntityNotFound
        A ``(must exist: KIND)`` parameter names no ring or account.
    """
    return run_query_result(runner, info, parameters).rows
