"""Options shared by several commands.

Every command that reads a graph from files registers the same flags with
:func:`add_graph_input_options` (canonical tables, or one file or folder in a public
format, and for some commands ``--from-neo4j``) and builds the graph with
:func:`graph_input` (or :func:`graph_from_files`, its graph): the same checks, the same
rejects file and the same summaries everywhere.
"""

from __future__ import annotations

import argparse
import getpass
import math
from collections.abc import Callable
from dataclasses import dataclass

from graphrisk.cli.label_checks import check_labels
from graphrisk.cli.progress import stage_bars
from graphrisk.cli.summary import graph_summary, input_summary
from graphrisk.errors import InputError
from graphrisk.graph.build import InputReport, build_graph
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.readers import TableSource
from graphrisk.loaders import FORMATS, detect_format, load
from graphrisk.store.config import CONFIG_FILE_ENV, Neo4jConfig

__all__ = [
    "add_graph_input_options", "graph_input", "graph_from_files", "graph_from_neo4j", "files_given", "GraphInput",
    "add_input_options", "add_format_options", "check_input_choice",
    "add_neo4j_options", "neo4j_config", "positive_rows", "positive_int", "whole_number", "number_between",
]

_CANONICAL_FLAGS = ("transactions", "links", "users", "labels")
_FORMAT_FLAGS = ("input", "format", "limit")


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
    group.add_argument("--chunk-rows", type=positive_rows, default=250_000, metavar="N", help="rows read at a time")


