"""How query results are written for people: one time format, plain values, and command lines.

Shared by ``graphrisk query`` (table, CSV and JSON), the console and the HTML report, so a
time or a command reads the same wherever it appears.
"""

from __future__ import annotations

import datetime as dt
import math
import shlex
from collections.abc import Mapping
from typing import Any

__all__ = ["iso_time", "plain_value", "query_command"]


def query_command(name: str, values: Mapping[str, Any] | None = None) -> str:
    """The ``graphrisk query`` command line that runs ``name`` with ``values``, quoted for a POSIX shell.

    An id with characters a shell would read is single-quoted, so pasting the command never
    runs anything else.

    Examples
    --------
    >>> query_command("ring_members", {"ring_id": "ring-18f59d5604"})
    'graphrisk query ring_members --param ring_id=ring-18f59d5604'
    >>> query_command("ring_members", {"ring_id": "a b;rm"})
    "graphrisk query ring_members --param 'ring_id=a b;rm'"
    """
    words = ["graphrisk", "query", name]
    for key, value in (values or {}).items():
        words += ["--param", f"{key}={value}"]
    return shlex.join(words)


def iso_time(value: Any) -> str:
    """A date-time as ISO 8601: in UTC with a ``Z`` when it has a zone, whole seconds unless it has a fraction.

    The one way every output format writes a time (a ``neo4j.time.DateTime`` or a
    :class:`datetime.datetime`); a local date-time (no zone) keeps its digits and gets no ``Z``.

    Examples
    --------
    >>> import neo4j.time, datetime
    >>> iso_time(neo4j.time.DateTime(2024, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc))
    '2024-03-01T12:00:00Z'
    >>> iso_time(datetime.datetime(2024, 3, 1, 9, 30, 0, 500000, tzinfo=datetime.timezone(datetime.timedelta(hours=2))))
    '2024-03-01T07:30:00.5Z'
    """
    zoned = value.tzinfo is not None and value.utcoffset() is not None
    if zoned:
        value = value.astimezone(dt.timezone.utc)
    nanos = getattr(value, "nanosecond", None)
    if nanos is None:
        nanos = value.microsecond * 1000
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + ("Z" if zoned else "")


def plain_value(value: Any) -> Any:
    """A query result value as plain JSON-ready data.

    Date-times become ISO 8601 text in UTC (:func:`iso_time`, ``2024-03-01T12:00:00Z``),
    other temporal values their ISO 8601 text, lists and maps are converted item by item,
    non-finite floats become ``None``.

    Examples
    --------
    >>> import neo4j.time, datetime
    >>> at = neo4j.time.DateTime(2024, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    >>> plain_value({"at": at, "ids": ("u1", "u2")})
    {'at': '2024-03-01T12:00:00Z', 'ids': ['u1', 'u2']}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime) or (hasattr(value, "iso_format") and hasattr(value, "hour")
                                          and hasattr(value, "year")):  # neo4j.time.DateTime
        return iso_time(value)
    if hasattr(value, "iso_format"):  # neo4j.time.Date, Time, Duration
        return value.iso_format()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
