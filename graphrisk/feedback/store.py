"""Verdicts in Neo4j: recording one (a write) and reading the history back (reads).

Storage: one ``(:Verdict {verdict_id, verdict, by, at, note, recorded_at})`` node per
verdict, linked ``(:User)-[:HAS_VERDICT]->(:Verdict)``, so the whole history stays and
conflicts can be seen; the ``(:User)`` also carries its newest verdict as ``verdict``,
``verdict_by`` and ``verdict_at`` for easy querying.

The write is the shipped query ``queries/write/record_verdict.cypher``: in a folder of its
own, so ``graphrisk query`` (read-only, :func:`graphrisk.queries.list_queries`) neither lists
nor runs it, and its read-only check refuses it when given as ``--file``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.resources import files

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.feedback.verdicts import VERDICT_VALUES, VerdictTable, validate_verdicts
from graphrisk.queries import QueryInfo, parse_query
from graphrisk.store.runner import QueryRunner

__all__ = ["RecordedVerdict", "record_verdict", "read_store_verdicts", "users_in_store", "write_query",
           "STORE_SOURCE"]

#: The source name verdicts read from Neo4j carry in rejects and reports.
STORE_SOURCE = "neo4j"

_VERDICTS = """
MATCH (u:User)-[:HAS_VERDICT]->(v:Verdict)
RETURN u.user_id AS user_id, v.verdict AS verdict, v.by AS by, v.at AS at, v.note AS note,
       v.recorded_at AS recorded_at, v.verdict_id AS verdict_id
ORDER BY v.recorded_at, v.verdict_id
"""

_KNOWN_USERS = """
UNWIND $user_ids AS user_id
MATCH (u:User {user_id: user_id})
RETURN u.user_id AS user_id
"""


def write_query(name: str) -> QueryInfo:
    """A shipped write query (``queries/write/NAME.cypher``), its header checked.

    Raises
    ------
    ValueError
        No such write query, or its header is malformed.

    Examples
    --------
    >>> info = write_query("record_verdict")
    >>> info.title, [p.name for p in info.parameters if p.required][:3]
    ("Record an investigator's verdict on an account", ['user_id', 'verdict_id', 'verdict'])
    """
    path = files("graphrisk.queries").joinpath("write", f"{name}.cypher")
    if not path.is_file():
        raise ValueError(f"unknown write query {name!r}")
    return parse_query(path.read_text(encoding="utf-8"), name)


@dataclass(frozen=True)
class RecordedVerdict:
    """What :func:`record_verdict` stored.

    Attributes
    ----------
    user_id, verdict, by, at, note
        The verdict as stored (``at`` timezone-aware).
    verdict_id
        Its id (a hash of the other fields, so the same verdict recorded twice is one record).
    newest
        It is now the user's current verdict.
    current_verdict, current_by, current_at
        The user's current verdict after the write (another, newer one when ``newest`` is false).
    """

    user_id: str
    verdict: str
    by: str
    at: datetime
    note: str | None
    verdict_id: str
    newest: bool
    current_verdict: str
    current_by: str
    current_at: datetime


def _utc(value: datetime | str, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as e:
            raise InputError(f"{what} must be an ISO-8601 date or date-time, got {value!r}") from e
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime or ISO-8601 text, got {type(value).__name__}")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _native(value) -> datetime:
    """A Neo4j DateTime (or a datetime) as a timezone-aware :class:`datetime.datetime` in UTC."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    return _utc(value, "at")


def record_verdict(
    runner: QueryRunner,
    user_id: str,
    verdict: str,
    *,
    by: str,
    at: datetime | str | None = None,
    note: str | None = None,
) -> RecordedVerdict:
    """Record an investigator's verdict on a user already in Neo4j.

    Parameters
    ----------
    runner
        Where to write (a write transaction; safe to retry).
    user_id
        The account.
    verdict
        ``fraud``, ``legit`` or ``unsure`` (any case).
    by
        Who gives it.
    at
        When it was given (naive means UTC); default now.
    note
        Free text.

    Returns
    -------
    RecordedVerdict

    Raises
    ------
    InputError
        An empty ``user_id`` or ``by``, an unknown ``verdict``, an unreadable ``at`` (all
        checked before anything is sent), or no ``(:User)`` has ``user_id``: nothing is
        written. A ``ValueError`` too.
    """
    user_id, by = str(user_id).strip(), str(by).strip()
    value = str(verdict).strip().lower()
    if not user_id:
        raise InputError("user_id is empty; give the account the verdict is about")
    if value not in VERDICT_VALUES:
        raise InputError(f"verdict must be one of {', '.join(VERDICT_VALUES)}, got {verdict!r}")
    if not by:
        raise InputError("by is empty; give the investigator's name")
    if note is not None:
        note = note.strip() or None
    recorded_at = datetime.now(timezone.utc)
    when = recorded_at if at is None else _utc(at, "at")
    key = "\x1f".join((user_id, value, by, when.isoformat(), note or ""))
    verdict_id = "v-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    parameters = {"user_id": user_id, "verdict_id": verdict_id, "verdict": value, "by": by, "at": when,
                  "note": note, "recorded_at": recorded_at}
    rows = runner.write(write_query("record_verdict").text, parameters)
    if not rows:
        raise InputError(f"user {user_id!r} is not in the database: verdicts are recorded only for loaded users "
                         "(check the id, or load the graph first)")
    row = rows[0]
    return RecordedVerdict(user_id=user_id, verdict=value, by=by, at=when, note=note, verdict_id=verdict_id,
                           newest=bool(row["newest"]), current_verdict=row["current_verdict"],
                           current_by=row["current_by"], current_at=_native(row["current_at"]))


def read_store_verdicts(runner: QueryRunner) -> VerdictTable:
    """Every verdict recorded in Neo4j, checked like a verdicts file.

    ``line`` is the position in recording order (``recorded_at``), which breaks ties
    between verdicts with the same ``at``. Rows with values that ``graphrisk verdict``
    would not write (set by hand) go to the rejects, source ``neo4j``.
    """
    records = runner.read(_VERDICTS)
    raw = pd.DataFrame(records, columns=["user_id", "verdict", "by", "at", "note"])
    raw["at"] = pd.Series([None if v is None else _native(v).isoformat() for v in raw["at"]], dtype=object)
    verdicts, rejects = validate_verdicts(raw, lines=np.arange(1, len(raw) + 1), source=STORE_SOURCE)
    return VerdictTable(verdicts=verdicts, rejects=rejects, rows_read=len(raw), source=STORE_SOURCE)


def users_in_store(runner: QueryRunner, user_ids: Iterable[str], *, batch_size: int = 10_000) -> set[str]:
    """The ids among ``user_ids`` that name a ``(:User)`` in Neo4j (read transactions)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    ids = sorted({str(u) for u in user_ids})
    found: set[str] = set()
    for start in range(0, len(ids), batch_size):
        rows = runner.read(_KNOWN_USERS, {"user_ids": ids[start:start + batch_size]})
        found.update(str(row["user_id"]) for row in rows)
    return found
