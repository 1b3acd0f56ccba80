"""Small HTML building blocks: every value is escaped unless it is already :class:`Safe` markup.

The report is built from these few functions instead of a template engine (no extra
dependency, and escaping is the default rather than something to remember): plain
``str`` values are always passed through :func:`html.escape`; only strings made by these
functions are trusted as markup.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["Safe", "escape", "element", "table", "format_value", "join"]


class Safe(str):
    """A string that is already HTML: :func:`escape` leaves it as it is."""

    __slots__ = ()


def escape(value: object) -> Safe:
    """``value`` as HTML text: escaped (quotes too), unless it is :class:`Safe`.

    Examples
    --------
    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    >>> escape(Safe("<b>kept</b>"))
    '<b>kept</b>'
    """
    if isinstance(value, Safe):
        return value
    return Safe(html.escape(str(value), quote=True))


def join(parts: Iterable[object], separator: str = "") -> Safe:
    """Parts (escaped unless :class:`Safe`) joined by ``separator`` (escaped too)."""
    return Safe(escape(separator).join(escape(p) for p in parts))


def element(tag: str, *children: object, **attributes: object) -> Safe:
    """``<tag attributes>children</tag>``; children and attribute values are escaped.

    A trailing underscore is dropped from attribute names (``class_`` -> ``class``);
    attributes set to ``None`` or ``False`` are left out, ``True`` writes the bare name.

    Examples
    --------
    >>> element("td", "a<b", class_="best")
    '<td class="best">a&lt;b</td>'
    >>> element("img", src="x.png", alt="", hidden=True)
    '<img src="x.png" alt="" hidden>'
    """
    attrs = ""
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        attrs += f" {name}" if value is True else f' {name}="{escape(value)}"'
    if tag in _VOID:
        return Safe(f"<{tag}{attrs}>")
    return Safe(f"<{tag}{attrs}>{join(children)}</{tag}>")


_VOID = {"img", "br", "hr", "meta", "col"}


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    cell_classes: Iterable[Sequence[str | None]] | None = None,
    numeric: Sequence[bool] | None = None,
    **attributes: object,
) -> Safe:
    """An HTML table: one header row, then one row per item of ``rows``.

    Parameters
    ----------
    header
        Column headings.
    rows
        Cell values (escaped unless :class:`Safe`).
    cell_classes
        Per row, per cell: a CSS class or ``None``.
    numeric
        Per column: right-align (class ``num``).
    **attributes
        Attributes of the ``<table>`` element.
    """
    numeric = list(numeric) if numeric is not None else [False] * len(header)
    head = element("tr", *(element("th", h, class_="num" if n else None) for h, n in zip(header, numeric)))
    classes = iter(cell_classes) if cell_classes is not None else None
    body = []
    for row in rows:
        extra = next(classes) if classes is not None else [None] * len(row)
        cells = []
        for value, n, c in zip(row, numeric, extra):
            names = " ".join(x for x in ("num" if n else None, c) if x)
            cells.append(element("td", value, class_=names or None))
        body.append(element("tr", *cells))
    return element("table", element("thead", head), element("tbody", *body), **attributes)


def format_value(value: object) -> str:
    """A value as short text: thousands separators, 3 significant digits below 1, ``-`` for missing.

    Examples
    --------
    >>> [format_value(v) for v in (1234567, 0.0512345, 12.3456, float("nan"), True, "x")]
    ['1,234,567', '0.0512', '12.35', '-', 'yes', 'x']
    """
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == 0:
            return "0"
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)
