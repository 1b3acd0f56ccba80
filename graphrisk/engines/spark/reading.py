"""Read and validate the canonical input tables on Spark, with the local engine's rules and reasons.

The rules are not written again on Spark columns: the *files* are distributed. Each file of a
table is one Spark partition, and the worker holding it reads it with
:func:`~graphrisk.io.readers.read_chunks` and checks it with a fresh
:class:`~graphrisk.io.validate.Validator`, exactly as :func:`graphrisk.build_graph` does. So
every rejected row has the reason, line number (CSV: the header is line 1 and a quoted value
with embedded newlines is still one record; Parquet: the 1-based row number) and raw record
the local engine gives it, file by file.

What only the whole table shows is done with Spark: a ``transaction_id`` (users: ``user_id``)
valid in more than one file is kept in the first file (by path) and rejected in the others
with the reason ``duplicate transaction_id (first on line N of <file>)``; within one file the
reason stays the local one, ``duplicate transaction_id (first on line N)``.

Paths are read by the driver (file list, header check) and by the workers under the same
name: local mode, or a file system every node mounts at the same place.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.errors import InputError
from graphrisk.graph.build import UNKNOWN_USER_REASON, TableReport
from graphrisk.io.readers import DEFAULT_CHUNK_ROWS, check_required_columns, read_chunks
from graphrisk.io.schema import LABELS, LINKS, TRANSACTIONS, USERS, ColumnKind, TableSchema
from graphrisk.io.validate import REJECT_COLUMNS, Validator, record_json

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["read_validated", "SparkInput", "table_files"]

#: File name endings taken from a folder.
_SUFFIXES = (".csv", ".parquet")
#: What the worker says of each output row.
_OK, _REJECTED, _ERROR = 0, 1, 2
#: Columns added to the valid rows: the file and the line (CSV) or row (Parquet) number.
_PROVENANCE = ("source", "line")
_SPARK_TYPES = {ColumnKind.TIMESTAMP: "timestamp", ColumnKind.AMOUNT: "double", ColumnKind.FLAG: "int"}


@dataclass
class SparkInput:
    """The validated tables on Spark, their rejects and their row counts.

    Attributes
    ----------
    transactions, links, users, labels
        Valid rows with the canonical columns, typed as the local engine types them
        (identifiers ``string``, ``timestamp`` a UTC ``timestamp``, ``amount`` ``double``,
        ``is_fraud`` ``int``, empty fields null), then ``source`` (the file) and ``line``.
        ``users`` keeps its attribute columns: ``double`` where every non-empty value of the
        column (over all its files) parses as a number, as :func:`graphrisk.build_graph` types
        them, else ``string`` (stripped, empty is null; a Parquet boolean reads ``True`` or
        ``False``). ``labels`` keeps only the rows that name a user of the other tables, as
        :func:`graphrisk.build_graph` does (the others are rejected with its reason). ``None``
        for a table not given.
    rejects
        Every rejected row of every table: ``table, source, line, reason, record``.
    counts
        A :class:`~graphrisk.graph.build.TableReport` per table read:
        ``rows_read == rows_loaded + rows_rejected``.

    The tables are cached (memory, then disk); :meth:`unpersist`, or leaving a ``with``
    block, frees them.
    """

    transactions: DataFrame
    links: DataFrame | None
    users: DataFrame | None
    rejects: DataFrame
    labels: DataFrame | None = None
    counts: dict[str, TableReport] = field(default_factory=dict)
    _cached: list[DataFrame] = field(default_factory=list, repr=False)

    @property
    def rows_read(self) -> int:
        """Rows read over all tables."""
        return sum(t.rows_read for t in self.counts.values())

    @property
    def rows_loaded(self) -> int:
        """Rows accepted over all tables."""
        return sum(t.rows_loaded for t in self.counts.values())

    @property
    def rows_rejected(self) -> int:
        """Rows rejected over all tables."""
        return sum(t.rows_rejected for t in self.counts.values())

    def unpersist(self) -> None:
        """Free the cached tables (the DataFrames stay usable: they are read again if needed)."""
        for frame in self._cached:
            frame.unpersist()

    def __enter__(self) -> SparkInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unpersist()


def table_files(path: str | Path) -> list[Path]:
    """The files of one input: the file itself, or every ``.csv``/``.parquet`` file under a folder.

    A folder is searched recursively (partitioned datasets such as ``date=2024-01-01/part-0.parquet``)
    and its files are sorted by path; hidden files and folders (``.part-0.crc``) and those that
    start with ``_`` (``_SUCCESS``, ``_temporary/``) are left out.

    Raises
    ------
    InputError
        The path does not exist, or the folder holds no ``.csv`` or ``.parquet`` file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file or folder not found")
    if not path.is_dir():
        return [path]
    found = [
        p for p in path.rglob("*")
        if p.is_file() and p.name.lower().endswith(_SUFFIXES)
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    ]
    if not found:
        raise InputError(f"{path}: no .csv or .parquet file in the folder")
    return sorted(found, key=str)


