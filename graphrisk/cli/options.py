"""Options shared by several commands."""

from __future__ import annotations

import argparse

from graphrisk.store.config import Neo4jConfig

__all__ = ["add_input_options", "add_neo4j_options", "neo4j_config"]


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


def add_neo4j_options(parser: argparse.ArgumentParser) -> None:
    """Connection flags; the password is read only from NEO4J_PASSWORD, never from a flag."""
    group = parser.add_argument_group("Neo4j connection (defaults from NEO4J_URI, NEO4J_USER, NEO4J_DATABASE; password from NEO4J_PASSWORD)")
    group.add_argument("--uri", help="Bolt URI, e.g. bolt://127.0.0.1:7687")
    group.add_argument("--user", help="user name")
    group.add_argument("--database", help="database name")


def neo4j_config(args: argparse.Namespace) -> Neo4jConfig:
    """The connection settings from flags over the environment."""
    return Neo4jConfig.from_env(uri=args.uri, user=args.user, database=args.database)
