"""Investigators' verdicts as a table: its columns, its row checks, and reading it from a file.

A verdicts file (CSV or Parquet) has one row per verdict an investigator gave:

=========  ===================================================================
column     meaning (``*`` required)
=========  ===================================================================
user_id*   the account
verdict*   ``fraud``, ``legit`` or ``unsure`` (any case)
by*        who gave it
at*        when (ISO-8601 or epoch seconds; no time zone means UTC)
note       free text
=========  ===================================================================

Rows are checked one by one, like the canonical tables (:mod:`graphrisk.io.validate`): a
row with an empty ``user_id`` or ``by``, another ``verdict`` or an unreadable ``at`` goes to
the rejects (:data:`~graphrisk.io.validate.REJECT_COLUMNS`, table ``verdicts``) with every
reason it breaks. A user may have many rows: the history is kept, and
:func:`graphrisk.feedback.resolve_verdicts` decides which one counts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphrisk.io.readers import DEFAULT_CHUNK_ROWS, TableSource, check_required_columns, read_chunks, source_name
from graphrisk.io.schema import Column, ColumnKind, TableSchema
from graphrisk.io.validate import REJECT_COLUMNS, Validator

__all__ = ["VERDICTS", "VERDICT_VALUES", "VERDICT_LABELS", "VERDICT_COLUMNS", "VerdictTable", "validate_verdicts",
           "read_verdicts", "empty_verdicts"]

#: The verdicts an investigator can give.
VERDICT_VALUES: tuple[str, ...] = ("fraud", "legit", "unsure")

#: The label a verdict gives (``unsure`` gives none).
VERDICT_LABELS: dict[str, int] = {"fraud": 1, "legit": 0}

#: The verdicts table (``note`` is optional free text, kept as given but stripped).
VERDICTS = TableSchema(
    name="verdicts",
    columns=(
        Column("user_id", ColumnKind.ID, required=True),
        Column("verdict", ColumnKind.ID, required=True),
        Column("by", ColumnKind.ID, required=True),
        Column("at", ColumnKind.TIMESTAMP, required=True),
        Column("note", ColumnKind.ID),
    ),
)

#: Columns of a checked verdicts table. ``line`` is the row's line in its file (the
#: position in recording order for verdicts read from Neo4j); it breaks ties between two
#: verdicts on one user with the same ``at``: the later line wins.
VERDICT_COLUMNS = ["user_id", "verdict", "by", "at", "note", "line"]

_BAD_VERDICT = f"verdict must be one of {', '.join(VERDICT_VALUES)}"


@dataclass
class VerdictTable:
    """Verdict rows read from one source, checked.

    Attributes
    ----------
    verdicts
        The good rows, with :data:`VERDICT_COLUMNS`: text ids, ``verdict`` in lower case,
        ``at`` as ``datetime64[ns, UTC]``, ``note`` ``<NA>`` when empty.
    rejects
        One row per bad row, with :data:`~graphrisk.io.validate.REJECT_COLUMNS`.
    rows_read
        Rows in the source: ``rows_read == len(verdicts) + len(rejects)``.
    source
        The file name (``<DataFrame>``, ``neo4j``) written into the rejects.
    """

    verdicts: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    source: str


def empty_verdicts() -> pd.DataFrame:
    """A verdicts table without rows, typed as :func:`validate_verdicts` returns them."""
    return pd.DataFrame({
        "user_id": pd.Series(dtype="string"), "verdict": pd.Series(dtype="string"), "by": pd.Series(dtype="string"),
        "at": pd.Series(dtype="datetime64[ns, UTC]"), "note": pd.Series(dtype="string"),
        "line": pd.Series(dtype="int64"),
    })


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})


def _plain(value: object) -> object:
    """A raw cell as JSON-ready data (missing values as ``None``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (str, bool, int)):
        return value
    return str(value)


