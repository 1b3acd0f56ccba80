"""``graphrisk`` command line: a thin layer over the library.

Expected failures (a :class:`~graphrisk.errors.GraphRiskError`: bad input, bad settings,
unreachable database; or an error the Neo4j driver raises after connecting) print one line
on stderr and exit with status 1; usage errors exit with 2; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from neo4j.exceptions import DriverError, Neo4jError

from graphrisk import __version__
from graphrisk.cli import (
    compare,
    console,
    demo,
    evaluate,
    features,
    feedback,
    generate,
    load,
    query,
    score,
    serve,
    train,
    verdict,
)
from graphrisk.cli.driver_log import install_driver_log
from graphrisk.errors import GraphRiskError

__all__ = ["main", "build_parser"]

COMMANDS = (load, features, generate, train, score, serve, console, evaluate, query, demo, verdict, feedback, compare)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="graphrisk", description="Find fraud rings in transaction graphs.")
    parser.add_argument("--version", action="version", version=f"graphrisk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    # torch_geometric 2.8 warns about a torch deprecation at import: not the user's concern
    warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.*is deprecated", category=FutureWarning)
    install_driver_log()
    try:
        return int(args.run(args))
    except GraphRiskError as e:  # expected failures only: any other exception is a bug and keeps its traceback
        print(f"graphrisk {args.command}: error: {_one_line(str(e))}", file=sys.stderr)
        return 1
    except (Neo4jError, DriverError) as e:
        # a failure after connecting (server stopped mid-load, constraint violation...)
        reason = getattr(e, "message", None) or str(e) or type(e).__name__
        print(f"graphrisk {args.command}: error: Neo4j: {reason.splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"graphrisk {args.command}: interrupted", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    """``text`` on one line: its lines, stripped and without the empty ones, joined by a space."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
