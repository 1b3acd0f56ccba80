"""Cypher text with comments, string literals and backticked names blanked out.

The read-only check (:mod:`graphrisk.queries.read_only`) and the header check
(:mod:`graphrisk.queries.header`) look only at the code part of a query, so that a word
in a comment or a string (``// SET``, ``'$not_a_parameter'``) counts for nothing.

Examples
--------
>>> from graphrisk.queries.scan import code_only
>>> code_only("RETURN 'x' AS s // note")
'RETURN     AS s        '
"""

from __future__ import annotations

import re

__all__ = ["code_only", "used_parameters"]

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _blank(text: str) -> str:
    """Spaces for every character but newlines (keeps offsets and line numbers)."""
    return re.sub(r"[^\n]", " ", text)


def code_only(text: str) -> str:
    """``text`` with comments, string literals and backticked names blanked out.

    Every blanked character becomes a space and newlines are kept, so offsets and line
    numbers in the result are those of ``text``.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        two = text[i:i + 2]
        if two == "//":
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif text[i] in "'\"`":
            quote, end = text[i], i + 1
            while end < n and text[end] != quote:
                end += 2 if text[end] == "\\" and quote != "`" else 1
            end = min(end + 1, n)
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(_blank(text[i:end]))
        i = end
    return "".join(out)


def used_parameters(text: str) -> set[str]:
    """Names of the ``$parameters`` the Cypher uses (outside comments and strings).

    Examples
    --------
    >>> sorted(used_parameters("MATCH (u {id: $user_id}) // $not_this\\nRETURN '$nor_this', $max_hub"))
    ['max_hub', 'user_id']
    """
    return set(_PARAMETER.findall(code_only(text)))
