"""Hypothesis strategies for canonical transaction tables, with what the documented rules say about every cell.

Shared by the property-based tests of validation (``tests/unit/loaders/test_fuzz_canonical.py``)
and of loading into Neo4j (``tests/integration/test_fuzz_load.py``).

Each drawn table holds cells that carry, beside the value written (CSV text, or a typed
Parquet value), what the rules in README "Canonical input" and :mod:`graphrisk.io.validate`
say about it: the value it must load as, or the reason it must be rejected for. From the
cells alone, :func:`oracle` predicts which rows load and which are rejected, with the
rejects' line numbers and reasons.

The values mix good and bad: ids with padding, Cypher, quotes, newlines and unicode (from
small pools, so duplicates are common); ISO-8601 timestamps in several formats and zones,
epoch seconds, garbage and out-of-range times; amounts that are negative, unparseable,
infinite or above :data:`graphrisk.io.schema.MAX_AMOUNT`; flags in every spelling.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from graphrisk.io.schema import MAX_AMOUNT

__all__ = [
    "REQUIRED", "OPTIONAL_IDS", "ORDER", "KIND", "ENTITY_COLUMNS", "BLANK_REASON", "TOO_LARGE",
    "Cell", "Table", "Expected", "weighted", "tables", "write_csv", "write_parquet", "oracle",
    "id_texts", "timestamp_texts",
]

REQUIRED = ("transaction_id", "timestamp", "user_id", "amount")
OPTIONAL_IDS = ("merchant_id", "device_id", "counterparty_id", "card_id", "ip")
#: Schema order: the order in which a row's reasons are listed.
ORDER = (*REQUIRED, *OPTIONAL_IDS, "is_fraud")
KIND = {"transaction_id": "id", "user_id": "id", "timestamp": "timestamp", "amount": "amount", "is_fraud": "flag",
        **{c: "id" for c in OPTIONAL_IDS}}
ENTITY_COLUMNS = {"device_id": "device", "card_id": "card", "ip": "ip"}
MAX_ROWS = 12
BLANK_REASON = "empty transaction_id; empty timestamp; empty user_id; unparseable amount"
#: The reject reason of an amount above MAX_AMOUNT.
TOO_LARGE = "amount above 1e15"


@dataclass(frozen=True)
class Cell:
    """One drawn value: what is written, and what the rules say about it.

    ``raw`` is text (CSV, text Parquet) or a typed value (typed Parquet); ``None`` is missing.
    ``reason`` is the reject reason the value causes in a required column (``None``: fine);
    ``value`` is what it loads as (canonical id, UTC timestamp, float, 0/1, or ``None``).
    """

    raw: object
    reason: str | None
    value: object = None


def weighted(*pairs: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, chosen with the given weights (``st.one_of`` weighs distinct branches equally)."""
    total = sum(weight for weight, _ in pairs)

    def pick(index: int) -> st.SearchStrategy:
        for weight, strategy in pairs:
            if index < weight:
                return strategy
            index -= weight
        raise AssertionError(index)

    return st.integers(0, total - 1).flatmap(pick)


# --- identifiers ----------------------------------------------------------------------------------

_STRANGE_IDS = [
    "x'}) DETACH DELETE n //", "\"}) MATCH (n) DETACH DELETE n //", "'; CALL db.clearQueryCaches(); //",
    "a,b", 'say "hi"', "'quoted'", "line\nbreak", "cr\r\nlf", "tab\tinside", "nan", "NaN", "NULL", "None", "NA",
    "<NA>", "0", "1.0", "-1", "ünïcødé", "用户", "🙂", "\u200bzero-width", "$user_id", "{user_id}", "%s", "\\N",
    "=1+1", "\ufeffbom",
]
_PADDING = st.sampled_from(["", "", " ", "  ", "\t", "\xa0", "\u3000", " \n"])
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def _ids(pool: list[str]) -> st.SearchStrategy[str]:
    pooled = st.sampled_from(pool)
    blank = st.sampled_from(["", " ", "\t\n", "\u3000"])
    core = weighted((4, pooled), (1, st.sampled_from(_STRANGE_IDS)), (1, blank), (1, st.text(_CHARS, max_size=10)),
                     (4, pooled))
    return st.builds(lambda a, s, b: a + s + b, _PADDING, core, _PADDING)


