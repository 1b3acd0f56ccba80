"""Plain-text summaries printed by the commands."""

from __future__ import annotations

from graphrisk.graph.build import InputReport
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.store.loader import StoreReport

__all__ = ["input_summary", "graph_summary", "store_summary"]


def input_summary(report: InputReport, rejects_path: str | None) -> str:
    """Rows read / loaded / rejected per table, and where the rejects went."""
    lines = [f"{'table':<13} {'read':>10} {'loaded':>10} {'rejected':>10}  source"]
    for t in report.tables:
        lines.append(f"{t.table:<13} {t.rows_read:>10,} {t.rows_loaded:>10,} {t.rows_rejected:>10,}  {t.source}")
    lines.append(f"{'total':<13} {report.rows_read:>10,} {report.rows_loaded:>10,} {report.rows_rejected:>10,}")
    if rejects_path is not None:
        lines.append(f"rejects: {report.rows_rejected:,} rows with reasons in {rejects_path}")
    return "\n".join(lines)


def graph_summary(graph: TransactionGraph) -> str:
    """Node and relationship counts of a graph."""
    nodes = ", ".join(f"{k} {v:,}" for k, v in graph.node_counts.items())
    edges = ", ".join(f"{k} {v:,}" for k, v in graph.edge_counts.items())
    return f"graph: nodes {nodes}; relationships {edges}"


def store_summary(report: StoreReport, transactions: int) -> str:
    """What a Neo4j load did, with its throughput."""
    rate = transactions / report.seconds if report.seconds > 0 else 0.0
    text = f"neo4j: {report.status} (load {report.load_id[:12]}) in {report.seconds:.1f} s"
    if report.status != "already-loaded":
        text += f", {rate:,.0f} transactions/s"
    if report.batches_skipped:
        text += f", {report.batches_skipped} batches found already applied"
    return text
