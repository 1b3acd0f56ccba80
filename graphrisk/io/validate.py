"""Row-by-row validation of canonical tables.

Validation is vectorised per chunk: every rule produces a mask of bad rows and a
reason; a row that breaks any rule goes to the rejects with all of its reasons, and
every other row comes out typed:

* identifiers: text with surrounding whitespace removed, ``<NA>`` where an optional one is empty;
* ``timestamp``: ``datetime64[ns, UTC]`` (naive ISO-8601 is read as UTC; numbers are epoch
  seconds, except four or eight plain digits, which are an ISO year or basic date);
* ``amount``: ``float64``, finite, >= 0 and at most :data:`~graphrisk.io.schema.MAX_AMOUNT` (1e15);
* flags (``is_fraud``): nullable ``Int8`` holding 0 or 1;
* ``entity_type``: lower case, one of :data:`~graphrisk.io.schema.ENTITY_TYPES`;
* user attributes: kept as given (typed later, when the whole column is known).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphrisk.io.schema import ENTITY_TYPES, MAX_AMOUNT, ColumnKind, TableSchema

__all__ = ["ValidatedChunk", "Validator", "REJECT_COLUMNS", "as_ids", "parse_timestamps", "record_json"]

#: Columns of a rejects table.
REJECT_COLUMNS = ["table", "source", "line", "reason", "record"]

_TRUE = {"1", "1.0", "true", "t", "yes", "y"}
_FALSE = {"0", "0.0", "false", "f", "no", "n"}
# datetime64[ns] covers 1677-09-21 .. 2262-04-11; keep clear of both ends.
_MAX_EPOCH_SECONDS = 9.2e9
#: The range of UTC timestamps at nanosecond precision (what the graph stores).
_FIRST_TIMESTAMP = pd.Timestamp.min.tz_localize("UTC")
_LAST_TIMESTAMP = pd.Timestamp.max.tz_localize("UTC")
# Text that is an epoch-seconds number rather than an ISO-8601 string. Four and eight
# plain digits are ISO-8601 (a year, a basic date such as 20240115), not seconds.
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_ISO_DIGITS = r"\d{4}|\d{8}"
_EARLIEST = pd.Timestamp("1677-09-22", tz="UTC")
_LATEST = pd.Timestamp("2262-04-11", tz="UTC")
#: MAX_AMOUNT as the rejects file writes it: "1e15".
_MAX_AMOUNT_TEXT = f"{MAX_AMOUNT:.0e}".replace("e+", "e")


@dataclass
class ValidatedChunk:
    """The outcome of validating one chunk.

    Attributes
    ----------
    rows
        Valid rows, typed, with the canonical columns.
    lines
        Line (CSV) or row (Parquet, DataFrame) number of each valid row.
    rejects
        One row per rejected input row, with :data:`REJECT_COLUMNS`.
    """

    rows: pd.DataFrame
    lines: np.ndarray
    rejects: pd.DataFrame


def as_ids(values: pd.Series) -> pd.Series:
    """Identifiers as stripped text (``string`` dtype): whole floats lose their ``.0``, empty text becomes ``<NA>``.

    Examples
    --------
    >>> as_ids(pd.Series([3.0, None, 12.0])).tolist()
    ['3', <NA>, '12']
    """
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.dropna()
        if len(whole) and np.all(np.isfinite(whole)) and np.all(whole == np.floor(whole)):
            values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return ``(timestamps, bad)``; missing values are NaT and not bad.

    ISO-8601 text (no zone: UTC) or epoch seconds, as text or numbers; the rule every
    table and the real-time service share.
    """
    index = values.index
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        parsed = pd.to_datetime(values, utc=True)
        # typed timestamps (Parquet) may lie outside what nanoseconds hold, e.g. 9999-12-31
        bad = parsed.notna() & ((parsed < _EARLIEST) | (parsed > _LATEST))
        return parsed.where(~bad).astype("datetime64[ns, UTC]"), bad.astype(bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        text = None
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        missing = numbers.isna()
    else:
        text = values.astype("string").str.strip()
        missing = text.isna() | (text == "")
        looks_numeric = (text.str.fullmatch(_NUMBER) & ~text.str.fullmatch(_ISO_DIGITS)).fillna(False).astype(bool)
        numbers = pd.Series(np.nan, index=index, dtype="float64")
        if looks_numeric.any():
            numbers[looks_numeric] = pd.to_numeric(text[looks_numeric], errors="coerce").astype("float64")
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    bad = pd.Series(False, index=index)

    is_number = numbers.notna()
    in_range = is_number & np.isfinite(numbers) & (numbers.abs() < _MAX_EPOCH_SECONDS)
    bad |= is_number & ~in_range
    if in_range.any():
        seconds = numbers[in_range]
        result[in_range] = pd.to_datetime((seconds * 1e9).round().astype("int64"), unit="ns", utc=True)

    if text is not None:
        is_text = ~missing & ~is_number
        if is_text.any():
            words = text[is_text].str.lower().isin(["now", "today"])  # pandas reads them as the current time
            parsed = pd.to_datetime(text[is_text].mask(words), format="ISO8601", utc=True, errors="coerce")
            # pandas may parse at a coarser unit: outside what nanoseconds hold is unparseable too
            bad_text = parsed.isna() | (parsed < _FIRST_TIMESTAMP) | (parsed > _LAST_TIMESTAMP)
            bad[bad_text[bad_text].index] = True
            good = parsed[~bad_text]
            result[good.index] = good.astype("datetime64[ns, UTC]")
    return result, bad


def _parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Return ``(amounts, unparseable, negative, too_large)``; missing values count as unparseable."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    else:
        text = values.astype("string").str.strip()
        numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").astype("float64")
    unparseable = numbers.isna() | ~np.isfinite(numbers.fillna(0.0))
    negative = ~unparseable & (numbers < 0)
    too_large = ~unparseable & (numbers > MAX_AMOUNT)
    return numbers, unparseable, negative, too_large


def _parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return ``(flags as Int8, bad)``; missing values are ``<NA>`` and not bad."""
    text = values.astype("string").str.strip().str.lower()
    missing = text.isna() | (text == "")
    is_true = text.isin(_TRUE).fillna(False).astype(bool)
    is_false = text.isin(_FALSE).fillna(False).astype(bool)
    flags = pd.Series(pd.NA, index=values.index, dtype="Int8")
    flags[is_true] = 1
    flags[is_false] = 0
    bad = ~missing & ~is_true & ~is_false
    return flags, bad.astype(bool)


@dataclass
class Validator:
    """Validates the chunks of one table, remembering unique keys across chunks.

    Parameters
    ----------
    schema
        The canonical table to check against.
    source
        File name (or ``<DataFrame>``) written into rejects.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphrisk.io.schema import LABELS
    >>> raw = pd.DataFrame({"user_id": ["u1", "", "u1"], "is_fraud": ["1", "0", "0"]})
    >>> out = Validator(LABELS, "labels.csv").validate(raw, lines=[2, 3, 4])
    >>> list(out.rows["user_id"]), list(out.rejects["reason"])
    (['u1'], ['empty user_id', 'duplicate user_id (first on line 2)'])
    """

    schema: TableSchema
    source: str
    _seen: dict[str, int] = field(default_factory=dict, repr=False)

    def validate(self, raw: pd.DataFrame, *, lines: np.ndarray | list[int]) -> ValidatedChunk:
        """Validate one chunk of raw rows.

        Parameters
        ----------
        raw
            Raw values with (at least) the schema's required columns.
        lines
            The line or row number of each row, for the rejects file.
        """
        lines = np.asarray(lines, dtype="int64")
        raw = raw.reset_index(drop=True)
        n = len(raw)
        reasons = pd.Series("", index=raw.index, dtype="object")
        out: dict[str, pd.Series] = {}

        def flag(mask: pd.Series, reason: str) -> None:
            mask = mask.fillna(False).astype(bool)
            if mask.any():
                reasons[mask] = reasons[mask] + reason + "; "

        for column in self.schema.columns:
            if column.name not in raw.columns:
                out[column.name] = pd.Series(pd.NA, index=raw.index, dtype=_empty_dtype(column.kind))
                continue
            values = raw[column.name]
            if column.kind is ColumnKind.ID:
                text = as_ids(values)
                if column.required:
                    flag(text.isna(), f"empty {column.name}")
                out[column.name] = text
            elif column.kind is ColumnKind.TIMESTAMP:
                stamps, bad = parse_timestamps(values)
                if column.required:
                    flag(stamps.isna() & ~bad, f"empty {column.name}")
                flag(bad, f"unparseable {column.name}")
                out[column.name] = stamps
            elif column.kind is ColumnKind.AMOUNT:
                amounts, unparseable, negative, too_large = _parse_amounts(values)
                flag(unparseable, f"unparseable {column.name}")
                flag(negative, f"negative {column.name}")
                flag(too_large, f"{column.name} above {_MAX_AMOUNT_TEXT}")
                out[column.name] = amounts
            elif column.kind is ColumnKind.FLAG:
                flags, bad = _parse_flags(values)
                if column.required:
                    flag(flags.isna() & ~bad, f"empty {column.name}")
                flag(bad, f"{column.name} must be 0 or 1")
                out[column.name] = flags
            elif column.kind is ColumnKind.ENTITY_TYPE:
                kinds = values.astype("string").str.strip().str.lower()
                flag(~kinds.isin(ENTITY_TYPES).fillna(False).astype(bool),
                     f"{column.name} must be one of {', '.join(ENTITY_TYPES)}")
                out[column.name] = kinds
        if self.schema.open_columns:
            for name in raw.columns:
                if name not in out:
                    out[str(name)] = raw[name]

        ok = (reasons == "").to_numpy()
        if self.schema.unique is not None:
            self._flag_duplicates(out[self.schema.unique], ok, lines, reasons)
            ok = (reasons == "").to_numpy()

        rows = pd.DataFrame(out, index=raw.index)[ok].reset_index(drop=True)
        rejects = self._rejects(raw, ~ok, lines, reasons)
        if n and self.schema.unique is not None:
            keys = rows[self.schema.unique].to_numpy(dtype=object)
            self._seen.update(zip(keys, lines[ok].tolist()))
        return ValidatedChunk(rows=rows, lines=lines[ok], rejects=rejects)

    def _flag_duplicates(self, keys: pd.Series, ok: np.ndarray, lines: np.ndarray, reasons: pd.Series) -> None:
        """Flag valid rows whose key appeared on an earlier valid row (this chunk or before)."""
        candidates = keys[ok]
        duplicate = candidates.duplicated(keep="first").to_numpy().copy()
        if self._seen:
            seen = self._seen
            values = candidates.tolist()
            duplicate |= np.fromiter((key in seen for key in values), dtype=bool, count=len(values))
        if not duplicate.any():
            return
        first_here = dict(zip(candidates[~duplicate].tolist(), lines[ok][~duplicate].tolist()))
        for index in candidates.index[duplicate]:
            key = keys[index]
            first = self._seen.get(key, first_here.get(key))
            reasons[index] = reasons[index] + f"duplicate {self.schema.unique} (first on line {first}); "

    def _rejects(self, raw: pd.DataFrame, bad: np.ndarray, lines: np.ndarray, reasons: pd.Series) -> pd.DataFrame:
        if not bad.any():
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})
        records = [record_json(record) for record in raw[bad].to_dict(orient="records")]
        return pd.DataFrame(
            {
                "table": self.schema.name,
                "source": self.source,
                "line": lines[bad],
                "reason": reasons[bad].str.removesuffix("; ").to_numpy(),
                "record": records,
            }
        )


def record_json(record: dict) -> str:
    """A raw row as the ``record`` column of a rejects file: JSON, missing values as null."""
    return json.dumps({str(k): _jsonable(v) for k, v in record.items()}, ensure_ascii=False)


def _jsonable(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else str(value)
    return str(value)


def _empty_dtype(kind: ColumnKind) -> str:
    return {
        ColumnKind.TIMESTAMP: "datetime64[ns, UTC]",
        ColumnKind.AMOUNT: "float64",
        ColumnKind.FLAG: "Int8",
    }.get(kind, "string")
