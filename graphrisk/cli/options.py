"""Options shared by several commands."""

from __future__ import annotations

import argparse
import getpass

from graphrisk.cli.label_checks import check_labels
from graphrisk.cli.summary import graph_summary, input_summary
from graphrisk.errors import InputError
from graphrisk.graph.build import build_graph
from graphrisk.loaders import FORMATS, detect_format, load
from graphrisk.store.config import CONFIG_FILE_ENV, Neo4jConfig

__all__ = [
    "add_input_options", "add_format_options", "check_input_choice", "input_tables",
    "add_neo4j_options", "neo4j_config", "graph_from_files", "positive_rows",
]

_CANONICAL_FLAGS = ("transactions", "links", "users", "labels")


def add_input_options(parser: argparse.ArgumentParser, *, transactions_required: bool = True) -> None:
    """``--transactions/--links/--users/--labels`` and ``--rejects``."""
    group = parser.add_argument_group("canonical input (CSV or Parquet)")
    group.add_argument("--transactions", required=transactions_required, metavar="FILE", help="transactions table")
    group.add_argument("--links", metavar="FILE", help="identifier links (logins, KYC)")
    group.add_argument("--users", metavar="FILE", help="user attributes")
    group.add_argument("--labels", metavar="FILE", help="user labels: user_id,is_fraud[,ring_id]")
    group.add_argument(
        "--rejects", metavar="FILE", default="graphrisk-rejects.csv",
        help="where rejected rows go, with line and reason (default: %(default)s)",
    )
    group.add_argument("--chunk-rows", type=int, default=250_000, metavar="N", help="rows read at a time")


def positive_rows(text: str) -> int:
    """argparse type: a positive number of rows."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of rows, got {text!r}")
    return value


def add_format_options(parser: argparse.ArgumentParser) -> None:
    """``--input/--format/--limit``: a file or folder in a supported public format, instead of canonical tables."""
    group = parser.add_argument_group(
        "input in a public format (instead of --transactions/--links/--users/--labels)",
        "; ".join(f"{name}: {text}" for name, text in FORMATS.items()),
    )
    group.add_argument("--input", metavar="FILE_OR_DIR", help="the file (or xfraud folder) to map to canonical tables")
    group.add_argument("--format", choices=("auto", *FORMATS), help="its format (default: auto, by headers or layout)")
    group.add_argument("--limit", type=positive_rows, metavar="N", help="read only the first N transactions")


def check_input_choice(args: argparse.Namespace) -> None:
    """Check that exactly one of the two ways to give input is used (cheap: reads nothing).

    Raises
    ------
    InputError
        Neither or both ways are given, or ``--format``/``--limit`` come without ``--input``.
    """
    given = [f"--{name}" for name in _CANONICAL_FLAGS if getattr(args, name) is not None]
    if args.input is None:
        if args.format is not None or args.limit is not None:
            raise InputError("--format and --limit apply only to --input FILE_OR_DIR")
        if "--transactions" not in given:
            raise InputError("no input: give --transactions FILE (canonical tables) or --input FILE_OR_DIR "
                             f"(formats: {', '.join(FORMATS)})")
    elif given:
        raise InputError(f"give either --input or {'/'.join(given)}, not both")


def input_tables(args: argparse.Namespace) -> tuple[dict, str | None]:
    """The ``build_graph`` inputs, and for ``--input`` a line saying what was read and how.

    Raises
    ------
    InputError
        As :func:`check_input_choice`, or the ``--input`` cannot be read or recognised.
    """
    check_input_choice(args)
    if args.input is None:
        return {name: getattr(args, name) for name in _CANONICAL_FLAGS}, None
    name = args.format or "auto"
    if name == "auto":
        name = detect_format(args.input)
    tables = load(args.input, format=name, limit=args.limit)
    return tables.as_kwargs(), f"input: {args.input} read as {name}: {tables.describe()}"


def add_neo4j_options(parser: argparse.ArgumentParser) -> None:
    """Connection flags. The password never comes from a flag: environment, config file or prompt."""
    group = parser.add_argument_group(
        "Neo4j connection",
        "Each setting comes from a flag, else the environment (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, "
        "NEO4J_DATABASE, GRAPHRISK_NEO4J_RETRY_SECONDS), else the [neo4j] table of a TOML config file "
        "(uri, user, password, database, retry_seconds; chmod 600 when it holds a password), else the default. "
        "The password is never a flag: use NEO4J_PASSWORD, the config file or --ask-password.",
    )
    group.add_argument("--uri", help="Bolt URI, e.g. bolt://127.0.0.1:7687")
    group.add_argument("--user", help="user name (default: neo4j)")
    group.add_argument("--database", help="database name (default: neo4j)")
    group.add_argument(
        "--neo4j-config", metavar="FILE",
        help=f"TOML file with a [neo4j] table (default: the file named by {CONFIG_FILE_ENV}, if set)",
    )
    group.add_argument("--ask-password", action="store_true", help="prompt for the password (not echoed)")


def neo4j_config(args: argparse.Namespace) -> Neo4jConfig:
    """The connection settings: flags over the environment over the config file; prompts when asked.

    ``args`` may lack the newer flags (``neo4j_config``, ``ask_password``); they count as not given.

    Raises
    ------
    ValueError
        No URI, or a config file or retry bound that cannot be used (one line, never the password).
    """
    return Neo4jConfig.from_env(
        config_file=getattr(args, "neo4j_config", None),
        ask_password=getpass.getpass if getattr(args, "ask_password", False) else None,
        uri=args.uri, user=args.user, database=args.database,
    )


def graph_from_files(args: argparse.Namespace, *, labels_needed: str | None = None):
    """Build the graph from ``--transactions/--links/--users/--labels``, write the rejects, print the summaries.

    Parameters
    ----------
    labels_needed
        When set, ``--labels`` is required and must keep at least one row; the text says
        what the labels are for (it ends the error message).

    Raises
    ------
    InputError
        Labels needed but not given, or no label row usable (:func:`~graphrisk.cli.label_checks.check_labels`).
    """
    if labels_needed and not args.labels:
        raise InputError(f"--labels FILE is needed: {labels_needed}")
    graph, report = build_graph(args.transactions, args.links, args.users, args.labels, chunk_rows=args.chunk_rows)
    report.write_rejects(args.rejects)
    print(input_summary(report, args.rejects))
    print(graph_summary(graph))
    if labels_needed:
        check_labels(report, args.labels)
    return graph
