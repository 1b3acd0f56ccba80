"""The report's sections about the run and the comparison: summary, metrics, figures, next steps.

Each function returns one ``<section>`` with a stable ``id`` (see :data:`SECTION_IDS`); the
ring sections, which come first on the page, are in :mod:`graphrisk.report.ring_sections`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graphrisk.evaluate.compare import DETECTOR, Comparison
from graphrisk.evaluate.plots import pr_curves_figure, score_distributions_figure
from graphrisk.report.content import ReportContent
from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.markup import Safe, element, format_value, table

__all__ = [
    "SECTION_IDS",
    "summary_section",
    "metrics_section",
    "pr_curves_section",
    "score_distributions_section",
    "next_steps_section",
]

#: Section id -> heading, in page order (``next-steps`` only when there are steps): the rings and
#: what to do next for investigators first, then the run and the model's metrics.
SECTION_IDS: dict[str, str] = {
    "rings": "Rings by exposure",
    "ring-details": "Every ring",
    "next-steps": "Next steps",
    "summary": "Run summary",
    "metrics": "Detector and baselines",
    "pr-curves": "Precision-recall curves",
    "score-distributions": "Score distributions",
    "calibration": "Calibration",
}


#: Metric column -> heading in the metrics table.
METRIC_HEADINGS = {
    "auc_pr": "AUC-PR",
    "auc_roc": "AUC-ROC",
    "precision_at_k": "precision@k",
    "recall_at_k": "recall@k",
    "ring_recall": "ring recall (top k)",
    "ring_recall_flagged": "ring recall (own flags)",
    "flagged": "flagged",
    "seconds": "seconds",
}

#: Columns where lower is better; columns not in either set are never highlighted.
_LOWER_IS_BETTER = {"seconds"}
_NOT_RANKED = {"flagged", "n_flagged", "k"}
_RATES = {"auc_pr", "auc_roc", "precision_at_k", "recall_at_k", "ring_recall", "ring_recall_flagged"}


def section(section_id: str, *children: object) -> Safe:
    """``<section id=...>`` with the heading of :data:`SECTION_IDS`."""
    return element("section", element("h2", SECTION_IDS[section_id]), *children, id=section_id)


def summary_section(content: ReportContent) -> Safe:
    """The run summary, then the graph's node and relationship counts and the flag counts."""
    run = table(["", "value"], [[label, format_value(value)] for label, value in content.summary.items()],
                numeric=[False, True], class_="summary")
    graph = content.graph
    counts = [[f"{kind} nodes", format_value(n)] for kind, n in graph.node_counts.items()]
    counts += [[f"{kind.upper()} relationships", format_value(n)] for kind, n in graph.edge_counts.items()]
    flagged = content.scores["flagged"].fillna(False).astype(bool)
    scored = len(content.scores)
    share = f" ({flagged.sum() / scored:.1%})" if scored else ""
    scoring = element(
        "p",
        f"{scored:,} users scored, {int(flagged.sum()):,} flagged{share}, {len(content.rings):,} "
        f"{'ring' if len(content.rings) == 1 else 'rings'} found.",
    )
    return section("summary", run if content.summary else element("p", "No run details given."),
                   scoring, element("h3", "Graph"), table(["", "count"], counts, numeric=[False, True]))


def metrics_section(comparison: Comparison | None) -> Safe:
    """Every system's metrics side by side, the best value per column highlighted.

    Known metrics come first in :data:`METRIC_HEADINGS` order, then any other column; the
    per-system counts (``n_users``, ``n_fraud`` ...) are the same for every system and go
    to the note under the table instead.
    """
    if comparison is None:
        return section("metrics", _no_comparison())
    metrics = _detector_first(comparison.metrics)
    columns = [c for c in METRIC_HEADINGS if c in metrics.columns]
    columns += [c for c in metrics.columns if c not in METRIC_HEADINGS and not str(c).startswith("n_")]
    rows, classes = [], []
    best = {c: _best(metrics[c], c) for c in columns}
    for system, values in metrics.iterrows():
        rows.append([element("strong", system) if system == DETECTOR else str(system),
                     *(_metric_text(c, _plain(values[c])) for c in columns)])
        classes.append([None, *("best" if system in best[c] else None for c in columns)])
    grid = table(["system", *(METRIC_HEADINGS.get(c, c) for c in columns)], rows, cell_classes=classes,
                 numeric=[False, *([True] * len(columns))], class_="metrics")
    return section("metrics", element("p", _headline(comparison, metrics)), grid,
                   element("p", _test_set(comparison, metrics), class_="note"))


