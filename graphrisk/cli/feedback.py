"""``graphrisk feedback``: investigators' verdicts (a file or Neo4j) into a labels file.

Also :func:`labels_with_feedback`, which ``graphrisk train --feedback`` uses to merge such a
labels file over ``--labels``.
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from graphrisk.cli.options import add_input_options, add_neo4j_options, neo4j_config
from graphrisk.cli.summary import graph_summary, input_summary
from graphrisk.errors import InputError, StoreError
from graphrisk.feedback.labels import LabelMerge, merge_labels, read_labels
from graphrisk.feedback.resolve import FeedbackResult, resolve_verdicts
from graphrisk.feedback.store import read_store_verdicts, users_in_store
from graphrisk.feedback.verdicts import VERDICTS, VerdictTable, read_verdicts
from graphrisk.graph.build import build_graph
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.validate import REJECT_COLUMNS
from graphrisk.io.writers import write_table
from graphrisk.store.runner import connect

__all__ = ["add_parser", "run", "labels_with_feedback", "count_lines", "UNKNOWN_VERDICT_USER"]

#: Reject reason of a verdict on a user that is not in the graph.
UNKNOWN_VERDICT_USER = "unknown user_id (not in the graph)"

#: Conflicts printed when no --conflicts file is given.
SHOWN_CONFLICTS = 10


def add_parser(commands) -> None:
    """Register the ``feedback`` command."""
    parser = commands.add_parser(
        "feedback", help="turn investigators' verdicts into labels (newest verdict wins, conflicts reported)",
        description="Read verdicts (a file with user_id,verdict,by,at[,note], or every verdict recorded in Neo4j by "
        "graphrisk verdict) and write labels user_id,is_fraud,ring_id for graphrisk train --feedback. Per user the "
        "newest verdict wins (equal times: the later row); fraud gives 1, legit 0, unsure no label. Users with both "
        "fraud and legit verdicts are reported as conflicts. Verdicts on users that are not in the graph (the "
        "--transactions/--links/--users files, else Neo4j) are left out and reported; bad rows go to --rejects "
        "with their reasons. The counts reconcile: rows = used + superseded + unsure + unknown users + rejected.",
    )
    source = parser.add_argument_group("verdicts (one of)")
    source.add_argument("--verdicts", metavar="FILE", help="verdicts file (CSV or Parquet): user_id,verdict,by,at[,note]")
    source.add_argument("--from-neo4j", action="store_true", help="every verdict recorded in Neo4j")
    parser.add_argument("--out", required=True, metavar="FILE", help="labels to write (.csv or .parquet)")
    parser.add_argument("--conflicts", metavar="FILE", help="write the conflicts table here (.csv or .parquet)")
    add_input_options(parser, transactions_required=False)
    add_neo4j_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk feedback``."""
    if bool(args.verdicts) == bool(args.from_neo4j):
        raise InputError("give the verdicts with --verdicts FILE or --from-neo4j (one of them)")
    needs_store = args.from_neo4j or not args.transactions
    with ExitStack() as stack:
        runner = _connect(stack, args) if needs_store else None
        table = read_store_verdicts(runner) if args.from_neo4j else read_verdicts(args.verdicts,
                                                                                  chunk_rows=args.chunk_rows)
        input_rejects = None
        if args.transactions:
            graph, report = build_graph(args.transactions, args.links, args.users, args.labels,
                                        chunk_rows=args.chunk_rows)
            print(input_summary(report, None))
            print(graph_summary(graph))
            known = set(graph.users["user_id"].astype(str))
            input_rejects = report.rejects
            checked_in = "the input files"
        else:
            known = users_in_store(runner, table.verdicts["user_id"].astype(str))
            checked_in = "Neo4j"
    result = resolve_verdicts(table.verdicts, known_users=known)
    write_table(result.labels, args.out)
    rejects = _rejects(table, result, input_rejects)
    if len(rejects):  # no rejects: no file (the summary says "rejects: none")
        _write_rejects(rejects, args.rejects)
    if args.conflicts:
        write_table(result.conflicts, args.conflicts)
    print("\n".join(count_lines(table, result, checked_in=checked_in)))
    print(f"labels: {len(result.labels):,} users ({result.counts['fraud']:,} fraud, {result.counts['legit']:,} legit) "
          f"-> {args.out}")
    _print_conflicts(result, args.conflicts)
    inputs = "" if input_rejects is None else f" and {len(input_rejects):,} input rows"
    if not len(rejects):
        print("rejects: none")
    else:
        print(f"rejects: {len(table.rejects) + len(result.unknown):,} verdict rows ({len(table.rejects):,} bad, "
              f"{len(result.unknown):,} on unknown users){inputs}, with reasons in {args.rejects}")
    return 0


