"""How the console writes values in its tables: amounts, scores, lists, and times as ``graphrisk query`` writes them."""

from __future__ import annotations

import math
from typing import Any

from graphrisk.queries.output import plain_value

__all__ = ["cell", "risk_class"]


def cell(value: Any) -> str:
    """``value`` as a table cell: ``—`` for none, two decimals for amounts, the time format above, lists joined.

    The result is plain text: the templates escape it.
    """
    value = plain_value(value)
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
