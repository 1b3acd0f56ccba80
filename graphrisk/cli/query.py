"""``graphrisk query``: run an investigator's Cypher query, read-only, and print the rows.

Shipped queries live in :mod:`graphrisk.queries` (``graphrisk query --list``); ``--file``
runs a custom ``.cypher`` file with the same header format. Every query is checked
statically by :func:`graphrisk.queries.check_read_only` before anything is sent, then
runs in a read transaction, where the server refuses writes too.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graphrisk.cli.options import add_neo4j_options, neo4j_config, positive_rows
from graphrisk.errors import InputError
from graphrisk.queries import (
    QueryInfo,
    QueryParameter,
    check_read_only,
    convert_parameters,
    describe_query,
    list_queries,
    parse_query,
    run_query_result,
)
from graphrisk.queries.output import iso_time, plain_value
from graphrisk.queries.values import convert_value
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run", "query_listing", "plain_value", "render_rows", "show_parameters", "params_block",
           "iso_time"]  # iso_time and plain_value live in graphrisk.queries.output, kept here for callers

FORMATS = ("table", "csv", "json")

#: Longest cell shown by the table format (the csv and json formats keep every value whole).
MAX_CELL = 80

#: The table format shows a single row with more columns than this as one "name  value" per line.
VERTICAL_COLUMNS = 6


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def add_parser(commands) -> None:
    """Register the ``query`` command."""
    parser = commands.add_parser(
        "query", help="run an investigator's Cypher query (read-only)",
        description="Run a shipped Cypher query (see --list) or a custom .cypher file against Neo4j and print "
        "the rows. Values come with --param KEY=VALUE and are typed by the query's header; every query is "
        "checked to be read-only before it is sent and runs in a read transaction.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="a shipped query (see --list)")
    parser.add_argument("--file", metavar="PATH", help="run this .cypher file instead of a shipped query")
    parser.add_argument("--param", action="append", default=[], type=_key_value, metavar="KEY=VALUE",
                        help="a query parameter, as many times as needed (lists: comma-separated)")
    parser.add_argument("--list", action="store_true", help="list the shipped queries with their parameters")
    parser.add_argument("--show", action="store_true",
                        help="print a ':params {...}' block with the parameter values, then the query (header and "
                        "Cypher), ready to paste into Neo4j Browser, instead of running it")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")
    parser.add_argument("--limit", type=positive_rows, metavar="N", help="print at most N rows")
    add_neo4j_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk query``."""
    if args.list:
        if args.name or args.file:
            raise InputError("--list takes no NAME or --file")
        print(query_listing())
        return 0
    info = _resolve(args)
    if args.show:
        print(params_block(show_parameters(info, _param_values(args.param))))
        print()
        print(info.text.rstrip("\n"))
        return 0
    _refuse_writes(info.text, info.name)
    parameters = convert_parameters(info, _param_values(args.param))
    with connect(neo4j_config(args)) as runner:
        result = run_query_result(runner, info, parameters)
    rows = result.rows
    shown = rows if args.limit is None else rows[: args.limit]
    if len(shown) < len(rows):
        print(f"showing {len(shown):,} of {len(rows):,} rows (--limit {args.limit})", file=sys.stderr)
    output = render_rows(shown, args.format, columns=result.columns)
    if output:
        print(output)
    if args.format == "table" and rows:
        print(f"({len(rows):,} row{'' if len(rows) == 1 else 's'})")
    return 0


def _resolve(args: argparse.Namespace) -> QueryInfo:
    if args.name and args.file:
        raise InputError("give a query NAME or --file PATH, not both")
    if args.file:
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as e:
            raise InputError(f"file not found: {path}") from e
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read {path}: {e}") from e
        _refuse_writes(text, path.stem)  # before its header is read: the reason that matters first
        return parse_query(text, path.stem, strict=False)
    if not args.name:
        raise InputError("give a query NAME (see graphrisk query --list) or --file PATH")
    return describe_query(args.name)


def _refuse_writes(text: str, name: str) -> None:
    try:
        check_read_only(text)
    except InputError as e:
        raise InputError(f"query {name!r} is refused: {e}") from e


def _param_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            raise InputError(f"parameter {key} is given twice")
        values[key] = value
    return values


# --- listing -----------------------------------------------------------------------------------


def _default_text(parameter: QueryParameter) -> str:
    if parameter.required:
        return "required"
    if parameter.default is None:
        return "optional"
    value = parameter.default
    if isinstance(value, list):
        value = ",".join(value)
    elif isinstance(value, bool):
        value = str(value).lower()
    return f"default {value}"


