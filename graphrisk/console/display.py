"""How the console writes values: one format for times, amounts, scores and lists, in HTML and JSON."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["plain", "cell", "risk_class"]


def _time(value: Any) -> str | None:
    """ISO 8601 in UTC to the second (``2024-03-01T10:00:00Z``) for a date-time, the date for a date."""
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, dt.datetime):
        if native.tzinfo is not None:
            native = native.astimezone(dt.timezone.utc)
        return native.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(native, dt.date):
        return native.isoformat()
    return None


def plain(value: Any) -> Any:
    """``value`` as JSON can carry it: times as ISO 8601 strings, NaN as ``None``, containers recursively."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    time = _time(value)
    return value if time is None else time


def cell(value: Any) -> str:
    """``value`` as a table cell: ``—`` for none, two decimals for amounts, the time format above, lists joined.

    The result is plain text: the templates escape it.
    """
    value = plain(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value) if value else "—"
    return str(value)


def risk_class(score: Any) -> str:
    """A CSS class for a risk score: ``risk-high`` (0.8 or more), ``risk-mid`` (0.5), ``risk-low``, ``risk-none``."""
    if not isinstance(score, int | float) or isinstance(score, bool) or math.isnan(score):
        return "risk-none"
    return "risk-high" if score >= 0.8 else "risk-mid" if score >= 0.5 else "risk-low"
