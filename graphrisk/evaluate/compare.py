"""The detector beside its peers on one leakage-safe split: ``compare_systems``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.evaluate.baselines import BASELINES, baseline_scores
from graphrisk.evaluate.metrics import detection_metrics
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.writers import writable, write_table
from graphrisk.model.splits import SPLITS, ring_aware_split, temporal_split

__all__ = ["compare_systems", "Comparison", "SPLITS", "hide_fraud_labels", "DETECTOR", "UNSUPERVISED", "BLENDED",
           "OWN_ROWS"]

#: Name of the graphrisk detector in the result tables.
DETECTOR = "graphrisk_gnn"
#: Name of the cold-start scorer (:mod:`graphrisk.unsupervised`, no labels), when asked for.
UNSUPERVISED = "graphrisk_unsupervised"
#: Name of the detector's and the cold-start scorer's percentile ranks averaged, when the latter is asked for.
BLENDED = "graphrisk_blend"
#: graphrisk's own rows beside the detector's: never counted as peers.
OWN_ROWS = (UNSUPERVISED, BLENDED)


@dataclass
class Comparison:
    """Metrics of every system on the same test users, and what produced them.

    Attributes
    ----------
    metrics
        One row per system (``graphrisk_gnn`` first, then :data:`BASELINES`) with
        ``auc_pr, auc_roc, precision_at_k, recall_at_k, ring_recall`` (top-k flags for
        every system, k = test fraudsters) and, for the detector, ``ring_recall_flagged``
        with its own threshold; ``seconds`` is each system's fit-and-score time.
    scores
        Test scores per system (``user_id`` -> risk).
    truth
        ``is_fraud`` of the test users.
    rings
        ``ring_id`` of the test users (``""`` outside a ring).
    details
        Split, counts, label noise and the detector's validation figures.
    detector
        The detector trained on the training users (to score every user afterwards).
    inputs
        The node inputs it used, computed once (reuse them to score the same graph).
    """

    metrics: pd.DataFrame
    scores: dict[str, pd.Series]
    truth: pd.Series
    rings: pd.Series
    details: dict = field(default_factory=dict)
    detector: object = None
    inputs: dict = field(default_factory=dict)

    def write(self, folder: str | Path) -> Path:
        """Write ``metrics.csv`` (one row per system) and ``metrics.json`` (metrics and details) into ``folder``.

        Returns the path of ``metrics.csv``.
        """
        folder = Path(folder)
        path = write_table(self.metrics.reset_index(), folder / "metrics.csv")
        with writable(folder / "metrics.json"):
            (folder / "metrics.json").write_text(json.dumps(
                {"metrics": self.metrics.to_dict(orient="index"), "details": self.details}, indent=2, default=float,
            ) + "\n", encoding="utf-8")
        return path


def hide_fraud_labels(labels: pd.Series, share: float, *, seed: int = 0) -> pd.Series:
    """Labels with ``share`` of the fraudsters relabelled 0: fraud nobody has caught yet.

    Examples
    --------
    >>> y = pd.Series([1, 1, 1, 1, 0], index=list("abcde"))
    >>> int(hide_fraud_labels(y, 0.5, seed=0).sum())
    2
    """
    if not 0.0 <= share < 1.0:
        raise ValueError(f"share must be in [0, 1), got {share}")
    fraud = labels.index[labels.to_numpy() == 1]
    hidden = np.random.default_rng(seed).choice(fraud, size=int(round(share * len(fraud))), replace=False)
    out = labels.copy()
    out.loc[hidden] = 0
    return out


def _user_series(values: pd.Series, name: str) -> pd.Series:
    """``values`` (``user_id -> value``) indexed by user ids as strings; checked."""
    if not isinstance(values, pd.Series):
        raise TypeError(f"{name} must be a pandas Series (user_id -> value), got {type(values).__name__}")
    values = values.set_axis(values.index.astype(str))
    if values.index.has_duplicates:
        raise ValueError(f"{name} has duplicated user ids; give one value per user")
    return values


def _first_seen(graph: TransactionGraph) -> pd.Series:
    edges = pd.concat([graph.paid[["src", "first_seen"]], graph.sent[["src", "first_seen"]],
                       graph.used[["src", "first_seen"]]])
    return edges.groupby("src")["first_seen"].min().rename_axis("user_id")


def compare_systems(
    graph: TransactionGraph,
    truth: pd.DataFrame,
    *,
    split: str = "ring",
    test_size: float = 0.3,
    missing_label_share: float = 0.15,
    seed: int = 0,
    detector_options: dict | None = None,
    device: str = "auto",
    progress: Callable[[str], None] | None = None,
    train_labels: pd.Series | None = None,
    groups: pd.Series | None = None,
    unsupervised: bool = False,
) -> Comparison:
    """Train the detector and the baselines on the same users, score the same test users.

    Parameters
    ----------
    graph
        The whole graph (built with ``keep_transactions=True``, the default).
    truth
        Ground truth: ``user_id, is_fraud`` and ``ring_id`` (rings stay on one side of the
        split; a user without a ring is a group of one).
    split
        ``ring``: whole rings drawn at random; ``temporal``: the users who appear last
        (rings still kept whole).
    test_size
        Share of groups (ring split) or users (temporal split) held out.
    missing_label_share
        Share of training fraudsters whose label is hidden (set to 0), as in practice;
        ignored when ``train_labels`` are given.
    seed
        Seed of the split, the hidden labels and every model.
    detector_options
        Keyword arguments of :class:`graphrisk.model.RiskDetector`.
    device
        Where the detector trains (``auto``: CUDA when present).
    progress
        Called with the name of each stage as it starts.
    train_labels
        ``user_id -> 0/1``: what the systems learn from, instead of ``truth`` with a
        ``missing_label_share`` hidden (for example chargeback labels, late and partial).
        Training users missing from it count as 0. Test users are still evaluated on
        ``truth``. The detector then gets no ring ids: its validation groups are connected
        users, as on real labels that carry none.
    groups
        ``user_id -> group id`` for the split (every user of a group on one side; empty
        or missing: a group of one), instead of the ring ids of ``truth``; ring recall
        still counts the rings of ``truth``. The detector's validation keeps these groups
        whole too.
    unsupervised
        Also score the test users with the cold-start scorer, which reads no label (a row
        named :data:`UNSUPERVISED`, with its ring recall at its own flags: the riskiest 1% of
        every user); it is graphrisk's own, not a peer. A second row, :data:`BLENDED`, averages
        the detector's and the cold-start scorer's percentile ranks among the test users, equal
        weights, nothing tuned (an experiment: does the label-free evidence add to the
        detector where labels are scarce?).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        Unknown split, or a graph built without its transactions.
    InputError
        A side of the split without both classes (a ``ValueError`` too).
    """
    from graphrisk.model.detector import RiskDetector
    from graphrisk.model.encoding import GraphEncoder

    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    if graph.transactions is None:
        raise ValueError("compare_systems needs the transactions: build the graph with keep_transactions=True")
    table = truth.assign(user_id=truth["user_id"].astype(str)).drop_duplicates("user_id").set_index("user_id")
    is_fraud = table["is_fraud"].astype(int)
    rings = table["ring_id"].astype("string").fillna("") if "ring_id" in table else pd.Series("", index=table.index)
    together = rings if groups is None else _user_series(groups, "groups").reindex(table.index).astype(
        "string").fillna("")
    if split == "ring":
        train, test = ring_aware_split(table.reset_index().assign(ring_id=together.to_numpy()), test_size=test_size,
                                       seed=seed)
    else:
        first = _first_seen(graph).reindex(table.index)
        train, test = temporal_split(first.dropna(), test_size=test_size, groups=together.where(together != ""))
    if train_labels is None:
        learned = hide_fraud_labels(is_fraud.loc[train], missing_label_share, seed=seed)
        fit_labels = learned.rename_axis("user_id").reset_index(name="is_fraud").assign(
            ring_id=together.reindex(train).to_numpy())
    else:
        given = _user_series(train_labels, "train_labels").reindex(train).fillna(0)
        if not given.isin([0, 1]).all():
            raise ValueError(f"train_labels must hold only 0/1, got {sorted(pd.unique(given))[:5]}")
        learned = given.astype(int)
        fit_labels = learned.rename_axis("user_id").reset_index(name="is_fraud")
    if is_fraud.loc[test].nunique() < 2 or learned.nunique() < 2:
        raise InputError("each side of the split needs fraud and legitimate users: use a larger graph or test_size")

    stage = progress or (lambda name: None)
    detector = RiskDetector(device=device, **{"seed": seed, **(detector_options or {})})
    stage("features")
    started = time.perf_counter()
    # the detector's inputs (its own seed), computed once for every system
    inputs = GraphEncoder(seed=detector.seed).node_inputs(graph)
    feature_seconds = time.perf_counter() - started

    stage("graphrisk_gnn")
    started = time.perf_counter()
    detector.fit(graph, fit_labels, inputs=inputs)
    risk = pd.Series(detector.predict_proba(graph, inputs=inputs)[:, 1], index=graph.users["user_id"].astype(str))
    seconds = {DETECTOR: time.perf_counter() - started + feature_seconds}
    scores = {DETECTOR: risk.reindex(test)}

    stage("baselines")
    started = time.perf_counter()
    peers = baseline_scores(graph, graph.transactions, graph.users, learned, train, test, seed=seed,
                            graph_features=inputs["user"])
    scores.update(peers)
    for name in BASELINES:
        seconds[name] = (time.perf_counter() - started) / len(BASELINES)

    cold_flags = None
    if unsupervised:
        from graphrisk.unsupervised import ColdStartScorer

        stage(UNSUPERVISED)
        started = time.perf_counter()
        cold = ColdStartScorer(seed=seed).fit_score_users(graph, inputs=inputs, reasons=0).scores  # no label read
        cold = cold.assign(user_id=cold["user_id"].astype(str)).set_index("user_id").reindex(test)
        scores[UNSUPERVISED], cold_flags = cold["risk_score"], cold["flagged"].fillna(False).astype(bool)
        seconds[UNSUPERVISED] = time.perf_counter() - started
        scores[BLENDED] = (scores[DETECTOR].rank(pct=True) + scores[UNSUPERVISED].fillna(0.0).rank(pct=True)) / 2
        seconds[BLENDED] = seconds[DETECTOR] + seconds[UNSUPERVISED]

    truth_test, rings_test = is_fraud.loc[test], rings.loc[test]
    rows = {name: detection_metrics(truth_test, s, rings=rings_test) for name, s in scores.items()}
    if cold_flags is not None:
        cold_own = detection_metrics(truth_test, scores[UNSUPERVISED], rings=rings_test, flagged=cold_flags)
        rows[UNSUPERVISED]["ring_recall_flagged"] = cold_own["ring_recall"]
        rows[UNSUPERVISED]["flagged"] = cold_own.get("n_flagged", np.nan)
    test_risk = risk.reindex(test)
    own = detection_metrics(truth_test, test_risk, rings=rings_test,
                            flagged=pd.Series(detector.flags(test_risk.to_numpy()), index=test_risk.index))
    rows[DETECTOR]["ring_recall_flagged"] = own["ring_recall"]
    rows[DETECTOR]["flagged"] = own.get("n_flagged", np.nan)
    metrics = pd.DataFrame.from_dict(rows, orient="index")
    metrics["seconds"] = pd.Series(seconds)
    metrics.index.name = "system"
    details = {
        "split": split, "test_size": test_size, "seed": seed,
        "missing_label_share": missing_label_share if train_labels is None else None,
        "train_labels": "truth, some fraud hidden" if train_labels is None else "given",
        "split_groups": "ring ids" if groups is None else "given",
        "train_users": int(len(train)), "test_users": int(len(test)),
        "train_fraud_labelled": int(learned.sum()), "train_fraud": int(is_fraud.loc[train].sum()),
        "test_fraud": int(truth_test.sum()),
        "test_rings": int(rings_test[rings_test != ""].nunique()),
        "detector_validation": detector.validation_, "threshold": detector.threshold_,
        "feature_seconds": feature_seconds,
    }
    return Comparison(metrics=metrics, scores=scores, truth=truth_test, rings=rings_test, details=details,
                      detector=detector, inputs=inputs)
