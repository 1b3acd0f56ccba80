"""The driver's log on stderr: deadlock retries counted, not printed; notifications one line; rejects none."""

from __future__ import annotations

import io
import logging

import pytest

from graphrisk.cli import driver_log
from graphrisk.cli.summary import rejects_line, store_summary
from graphrisk.store.loader import StoreReport
from graphrisk.store.runner import NOTIFICATION_SETTINGS


@pytest.fixture
def neo4j_log():
    """What the CLI's driver log writes (to a text buffer instead of stderr)."""
    logger = logging.getLogger("neo4j")
    saved = (list(logger.handlers), logger.propagate)
    logger.handlers = []
    out = io.StringIO()
    driver_log.install_driver_log(out)
    yield out
    logger.handlers, logger.propagate = saved


def test_deadlock_retries_are_counted_not_printed(neo4j_log):
    message = ("Transaction failed and will be retried in 1.05s ({code: Neo.TransientError.Transaction.DeadlockDetected} "
               "{message: ForsetiClient[transactionId=12] can't acquire ExclusiveLock} neo4j_code: "
               "Neo.TransientError.Transaction.DeadlockDetected)")
    for _ in range(3):
        logging.getLogger("neo4j.pool").warning(message)
    logging.getLogger("neo4j.pool").warning("Transaction failed and will be retried in 2.0s (Couldn't connect to "
                                            "localhost:7687)")
    assert neo4j_log.getvalue() == "neo4j: cannot connect to localhost:7687, retrying in 2.0 s\n"
    assert driver_log.deadlock_retries() == 3


def test_a_notification_is_one_short_line(neo4j_log):
    long = "Received notification from DBMS server: <GqlStatusObject gql_status='01N52', title='The property is " \
           "deprecated', description='" + "x" * 1500 + "'>"
    logging.getLogger("neo4j.notifications").warning(long)
    assert neo4j_log.getvalue() == "neo4j: server notification: The property is deprecated\n"


def test_the_load_summary_says_the_deadlocks_once():
    report = StoreReport(load_id="abc123", status="loaded", seconds=2.0)
    assert "retried after a deadlock" not in store_summary(report, 100)
    assert store_summary(report, 100, deadlock_retries=4).endswith(
        "; 4 writes retried after a deadlock between parallel writers (routine)")


def test_no_rejects_says_none():
    assert rejects_line(0, "r.csv") == "rejects: none"
    assert rejects_line(3, "r.csv") == "rejects: 3 rows with reasons in r.csv"


def test_the_server_is_asked_for_warnings_that_matter_only():
    assert NOTIFICATION_SETTINGS["notifications_min_severity"] == "WARNING"
    assert {"UNRECOGNIZED", "PERFORMANCE"} <= set(NOTIFICATION_SETTINGS["notifications_disabled_classifications"])
