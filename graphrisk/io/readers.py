"""Chunked readers for canonical tables (CSV, Parquet, or an in-memory DataFrame).

Every reader yields ``(frame, lines)`` pairs: the raw values of a chunk and the
number that a rejects file reports for each row. For CSV that number is the line of
the record, counting the header as line 1 (a quoted value with embedded newlines is
still one record); for Parquet and DataFrames it is the 1-based row number.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from graphrisk.errors import InputError
from graphrisk.io.schema import TableSchema

__all__ = ["TableSource", "read_chunks", "read_columns", "source_name", "check_required_columns"]

#: What a canonical table can be given as.
TableSource = str | Path | pd.DataFrame

DEFAULT_CHUNK_ROWS = 250_000


def _one_line(error: Exception) -> str:
    """A library's error message on one line (pyarrow's can span several)."""
    return " ".join(str(error).split())


def source_name(source: TableSource) -> str:
    """A short name for messages: the path, or ``<DataFrame>``."""
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


def _format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if ".parquet" in suffixes or ".pq" in suffixes:
        return "parquet"
    if ".csv" in suffixes or ".txt" in suffixes:
        return "csv"
    raise InputError(f"{path}: unknown file type; use a .csv or .parquet file")


def read_columns(source: TableSource) -> list[str]:
    """The column names of a table without reading its rows.

    Raises
    ------
    InputError
        The file is missing, a folder, empty, or not a readable CSV/Parquet file
        (for example a truncated Parquet file).
    """
    if isinstance(source, pd.DataFrame):
        return [str(c) for c in source.columns]
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a .csv or .parquet file")
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    kind = _format_of(path)
    if kind == "parquet" and path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); expected a Parquet file")
    try:
        if kind == "parquet":
            return list(pq.read_schema(path).names)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as e:
        what = "the Parquet file" if kind == "parquet" else "the header"
        raise InputError(f"{path}: cannot read {what} ({_one_line(e)})") from e
    if not header:
        raise InputError(f"{path}: the file is empty; expected a header line")
    return [h.strip() for h in header]


def check_required_columns(source: TableSource, schema: TableSchema) -> list[str]:
    """Return the columns of ``source`` after checking the schema's required ones are there.

    Raises
    ------
    InputError
        Naming the file, the table and the first missing column.
    """
    columns = read_columns(source)
    for name in schema.required:
        if name not in columns:
            raise InputError(
                f"{source_name(source)}: missing required column '{name}' "
                f"in {schema.name} (found: {', '.join(columns) or 'none'})"
            )
    return columns


def read_chunks(source: TableSource, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Yield ``(raw_frame, line_numbers)`` chunks of at most ``chunk_rows`` rows.

    CSV values are read as text, exactly as written; Parquet values keep their types.

    Raises
    ------
    InputError
        The file cannot be parsed (for example a CSV record with more fields than the
        header: its values would otherwise shift to the wrong columns).
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    if isinstance(source, pd.DataFrame):
        for start in range(0, len(source), chunk_rows):
            part = source.iloc[start : start + chunk_rows].reset_index(drop=True)
            yield part, np.arange(start + 1, start + 1 + len(part))
        return
    path = Path(source)
    if _format_of(path) == "parquet":
        yield from _parquet_chunks(path, chunk_rows)
    else:
        yield from _csv_chunks(path, chunk_rows)


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    start = 0
    try:
        with _strict_csv():
            reader = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                chunksize=chunk_rows,
                encoding="utf-8-sig",
                skipinitialspace=False,
                skip_blank_lines=False,  # a blank line is a record too: it is rejected, and line numbers stay true
                # never take leading values as an index: when the first record has more fields than the
                # header, pandas would otherwise shift every value to the wrong column, silently
                index_col=False,
            )
        with reader:
            chunks = iter(reader)
            while True:
                with _strict_csv():  # only around pandas' own work, not around the caller's between chunks
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                chunk.columns = [str(c).strip() for c in chunk.columns]
                # header is line 1, so the first record is line 2
                yield chunk.reset_index(drop=True), np.arange(start + 2, start + 2 + len(chunk))
                start += len(chunk)
    except pd.errors.EmptyDataError:
        return
    except pd.errors.ParserWarning as e:
        raise InputError(f"{path}: cannot parse the CSV after record {start + 1} (a record has more fields than the "
                         "header: quote values that hold the delimiter, and end lines without a delimiter)") from e
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path}: cannot parse the CSV after record {start + 1} ({_one_line(e)})") from e


@contextmanager
def _strict_csv() -> Iterator[None]:
    """A context in which pandas' warning that it drops the extra fields of a record is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        yield


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    start = 0
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=chunk_rows):
            frame = batch.to_pandas()
            yield frame, np.arange(start + 1, start + 1 + len(frame))
            start += len(frame)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"{path}: cannot read the Parquet file after row {start} ({_one_line(e)})") from e
