"""Figures comparing systems on one test set: precision-recall curves and score distributions.

Figures are built on :class:`matplotlib.figure.Figure` directly, without pyplot: no
interactive backend is ever selected, no global figure registry is touched, and a figure is
freed as soon as it goes out of scope (there is nothing to close).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import average_precision_score, precision_recall_curve

from graphrisk.evaluate.metrics import align_scores, check_truth

__all__ = ["plot_pr_curves", "plot_score_distributions", "pr_curves_figure", "score_distributions_figure"]


def _prepared(truth: pd.Series, scores: Mapping[str, pd.Series]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    if not scores:
        raise ValueError("scores is empty; give at least one system (name -> Series of scores)")
    y = check_truth(truth).to_numpy()
    return y, {name: align_scores(truth, s) for name, s in scores.items()}


def _save(figure: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    return path


def plot_pr_curves(truth: pd.Series, scores: Mapping[str, pd.Series], path: str | Path) -> Path:
    """Write the precision-recall curve of every system to one PNG.

    Parameters
    ----------
    truth
        ``user_id -> 0/1`` of the test users.
    scores
        System name -> ``user_id -> score`` (aligned as in
        :func:`~graphrisk.evaluate.metrics.detection_metrics`).
    path
        PNG file to write (parent folders are created).

    Returns
    -------
    pathlib.Path
        ``path``. The legend gives each system's AUC-PR; a dashed line marks the fraud rate.

    Raises
    ------
    ValueError
        Empty ``scores``, or ``truth`` with a single class.
    """
    return _save(pr_curves_figure(truth, scores), path)


def pr_curves_figure(truth: pd.Series, scores: Mapping[str, pd.Series]) -> Figure:
    """The figure of :func:`plot_pr_curves`, returned instead of written.

    Parameters
    ----------
    truth
        ``user_id -> 0/1`` of the test users.
    scores
        System name -> ``user_id -> score``.

    Returns
    -------
    matplotlib.figure.Figure
        6 x 4.5 inches; save it or embed it (for example in the HTML report).

    Raises
    ------
    ValueError
        Empty ``scores``, or ``truth`` with a single class.
    """
    y, aligned = _prepared(truth, scores)
    figure = Figure(figsize=(6.0, 4.5), layout="constrained")
    ax = figure.add_subplot()
    for name, s in aligned.items():
        precision, recall, _ = precision_recall_curve(y, s)
        ax.step(recall, precision, where="post", label=f"{name} (AUC-PR {average_precision_score(y, s):.3f})")
    ax.axhline(y.mean(), color="grey", linestyle="--", linewidth=1, label=f"fraud rate {y.mean():.3f}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0.0, 1.0), ylim=(0.0, 1.02))
    ax.set_title("Precision-recall on the test users")
    ax.legend(loc="best", fontsize="small")
    return figure


def plot_score_distributions(truth: pd.Series, scores: Mapping[str, pd.Series], path: str | Path) -> Path:
    """Write histograms of fraud and legitimate users' scores, one panel per system, to a PNG.

    Parameters
    ----------
    truth
        ``user_id -> 0/1`` of the test users.
    scores
        System name -> ``user_id -> score``.
    path
        PNG file to write (parent folders are created).

    Returns
    -------
    pathlib.Path
        ``path``. Each panel's legend title gives the system's AUC-PR; the y axis is the
        share of each class per bin (log scale), so the rare class stays visible. All
        panels share the bins.

    Raises
    ------
    ValueError
        Empty ``scores``, or ``truth`` with a single class.
    """
    return _save(score_distributions_figure(truth, scores), path)


def score_distributions_figure(truth: pd.Series, scores: Mapping[str, pd.Series]) -> Figure:
    """The figure of :func:`plot_score_distributions`, returned instead of written.

    Parameters
    ----------
    truth
        ``user_id -> 0/1`` of the test users.
    scores
        System name -> ``user_id -> score``.

    Returns
    -------
    matplotlib.figure.Figure
        6 inches wide, one panel per system.

    Raises
    ------
    ValueError
        Empty ``scores``, or ``truth`` with a single class.
    """
    y, aligned = _prepared(truth, scores)
    figure = Figure(figsize=(6.0, 2.2 * len(aligned) + 0.6), layout="constrained")
    axes = figure.subplots(len(aligned), 1, squeeze=False, sharex=True)[:, 0]
    low = min(float(s.min()) for s in aligned.values())
    high = max(float(s.max()) for s in aligned.values())
    bins = np.linspace(low, high if high > low else low + 1.0, 41)
    floor = 0.5 / max(int(y.sum()), int((y == 0).sum()))
    for ax, (name, s) in zip(axes, aligned.items()):
        for label, mask, colour in (("fraud", y == 1, "tab:red"), ("legitimate", y == 0, "tab:blue")):
            ax.hist(s[mask], bins=bins, weights=np.full(int(mask.sum()), 1.0 / mask.sum()), histtype="step",
                    linewidth=1.5, color=colour, label=f"{label} (n={int(mask.sum())})")
        ax.set_yscale("log")
        ax.set_ylim(floor, 1.5)
        ax.set(ylabel="share of class", title=name)
        ax.legend(title=f"AUC-PR {average_precision_score(y, s):.3f}", fontsize="small", loc="upper center")
    axes[-1].set_xlabel("score")
    return figure