def _metric_text(column: str, value: object) -> str:
    """Rates with 3 decimals, seconds with 1, counts as integers."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        return format_value(value)
    if column in _RATES:
        return f"{value:.3f}"
    if column == "seconds":
        return f"{value:,.1f}"
    if column in _NOT_RANKED and float(value).is_integer():
        return f"{int(value):,}"
    return format_value(value)


def _detector_first(metrics: pd.DataFrame) -> pd.DataFrame:
    order = [DETECTOR] if DETECTOR in metrics.index else []
    return metrics.loc[order + [s for s in metrics.index if s != DETECTOR]]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _best(column: pd.Series, name: str) -> set:
    """Systems with the best value of a metric column (none when fewer than two have one)."""
    if name in _NOT_RANKED or not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return set()
    values = column.astype(float)
    values = values[np.isfinite(values.to_numpy())]
    if len(values) < 2:
        return set()
    target = values.min() if name in _LOWER_IS_BETTER else values.max()
    return set(values.index[np.isclose(values.to_numpy(), target)])


def _headline(comparison: Comparison, metrics: pd.DataFrame) -> str:
    """One sentence: the detector's AUC-PR against the best baseline's."""
    if "auc_pr" not in metrics:
        return "The metrics table has no AUC-PR column."
    auc_pr = metrics["auc_pr"].astype(float)
    detector = DETECTOR if DETECTOR in metrics.index else str(metrics.index[0])
    mine = float(auc_pr.loc[detector])
    peers = auc_pr.drop(index=detector).dropna()
    truth = comparison.truth
    rate = ""
    if len(truth):
        rate = f" A random ranking scores about the fraud rate, {float(truth.astype(float).mean()):.3f}."
    if not len(peers) or math.isnan(mine):
        return f"{detector} reaches AUC-PR {format_value(mine)}; there is no baseline to compare with.{rate}"
    peer = str(peers.idxmax())
    theirs = float(peers.max())
    gap = mine - theirs
    if math.isclose(gap, 0.0, abs_tol=5e-4):
        relation = "the same as"
    else:
        relation = f"{abs(gap):.3f} {'above' if gap > 0 else 'below'}"
    ratio = f"; {mine / theirs:.2f} times as high" if theirs > 0 and relation != "the same as" else ""
    return f"{detector} reaches AUC-PR {mine:.3f}, {relation} the best baseline, {peer} ({theirs:.3f}{ratio}).{rate}"


def _test_set(comparison: Comparison, metrics: pd.DataFrame) -> str:
    details = comparison.details or {}
    counts = metrics.iloc[0] if len(metrics) else pd.Series(dtype=float)
    users = details.get("test_users", counts.get("n_users", len(comparison.truth)))
    fraud = details.get("test_fraud", counts.get("n_fraud", int(comparison.truth.sum())))
    text = f"Test set: {format_value(_count(users))} users, {format_value(_count(fraud))} fraudsters"
    if "test_rings" in details or "n_rings" in counts:
        text += f", {format_value(_count(details.get('test_rings', counts.get('n_rings'))))} rings"
    if "split" in details:
        text += f"; {details['split']} split"
    text += ". k = number of test fraudsters; best value per column highlighted (seconds: lowest)."
    if "threshold" in details:
        text += f" Detector flag threshold: {format_value(details['threshold'])}."
    return text


def _count(value: object) -> object:
    value = _plain(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _figure_section(section_id: str, comparison: Comparison | None, draw, alt: str) -> Safe:
    if comparison is None:
        return section(section_id, _no_comparison())
    png = figure_png(draw(comparison.truth, comparison.scores))
    return section(section_id, element("img", src=png_data_uri(png), alt=alt, class_="figure"))


def pr_curves_section(comparison: Comparison | None) -> Safe:
    """The precision-recall curve of every system on the test users (embedded PNG)."""
    return _figure_section("pr-curves", comparison, pr_curves_figure, "Precision-recall curves of every system")


def score_distributions_section(comparison: Comparison | None) -> Safe:
    """Fraud and legitimate users' score histograms per system (embedded PNG)."""
    return _figure_section("score-distributions", comparison, score_distributions_figure,
                           "Score distributions of fraud and legitimate test users per system")


def next_steps_section(steps: list[str]) -> Safe:
    """The next steps, one per item (kept verbatim: queries keep their line breaks); empty without steps."""
    if not steps:
        return Safe("")
    items = (element("li", element("pre", element("code", step))) for step in steps)
    return section("next-steps", element("ol", *items, class_="steps"))


def _no_comparison() -> Safe:
    return element("p", "No comparison with the baselines was run for this report.", class_="note")