def validate_verdicts(raw: pd.DataFrame, *, lines: np.ndarray | list[int], source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check raw verdict rows: ``(good rows, rejects)``.

    Parameters
    ----------
    raw
        Raw values with at least the required columns of :data:`VERDICTS`.
    lines
        The line (or row number) of each row, for the rejects and the tie-break.
    source
        Name written into the rejects.

    Examples
    --------
    >>> raw = pd.DataFrame({"user_id": ["u1", "", "u2"], "verdict": ["Fraud", "legit", "maybe"],
    ...                     "by": ["ann", "bob", "ann"], "at": ["2024-03-01", "2024-03-02", "someday"]})
    >>> rows, rejects = validate_verdicts(raw, lines=[2, 3, 4], source="verdicts.csv")
    >>> rows[["user_id", "verdict", "line"]].values.tolist()
    [['u1', 'fraud', 2]]
    >>> rejects[["line", "reason"]].values.tolist()
    [[3, 'empty user_id'], [4, 'unparseable at; verdict must be one of fraud, legit, unsure']]
    """
    lines = np.asarray(lines, dtype="int64")
    raw = raw.reset_index(drop=True)
    checked = Validator(VERDICTS, source).validate(raw, lines=lines)
    text = raw["verdict"].astype("string").str.strip().str.lower() if "verdict" in raw.columns else None
    bad_value = (text.notna() & (text != "") & ~text.isin(VERDICT_VALUES)).fillna(False).to_numpy(dtype=bool) \
        if text is not None else np.zeros(len(raw), dtype=bool)
    bad_lines = set(lines[bad_value].tolist())

    rejects = checked.rejects.copy()
    if len(rejects) and bad_lines:
        also = rejects["line"].isin(bad_lines).to_numpy()
        rejects.loc[also, "reason"] = rejects.loc[also, "reason"] + "; " + _BAD_VERDICT
    rows = checked.rows
    newly_bad = np.isin(checked.lines, list(bad_lines))
    if newly_bad.any():
        by_line = {int(line): i for i, line in enumerate(lines)}
        records = [
            json.dumps({str(k): _plain(v) for k, v in raw.iloc[by_line[int(line)]].items()}, ensure_ascii=False)
            for line in checked.lines[newly_bad]
        ]
        extra = pd.DataFrame({"table": VERDICTS.name, "source": source, "line": checked.lines[newly_bad],
                              "reason": _BAD_VERDICT, "record": records})
        rejects = pd.concat([df for df in (rejects, extra) if len(df)], ignore_index=True)
    rows = rows[~newly_bad].reset_index(drop=True)
    good = pd.DataFrame({
        "user_id": rows["user_id"].astype("string"),
        "verdict": rows["verdict"].astype("string").str.lower(),
        "by": rows["by"].astype("string"),
        "at": rows["at"].astype("datetime64[ns, UTC]"),
        "note": rows["note"].astype("string"),
        "line": checked.lines[~newly_bad].astype("int64"),
    })
    if len(rejects):
        rejects = rejects.sort_values("line", kind="stable", ignore_index=True)[REJECT_COLUMNS]
    else:
        rejects = _empty_rejects()
    return good, rejects


def read_verdicts(source: TableSource, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> VerdictTable:
    """Read and check a verdicts file (CSV or Parquet) or DataFrame.

    Raises
    ------
    InputError
        The file is missing or unreadable, or lacks a required column
        (``user_id``, ``verdict``, ``by``, ``at``).

    Examples
    --------
    >>> table = read_verdicts(pd.DataFrame({"user_id": ["u1"], "verdict": ["legit"], "by": ["ann"], "at": ["2024-03-01"]}))
    >>> table.rows_read, len(table.verdicts), len(table.rejects)
    (1, 1, 0)
    """
    check_required_columns(source, VERDICTS)
    name = source_name(source)
    parts, reject_parts, rows_read = [], [], 0
    for raw, lines in read_chunks(source, chunk_rows=chunk_rows):
        rows, rejects = validate_verdicts(raw, lines=lines, source=name)
        rows_read += len(raw)
        parts.append(rows)
        if len(rejects):
            reject_parts.append(rejects)
    parts = [p for p in parts if len(p)]
    verdicts = pd.concat(parts, ignore_index=True) if parts else empty_verdicts()
    rejects = pd.concat(reject_parts, ignore_index=True) if reject_parts else _empty_rejects()
    return VerdictTable(verdicts=verdicts, rejects=rejects, rows_read=rows_read, source=name)