def query_listing() -> str:
    """``graphrisk query --list``: each shipped query with its title and parameters."""
    infos = [describe_query(name) for name in list_queries()]
    width = max(len(info.name) for info in infos)
    lines = []
    for info in infos:
        lines.append(f"{info.name:<{width}}  {info.title}")
        described = ", ".join(f"{p.name} ({p.type}, {_default_text(p)})" for p in info.parameters)
        lines.extend(textwrap.wrap(f"parameters: {described or 'none'}", 110, initial_indent=" " * (width + 2),
                                   subsequent_indent=" " * (width + 4), break_on_hyphens=False))
    lines.append(f"{len(infos)} queries; graphrisk query NAME --show prints one in full")
    return "\n".join(lines)


# --- --show: a :params block for Neo4j Browser ----------------------------------------------------


def show_parameters(info: QueryInfo, values: Mapping[str, str]) -> dict[str, Any]:
    """The parameters ``--show`` prints: every declared one, typed; a required one not given is ``None``.

    Raises
    ------
    InputError
        An unknown parameter or a value of the wrong type (as :func:`convert_parameters`).
    """
    for key in values:
        info.parameter(key)
    typed: dict[str, Any] = {}
    for parameter in info.parameters:
        text = values.get(parameter.name)
        typed[parameter.name] = (parameter.default if text is None or not text.strip()
                                 else convert_value(text, parameter.type, parameter.name))
    return typed


def _cypher_literal(value: Any) -> str:
    """A typed parameter value as a Cypher literal (``:params`` evaluates its map as Cypher)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"datetime({json.dumps(iso_time(value))})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_cypher_literal(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # "..." with \" \\ \n escapes: a Cypher string literal too


def params_block(parameters: Mapping[str, Any]) -> str:
    """``:params {name: value, ...}`` for Neo4j Browser, one parameter per line.

    Examples
    --------
    >>> print(params_block({"user_id": "u5", "max_hub": 50}))
    :params {
      user_id: "u5",
      max_hub: 50
    }
    >>> params_block({})
    ':params {}'
    """
    if not parameters:
        return ":params {}"
    lines = [f"  {name}: {_cypher_literal(value)}" for name, value in parameters.items()]
    return ":params {\n" + ",\n".join(lines) + "\n}"


# --- values and output -------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """One value as table or csv text."""
    value = plain_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."


def render_rows(rows: Sequence[Mapping[str, Any]], fmt: str, *, columns: Sequence[str] | None = None) -> str:
    """The rows as ``table``, ``csv`` or ``json`` text.

    ``json`` is an array of objects (``[]`` for no row); ``csv`` writes lists and maps as
    JSON text, and its header line even when there is no row; the ``table`` aligns
    columns, shows lists comma-separated, cuts cells at :data:`MAX_CELL` characters, and
    shows a single row of more than :data:`VERTICAL_COLUMNS` columns as one
    ``name  value`` line per column. Every format writes a date-time the same way, in UTC
    (:func:`iso_time`, ``2024-03-01T09:30:00Z``).

    Parameters
    ----------
    rows
        The records.
    fmt
        ``table``, ``csv`` or ``json``.
    columns
        The column names, in order (the driver knows them even with no row); default:
        the keys of the first row.

    Raises
    ------
    ValueError
        An unknown format.

    Examples
    --------
    >>> print(render_rows([{"user_id": "u6", "shared": ["Device:dX", "Card:cX"], "n": 2}], "table"))
    user_id  shared              n
    -------  ------------------  -
    u6       Device:dX, Card:cX  2
    >>> print(render_rows([{"user_id": "u6", "shared": ["Device:dX"]}], "csv"))
    user_id,shared
    u6,"[""Device:dX""]"
    >>> print(render_rows([], "csv", columns=["user_id", "shared"]))
    user_id,shared
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps([plain_value(dict(row)) for row in rows], indent=2, ensure_ascii=False, allow_nan=False)
    columns = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fmt == "csv":
        if not columns:
            return ""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return out.getvalue().rstrip("\n")
    if not rows:
        return "(no rows)"
    cells = [[_shorten(_cell(row.get(c))) for c in columns] for row in rows]
    if len(rows) == 1 and len(columns) > VERTICAL_COLUMNS:  # one wide record: a name per line
        width = max(len(c) for c in columns)
        return "\n".join(f"{c:<{width}}  {text}".rstrip() for c, text in zip(columns, cells[0]))
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *cells]
    return "\n".join("  ".join(text.ljust(w) for text, w in zip(line, widths)).rstrip() for line in lines)


def _csv_cell(value: Any) -> str:
    value = plain_value(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return _cell(value)