def positive_rows(text: str) -> int:
    """argparse type: a positive number of rows."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of rows, got {text!r}")
    return value


def whole_number(low: int) -> Callable[[str], int]:
    """argparse type: a whole number ``>= low`` (anything else is a usage error naming the value).

    Examples
    --------
    >>> whole_number(2)("5")
    5
    >>> whole_number(2)("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number >= 2, got '1'
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
        return value

    parse.__name__ = f"whole number >= {low}"
    return parse


#: argparse type: a whole number >= 1.
positive_int = whole_number(1)


def number_between(
    low: float, high: float, *, low_open: bool = False, high_open: bool = False,
) -> Callable[[str], float]:
    """argparse type: a number in the interval from ``low`` to ``high`` (open ends as asked; never NaN).

    Examples
    --------
    >>> number_between(0, 1, low_open=True, high_open=True)("0.3")
    0.3
    >>> number_between(0, 1, high_open=True)("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number in [0, 1), got '1'
    """
    shown = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        inside = (low < value if low_open else low <= value) and (value < high if high_open else value <= high)
        if not inside:  # NaN is never inside
            raise argparse.ArgumentTypeError(f"expected a number in {shown}, got {text!r}")
        return value

    parse.__name__ = f"number in {shown}"
    return parse


def add_format_options(parser: argparse.ArgumentParser) -> None:
    """``--input/--format/--limit``: a file or folder in a supported public format, instead of canonical tables."""
    group = parser.add_argument_group(
        "input in a public format (instead of --transactions/--links/--users/--labels)",
        "; ".join(f"{name}: {text}" for name, text in FORMATS.items()),
    )
    group.add_argument("--input", metavar="FILE_OR_DIR", help="the file (or xfraud folder) to map to canonical tables")
    group.add_argument("--format", choices=("auto", *FORMATS), help="its format (default: auto, by headers or layout)")
    group.add_argument("--limit", type=positive_rows, metavar="N", help="read only the first N transactions")


def add_graph_input_options(parser: argparse.ArgumentParser, *, from_neo4j: bool = False) -> None:
    """The input flags of every command that reads a graph: one helper, so that they all offer the same.

    Canonical tables (``--transactions/--links/--users/--labels``, with ``--rejects`` and
    ``--chunk-rows``) or one file or folder in a public format (``--input/--format/--limit``);
    with ``from_neo4j`` also ``--from-neo4j``, the graph loaded in Neo4j. Which one is used,
    and that exactly one is, is checked by :func:`check_input_choice` (an
    :class:`~graphrisk.errors.InputError`, not a usage error).
    """
    add_input_options(parser, transactions_required=False)
    add_format_options(parser)
    if from_neo4j:
        parser.add_argument("--from-neo4j", action="store_true", help="read the graph from Neo4j instead of files")


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> list[str]:
    return [f"--{name}" for name in names if getattr(args, name, None) is not None]


def files_given(args: argparse.Namespace) -> bool:
    """Whether any input file flag is given (canonical tables, or ``--input/--format/--limit``)."""
    return bool(_given(args, _CANONICAL_FLAGS + _FORMAT_FLAGS))


def check_input_choice(args: argparse.Namespace) -> None:
    """Check that exactly one way to give input is used (cheap: reads nothing).

    The ways are canonical tables (``--transactions`` ...), ``--input`` in a public format,
    and, for the commands that offer it, ``--from-neo4j``.

    Raises
    ------
    InputError
        None or several ways are given, or ``--format``/``--limit`` come without ``--input``.
    """
    canonical, formats = _given(args, _CANONICAL_FLAGS), _given(args, _FORMAT_FLAGS)
    if getattr(args, "from_neo4j", False):
        if canonical or formats:
            raise InputError(f"give either --from-neo4j or {'/'.join(canonical + formats)}, not both")
        return
    if args.input is None:
        if formats:
            raise InputError("--format and --limit apply only to --input FILE_OR_DIR")
        if "--transactions" not in canonical:
            ways = ["--transactions FILE (canonical tables)", f"--input FILE_OR_DIR (formats: {', '.join(FORMATS)})"]
            if hasattr(args, "from_neo4j"):
                ways.append("--from-neo4j (the graph loaded in Neo4j)")
            raise InputError(f"no input: give {', '.join(ways[:-1])} or {ways[-1]}")
    elif canonical:
        raise InputError(f"give either --input or {'/'.join(canonical)}, not both")


def _read_input(args: argparse.Namespace) -> tuple[dict, str | None, str | None]:
    """The ``build_graph`` inputs; for ``--input`` also the format it was read as and a line saying what was read."""
    if args.input is None:
        return {name: getattr(args, name) for name in _CANONICAL_FLAGS}, None, None
    name = args.format or "auto"
    if name == "auto":
        name = detect_format(args.input)
    tables = load(args.input, format=name, limit=args.limit)
    return tables.as_kwargs(), name, f"input: {args.input} read as {name}: {tables.describe()}"


@dataclass(frozen=True)
class GraphInput:
    """A graph built from the command line's input files, and what went into it.

    Attributes
    ----------
    graph, report
        What :func:`~graphrisk.graph.build.build_graph` returned.
    tables
        The ``build_graph`` inputs: the paths given (canonical tables) or the frames the
        ``--input`` loader made; ``None`` for a table not given.
    source
        Where the input came from, for records: ``transactions``/``links``/``users``/
        ``labels`` paths as given, or ``input`` and ``format``.
    name
        The same in a few words, for summaries.
    """

    graph: TransactionGraph
    report: InputReport
    tables: dict[str, TableSource | None]
    source: dict[str, str]
    name: str


def graph_input(
    args: argparse.Namespace,
    *,
    labels_needed: str | None = None,
    keep_transactions: bool = True,
    progress: bool = False,
) -> GraphInput:
    """Build the graph from the input files of the command line (the one way every command does it).

    Reads canonical tables (``--transactions/--links/--users/--labels``) or ``--input``
    in a public format (``--format``, ``--limit``; formats that carry labels provide
    them), writes the rejected rows to ``--rejects`` and prints what was read: for
    ``--input`` the tables made from it, then the rows per table and the graph.

    Parameters
    ----------
    args
        Parsed with :func:`add_graph_input_options`.
    labels_needed
        When set, the input must have labels (``--labels``, or an ``--input`` whose format
        carries them) and keep at least one label row; the text says what the labels are
        for (it ends the error message).
    keep_transactions, progress
        Passed to :func:`~graphrisk.graph.build.build_graph` (``progress``: bars on stderr).

    Raises
    ------
    InputError
        No input or more than one way given (:func:`check_input_choice`), a file cannot be
        read or recognised, labels needed but absent, or no label row usable
        (:func:`~graphrisk.cli.label_checks.check_labels`).
    """
    check_input_choice(args)
    if labels_needed and args.input is None and not args.labels:
        raise InputError(f"--labels FILE is needed: {labels_needed}")
    tables, format_name, described = _read_input(args)
    if format_name is None:
        source = {name: str(getattr(args, name)) for name in _CANONICAL_FLAGS if getattr(args, name) is not None}
        name, labels_name = str(args.transactions), args.labels
    else:
        source = {"input": str(args.input), "format": format_name}
        name = labels_name = f"{args.input} (read as {format_name})"
        print(described)
        if labels_needed and tables["labels"] is None:
            raise InputError(f"labels are needed: {labels_needed}; {name} has none (give canonical tables "
                             "with --labels FILE)")
    with stage_bars(progress) as callback:
        graph, report = build_graph(**tables, keep_transactions=keep_transactions, chunk_rows=args.chunk_rows,
                                    progress=callback)
    if report.rows_rejected:  # no rejects: no file (the summary says "rejects: none")
        report.write_rejects(args.rejects)
    print(input_summary(report, args.rejects))
    print(graph_summary(graph))
    if labels_needed:
        check_labels(report, labels_name)
    return GraphInput(graph, report, tables, source, name)


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
    ConfigError
        No URI, or a config file or retry bound that cannot be used (one line, never the password).
    """
    return Neo4jConfig.from_env(
        config_file=getattr(args, "neo4j_config", None),
        ask_password=getpass.getpass if getattr(args, "ask_password", False) else None,
        uri=args.uri, user=args.user, database=args.database,
    )


def graph_from_neo4j(config: Neo4jConfig, *, transactions_needed: str | None = None) -> TransactionGraph:
    """The graph loaded in Neo4j (``--from-neo4j``), with its summary printed.

    Parameters
    ----------
    transactions_needed
        When set, the graph must hold transaction nodes; the text says what needs them.

    Raises
    ------
    InputError
        The database holds no user, or no transaction node while ``transactions_needed``.
    """
    from graphrisk.store.reader import read_graph
    from graphrisk.store.runner import connect

    with connect(config) as runner:
        graph = read_graph(runner)
    if not len(graph.users):
        raise InputError("the Neo4j database holds no user: load a graph first (graphrisk load)")
    if transactions_needed and graph.transactions is None:
        raise InputError(f"the graph in Neo4j has no transaction nodes, and {transactions_needed}: load it with "
                         "graphrisk load --keep-transactions")
    print(f"input: read from Neo4j at {config.uri}")
    print(graph_summary(graph))
    return graph


def graph_from_files(args: argparse.Namespace, *, labels_needed: str | None = None) -> TransactionGraph:
    """The graph of :func:`graph_input`: canonical tables or ``--input``, rejects written, summaries printed.

    Raises
    ------
    InputError
        As :func:`graph_input`.
    """
    return graph_input(args, labels_needed=labels_needed).graph
