"""``graphrisk console``: the investigators' web console over the scored graph in Neo4j.

A FastAPI application, server-rendered: the rings to work (sorted and filtered), a ring
with an interactive drawing, an account with its reasons, timeline and verdicts, and the
review queue. Every view runs one of the shipped investigator queries
(:mod:`graphrisk.queries`) in a read transaction and shows its Cypher and the matching
``graphrisk query`` command; the one write is a verdict, recorded as ``graphrisk verdict``
records it.
"""

from graphrisk.console.access import ConsoleAccess, check_bind
from graphrisk.console.app import create_app

__all__ = ["create_app", "ConsoleAccess", "check_bind"]
