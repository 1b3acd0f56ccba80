"""Plain-text summaries printed by the commands."""

from __future__ import annotations

from graphrisk.graph.build import InputReport
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store.loader import StoreReport

__all__ = ["input_summary", "graph_summary", "store_summary", "rejects_line"]


def rejects_line(rejected: int, path: str, what: str = "rows") -> str:
    """``rejects: none`` (no file is written then), or how many went to the rejects file.

    Examples
    --------
    >>> rejects_line(0, "graphrisk-rejects.csv")
    'rejects: none'
    >>> rejects_line(12, "graphrisk-rejects.csv")
    'rejects: 12 rows with reasons in graphrisk-rejects.csv'
    """
    return "rejects: none" if not rejected else f"rejects: {rejected:,} {what} with reasons in {path}"


def input_summary(report: InputReport, rejects_path: str | None) -> str:
    """Rows read / loaded / rejected per table, and where the rejects went (``rejects: none`` when none)."""
    lines = [f"{'table':<13} {'read':>10} {'loaded':>10} {'rejected':>10}  source"]
    for t in report.tables:
        lines.append(f"{t.table:<13} {t.rows_read:>10,} {t.rows_loaded:>10,} {t.rows_rejected:>10,}  {t.source}")
    lines.append(f"{'total':<13} {report.rows_read:>10,} {report.rows_loaded:>10,} {report.rows_rejected:>10,}")
    if rejects_path is not None:
        lines.append(rejects_line(report.rows_rejected, rejects_path))
    return "\n".join(lines)


def graph_summary(graph: TransactionGraph) -> str:
    """Node and relationship counts of a graph."""
    nodes = ", ".join(f"{k} {v:,}" for k, v in graph.node_counts.items())
    edges = ", ".join(f"{k} {v:,}" for k, v in graph.edge_counts.items())
    return f"graph: nodes {nodes}; relationships {edges}"


def store_summary(report: StoreReport, transactions: int, *, deadlock_retries: int = 0) -> str:
    """What a Neo4j load did, with its throughput, and how many writes the driver retried after a deadlock."""
    rate = transactions / report.seconds if report.seconds > 0 else 0.0
    text = f"neo4j: {report.status} (load {report.load_id[:12]}) in {report.seconds:.1f} s"
    if report.status != "already-loaded":
        text += f", {rate:,.0f} transactions/s"
    if report.batches_skipped:
        text += f", {report.batches_skipped} batches found already applied"
    if deadlock_retries:
        text += (f"; {deadlock_retries:,} write{'s' if deadlock_retries != 1 else ''} retried after a deadlock "
                 "between parallel writers (routine)")
    return text