def read_validated(
    spark: SparkSession,
    transactions: str | Path,
    links: str | Path | None = None,
    users: str | Path | None = None,
    *,
    labels: str | Path | None = None,
    rejects: str | Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> SparkInput:
    """Read the canonical tables on Spark and validate them as :func:`graphrisk.build_graph` does.

    Parameters
    ----------
    spark
        The session (:func:`~graphrisk.engines.spark.spark_session`).
    transactions
        A ``.csv`` or ``.parquet`` file, or a folder of them (read recursively, in path order).
    links, users, labels
        Optional tables, given the same way.
    rejects
        Where to write the rejects as a Parquet dataset (replaced if it exists).
    chunk_rows
        Rows a worker reads and validates at a time.

    Returns
    -------
    SparkInput
        The valid rows of each table (cached), the rejects and the counts per table. Counting
        is one Spark job per table; the tables are not read again after it.

    Raises
    ------
    InputError
        A path is missing, a folder holds no input file, a file lacks a required column or
        cannot be parsed, or a users attribute is named ``source`` or ``line``.

    Notes
    -----
    Timestamps keep microseconds (Spark's precision); the local engine keeps nanoseconds.
    A row rejected as a duplicate across files reads ``duplicate transaction_id (first on
    line N of <file>)`` (users: ``user_id``).

    Each table is validated once: its rows (valid and rejected) are cached by the counting job,
    and the returned DataFrames, the rejects and writing them (one more job) read that cache.
    For tables with a unique key the cache also holds each valid row's raw record (the reject
    record, should the row turn out to duplicate an earlier file's). The input files must not
    change while the result is in use: a row evicted from the cache is read again. The file
    list goes out through ``spark.sparkContext`` (a classic session, not Spark Connect).

    Examples
    --------
    ::

        with spark_session() as spark, read_validated(spark, "tx/", users="users.csv") as data:
            print(data.counts["transactions"], data.transactions.count())
    """
    given = {"transactions": (transactions, TRANSACTIONS), "links": (links, LINKS), "users": (users, USERS),
             "labels": (labels, LABELS)}
    plans = {}
    for name, (source, schema) in given.items():
        if source is not None:
            plans[name] = (source, schema, _checked_files(source, schema))
    valid: dict[str, DataFrame | None] = dict.fromkeys(given)
    reject_parts: list[DataFrame] = []
    counts: dict[str, TableReport] = {}
    cached: list[DataFrame] = []
    try:
        for name, (source, schema, (files, attributes)) in plans.items():
            table = _validated(spark, files, schema, attributes, chunk_rows).persist()
            cached.append(table)
            rows, bad, counts[name] = _split(table, schema, attributes, str(source), record=name == "labels")
            valid[name] = rows
            reject_parts.append(bad)
        if valid["labels"] is not None:
            valid["labels"], unknown = _known_labels(valid, counts["labels"])
            reject_parts.append(unknown)
        all_rejects = reject_parts[0]
        for part in reject_parts[1:]:
            all_rejects = all_rejects.unionByName(part)
        if rejects is not None:
            all_rejects.write.mode("overwrite").parquet(str(rejects))
    except BaseException:
        for frame in cached:
            frame.unpersist()
        raise
    return SparkInput(transactions=valid["transactions"], links=valid["links"], users=valid["users"],
                      labels=valid["labels"], rejects=all_rejects, counts=counts, _cached=cached)


def _known_labels(valid: dict[str, DataFrame | None], counts: TableReport) -> tuple[DataFrame, DataFrame]:
    """The label rows naming a user of the other tables, and the others as rejects (``counts`` updated)."""
    from pyspark.sql import functions as F

    ids = [valid["transactions"].select("user_id"),
           valid["transactions"].where(F.col("counterparty_id").isNotNull()).select(F.col("counterparty_id").alias("user_id"))]
    ids += [valid[name].select("user_id") for name in ("links", "users") if valid[name] is not None]
    known = ids[0]
    for part in ids[1:]:
        known = known.unionByName(part)
    labels = valid["labels"]
    unknown = labels.join(known.distinct(), "user_id", "left_anti").cache()
    missing = unknown.count()
    counts.rows_loaded -= missing
    counts.rows_rejected += missing
    # the local engine's record of such a row: json.dumps({"user_id": ...})
    record = F.regexp_replace(F.to_json(F.struct("user_id")), '^[{]"user_id":', '{"user_id": ')
    rejects = unknown.select(F.lit("labels").alias("table"), "source", "line",
                             F.lit(UNKNOWN_USER_REASON).alias("reason"), record.alias("record"))
    return labels.join(unknown.select("user_id"), "user_id", "left_anti").drop("record"), rejects


def _checked_files(source: str | Path, schema: TableSchema) -> tuple[list[Path], list[str]]:
    """The files of a table after checking each has the required columns, and the attribute names (users)."""
    files = table_files(source)
    attributes: list[str] = []
    for path in files:
        columns = check_required_columns(path, schema)
        if schema.open_columns:
            attributes += [c for c in columns if c not in schema.names and c not in attributes]
    clash = [c for c in attributes if c in _PROVENANCE]
    if clash:
        raise InputError(f"{source}: the {schema.name} attribute column '{clash[0]}' has the name of a column the "
                         f"Spark engine adds ({', '.join(_PROVENANCE)}); rename it")
    return files, attributes


def _output_schema(schema: TableSchema, attributes: list[str]) -> str:
    """The Spark schema of what the workers return for a table."""
    fields = ["_file int", "_status tinyint", "_error string"]
    fields += [f"_c{i} {_SPARK_TYPES.get(c.kind, 'string')}" for i, c in enumerate(schema.columns)]
    fields += [f"_a{i} string, _n{i} double" for i in range(len(attributes))]
    fields += ["source string", "line bigint", "reason string", "record string"]
    return ", ".join(fields)


def _validated(spark: SparkSession, files: list[Path], schema: TableSchema, attributes: list[str],
               chunk_rows: int) -> DataFrame:
    """Every row of a table's files, valid or rejected, as the workers validate them (one file per partition)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    paths = spark.sparkContext.parallelize([(i, str(p)) for i, p in enumerate(files)], len(files))
    work = partial(_validate_files, schema=schema, attributes=attributes, chunk_rows=chunk_rows)
    with warnings.catch_warnings():
        # PySpark checks the pandas version even for Arrow UDFs, which never touch pandas
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        out = spark.createDataFrame(paths, "index int, path string").mapInArrow(work, _output_schema(schema, attributes))
    if schema.unique is None or len(files) < 2:
        return out
    # a key valid in several files: the first file keeps it (within a file the Validator kept one already)
    key = f"_c{schema.names.index(schema.unique)}"
    first = Window.partitionBy("_status", key).orderBy("_file", "line")
    again = (F.col("_status") == _OK) & (F.first("_file").over(first) != F.col("_file"))
    reason = F.format_string(f"duplicate {schema.unique} (first on line %d of %s)",
                             F.first("line").over(first), F.first("source").over(first))
    return out.select(*[c for c in out.columns if c not in ("_status", "reason")],
                      F.when(again, F.lit(_REJECTED).cast("tinyint")).otherwise(F.col("_status")).alias("_status"),
                      F.when(again, reason).otherwise(F.col("reason")).alias("reason"))


def _split(table: DataFrame, schema: TableSchema, attributes: list[str], source: str, *,
           record: bool = False) -> tuple[DataFrame, DataFrame, TableReport]:
    """The valid rows (with their raw ``record`` when asked), the rejects and the counts of a validated table.

    One Spark job, which fills the cache.
    """
    from pyspark.sql import functions as F

    status = F.col("_status")
    measures = [F.count(F.when(status != _ERROR, 1)).alias("read"), F.count(F.when(status == _REJECTED, 1)).alias("bad"),
                F.min(F.when(status == _ERROR, F.struct("_file", "_error"))).alias("error")]
    for i in range(len(attributes)):
        measures += [F.count(F.when(status == _OK, F.col(f"_a{i}"))).alias(f"_a{i}"),
                     F.count(F.when(status == _OK, F.col(f"_n{i}"))).alias(f"_n{i}")]
    found = table.agg(*measures).first()
    if found["error"] is not None:
        raise InputError(found["error"]["_error"])
    columns = [F.col(f"_c{i}").alias(c.name) for i, c in enumerate(schema.columns)]
    for i, name in enumerate(attributes):  # a number where every value given is one, as build_graph types them
        numeric = found[f"_a{i}"] == found[f"_n{i}"]
        columns.append(F.col(f"_n{i}" if numeric else f"_a{i}").alias(name))
    rows = table.where(status == _OK).select(*columns, *_PROVENANCE, *(["record"] if record else []))
    bad = table.where(status == _REJECTED).select(F.lit(schema.name).alias("table"), *REJECT_COLUMNS[1:])
    counts = TableReport(schema.name, source, rows_read=found["read"], rows_loaded=found["read"] - found["bad"],
                         rows_rejected=found["bad"])
    return rows, bad, counts


# --- on the workers --------------------------------------------------------------------------------------------


def _validate_files(batches: Iterator[pa.RecordBatch], *, schema: TableSchema, attributes: list[str],
                    chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """Validate the files named in ``batches`` (``index, path``); a file that cannot be read gives one error row."""
    import pyarrow as pa

    for batch in batches:
        for index, path in zip(batch.column("index").to_pylist(), batch.column("path").to_pylist()):
            try:
                yield from _validate_file(index, path, schema, attributes, chunk_rows)
            except InputError as e:
                yield _batch({"_file": pa.array([index], pa.int32()), "_status": pa.array([_ERROR], pa.int8()),
                              "_error": pa.array([str(e)], pa.string())}, 1, schema, attributes)


def _validate_file(index: int, path: str, schema: TableSchema, attributes: list[str],
                   chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The valid rows and the rejects of one file, chunk by chunk, with a Validator of its own."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    validator = Validator(schema, path)
    for raw, lines in read_chunks(path, chunk_rows=chunk_rows):
        chunk = validator.validate(raw, lines=lines)
        n = len(chunk.rows)
        if n:
            columns = {"_file": pa.array(np.full(n, index, dtype="int32")),
                       "_status": pa.array(np.full(n, _OK, dtype="int8")),
                       "source": pa.array([path] * n, pa.string()), "line": pa.array(chunk.lines, pa.int64())}
            for i, column in enumerate(schema.columns):
                columns[f"_c{i}"] = _arrow(chunk.rows[column.name], column.kind)
            for i, name in enumerate(attributes):
                if name in chunk.rows.columns:
                    text = chunk.rows[name].astype("string").str.strip()
                    text = text.mask(text == "")
                    columns[f"_a{i}"] = _strings(text)
                    columns[f"_n{i}"] = pa.array(pd.to_numeric(text, errors="coerce").astype("float64"),
                                                 pa.float64(), from_pandas=True)
            if schema.unique is not None:  # the raw record, should the row be a duplicate of another file's
                kept = raw[np.isin(lines, chunk.lines)]
                columns["record"] = pa.array([record_json(r)
                                              for r in kept.to_dict(orient="records")], pa.string())
            yield _batch(columns, n, schema, attributes)
        m = len(chunk.rejects)
        if m:
            bad = chunk.rejects
            yield _batch({"_file": pa.array(np.full(m, index, dtype="int32")),
                          "_status": pa.array(np.full(m, _REJECTED, dtype="int8")),
                          "source": _strings(bad["source"]), "line": pa.array(bad["line"].astype("int64"), pa.int64()),
                          "reason": _strings(bad["reason"]), "record": _strings(bad["record"])}, m, schema, attributes)


def _arrow(values: pd.Series, kind: ColumnKind) -> pa.Array:
    """A validated column as the Arrow type of its Spark column."""
    import pyarrow as pa

    if kind is ColumnKind.TIMESTAMP:  # Spark holds microseconds
        stamps = pa.array(values, pa.timestamp("ns", tz="UTC"), from_pandas=True)
        return stamps.cast(pa.timestamp("us", tz="UTC"), safe=False)
    if kind is ColumnKind.AMOUNT:
        return pa.array(values.astype("float64"), pa.float64(), from_pandas=True)
    if kind is ColumnKind.FLAG:
        return pa.array(values.astype("object").where(values.notna(), None).tolist(), pa.int32())
    return _strings(values)


def _strings(values: pd.Series) -> pa.Array:
    import pyarrow as pa

    return pa.array(values.astype("object").where(values.notna(), None).tolist(), pa.string())


def _batch(columns: dict[str, pa.Array], n: int, schema: TableSchema, attributes: list[str]) -> pa.RecordBatch:
    """A record batch with every output column, null where ``columns`` has none."""
    import pyarrow as pa

    types = {"_file": pa.int32(), "_status": pa.int8(), "_error": pa.string()}
    for i, column in enumerate(schema.columns):
        types[f"_c{i}"] = {ColumnKind.TIMESTAMP: pa.timestamp("us", tz="UTC"), ColumnKind.AMOUNT: pa.float64(),
                           ColumnKind.FLAG: pa.int32()}.get(column.kind, pa.string())
    for i in range(len(attributes)):
        types[f"_a{i}"], types[f"_n{i}"] = pa.string(), pa.float64()
    types.update(source=pa.string(), line=pa.int64(), reason=pa.string(), record=pa.string())
    arrays = [columns[name] if name in columns else pa.nulls(n, kind) for name, kind in types.items()]
    return pa.RecordBatch.from_arrays(arrays, names=list(types))

