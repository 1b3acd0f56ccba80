"""The graph as Neo4j's bulk importer reads it: node and relationship CSV files with typed headers.

``neo4j-admin database import full`` reads one CSV file per node label and per
relationship type (and target label), each with a header line that names the key
(``user_id:ID(User)``), the ends of a relationship (``:START_ID(User)``,
``:END_ID(Merchant)``) and each property's type (``count:long``, ``first_seen:datetime``).
The files hold the same graph model and properties as the incremental loader writes
(:mod:`graphrisk.store.loader`): user attributes and labels on ``User`` nodes, and
``count``, ``amount``, ``first_seen``, ``last_seen``, ``fraud_count`` (and ``link_count``
on ``USED``) on the aggregated relationships.

Strings are always quoted and missing values are left empty and unquoted, so the importer
stores an empty string as ``""`` and sets no property for a missing value, as the
incremental loader does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as arrow_compute
import pyarrow.csv as arrow_csv

from graphrisk.graph.model import IDENTIFIER_TYPES, NODE_TYPES
from graphrisk.graph.transaction_graph import EDGE_COLUMNS, TransactionGraph

__all__ = ["ImportFiles", "write_import_files"]


@dataclass
class ImportFiles:
    """The files written for the importer.

    Attributes
    ----------
    folder
        Where they are; the importer's report of bad lines goes there too.
    nodes
        ``(label, path)`` per node file.
    relationships
        ``(type, path)`` per relationship file.
    multiline
        Whether some value holds a line break (the importer must then be told that
        fields may span lines, which is slower).
    """

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)
    relationships: list[tuple[str, Path]] = field(default_factory=list)
    multiline: bool = False

    def arguments(self, database: str) -> list[str]:
        """The importer's arguments (after ``database import full``) for these files.

        The database name comes first: the file options take several values each.
        Any bad line fails the import (``--bad-tolerance=0``): nothing is skipped silently.
        """
        arguments = [database, "--overwrite-destination=true", "--bad-tolerance=0", "--skip-bad-relationships=false",
                     "--skip-duplicate-nodes=false", f"--multiline-fields={'true' if self.multiline else 'false'}",
                     f"--report-file={self.folder / 'import.report'}"]
        arguments += [f"--nodes={label}={path}" for label, path in self.nodes]
        arguments += [f"--relationships={rel_type}={path}" for rel_type, path in self.relationships]
        return arguments


def write_import_files(graph: TransactionGraph, folder: str | Path, *, load: dict | None = None) -> ImportFiles:
    """Write ``graph`` as importer CSV files into ``folder`` (created if needed).

    Parameters
    ----------
    graph
        The graph to write.
    folder
        Where the files go.
    load
        Properties of a ``(:Load)`` node to import with the graph (``load_id`` is its key),
        so that the graph and the record of its load arrive together or not at all.

    Returns
    -------
    ImportFiles
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder)

    def write(name: str, columns: dict[str, pa.Array]) -> Path:
        path = folder / f"{name}.csv"
        table = pa.table(columns)
        files.multiline |= any(_has_line_break(column) for column in table.columns)
        arrow_csv.write_csv(table, path)
        return path

    user = NODE_TYPES["user"]
    files.nodes.append((user.label, write("nodes_user", _user_columns(graph))))
    merchant = NODE_TYPES["merchant"]
    if len(graph.merchants):
        files.nodes.append((merchant.label, write("nodes_merchant", {
            f"{merchant.key}:ID({merchant.label})": _strings(graph.merchants["merchant_id"])})))
    for kind in IDENTIFIER_TYPES:
        table = graph.identifiers.get(kind)
        if table is not None and len(table):
            node = NODE_TYPES[kind]
            files.nodes.append((node.label, write(f"nodes_{kind}", {
                f"{node.key}:ID({node.label})": _strings(table["entity_id"])})))

    if load is not None:
        files.nodes.append(("Load", write("nodes_load", _load_columns(load))))

    edges = [("paid", graph.paid, "merchant", "PAID"), ("sent", graph.sent, "user", "SENT")]
    edges += [(f"used_{kind}", graph.used[graph.used["entity_type"] == kind], kind, "USED") for kind in IDENTIFIER_TYPES]
    for name, table, target, rel_type in edges:
        if len(table):
            files.relationships.append((rel_type, write(f"relationships_{name}", _edge_columns(table, target))))
    return files


def _user_columns(graph: TransactionGraph) -> dict[str, pa.Array]:
    """``User`` nodes: the key, the users table's attributes, and the labels (as the loader sets them)."""
    user = NODE_TYPES["user"]
    users = graph.users
    columns = {f"{user.key}:ID({user.label})": _strings(users["user_id"])}
    for name in users.columns:
        if name != "user_id":
            columns.update(_typed(name, users[name]))
    if graph.labels is not None and len(graph.labels):
        labels = users[["user_id"]].merge(graph.labels, on="user_id", how="left", validate="one_to_one")
        columns.update(_typed("label_is_fraud", labels["is_fraud"]))
        columns.update(_typed("label_ring_id", labels["ring_id"]))
    return columns


def _load_columns(load: dict) -> dict[str, pa.Array]:
    """The one ``Load`` node: its key and its properties, typed by their Python values."""
    columns = {"load_id:ID(Load)": pa.array([str(load["load_id"])], type=pa.string())}
    for name, value in load.items():
        if name != "load_id":
            columns.update(_typed(name, pd.Series([value])))
    return columns


def _edge_columns(table: pd.DataFrame, target: str) -> dict[str, pa.Array]:
    """A relationship file: its two ends (by key) and the aggregated properties."""
    node = NODE_TYPES[target]
    columns = {f":START_ID({NODE_TYPES['user'].label})": _strings(table["src"]),
               f":END_ID({node.label})": _strings(table["dst"])}
    for name in EDGE_COLUMNS[2:] + (["link_count"] if "link_count" in table.columns else []):
        columns.update(_typed(name, table[name]))
    return columns


def _typed(name: str, column: pd.Series) -> dict[str, pa.Array]:
    """``{"name:type": values}`` for one property column, typed as the Bolt driver would send it."""
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return {f"{name}:datetime": _datetimes(column)}
    if pd.api.types.is_bool_dtype(dtype):
        return {f"{name}:boolean": pa.array(column.astype("boolean"), type=pa.bool_(), from_pandas=True)}
    if pd.api.types.is_integer_dtype(dtype):
        return {f"{name}:long": pa.array(column.astype("Int64"), type=pa.int64(), from_pandas=True)}
    if pd.api.types.is_float_dtype(dtype):
        return {f"{name}:double": pa.array(column.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)}
    return {name: _strings(column)}


def _strings(column: pd.Series) -> pa.Array:
    return pa.array(column.astype("string"), type=pa.string(), from_pandas=True)


def _datetimes(column: pd.Series) -> pa.Array:
    """ISO-8601 UTC strings at millisecond precision: what ``datetime({epochMillis: ...})`` stores."""
    values = column.dt.tz_localize(None) if isinstance(column.dtype, pd.DatetimeTZDtype) else column
    missing = values.isna().to_numpy()
    millis = values.to_numpy(dtype="datetime64[ns]").view("int64") // 1_000_000
    text = np.char.add(millis.astype("datetime64[ms]").astype(str), "Z").astype(object)
    text[missing] = None
    return pa.array(text, type=pa.string())


def _has_line_break(column: pa.ChunkedArray) -> bool:
    if not pa.types.is_string(column.type):
        return False
    return bool(arrow_compute.any(arrow_compute.match_substring_regex(column, "[\\r\\n]")).as_py())
