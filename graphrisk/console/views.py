"""One console view: a shipped query run with command-line values, with its Cypher and command.

Each page of the console shows what it ran, so an investigator can run the same thing
from the terminal (``graphrisk query ...``) or paste it into Neo4j Browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphrisk.queries import QueryInfo, convert_parameters, describe_query, run_query
from graphrisk.queries.output import query_command
from graphrisk.store.runner import QueryRunner

__all__ = ["QueryView", "run_view"]


@dataclass(frozen=True)
class QueryView:
    """What one query returned, and how to run it again.

    Attributes
    ----------
    info
        The query (name, title, Cypher text).
    values
        The parameters as given on a command line (strings), only those set.
    rows
        The records.
    """

    info: QueryInfo
    values: dict[str, str]
    rows: list[dict[str, Any]]

    @property
    def command(self) -> str:
        """The matching ``graphrisk query`` command."""
        return query_command(self.info.name, self.values)

    @property
    def cypher(self) -> str:
        """The query's Cypher, header included."""
        return self.info.text


def run_view(runner: QueryRunner, name: str, values: Mapping[str, str | None]) -> QueryView:
    """Run the shipped query ``name`` in a read transaction with command-line style ``values``.

    Values that are ``None`` or empty are left out (the query's default applies), so the
    command shown is exactly what was run.

    Raises
    ------
    InputError
        A value does not convert to its parameter's type, or a required one is missing.
    """
    info = describe_query(name)
    given = {key: str(value) for key, value in values.items() if value not in (None, "")}
    rows = run_query(runner, info, convert_parameters(info, given))
    return QueryView(info=info, values=given, rows=rows)
