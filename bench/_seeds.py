"""The detector and every baseline over several seeds, with the spread: shared by the real-data areas.

:func:`compare_over_seeds` runs :func:`graphrisk.evaluate.compare.compare_systems` once per
seed and detector variant on the same split, keeps one row per system and seed, and sums
them up with :func:`spread` (mean, standard deviation, min and max over the seeds) and the
detector's AUC-PR over the best baseline's, seed by seed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["COLUMNS", "compare_over_seeds", "spread", "seed_options"]

PLOTS = Path(__file__).resolve().parent / "plots"

#: Metrics kept per system and seed (``ring_recall_flagged``: the detector's own flags only).
COLUMNS = ("auc_pr", "auc_roc", "precision_at_k", "ring_recall", "ring_recall_flagged", "seconds")

#: The detector's variants on the same split (issue 19: a method is the default only where it wins):
#: name -> RiskDetector options. The first (the defaults: the network's own head, pseudo-labels on)
#: also brings the cold-start and blend rows.
DETECTOR_VARIANTS: dict[str, dict] = {"graphrisk_gnn": {"head": "gnn"},
                                      "graphrisk_no_pseudo": {"head": "gnn", "pseudo_labels": 0.0},
                                      "graphrisk_stacked": {"head": "stacked"}, "graphrisk_auto": {"head": "auto"}}


def seed_options(parser: argparse.ArgumentParser, seeds: str) -> None:
    """Add ``--seeds`` (default ``seeds``), ``--plots`` and ``--json``: the options every such area takes."""
    parser.add_argument("--seeds", default=seeds, help="comma-separated seeds (default: %(default)s)")
    parser.add_argument("--plots", type=Path, default=PLOTS, help="folder of the PNG plots (default: bench/plots)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")


def spread(values: list[float]) -> dict[str, float | int | None]:
    """``mean``, ``std`` (sample, ``None`` below 2 values), ``min``, ``max`` and ``n`` of the finite ``values``."""
    finite = [float(v) for v in values if v is not None and v == v]
    if not finite:
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0}
    return {"mean": statistics.fmean(finite), "std": statistics.stdev(finite) if len(finite) > 1 else None,
            "min": min(finite), "max": max(finite), "n": len(finite)}


def _row(metrics, system: str, as_name: str, seed: int) -> dict:
    row = {"seed": seed, "system": as_name}
    for column in COLUMNS:
        value = metrics.loc[system, column] if column in metrics.columns else None
        row[column] = None if value is None or value != value else float(value)
    return row


def compare_over_seeds(
    seeds: list[int],
    case: Callable[[int], tuple[object, dict, dict]],
    variants: dict[str, dict],
    *,
    plots: Path | None = None,
    plot_prefix: str = "",
) -> dict:
    """Every variant and baseline on each seed's split; per-seed rows, spreads and ratios.

    Parameters
    ----------
    seeds
        One split (and world, where ``case`` generates one) per seed.
    case
        ``case(seed) -> (graph, compare_options, facts)``: the graph, the keyword arguments of
        :func:`compare_systems` besides ``graph``, ``seed`` and ``detector_options`` (``truth``
        included), and facts about the data worth reporting.
    variants
        Detector variants: name -> :class:`graphrisk.model.RiskDetector` options. Each trains on
        the same split and labels; the baselines come from the first variant's run.
    plots, plot_prefix
        Where the first seed's PR curves and score distributions go (``<prefix>_pr_curves.png``,
        ``<prefix>_score_distributions.png``); none when ``plots`` is ``None``.

    Returns
    -------
    dict
        ``per_seed`` (rows), ``summary`` (system -> metric -> :func:`spread`), ``ratio``
        (variant -> per-seed AUC-PR over the best baseline's, its spread, and which baseline
        was best), ``splits`` (per seed: sizes, facts and the detector's validation figures),
        ``failed_seeds`` (seed -> reason, for a seed whose split lacked a class).

    Raises
    ------
    RuntimeError
        No seed gave a comparison.
    """
    from graphrisk.errors import InputError
    from graphrisk.evaluate import plot_pr_curves, plot_score_distributions
    from graphrisk.evaluate.compare import DETECTOR, OWN_ROWS, compare_systems

    rows, splits, failed, ratios, written = [], [], {}, {name: [] for name in variants}, []
    best_of = {name: [] for name in variants}
    for seed in seeds:
        started = time.perf_counter()
        graph, options, facts = case(seed)
        scores, own = {}, {}
        try:
            for name, detector_options in variants.items():
                result = compare_systems(graph, seed=seed, detector_options=detector_options,
                                         unsupervised=name == next(iter(variants)), **options)
                rows.append(_row(result.metrics, DETECTOR, name, seed))
                scores[name], own[name] = result.scores[DETECTOR], rows[-1]["auc_pr"]
                if name == next(iter(variants)):
                    first = result
        except InputError as e:  # a split without both classes on a side: reported, the other seeds go on
            failed[str(seed)] = str(e)
            print(f"seed {seed}: no comparison ({e})", flush=True)
            continue
        baselines = [_row(first.metrics, system, system, seed) for system in first.metrics.index
                     if system not in (DETECTOR, *OWN_ROWS)]
        rows += baselines + [_row(first.metrics, own_row, own_row, seed)  # graphrisk's own: cold start, blend
                             for own_row in OWN_ROWS if own_row in first.metrics.index]
        best = max(baselines, key=lambda r: r["auc_pr"])
        for name in variants:
            ratios[name].append(own[name] / best["auc_pr"] if best["auc_pr"] else None)
            best_of[name].append(best["system"])
        d = first.details
        validation = {k: v for k, v in d["detector_validation"].items() if k != "calibration"}
        splits.append({"seed": seed, **facts, "train_users": d["train_users"], "test_users": d["test_users"],
                       "train_fraud": d.get("train_fraud"), "train_fraud_labelled": d["train_fraud_labelled"],
                       "test_fraud": d["test_fraud"], "test_rings": d["test_rings"], "threshold": d["threshold"],
                       "detector_validation": validation, "seconds": time.perf_counter() - started})
        print(f"seed {seed}: {d['test_users']} test users, {d['test_fraud']} fraud, {d['test_rings']} rings; "
              f"{d['train_fraud_labelled']} labelled fraud of {d.get('train_fraud')} on the training side", flush=True)
        for row in rows:
            if row["seed"] == seed:
                print(f"  {row['system']:<22} " + " ".join(
                    f"{c} {row[c]:.3f}" for c in COLUMNS if row[c] is not None and c != "seconds"), flush=True)
        if plots is not None and not written:
            scores.update({system: first.scores[system] for system in first.scores if system != DETECTOR})
            plots.mkdir(parents=True, exist_ok=True)
            written = [plot_pr_curves(first.truth, scores, plots / f"{plot_prefix}_pr_curves.png"),
                       plot_score_distributions(first.truth, scores, plots / f"{plot_prefix}_score_distributions.png")]
    if not splits:
        raise RuntimeError(f"no seed gave a comparison: {failed}")
    systems = list(dict.fromkeys(row["system"] for row in rows))
    summary = {system: {c: spread([r[c] for r in rows if r["system"] == system]) for c in COLUMNS}
               for system in systems}
    ratio = {name: {"per_seed": ratios[name], "best_baseline": best_of[name], **spread(ratios[name])}
             for name in variants}
    for name, r in ratio.items():
        if r["mean"] is not None:
            print(f"{name} AUC-PR / best baseline: " + ", ".join(f"{v:.2f}" for v in r["per_seed"])
                  + f"; mean {r['mean']:.2f}" + (f" ± {r['std']:.2f}" if r["std"] is not None else ""), flush=True)
    return {"seeds": seeds, "variants": variants, "per_seed": rows, "summary": summary, "ratio": ratio,
            "splits": splits, "failed_seeds": failed,
            "plots": [f"plots/{Path(p).name}" for p in written]}
