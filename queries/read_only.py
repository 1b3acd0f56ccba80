"""The static read-only check run on every query before it is sent to Neo4j.

The check is the first guard; the read transaction the query then runs in is the second
(the server refuses writes there).
"""

from __future__ import annotations

import re

from graphrisk.errors import InputError
from graphrisk.queries.scan import code_only

__all__ = ["check_read_only"]

# Clauses that write or administer; matched as whole words, not as a property (``n.set``),
# a label or type (``:Create``), a parameter (``$merge``) or a map key (``{set: 1}``).
_WRITING = re.compile(
    r"(?<![.:$\w])(?:"
    r"CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|FOREACH|ALTER|RENAME|GRANT|DENY|REVOKE|TERMINATE"
    r"|LOAD\s+CSV|IN\s+(?:CONCURRENT\s+)?TRANSACTIONS|(?:START|STOP)\s+DATABASE"
    r")\b(?!\s*:)",
    re.IGNORECASE,
)
# ``CALL {`` and ``CALL (x) {`` are subqueries; ``CALL name...`` runs a procedure.
_PROCEDURE_CALL = re.compile(r"(?<![.:$\w])CALL\b(?!\s*[{(])(?!\s*:)", re.IGNORECASE)


def check_read_only(text: str) -> None:
    """Refuse Cypher that could write, before it is sent anywhere.

    A static check on the text with comments and string literals removed; the read
    transaction the query then runs in is the second guard (the server refuses writes).

    Raises
    ------
    InputError
        The text has a writing or administration clause (``CREATE``, ``MERGE``, ``SET``,
        ``DELETE``, ``DETACH``, ``REMOVE``, ``DROP``, ``FOREACH``, ``LOAD CSV``,
        ``... IN TRANSACTIONS``...) or calls a procedure (only ``CALL {`` subqueries are
        allowed). The message gives the line. A ``ValueError`` too.

    Examples
    --------
    >>> check_read_only("MATCH (t:Trade) WHERE t.settled // SET t.x = 1\\nRETURN 'DELETE' AS word")
    >>> check_read_only("match (n) detach delete n")
    Traceback (most recent call last):
    ...
    graphrisk.errors.InputError: line 1: DETACH writes to the database; only read-only queries may run
    """
    code = code_only(text)
    for pattern, what in ((_WRITING, "writes to the database"), (_PROCEDURE_CALL, "calls a procedure")):
        found = pattern.search(code)
        if found:
            line = code.count("\n", 0, found.start()) + 1
            word = " ".join(found.group(0).upper().split())
            raise InputError(f"line {line}: {word} {what}; only read-only queries may run")