def id_texts(pool: list[str]) -> st.SearchStrategy[str]:
    """Identifier text as a file may hold it: from ``pool`` mostly, padded, blank, Cypher-shaped or unicode."""
    return _ids(pool)


def _id_cell(text: str, column: str) -> Cell:
    value = text.strip() or None
    return Cell(text, f"empty {column}" if value is None else None, value)


# --- timestamps -----------------------------------------------------------------------------------

_OFFSETS = [("", 0), ("Z", 0), ("+00:00", 0), ("+05:30", 330), ("-08:00", -480), ("+0200", 120), ("-03", -180),
            ("+14:00", 840), ("-12:00", -720), (" +01:00", 60)]
_FORMATS = [("%Y-%m-%dT%H:%M:%S", "s"), ("%Y-%m-%d %H:%M:%S", "s"), ("%Y-%m-%dT%H:%M", "m"),
            ("%Y-%m-%dT%H:%M:%S.%f", "us")]
_WHEN = st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 12, 31))
_BAD_TIMESTAMPS = [
    "yesterday", "tomorrow", "2024-13-01", "2024-02-30", "2024-03-05T25:00:00", "2024-03-05T01:02:03+25:00",
    "12/31/2024", "Mon, 05 Mar 2024", "2024-03-05T01:02:03ZZ", "nan", "inf", "-inf", "NaT", "24-03-05", "T01:02:03",
    "2024-03-05T", "0x10", "12345678", "1e10x", "2024-W01-1", "2024-001", "None", "null", "2024-03-05Z",
    # numbers outside what datetime64[ns] holds, read as epoch seconds
    "9200000000", "-9.3e9", "1e10", "1e999", "-1e999", "1e308",
]


@st.composite
def _iso_timestamp(draw) -> Cell:
    when = draw(_WHEN)
    kind = draw(st.sampled_from(["datetime", "datetime", "date", "year", "basic"]))
    minutes = 0
    if kind == "date":
        text, wall = when.strftime("%Y-%m-%d"), datetime(when.year, when.month, when.day)
    elif kind == "year":  # four plain digits: an ISO year, not epoch seconds
        text, wall = f"{when.year:04d}", datetime(when.year, 1, 1)
    elif kind == "basic":  # eight plain digits: an ISO basic date
        text, wall = when.strftime("%Y%m%d"), datetime(when.year, when.month, when.day)
    else:
        fmt, precision = draw(st.sampled_from(_FORMATS))
        suffix, minutes = draw(st.sampled_from(_OFFSETS))
        text = when.strftime(fmt) + suffix
        wall = when.replace(microsecond=0) if precision != "us" else when
        wall = wall.replace(second=0) if precision == "m" else wall
    return Cell(text, None, pd.Timestamp(wall, tz="UTC") - pd.Timedelta(minutes=minutes))


@st.composite
def _epoch_timestamp(draw) -> Cell:
    seconds = draw(st.one_of(st.integers(-9_100_000_000, 9_100_000_000),
                             st.floats(-9.1e9, 9.1e9, allow_nan=False, allow_infinity=False)))
    form = draw(st.sampled_from(["int", "fixed", "exp", "signed"]))
    if form == "int":
        text = str(int(seconds))
        if re.fullmatch(r"\d{4}|\d{8}", text):
            text += ".0"  # four or eight plain digits would be an ISO year or date
    elif form == "fixed":
        text = f"{seconds:.3f}"
    elif form == "exp":
        text = f"{seconds:.6e}"
    else:
        text = f"{int(seconds):+d}"
    return Cell(text, None, pd.Timestamp(round(float(text) * 1e9), unit="ns", tz="UTC"))


