"""``graphrisk console``: the investigators' web console over the scored graph in Neo4j."""

from __future__ import annotations

import argparse
import os

from graphrisk.cli.options import add_neo4j_options, neo4j_config

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``console`` command."""
    parser = commands.add_parser(
        "console", help="open the investigators' web console (rings, accounts, verdicts, review queue)",
        description="Serve the investigators' console over the graph in Neo4j, scored by graphrisk score "
        "--write-neo4j: the rings sorted and filtered by exposure, size, risk, status and review state; a ring with an "
        "interactive drawing; an account with its reasons, identifiers, timeline, verdict history and a verdict "
        "form; the queue of flagged accounts without a verdict. Every view shows its Cypher and the matching "
        "graphrisk query command. It reads in read transactions; its one write is a verdict, recorded as "
        "graphrisk verdict records it. It binds to 127.0.0.1; any other --host needs a token of 16 characters or "
        "more in GRAPHRISK_CONSOLE_TOKEN, which every request must then carry (open the printed address once).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: %(default)s)")
    add_neo4j_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk console``."""
    import uvicorn

    from graphrisk.console import ConsoleAccess, check_bind, create_app
    from graphrisk.console.access import TOKEN_ENV
    from graphrisk.store.runner import connect

    token = os.environ.get(TOKEN_ENV) or None
    check_bind(args.host, token)
    config = neo4j_config(args)
    with connect(config):  # fail now, in one line, if Neo4j cannot be reached
        pass
    app = create_app(lambda: connect(config), ConsoleAccess(token=token))
    where = f"http://{args.host}:{args.port}/"
    # the token is the user's own secret: say where it goes, never print it
    print(f"graphrisk console on {where}" + (f" (first visit: {where}?token=<{TOKEN_ENV}>)" if token else "")
          + f"; Neo4j at {config.uri}; Ctrl-C stops it", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
