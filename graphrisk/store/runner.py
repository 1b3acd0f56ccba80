"""The one object through which graphrisk talks to Neo4j.

Every query goes through a :class:`QueryRunner`: writes through managed transactions
(which the driver retries on transient errors, within a bounded time), reads through
read transactions, all tagged with transaction metadata so a DBA can see who ran what.
Values are always passed as parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import neo4j
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from graphrisk.errors import StoreError
from graphrisk.store.config import Neo4jConfig

__all__ = ["QueryRunner", "Neo4jRunner", "connect", "TX_METADATA"]

#: Metadata attached to every transaction graphrisk runs.
TX_METADATA: dict[str, str] = {"app": "graphrisk", "version": "0.1.0"}

#: Upper bound, in seconds, on the driver's retries of one transaction.
MAX_RETRY_SECONDS = 60.0


class QueryRunner(Protocol):
    """What graphrisk needs from a database: parameterised reads and writes."""

    def write(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a write in a retried managed transaction and return its records."""

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
    """

    def __init__(self, driver: neo4j.Driver, database: str = "neo4j") -> None:
        self._driver = driver
        self.database = database

    def _work(self, query: str, parameters: Mapping[str, Any] | None):
        @neo4j.unit_of_work(metadata=TX_METADATA)
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, dict(parameters or {}))]

        return work

    def write(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``query`` in a managed write transaction (retried on transient errors)."""
        with self._driver.session(database=self.database) as session:
            return session.execute_write(self._work(query, parameters))

    def read(self, query: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run ``query`` in a managed read transaction; the server refuses writes in it."""
        with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            return session.execute_read(self._work(query, parameters))

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

    Raises
    ------
    StoreError
        The server cannot be reached or refuses the credentials. The message names the
        URI, never the password.
    """
    try:
        driver = neo4j.GraphDatabase.driver(
            config.uri, auth=config.auth, max_transaction_retry_time=MAX_RETRY_SECONDS
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
        yield Neo4jRunner(driver, config.database)