_GARBAGE_TEXT = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=8).filter(
    lambda t: t.strip() not in ("now", "today")  # accepted today: see test_now_is_not_a_timestamp
)


def _text_timestamps() -> st.SearchStrategy[Cell]:
    bad = st.one_of(st.sampled_from(_BAD_TIMESTAMPS), _GARBAGE_TEXT).map(lambda t: Cell(t, "unparseable timestamp"))
    empty = st.sampled_from(["", " ", "\t"]).map(lambda t: Cell(t, "empty timestamp"))
    good = st.one_of(_iso_timestamp(), _epoch_timestamp())
    padded = st.builds(lambda a, c, b: Cell(a + c.raw + b, c.reason, c.value), st.sampled_from(["", "", " ", "\t"]),
                       weighted((4, good), (1, bad), (4, good)), st.sampled_from(["", "", " "]))
    return weighted((10, padded), (1, empty), (10, padded))


def timestamp_texts() -> st.SearchStrategy[Cell]:
    """Timestamp text in every shape the rule reads or refuses (ISO-8601 in zones, epoch seconds, garbage, blank)."""
    return _text_timestamps()


# --- amounts and flags ----------------------------------------------------------------------------

_GOOD_AMOUNTS = ["0", "-0", "-0.0", "1e15", "1000000000000000", "999999999999999.9", ".5", "5.", "+5", "1.5E3",
                 "1e-400", "0.1e-310", " 12 "]
_HUGE_AMOUNTS = ["1e308", "9" * 25, "1e16", "1000000000000000.2", "1.0000000000000002e15", " 2e15 "]
_BAD_AMOUNTS = ["", "  ", "inf", "-inf", "Infinity", "nan", "NaN", "1e999", "-1e999", "ten", "12abc", "$5", "1,000",
                "0x10", "None", "1_000", "0b1", "--5", "5-"]


def _amount_cell(raw: object) -> Cell:
    """A finite, non-negative amount: loaded up to MAX_AMOUNT, rejected above."""
    value = float(raw)
    return Cell(raw, TOO_LARGE) if value > MAX_AMOUNT else Cell(raw, None, value)


def _text_amounts() -> st.SearchStrategy[Cell]:
    good = st.one_of(
        st.floats(0, MAX_AMOUNT).map(repr), st.integers(0, 10**15).map(str), st.sampled_from(_GOOD_AMOUNTS)
    ).map(_amount_cell)
    huge = st.one_of(st.floats(MAX_AMOUNT, 1e308, exclude_min=True).map(repr), st.integers(10**15 + 1, 10**30).map(str),
                     st.sampled_from(_HUGE_AMOUNTS)).map(_amount_cell)
    negative = st.one_of(st.floats(-1e308, -1e-300).map(repr), st.sampled_from(["-0.01", "-1e308", "-5"]))
    return weighted((4, good), (1, negative.map(lambda t: Cell(t, "negative amount"))),
                     (1, st.sampled_from(_BAD_AMOUNTS).map(lambda t: Cell(t, "unparseable amount"))), (1, huge),
                     (4, good))


_FLAGS = {"0": 0, "1": 1, "true": 1, "FALSE": 0, " yes ": 1, "n": 0, "1.0": 1, "0.0": 0, "T": 1, "": None, "  ": None}


def _text_flags() -> st.SearchStrategy[Cell]:
    good = st.sampled_from(sorted(_FLAGS)).map(lambda t: Cell(t, None, _FLAGS[t]))
    bad = st.sampled_from(["2", "-1", "maybe", "1.5", "oui", "y e s"]).map(lambda t: Cell(t, "is_fraud must be 0 or 1"))
    return weighted((4, good), (1, bad), (4, good))


# --- typed Parquet cells --------------------------------------------------------------------------


