"""Reading helpers shared by the format loaders: selected columns of a CSV or Parquet file, typed.

Parquet values keep their types. CSV identifier columns are read as text, exactly as written;
the other CSV columns are typed by the parser (a column holding a value that is not a number
stays text). The ``as_*`` helpers type a column only when every value parses and otherwise
pass it on as given, so that :func:`graphrisk.build_graph` rejects the bad rows showing what
was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graphrisk.errors import InputError
from graphrisk.io.readers import read_columns
from graphrisk.io.validate import as_ids

__all__ = ["check_limit", "read_source", "as_ids", "as_numbers", "as_amounts", "as_flags", "as_times_after",
           "missing_columns_error"]

_SHOWN_COLUMNS = 12


def check_limit(limit: int | None) -> int | None:
    """Return ``limit`` after checking it is ``None`` or a positive number of rows.

    Examples
    --------
    >>> check_limit(10), check_limit(None)
    (10, None)
    """
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
        raise TypeError(f"limit must be an int or None, got {limit!r}")
    if limit < 1:
        raise ValueError(f"limit must be a positive number of rows or None, got {limit}")
    return int(limit)


def missing_columns_error(
    source: str | Path, format_name: str, missing: Sequence[str], found: Sequence[str],
) -> InputError:
    """One-line error naming the missing columns of a ``format_name`` file and what was found."""
    shown = ", ".join(found[:_SHOWN_COLUMNS]) or "none"
    if len(found) > _SHOWN_COLUMNS:
        shown += f", ... ({len(found)} columns)"
    noun = "column" if len(missing) == 1 else "columns"
    return InputError(f"{source}: missing {noun} {', '.join(missing)} for the {format_name} format (found: {shown})")


def read_source(
    path: str | Path,
    *,
    format_name: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    text: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """Read the ``required`` and present ``optional`` columns of a CSV or Parquet file.

    Parameters
    ----------
    path
        A ``.csv`` or ``.parquet`` file.
    format_name
        Used in error messages (``paysim``, ``ieee``...).
    required, optional
        Column names; a missing required one raises, a missing optional one is skipped.
    text
        CSV columns read as text, never as numbers (identifiers: ``007`` stays ``007``).
    limit
        Read only the first ``limit`` rows (Parquet: batch by batch, never the whole file).

    Raises
    ------
    InputError
        The file is missing, unreadable, or lacks a required column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("a,b,c\\n1,x,y\\n2,z,w\\n")
    >>> read_source(f, format_name="demo", required=["a"], optional=["c", "d"], limit=1).to_dict("list")
    {'a': [1], 'c': ['y']}
    """
    limit = check_limit(limit)
    path = Path(path)
    found = read_columns(path)
    missing = [c for c in required if c not in found]
    if missing:
        raise missing_columns_error(path, format_name, missing, found)
    wanted = [c for c in (*required, *optional) if c in found]
    if path.suffix.lower() in (".parquet", ".pq") or ".parquet" in [s.lower() for s in path.suffixes]:
        return _read_parquet(path, wanted, limit)
    return _read_csv(path, wanted, [c for c in text if c in wanted], limit)


def _read_parquet(path: Path, columns: list[str], limit: int | None) -> pd.DataFrame:
    try:
        parquet = pq.ParquetFile(path)
        if limit is None:
            table = parquet.read(columns=columns)
        else:
            batches, rows = [], 0
            for batch in parquet.iter_batches(batch_size=min(limit, 65_536), columns=columns):
                batches.append(batch)
                rows += batch.num_rows
                if rows >= limit:
                    break
            schema = pa.schema([parquet.schema_arrow.field(c) for c in columns])
            table = pa.Table.from_batches(batches, schema=schema).slice(0, limit)
        return table.to_pandas()
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"{path}: cannot read the Parquet file ({e})") from e


def _read_csv(path: Path, columns: list[str], text: list[str], limit: int | None) -> pd.DataFrame:
    wanted = set(columns)
    try:
        # low_memory=False: each column is typed once, over all its values (no mixed-type chunks)
        frame = pd.read_csv(
            path, usecols=lambda c: str(c).strip() in wanted, dtype=dict.fromkeys(text, str), nrows=limit,
            encoding="utf-8-sig", low_memory=False,
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path}: cannot parse the CSV ({e})") from e
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame[columns]


def as_numbers(values: pd.Series) -> pd.Series:
    """Numbers as ``float64``; text that is not a number becomes NaN.

    Examples
    --------
    >>> as_numbers(pd.Series(["1.5", "x", None])).tolist()
    [1.5, nan, nan]
    """
    return pd.to_numeric(values, errors="coerce").astype("float64")


def as_amounts(values: pd.Series) -> pd.Series:
    """Amounts as ``float64`` when every value parses; otherwise the values as given, so that
    validation rejects the bad rows showing what was written.

    Examples
    --------
    >>> as_amounts(pd.Series(["1.5", None])).tolist()
    [1.5, nan]
    >>> as_amounts(pd.Series(["1.5", "ten"])).tolist()
    ['1.5', 'ten']
    """
    numbers = as_numbers(values)
    return values if _unparsed(values, numbers) else numbers


def as_flags(values: pd.Series) -> pd.Series:
    """0/1 flags as ``Int8`` when every value is 0, 1 or missing; otherwise the values as given.

    Examples
    --------
    >>> as_flags(pd.Series(["1", "0", None])).tolist()
    [1, 0, <NA>]
    >>> as_flags(pd.Series(["1", "2"])).tolist()
    ['1', '2']
    """
    numbers = as_numbers(values)
    if _unparsed(values, numbers) or not numbers.dropna().isin([0.0, 1.0]).all():
        return values
    return numbers.astype("Int8")


def as_times_after(origin: pd.Timestamp, amounts: pd.Series, unit: str) -> pd.Series:
    """``origin`` plus ``amounts`` of ``unit`` as UTC timestamps.

    A missing amount, or one so large that the time is out of the representable range
    (about 1677 to 2262), gives ``NaT``: validation then rejects the row for its timestamp
    instead of the whole file failing.

    Examples
    --------
    >>> origin = pd.Timestamp("2016-01-01", tz="UTC")
    >>> as_times_after(origin, pd.Series([1.0, None, 1e300]), "h").tolist()
    [Timestamp('2016-01-01 01:00:00+0000', tz='UTC'), NaT, NaT]
    """
    amounts = amounts.astype("float64")
    nanoseconds = amounts * pd.Timedelta(1, unit=unit).value
    limit = 9.2e18  # just inside the int64 nanoseconds that pandas times and durations hold
    inside = (nanoseconds.abs() < limit) & ((nanoseconds + origin.value).abs() < limit)
    return (origin + pd.to_timedelta(amounts.where(inside), unit=unit)).astype("datetime64[ns, UTC]")


def _unparsed(values: pd.Series, numbers: pd.Series) -> bool:
    """Whether some value is present but not a number."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return False
    text = values.astype("string").str.strip()
    return bool((numbers.isna() & text.notna() & (text != "")).any())
