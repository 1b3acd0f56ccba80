"""The one object through which graphrisk talks to Neo4j.

Every query goes through a :class:`QueryRunner`: writes through managed transactions,
reads through read transactions, all tagged with transaction metadata so a DBA can see
who ran what. Values are always passed as parameters.

The driver retries a managed transaction that failed with a transient error or a lost
connection (a server restart, a deadlock, a leader switch), with exponential backoff
(about 1 s, 2 s, 4 s... with jitter), until ``Neo4jConfig.retry_seconds`` have passed
since the first failure; then :class:`Neo4jRunner` raises one :class:`StoreError` that
names the server and the bound. Every write graphrisk sends is safe to run again
(``MERGE``, or guarded by a ledger node), so a write whose commit was cut off with the
connection (the driver's ``IncompleteCommit``, which it never retries itself) is run again
too: a commit that did land changes nothing the second time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import neo4j
from neo4j.exceptions import AuthError, DriverError, IncompleteCommit, Neo4jError, ServiceUnavailable

from graphrisk.errors import StoreError, StoreUnavailable
from graphrisk.store.config import Neo4jConfig

__all__ = ["QueryRunner", "Neo4jRunner", "connect", "TX_METADATA", "NOTIFICATION_SETTINGS"]

#: Metadata attached to every transaction graphrisk runs.
TX_METADATA: dict[str, str] = {"app": "graphrisk", "version": "0.1.0"}

#: What the server is asked to notify (the driver's own notification settings). Only
#: warnings, and not those about a query's own shape: an unknown label, type or property
#: (UNRECOGNIZED: a graph without fraud labels has no ``fraud_count``), a cartesian product
#: or an unbounded path (PERFORMANCE), a planner hint (HINT), or the other GENERIC and
#: TOPOLOGY notices. Deprecations, security, unsupported features and schema warnings
#: still come through, as one line each on the CLI (:mod:`graphrisk.cli.driver_log`).
NOTIFICATION_SETTINGS: dict[str, Any] = {
    "notifications_min_severity": "WARNING",
    "notifications_disabled_classifications": ["UNRECOGNIZED", "PERFORMANCE", "HINT", "GENERIC", "TOPOLOGY"],
    "warn_notification_severity": "OFF",
}

#: How many times a write whose commit was cut off is run again (each run has its own retry bound).
INCOMPLETE_COMMIT_RERUNS = 3

log = logging.getLogger(__name__)

_T = TypeVar("_T")

class QueryRunner(Protocol):
    """What graphrisk needs from a database: parameterised reads and writes."""

    def write(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a write in a retried managed transaction and return its records.

        The write must be safe to run twice: it may be retried after its commit landed.
        """

    def read(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only query and return its records."""


class Neo4jRunner:
    """A :class:`QueryRunner` over an open driver; it does not close the driver.

    Parameters
    ----------
    driver
        An open ``neo4j.Driver``.
    database
        Database to run in.
    uri, retry_seconds
        What the driver connects to and its retry bound, for error messages only (the
        bound itself is set on the driver: ``max_transaction_retry_time``).
    """

    def __init__(
        self, driver: neo4j.Driver, database: str = "neo4j", *, uri: str | None = None,
        retry_seconds: float | None = None,
    ) -> None:
        self._driver = driver
        self.database = database
        self.uri = uri
        self.retry_seconds = retry_seconds

    def _work(self, query: str, parameters: Mapping[str, Any] | None):
        @neo4j.unit_of_work(metadata=TX_METADATA)
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, dict(parameters or {}))]

        return work

    def read_with_keys(
        self, query: str, parameters: Mapping[str, Any] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """Like :meth:`read`, with the result's column names too (known even when no row comes back).

        Raises
        ------
        StoreError
            As :meth:`write`.
        """
        @neo4j.unit_of_work(metadata=TX_METADATA)
        def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[dict[str, Any]]]:
            result = tx.run(query, dict(parameters or {}))
            rows = [record.data() for record in result]
            return list(result.keys()), rows

        return self._managed(lambda session: session.execute_read(work), {"default_access_mode": neo4j.READ_ACCESS})

    def write(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``query`` in a managed write transaction (retried on transient errors and lost connections).

        ``query`` must be safe to run twice: it runs again when its commit was cut off.

        Raises
        ------
        StoreError
            The server stayed unreachable or kept failing with transient errors for the
            whole retry bound.
        """
        return self._managed(lambda session: session.execute_write(self._work(query, parameters)), {})

    def read(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``query`` in a managed read transaction; the server refuses writes in it.

        Raises
        ------
        StoreError
            As :meth:`write`.
        """
        return self._managed(lambda session: session.execute_read(self._work(query, parameters)),
                             {"default_access_mode": neo4j.READ_ACCESS})

    def _managed(self, run: Callable[[neo4j.Session], _T], session_options: dict[str, Any]) -> _T:
        """``run`` on a new session; errors the driver retried in vain become one :class:`StoreError`."""
        for rerun in range(INCOMPLETE_COMMIT_RERUNS + 1):
            try:
                with self._driver.session(database=self.database, **session_options) as session:
                    return run(session)
            except IncompleteCommit as e:
                if rerun == INCOMPLETE_COMMIT_RERUNS:
                    raise StoreError(f"{self._server()}: the connection broke during {rerun + 1} commits in a row "
                                     f"({_reason(e)})") from e
                log.warning("neo4j: the connection broke during a commit, running the write again (it is safe "
                            "to repeat)")
            except (Neo4jError, DriverError) as e:
                if not e.is_retryable():
                    raise
                bound = "" if self.retry_seconds is None else f" for {self.retry_seconds:g} s"
                raise StoreUnavailable(f"{self._server()}: gave up after retrying{bound} (the bound is "
                                 f"GRAPHRISK_NEO4J_RETRY_SECONDS): {_reason(e)}") from e
        raise AssertionError("unreachable")  # pragma: no cover

    def _server(self) -> str:
        return f"Neo4j at {self.uri}" if self.uri else "Neo4j"

    def autocommit(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``query`` as an auto-commit transaction (needed for ``CALL {...} IN TRANSACTIONS``).

        Not retried: use it only for statements that are safe to run again by hand.
        """
        with self._driver.session(database=self.database) as session:
            result = session.run(neo4j.Query(query, metadata=TX_METADATA), dict(parameters or {}))
            return [record.data() for record in result]


@contextmanager
def connect(config: Neo4jConfig) -> Iterator[Neo4jRunner]:
    """Open a driver for ``config``, check it answers, yield a runner, close the driver.

    The connectivity check is not retried: a server that is down when the command starts
    fails at once. Transactions run later are retried for up to ``config.retry_seconds``.

    Raises
    ------
    StoreError
        The server cannot be reached or refuses the credentials. The message names the
        URI, never the password.
    """
    try:
        driver = neo4j.GraphDatabase.driver(
            config.uri, auth=config.auth, max_transaction_retry_time=config.retry_seconds, **NOTIFICATION_SETTINGS
        )
    except (ValueError, neo4j.exceptions.ConfigurationError) as e:
        raise StoreError(f"invalid Neo4j URI {config.uri!r}: {e}") from e
    with driver:
        try:
            driver.verify_connectivity()
        except AuthError as e:
            raise StoreError(f"Neo4j at {config.uri} refused the credentials for user {config.user!r}") from e
        except (ServiceUnavailable, OSError) as e:
            raise StoreError(f"cannot reach Neo4j at {config.uri} ({type(e).__name__})") from e
        except Neo4jError as e:
            raise StoreError(f"Neo4j at {config.uri} failed: {e.message}") from e
        yield Neo4jRunner(driver, config.database, uri=config.uri, retry_seconds=config.retry_seconds)


def _reason(error: Neo4jError | DriverError) -> str:
    """One short line for a driver error: its type, and the code or the first line of its message."""
    if isinstance(error, Neo4jError) and error.code:
        return error.code
    text = (getattr(error, "message", None) or str(error) or "").splitlines()
    detail = re.sub(r"\s*\(resolved to .*$", "", text[0]).rstrip(" :") if text else ""
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