def _typed_amounts() -> st.SearchStrategy[Cell]:
    good = st.one_of(st.floats(0, MAX_AMOUNT), st.sampled_from([0.0, -0.0, MAX_AMOUNT, 5e-324])).map(_amount_cell)
    huge = st.one_of(st.floats(MAX_AMOUNT, 1e308, exclude_min=True), st.sampled_from([1e308, 2e15])).map(_amount_cell)
    negative = st.floats(-1e308, -5e-324).map(lambda v: Cell(v, "negative amount"))
    bad = st.sampled_from([None, math.nan, math.inf, -math.inf]).map(lambda v: Cell(v, "unparseable amount"))
    return weighted((4, good), (1, negative), (1, bad), (1, huge), (4, good))


_ZONES = {"UTC": timezone.utc, "+05:30": timezone(timedelta(hours=5, minutes=30)), "-08:00": timezone(timedelta(hours=-8))}


def _typed_timestamps(mode: str) -> st.SearchStrategy[Cell]:
    """Cells for one typed timestamp column: ``epoch`` (float seconds), ``naive`` or a zone name."""
    if mode == "epoch":
        good = st.floats(-9.1e9, 9.1e9).map(lambda s: Cell(s, None, pd.Timestamp(round(s * 1e9), unit="ns", tz="UTC")))
        bad = st.sampled_from([1e10, -9.3e9, math.inf, -math.inf, 1e308]).map(lambda s: Cell(s, "unparseable timestamp"))
        empty = st.sampled_from([None, math.nan]).map(lambda s: Cell(s, "empty timestamp"))
        return weighted((4, good), (1, bad), (1, empty), (4, good))
    zone = None if mode == "naive" else _ZONES[mode]

    def cell(wall: datetime) -> Cell:
        local = wall if zone is None else wall.replace(tzinfo=zone)
        return Cell(local, None, pd.Timestamp(local if zone else wall.replace(tzinfo=timezone.utc)).tz_convert("UTC"))

    # Parquet holds microseconds from year 1 to 9999; graphrisk keeps 1677-09-22 .. 2262-04-11
    far = st.one_of(st.datetimes(datetime(2, 1, 1), datetime(1677, 1, 1)),
                    st.datetimes(datetime(2263, 1, 1), datetime(9998, 12, 31)))
    out_of_range = far.map(lambda w: Cell(w if zone is None else w.replace(tzinfo=zone), "unparseable timestamp"))
    good = _WHEN.map(cell)
    return weighted((4, good), (1, out_of_range), (1, st.just(Cell(None, "empty timestamp"))), (4, good))


_TYPED_FLAGS = [(0, None), (1, None), (None, None), (2, "is_fraud must be 0 or 1"), (-1, "is_fraud must be 0 or 1")]


# --- tables ---------------------------------------------------------------------------------------


@dataclass
class Table:
    """A drawn transactions table: its columns and rows (``None``: a blank CSV line)."""

    columns: list[str]
    rows: list[dict[str, Cell] | None]
    typed: bool = False
    timestamp_mode: str = "text"


def _cells(kind: str, column: str, ids: st.SearchStrategy[str], typed: bool, timestamp_mode: str):
    if kind == "id":
        return ids.map(lambda t: _id_cell(t, column))
    if kind == "timestamp":
        return _typed_timestamps(timestamp_mode) if typed else _text_timestamps()
    if kind == "amount":
        return _typed_amounts() if typed else _text_amounts()
    if typed:
        return st.sampled_from(_TYPED_FLAGS).map(lambda f: Cell(f[0], f[1], f[0] if f[1] is None else None))
    return _text_flags()


