"""Build a :class:`TransactionGraph` from canonical inputs, validating row by row.

Inputs are read in chunks and aggregated per chunk, so the memory needed grows with
the number of distinct users, entities and pairs, not with the number of transactions
(unless ``keep_transactions=True``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import EDGE_COLUMNS, TransactionGraph
from graphrisk.io.readers import DEFAULT_CHUNK_ROWS, TableSource, check_required_columns, read_chunks, source_name
from graphrisk.io.schema import LABELS, LINKS, TRANSACTION_ENTITY_COLUMNS, TRANSACTIONS, USERS, TableSchema
from graphrisk.io.validate import REJECT_COLUMNS, Validator
from graphrisk.io.writers import writable

__all__ = ["build_graph", "InputReport", "TableReport", "UNKNOWN_USER_REASON", "unusable_labels"]

#: Reject reason of a label row whose user appears in no other input.
UNKNOWN_USER_REASON = "unknown user_id (not in transactions, links or users)"



@dataclass
class TableReport:
    """Row counts of one input table: ``rows_read == rows_loaded + rows_rejected``."""

    table: str
    source: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


@dataclass
class InputReport:
    """What reading the inputs did: counts per table and every rejected row with its reason."""

    tables: list[TableReport] = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @property
    def rows_read(self) -> int:
        """Rows read over all tables."""
        return sum(t.rows_read for t in self.tables)

    @property
    def rows_loaded(self) -> int:
        """Rows accepted over all tables."""
        return sum(t.rows_loaded for t in self.tables)

    @property
    def rows_rejected(self) -> int:
        """Rows rejected over all tables."""
        return sum(t.rows_rejected for t in self.tables)

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejects (header only when there are none) to a CSV file and return its path.

        Raises
        ------
        InputError
            The file or its folder cannot be written.
        """
        path = Path(path)
        with writable(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self.rejects.to_csv(path, index=False)
        return path


ProgressCallback = Callable[[str, int], None]


def unusable_labels(name: str, counts: TableReport, unknown: int) -> InputError:
    """The one-line error for a labels table of which no row was kept (``unknown`` rows named unknown users)."""
    if not counts.rows_read:
        return InputError(f"{name}: the labels file has no row")
    if unknown:
        other = counts.rows_rejected - unknown
        rest = f", {other:,} rejected for other reasons" if other else ""
        return InputError(f"{name}: no label row names a user of the other inputs ({unknown:,} of {counts.rows_read:,} "
                          f"rows have an unknown user_id{rest}); is this the labels file of these transactions?")
    return InputError(f"{name}: no usable label: every row was rejected (see the rejects file)")


def _read_table(
    source: TableSource,
    schema: TableSchema,
    report: InputReport,
    reject_parts: list[pd.DataFrame],
    chunk_rows: int,
    progress: ProgressCallback | None,
):
    """Yield the valid rows of each chunk (with line numbers), recording counts and rejects."""
    check_required_columns(source, schema)
    table = TableReport(schema.name, source_name(source))
    report.tables.append(table)
    validator = Validator(schema, table.source)
    for raw, lines in read_chunks(source, chunk_rows=chunk_rows):
        chunk = validator.validate(raw, lines=lines)
        table.rows_read += len(raw)
        table.rows_loaded += len(chunk.rows)
        table.rows_rejected += len(chunk.rejects)
        if len(chunk.rejects):
            reject_parts.append(chunk.rejects)
        if progress is not None:
            progress(schema.name, len(raw))
        yield chunk.rows, chunk.lines


def _edge_partial(frame: pd.DataFrame, src: str, dst: str) -> pd.DataFrame:
    """Aggregate one chunk of transactions per (src, dst) pair."""
    grouped = frame.groupby([src, dst], sort=False, observed=True)
    out = grouped.agg(
        count=("amount", "size"),
        amount=("amount", "sum"),
        first_seen=("timestamp", "min"),
        last_seen=("timestamp", "max"),
    )
    out["fraud_count"] = grouped["is_fraud"].sum(min_count=1).astype("Int64")
    return out.reset_index().rename(columns={src: "src", dst: "dst"})


def _combine(parts: list[pd.DataFrame], keys: list[str], extra_sums: tuple[str, ...] = ()) -> pd.DataFrame:
    """Merge per-chunk aggregates into one table sorted by its keys."""
    columns = [*keys, *EDGE_COLUMNS[2:], *extra_sums]
    if not parts:
        empty = {c: pd.Series(dtype="string") for c in keys}
        empty.update(
            count=pd.Series(dtype="int64"),
            amount=pd.Series(dtype="float64"),
            first_seen=pd.Series(dtype="datetime64[ns, UTC]"),
            last_seen=pd.Series(dtype="datetime64[ns, UTC]"),
            fraud_count=pd.Series(dtype="Int64"),
        )
        empty.update({c: pd.Series(dtype="int64") for c in extra_sums})
        return pd.DataFrame(empty)[columns]
    frame = pd.concat(parts, ignore_index=True)
    grouped = frame.groupby(keys, sort=True, observed=True)
    sums = {"count": "sum", "amount": "sum", "first_seen": "min", "last_seen": "max"}
    sums.update({c: "sum" for c in extra_sums})
    out = grouped.agg(sums)
    out["fraud_count"] = grouped["fraud_count"].sum(min_count=1).astype("Int64")
    out = out.reset_index()[columns]
    for key in keys:
        out[key] = out[key].astype("string")
    out["count"] = out["count"].astype("int64")
    for c in extra_sums:
        out[c] = out[c].astype("int64")
    return out


def _typed_attributes(users: pd.DataFrame) -> pd.DataFrame:
    """Numbers where a whole attribute column parses as numbers, text elsewhere."""
    for name in users.columns:
        if name == "user_id":
            continue
        column = users[name]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        text = column.astype("string").str.strip()
        text = text.mask(text == "")
        numbers = pd.to_numeric(text, errors="coerce")
        users[name] = numbers.astype("float64") if numbers.notna().sum() == text.notna().sum() else text
    return users


def build_graph(
    transactions: TableSource,
    links: TableSource | None = None,
    users: TableSource | None = None,
    labels: TableSource | None = None,
    *,
    keep_transactions: bool = True,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback | None = None,
) -> tuple[TransactionGraph, InputReport]:
    """Validate canonical inputs and aggregate them into a :class:`TransactionGraph`.

    Parameters
    ----------
    transactions
        Path to a CSV or Parquet file, or a DataFrame, with the canonical transaction columns.
    links, users, labels
        Optional canonical tables (see :mod:`graphrisk.io.schema`).
    keep_transactions
        Keep the validated transactions on ``graph.transactions`` (needed by temporal
        features), an empty table with the canonical columns when no row is valid;
        ``False`` keeps memory bounded by the number of pairs (``graph.transactions`` is ``None``).
    chunk_rows
        Rows read and validated at a time.
    progress
        Called as ``progress(table_name, rows)`` after each chunk.

    Returns
    -------
    graph, report
        The graph, and the counts per table with every rejected row and its reason.
        A label naming a user that appears in no other input is rejected.

    Raises
    ------
    InputError
        A file is missing, unreadable, or lacks a required column.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"transaction_id": ["t1", "t2", "t3"], "timestamp": ["2024-01-01T10:00:00Z"] * 3,
    ...                    "user_id": ["u1", "u2", "u1"], "amount": [5.0, 7.5, 1.0],
    ...                    "merchant_id": ["m1", "m1", "m1"], "device_id": ["d1", "d1", None]})
    >>> graph, report = build_graph(tx)
    >>> graph
    TransactionGraph(nodes: user=2, merchant=1, device=1; edges: paid=2, sent=0, used=2)
    >>> report.rows_loaded, report.rows_rejected
    (3, 0)
    """
    report = InputReport()
    reject_parts: list[pd.DataFrame] = []
    paid_parts: list[pd.DataFrame] = []
    sent_parts: list[pd.DataFrame] = []
    used_parts: list[pd.DataFrame] = []
    kept: list[pd.DataFrame] = []
    content = _ContentHash()
    user_ids: list[pd.Series] = []
    merchant_ids: list[pd.Series] = []

    for rows, _ in _read_table(transactions, TRANSACTIONS, report, reject_parts, chunk_rows, progress):
        if keep_transactions:
            kept.append(rows)
        content.add("transactions", rows)
        user_ids += [rows["user_id"].drop_duplicates(), rows["counterparty_id"].dropna().drop_duplicates()]
        merchant_ids.append(rows["merchant_id"].dropna().drop_duplicates())
        with_merchant = rows[rows["merchant_id"].notna()]
        paid_parts.append(_edge_partial(with_merchant, "user_id", "merchant_id"))
        transfers = rows[rows["counterparty_id"].notna()]
        sent_parts.append(_edge_partial(transfers, "user_id", "counterparty_id"))
        for column, kind in TRANSACTION_ENTITY_COLUMNS.items():
            seen = rows[rows[column].notna()]
            part = _edge_partial(seen, "user_id", column)
            part.insert(0, "entity_type", kind)
            part["link_count"] = 0
            used_parts.append(part)

    if links is not None:
        for rows, _ in _read_table(links, LINKS, report, reject_parts, chunk_rows, progress):
            content.add("links", rows)
            user_ids.append(rows["user_id"].drop_duplicates())
            grouped = rows.groupby(["entity_type", "user_id", "entity_id"], sort=False, observed=True)
            part = grouped.agg(
                link_count=("entity_id", "size"),
                first_seen=("timestamp", "min"),
                last_seen=("timestamp", "max"),
            ).reset_index()
            part = part.rename(columns={"user_id": "src", "entity_id": "dst"})
            part["count"] = 0
            part["amount"] = 0.0
            part["fraud_count"] = pd.Series(pd.NA, index=part.index, dtype="Int64")
            used_parts.append(part)

    attributes: pd.DataFrame | None = None
    if users is not None:
        parts = [rows for rows, _ in _read_table(users, USERS, report, reject_parts, chunk_rows, progress)]
        attributes = pd.concat(parts, ignore_index=True) if parts else None
        if attributes is not None:
            user_ids.append(attributes["user_id"])

    known_users = pd.Index(pd.concat(user_ids, ignore_index=True) if user_ids else pd.Series(dtype="string"))
    known_users = known_users.unique().astype("string").sort_values()
    user_table = pd.DataFrame({"user_id": known_users.to_numpy()}).astype({"user_id": "string"})
    if attributes is not None and len(attributes.columns) > 1:
        user_table = user_table.merge(_typed_attributes(attributes), on="user_id", how="left")

    label_table: pd.DataFrame | None = None
    if labels is not None:
        label_parts = []
        for rows, lines in _read_table(labels, LABELS, report, reject_parts, chunk_rows, progress):
            unknown = ~rows["user_id"].isin(known_users).to_numpy()
            if unknown.any():
                reject_parts.append(_unknown_user_rejects(rows[unknown], lines[unknown], report.tables[-1]))
            label_parts.append(rows[~unknown])
        if label_parts:
            label_table = pd.concat(label_parts, ignore_index=True).sort_values("user_id", ignore_index=True)
        else:
            label_table = pd.DataFrame({"user_id": pd.Series(dtype="string"), "is_fraud": pd.Series(dtype="Int8"),
                                        "ring_id": pd.Series(dtype="string")})

    used = _combine(used_parts, ["entity_type", "src", "dst"], ("link_count",))
    graph = TransactionGraph(
        users=user_table,
        merchants=pd.DataFrame({"merchant_id": _sorted_unique(merchant_ids)}, dtype="string"),
        identifiers={
            kind: pd.DataFrame({"entity_id": _sorted_unique([used.loc[used["entity_type"] == kind, "dst"]])}, dtype="string")
            for kind in IDENTIFIER_TYPES
        },
        paid=_combine(paid_parts, ["src", "dst"]),
        sent=_combine(sent_parts, ["src", "dst"]),
        used=used,
        labels=label_table,
        transactions=_kept_transactions(kept) if keep_transactions else None,
        content_id=content.hexdigest(),
    )
    if reject_parts:
        report.rejects = pd.concat(reject_parts, ignore_index=True)[REJECT_COLUMNS]
    return graph, report


class _ContentHash:
    """An order- and chunking-independent hash of the relationship-bearing input rows.

    Each validated row is hashed on its own (``pandas.util.hash_pandas_object``) and the row
    hashes are added modulo 2**64, so the result depends on the set of rows only: not on
    the chunk size, the row order, or the file format. Users and labels are left out: they
    only set node properties, which can be written again safely.
    """

    def __init__(self) -> None:
        self._sums: dict[str, int] = {}
        self._rows: dict[str, int] = {}

    def add(self, table: str, rows: pd.DataFrame) -> None:
        if not len(rows):
            return
        hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy(dtype=np.uint64)
        total = int(hashes.sum(dtype=np.uint64))
        self._sums[table] = (self._sums.get(table, 0) + total) % 2**64
        self._rows[table] = self._rows.get(table, 0) + len(rows)

    def hexdigest(self) -> str:
        text = ";".join(f"{t}:{self._rows[t]}:{self._sums[t]}" for t in sorted(self._sums))
        return hashlib.sha256(text.encode()).hexdigest()


def _kept_transactions(kept: list[pd.DataFrame]) -> pd.DataFrame:
    """The kept transaction chunks as one table.

    With no chunk at all (a zero-row Parquet file or DataFrame), an empty table with the
    canonical columns and dtypes, as a header-only CSV gives.
    """
    if not kept:
        raw = pd.DataFrame({name: pd.Series(dtype=object) for name in TRANSACTIONS.names})
        kept = [Validator(TRANSACTIONS, "").validate(raw, lines=[]).rows]
    return pd.concat(kept, ignore_index=True)


def _sorted_unique(parts: list[pd.Series]) -> np.ndarray:
    if not parts:
        return np.array([], dtype=object)
    values = pd.concat(parts, ignore_index=True).drop_duplicates().sort_values()
    return values.astype("string").to_numpy()


def _unknown_user_rejects(rows: pd.DataFrame, lines: np.ndarray, table: TableReport) -> pd.DataFrame:
    table.rows_loaded -= len(rows)
    table.rows_rejected += len(rows)
    return pd.DataFrame(
        {
            "table": table.table,
            "source": table.source,
            "line": lines,
            "reason": UNKNOWN_USER_REASON,
            "record": [json.dumps({"user_id": u}, ensure_ascii=False) for u in rows["user_id"]],
        }
    )

