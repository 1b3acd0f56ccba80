"""The reliability diagram: mean predicted risk against the observed fraud rate, per bin.

Drawn from the statistics :func:`graphrisk.model.calibration.calibration_statistics`
stores in ``RiskDetector.validation_["calibration"]`` (no scores or labels needed), on a
:class:`matplotlib.figure.Figure` without pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

__all__ = ["reliability_figure", "check_calibration"]

#: The two curves: statistics key -> (legend text, colour, marker).
_CURVES = {"before": ("plain sigmoid", "tab:grey", "o"), "after": ("calibrated", "tab:blue", "s")}


def check_calibration(statistics: object) -> Mapping:
    """``statistics`` if it has the shape of ``validation_["calibration"]``, else an error.

    Raises
    ------
    TypeError
        Not a mapping.
    ValueError
        ``before`` or ``after`` lacks ``brier``, ``ece`` or ``bins``, or a bin lacks
        ``mean_predicted``, ``observed_rate`` or ``count``.
    """
    if not isinstance(statistics, Mapping):
        raise TypeError(f"calibration must be a mapping (RiskDetector.validation_['calibration']), "
                        f"got {type(statistics).__name__}")
    for key in _CURVES:
        part = statistics.get(key)
        if not isinstance(part, Mapping) or not {"brier", "ece", "bins"} <= set(part):
            raise ValueError(f"calibration[{key!r}] needs brier, ece and bins (as calibration_statistics gives them)")
        for row in part["bins"]:
            if not isinstance(row, Mapping) or not {"mean_predicted", "observed_rate", "count"} <= set(row):
                raise ValueError(f"calibration[{key!r}]['bins'] rows need mean_predicted, observed_rate and count")
    return statistics


def reliability_figure(statistics: Mapping) -> Figure:
    """Reliability diagram before and after calibration, with the users per bin below.

    Parameters
    ----------
    statistics
        ``RiskDetector.validation_["calibration"]``: ``before`` and ``after``, each with
        ``brier``, ``ece`` and per-bin ``mean_predicted, observed_rate, count``.

    Returns
    -------
    matplotlib.figure.Figure
        6 x 5.5 inches. Points on the diagonal are calibrated: of the users given about
        30% risk, about 30% are fraud. Marker area grows with the users in the bin.

    Examples
    --------
    >>> bins = [{"mean_predicted": 0.1, "observed_rate": 0.05, "count": 90},
    ...         {"mean_predicted": 0.9, "observed_rate": 0.8, "count": 10}]
    >>> part = {"brier": 0.05, "ece": 0.06, "bins": bins}
    >>> reliability_figure({"before": part, "after": part}).get_size_inches().tolist()
    [6.0, 5.5]
    """
    check_calibration(statistics)
    figure = Figure(figsize=(6.0, 5.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    top.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1, label="perfectly calibrated")
    largest = max([row["count"] for key in _CURVES for row in statistics[key]["bins"]] or [1])
    for offset, (key, (label, colour, marker)) in zip((-0.012, 0.012), _CURVES.items()):
        part = statistics[key]
        rows = part["bins"]
        predicted = np.array([r["mean_predicted"] for r in rows], dtype=float)
        observed = np.array([r["observed_rate"] for r in rows], dtype=float)
        counts = np.array([r["count"] for r in rows], dtype=float)
        text = f"{label} (Brier {part['brier']:.4f}, ECE {part['ece']:.4f})"
        top.plot(predicted, observed, color=colour, linewidth=1, alpha=0.7)
        top.scatter(predicted, observed, s=20 + 180 * np.sqrt(counts / largest), color=colour, marker=marker,
                    alpha=0.8, label=text, zorder=3)
        bottom.bar(predicted + offset, counts, width=0.024, color=colour, alpha=0.8)
    top.set(ylabel="observed fraud rate", xlim=(-0.03, 1.03), ylim=(-0.02, 1.02))
    users = statistics.get("users")
    top.set_title("Reliability on the validation users" + (f" (n={users:,})" if isinstance(users, int) else ""))
    top.legend(loc="upper left", fontsize="small")
    bottom.set_yscale("log")
    bottom.set(xlabel="mean predicted risk in the bin", ylabel="users")
    return figure
