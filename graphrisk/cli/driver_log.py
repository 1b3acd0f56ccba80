"""Keep the Neo4j driver's log to what a user must see: one readable line per event on stderr.

* A retry after a lost connection or a transient error is one line
  (``neo4j: cannot connect to ..., retrying in 2.0 s``).
* A retry after a deadlock between graphrisk's own parallel writers is routine (the
  loader writes batches in parallel and the driver retries them): it is not printed at
  the normal verbosity but counted, and the command says the count once in its summary
  (:func:`deadlock_retries`); the ``neo4j`` logger at DEBUG still has each one.
* A notification the server still sends (the driver is told to send only warnings
  that matter, see :data:`graphrisk.store.runner.NOTIFICATION_SETTINGS`) is one line.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

__all__ = ["install_driver_log", "deadlock_retries", "DEADLOCK_CODE"]

#: The server's status code for a deadlock between two writing transactions.
DEADLOCK_CODE = "Neo.TransientError.Transaction.DeadlockDetected"

_CODE = re.compile(r"neo4j_code: ([\w.]+)")
_DELAY = re.compile(r"retried in ([\d.]+)s")
_UNREACHABLE = re.compile(r"Couldn't connect to ([\w.:\[\]-]+)")
_NOTIFICATION = "Received notification from DBMS server"


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        code, delay = _CODE.search(message), _DELAY.search(message)
        if code and delay:
            return f"neo4j: {code.group(1)}, retrying in {float(delay.group(1)):.1f} s"
        if delay:
            unreachable = _UNREACHABLE.search(message)
            what = f"cannot connect to {unreachable.group(1)}" if unreachable else "connection lost"
            return f"neo4j: {what}, retrying in {float(delay.group(1)):.1f} s"
        if message.startswith(_NOTIFICATION):
            title = re.search(r"title=['\"]([^'\"]+)", message) or re.search(r"description=['\"]([^'\"]+)", message)
            text = title.group(1) if title else message[len(_NOTIFICATION):].lstrip(": ")
            return "neo4j: server notification: " + " ".join(text.split())[:200]
        return "neo4j: " + message.splitlines()[0][:200]


class _DeadlockCounter(logging.Filter):
    """Counts the driver's deadlock retries and keeps them off stderr."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if DEADLOCK_CODE in message and _DELAY.search(message):
            self.count += 1
            return False
        return True


_COUNTER = _DeadlockCounter()


def deadlock_retries() -> int:
    """How many transactions the driver retried after a deadlock since :func:`install_driver_log`."""
    return _COUNTER.count


def install_driver_log(stream: TextIO | None = None) -> None:
    """Route the ``neo4j`` logger's warnings to ``stream`` (default stderr) as single lines (CLI only).

    Deadlock retries are counted (:func:`deadlock_retries`) instead of printed.
    """
    logger = logging.getLogger("neo4j")
    if any(isinstance(h.formatter, _OneLine) for h in logger.handlers):
        return
    _COUNTER.count = 0
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.WARNING)
    handler.addFilter(_COUNTER)
    logger.addHandler(handler)
    logger.propagate = False