@st.composite
def tables(draw, *, parquet: bool, drop_required: bool = False, min_rows: int = 0, max_rows: int = MAX_ROWS,
           all_columns: bool = False) -> Table:
    """A transactions table: CSV-ready text, or (``parquet``) text or typed columns.

    ``drop_required`` leaves one required column out; ``min_rows``/``max_rows`` bound the
    rows; ``all_columns`` has every optional column (else a random choice of them).
    """
    typed = parquet and draw(st.booleans())
    timestamp_mode = draw(st.sampled_from(["epoch", "naive", "UTC", "+05:30", "-08:00"])) if typed else "text"
    optional = [*OPTIONAL_IDS, "is_fraud", "note"]
    if not all_columns:
        optional = draw(st.lists(st.sampled_from(optional), unique=True, max_size=len(optional)))
    columns = [*REQUIRED, *optional]
    if drop_required:
        columns.remove(draw(st.sampled_from(REQUIRED)))
    columns = draw(st.permutations(columns))
    tx_ids = _ids([f"t{i}" for i in range(6)])  # a small pool: duplicates are common
    user_ids = _ids([f"u{i}" for i in range(4)])
    other_ids = _ids(["m1", "m2", "d1", "u1"])
    strategies = {
        c: st.text(_CHARS, max_size=6).map(lambda t: Cell(t, None)) if c == "note"
        else _cells(KIND[c], c, {"transaction_id": tx_ids, "user_id": user_ids}.get(c, other_ids), typed, timestamp_mode)
        for c in columns
    }
    row = st.fixed_dictionaries(strategies)
    if not parquet:  # a blank line is a record too (never the last line: a file may end in blank lines)
        row = weighted((10, row), (1, st.none()), (10, row))
    rows = [draw(row) for _ in range(draw(st.integers(min_rows, max_rows)))]
    if rows and rows[-1] is None:
        rows[-1] = draw(st.fixed_dictionaries(strategies))
    return Table(columns, rows, typed, timestamp_mode)


def write_csv(table: Table, path: Path, *, quote_all: bool, bom: bool, padded_header: bool, crlf: bool = False) -> None:
    """Write properly quoted CSV (``csv.writer`` leaves a lone ``\\r`` unquoted unless it ends lines)."""
    buffer = io.StringIO()
    end = "\r\n" if crlf else "\n"
    minimal = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator=end)
    every = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=end)
    minimal.writerow([f" {c} " if padded_header else c for c in table.columns])
    for row in table.rows:
        if row is None:
            buffer.write(end)
            continue
        cells = [row[c].raw for c in table.columns]
        (every if quote_all or any("\r" in cell for cell in cells) else minimal).writerow(cells)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8", newline="")


def write_parquet(table: Table, path: Path) -> None:
    arrays = {}
    for c in table.columns:
        values = [row[c].raw for row in table.rows]
        kind = "note" if c == "note" else KIND[c]
        if not table.typed or kind in ("id", "note"):
            arrays[c] = pa.array(values, pa.string())
        elif kind == "amount":
            arrays[c] = pa.array(values, pa.float64())
        elif kind == "flag":
            arrays[c] = pa.array(values, pa.int8())
        elif table.timestamp_mode == "epoch":
            arrays[c] = pa.array(values, pa.float64())
        else:
            tz = None if table.timestamp_mode == "naive" else table.timestamp_mode
            arrays[c] = pa.array(values, pa.timestamp("us", tz=tz))
    pq.write_table(pa.table(arrays), path)


# --- the oracle -----------------------------------------------------------------------------------


@dataclass
class Expected:
    loaded: list[dict[str, Cell]]
    rejects: list[tuple[int, str]]  # (line, reason)


def oracle(table: Table, first_line: int) -> Expected:
    """What the documented rules load and reject, with the rejects' lines and reasons."""
    seen: dict[object, int] = {}
    loaded, rejects = [], []
    for number, row in enumerate(table.rows):
        line = first_line + number
        if row is None:
            rejects.append((line, BLANK_REASON))
            continue
        reasons = [row[c].reason for c in ORDER if c in row and row[c].reason
                   and (c in REQUIRED or KIND[c] == "flag")]
        if not reasons:
            key = row["transaction_id"].value
            if key in seen:
                reasons = [f"duplicate transaction_id (first on line {seen[key]})"]
            else:
                seen[key] = line
                loaded.append(row)
        if reasons:
            rejects.append((line, "; ".join(reasons)))
    return Expected(loaded, rejects)