def _connect(stack: ExitStack, args: argparse.Namespace):
    try:
        return stack.enter_context(connect(neo4j_config(args)))
    except StoreError as e:
        if args.from_neo4j:
            raise
        raise StoreError(f"{e}; without --transactions FILE the verdicts' users are checked in Neo4j") from e


def count_lines(table: VerdictTable, result: FeedbackResult, *, checked_in: str = "the graph") -> list[str]:
    """The reconciling counts: rows = used + superseded + unsure + unknown users + rejected."""
    c = result.counts
    rows = [
        ("used (the user's newest verdict, fraud or legit)", c["used"]),
        ("superseded (a newer verdict on the same user)", c["superseded"]),
        ("unsure (the user's newest verdict: no label)", c["unsure"]),
        (f"unknown users ({c['unknown_users']:,} users not in {checked_in})", c["unknown_user"]),
        ("rejected (bad rows)", len(table.rejects)),
    ]
    width = max(len(text) for text, _ in rows)
    lines = [f"verdicts: {table.rows_read:,} rows from {table.source}"]
    lines += [f"  {text:<{width}}  {n:>8,}" for text, n in rows]
    total = sum(n for _, n in rows)
    if total != table.rows_read:  # pragma: no cover - a bug, not an input problem
        raise AssertionError(f"verdict counts do not reconcile: {total} != {table.rows_read}")
    return lines


def _rejects(table: VerdictTable, result: FeedbackResult, input_rejects: pd.DataFrame | None) -> pd.DataFrame:
    unknown = result.unknown
    unknown_rejects = pd.DataFrame({
        "table": VERDICTS.name, "source": table.source, "line": unknown["line"].to_numpy(),
        "reason": UNKNOWN_VERDICT_USER,
        "record": [json.dumps({"user_id": u}, ensure_ascii=False) for u in unknown["user_id"].astype(str)],
    }, columns=REJECT_COLUMNS)
    verdict_parts = [df for df in (table.rejects, unknown_rejects) if len(df)]
    verdict_rejects = None
    if verdict_parts:
        verdict_rejects = pd.concat(verdict_parts, ignore_index=True).sort_values("line", kind="stable",
                                                                                  ignore_index=True)
    parts = [df[REJECT_COLUMNS] for df in (input_rejects, verdict_rejects) if df is not None and len(df)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)


def _write_rejects(rejects: pd.DataFrame, path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    rejects.to_csv(target, index=False)


def _print_conflicts(result: FeedbackResult, path: str | None) -> None:
    conflicts = result.conflicts
    if conflicts.empty:
        print("conflicts: none (no user has both fraud and legit verdicts)")
        return
    where = f" -> {path}" if path else ""
    print(f"conflicts: {len(conflicts):,} users with both fraud and legit verdicts (the newest won){where}")
    shown = conflicts.head(SHOWN_CONFLICTS)[["user_id", "verdicts", "by", "winner"]]
    print(shown.to_string(index=False))
    if len(conflicts) > len(shown) and not path:
        print(f"... {len(conflicts) - len(shown):,} more: write them all with --conflicts FILE")


def labels_with_feedback(graph: TransactionGraph, path: str) -> LabelMerge:
    """``graph.labels`` with the feedback labels of ``path`` over them; prints what changed.

    Returns
    -------
    LabelMerge
        ``labels`` (the merged labels) and ``cleared`` (the users a verdict labelled 0).

    Raises
    ------
    InputError
        The feedback file cannot be read or has a bad row.
    """
    merge = merge_labels(graph.labels, read_labels(path), users=graph.users["user_id"].astype(str))
    print(merge.summary())
    return merge
