"""``graphrisk compare``: champion against challenger on the same held-out users; promote or refuse.

Exit status: 0 when the challenger is (or would be) promoted, 3 when it is refused, so a
scheduler can tell the two apart; 1 for errors, 2 for usage errors, as every command.
"""

from __future__ import annotations

import argparse
import math
import sys

import pandas as pd

from graphrisk.cli.options import add_graph_input_options, graph_input, number_between
from graphrisk.errors import InputError
from graphrisk.feedback.champion import SHOWN_METRICS, ChampionComparison, compare_models, heldout_overlap
from graphrisk.feedback.registry import ModelRegistry
from graphrisk.io.readers import check_required_columns, read_chunks
from graphrisk.io.schema import LABELS
from graphrisk.io.validate import as_ids

__all__ = ["add_parser", "run", "render_comparison", "REFUSED"]

#: Exit status when the challenger is refused.
REFUSED = 3


def add_parser(commands) -> None:
    """Register the ``compare`` command."""
    parser = commands.add_parser(
        "compare", help="champion against challenger on the same held-out users; promote only a better model",
        description="Score the graph with both models and measure them on the held-out users of --labels "
        "(user_id,is_fraud[,ring_id]; users neither model trained on, e.g. the test side of a ring-aware split): "
        "AUC-PR, and ring recall (share of held-out rings with at least half their members flagged, each model at "
        "its own flag threshold). The challenger is promoted only when its AUC-PR is higher and its ring recall "
        "no lower. With --registry, both models are copied into the registry with their metrics, the decision is "
        "logged, and a promoted challenger becomes the current version; without --champion the registry's current "
        f"version is the champion. Exit status 0: promoted; {REFUSED}: refused.",
    )
    parser.add_argument("--challenger", required=True, metavar="DIR", help="the new model directory")
    parser.add_argument("--champion", metavar="DIR", help="the model in use (default: the registry's current version)")
    parser.add_argument("--registry", metavar="DIR", help="model registry folder: versions, metrics, current version")
    parser.add_argument("--training-labels", action="append", default=[], metavar="FILE",
                        help="labels a model trained on: warn when held-out users are among them (repeatable)")
    parser.add_argument("--min-gain", type=number_between(0, math.inf, high_open=True), default=0.0, metavar="F",
                        help="how much higher the challenger's AUC-PR must be (default: any amount)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where to score")
    add_graph_input_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk compare``."""
    if args.champion is None and args.registry is None:
        raise InputError("give --champion DIR, or --registry DIR whose current version is the champion")
    registry = ModelRegistry(args.registry) if args.registry else None
    current_at_start = registry.current() if registry is not None else None
    champion = args.champion
    if champion is None and registry is not None:
        current = registry.current_path()
        champion = None if current is None else str(current)
        print(f"champion: the registry's current version {registry.current()}" if current is not None
              else f"champion: none ({args.registry} has no current version yet)")
    read = graph_input(args, labels_needed="compare measures both models on held-out labelled users")
    graph = read.graph
    heldout = graph.labels
    for path in args.training_labels:
        _warn_overlap(heldout, path)
    comparison = compare_models(champion, args.challenger, graph, heldout, min_gain=args.min_gain,
                                device=args.device)
    # where the held-out labels came from (not links/users: data["users"] is the count of held-out users)
    comparison.data.update({key: read.source[key] for key in ("transactions", "labels", "input", "format")
                            if key in read.source})
    print(render_comparison(comparison))
    decision = comparison.decision
    verb = "promoted" if decision.promote else "refused"
    print(f"decision: challenger {comparison.challenger.version} {verb}: {decision.reason}")
    if registry is not None:
        registry.record_comparison(
            champion=champion, challenger=args.challenger,
            champion_metrics=None if comparison.champion is None else comparison.champion.metrics,
            challenger_metrics=comparison.challenger.metrics, promote=decision.promote, reason=decision.reason,
            data=comparison.data, expected_current=current_at_start,
        )
        print(f"registry: current version {registry.current()}, {len(registry.versions())} versions "
              f"-> {registry.file}")
    return 0 if decision.promote else REFUSED


def _cell(metric: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if metric == "n_flagged":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def render_comparison(comparison: ChampionComparison) -> str:
    """The side-by-side table: a row per metric, a column per model and the change."""
    table = comparison.table()
    header = ["metric", *table.columns]
    rows = []
    for metric in SHOWN_METRICS:
        cells = [metric]
        for column in table.columns:
            value = table.loc[metric, column]
            text = _cell(metric, value)
            if column == "change" and text != "n/a" and not text.startswith("-"):
                text = "+" + text
            cells.append(text)
        rows.append(cells)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths)))
             for line in [header, *rows]]
    d = comparison.data
    lines.append(f"held-out: {d['users']:,} users, {d['fraud']:,} fraud, {d['rings']:,} rings; ring recall at each "
                 "model's own threshold (a ring is caught when at least half its members are flagged)")
    return "\n".join(lines)


def _warn_overlap(heldout: pd.DataFrame, path: str) -> None:
    check_required_columns(path, LABELS)
    users = set()
    for raw, _ in read_chunks(path):
        users.update(as_ids(raw["user_id"]).dropna().astype(str))
    overlap = heldout_overlap(heldout, users)
    if overlap:
        print(f"warning: {len(overlap):,} of the {len(heldout):,} held-out users are in the training labels {path} "
              f"(e.g. {overlap[0]!r}): their metrics flatter the model; hold them out (graphrisk.evaluate."
              "ring_aware_split)", file=sys.stderr)
