"""``graphrisk verdict``: record an investigator's verdict on an account in Neo4j."""

from __future__ import annotations

import argparse

from graphrisk.cli.options import add_neo4j_options, neo4j_config
from graphrisk.feedback.store import record_verdict
from graphrisk.feedback.verdicts import VERDICT_VALUES
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run"]


def _verdict(text: str) -> str:
    value = text.strip().lower()
    if value not in VERDICT_VALUES:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(VERDICT_VALUES)}, got {text!r}")
    return value


def add_parser(commands) -> None:
    """Register the ``verdict`` command."""
    parser = commands.add_parser(
        "verdict", help="record an investigator's verdict (fraud, legit, unsure) on an account in Neo4j",
        description="Record a verdict on an account already loaded into Neo4j: one (:Verdict) node in the account's "
        "history ((:User)-[:HAS_VERDICT]->(:Verdict {verdict, by, at, note})), and the newest verdict as verdict, "
        "verdict_by and verdict_at on the (:User). An account that is not in the database is refused. "
        "graphrisk feedback --from-neo4j turns the verdicts into labels.",
    )
    parser.add_argument("user_id", metavar="USER_ID", help="the account")
    parser.add_argument("verdict", type=_verdict, metavar="VERDICT", help=f"one of {', '.join(VERDICT_VALUES)}")
    parser.add_argument("--by", required=True, metavar="NAME", help="the investigator giving the verdict")
    parser.add_argument("--note", metavar="TEXT", help="why (free text)")
    parser.add_argument("--at", metavar="WHEN", help="when it was given, ISO-8601 (no zone: UTC; default: now)")
    add_neo4j_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk verdict``."""
    config = neo4j_config(args)
    with connect(config) as runner:
        recorded = record_verdict(runner, args.user_id, args.verdict, by=args.by, at=args.at, note=args.note)
    when = recorded.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"recorded: {recorded.user_id} {recorded.verdict} by {recorded.by} at {when} ({recorded.verdict_id})")
    if not recorded.newest:
        current = recorded.current_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{recorded.user_id} keeps its newer verdict {recorded.current_verdict} by {recorded.current_by} "
              f"at {current}")
    return 0
