"""Keep the Neo4j driver's retry warnings to one readable line on stderr."""

from __future__ import annotations

import logging
import re
import sys

__all__ = ["install_driver_log"]

_CODE = re.compile(r"neo4j_code: ([\w.]+)")
_DELAY = re.compile(r"retried in ([\d.]+)s")
_UNREACHABLE = re.compile(r"Couldn't connect to ([\w.:\[\]-]+)")


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
        return "neo4j: " + message.splitlines()[0][:200]


def install_driver_log() -> None:
    """Route the ``neo4j`` logger's warnings to stderr as single lines (CLI only)."""
    logger = logging.getLogger("neo4j")
    if any(isinstance(h.formatter, _OneLine) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    logger.propagate = False
