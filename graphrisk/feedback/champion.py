"""Champion against challenger: both models on the same held-out users, and the promotion rule.

Both models score the same graph; the metrics count only the held-out labelled users
(:func:`graphrisk.evaluate.metrics.detection_metrics`):

* **AUC-PR** (average precision) of the risk scores;
* **ring recall**: the share of held-out rings (``ring_id`` in the held-out labels) with at
  least half of their members flagged, each model flagging at *its own* threshold
  (``detector.threshold_``, the cut it was shipped with), because that is what
  investigators will see. Without ``ring_id`` in the held-out labels it is not available
  (NaN) for both models and does not count.

The challenger is promoted only when its AUC-PR is strictly higher (by more than
``min_gain``) **and** its ring recall is not lower. The held-out users must be users neither
model trained on (for example the test side of :func:`graphrisk.evaluate.ring_aware_split`);
a model directory does not record its training users, so pass ``training_labels`` to
:func:`heldout_overlap` to check.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from graphrisk.errors import InputError
from graphrisk.graph.transaction_graph import TransactionGraph

if TYPE_CHECKING:  # torch loads only when a model is
    from graphrisk.model.detector import RiskDetector

__all__ = ["ModelResult", "Decision", "ChampionComparison", "evaluate_model", "decide", "compare_models",
           "heldout_overlap", "SHOWN_METRICS"]

#: Rows of the side-by-side table, in order.
SHOWN_METRICS = ("auc_pr", "ring_recall", "auc_roc", "precision_at_k", "n_flagged", "threshold")


@dataclass(frozen=True)
class ModelResult:
    """One model on the held-out users.

    Attributes
    ----------
    path
        Its model directory.
    version
        Its version (:func:`graphrisk.model.persistence.model_version`).
    metrics
        :func:`~graphrisk.evaluate.metrics.detection_metrics` at the model's own threshold,
        plus ``threshold``.
    """

    path: str
    version: str
    metrics: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """Whether to promote the challenger, and why (one line)."""

    promote: bool
    reason: str


@dataclass
class ChampionComparison:
    """The two results, the decision and what data they came from."""

    champion: ModelResult | None
    challenger: ModelResult
    decision: Decision
    data: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The metrics side by side: one row per metric, a column per model, and the change."""
        columns = {}
        if self.champion is not None:
            columns[f"champion {self.champion.version}"] = [self.champion.metrics.get(m) for m in SHOWN_METRICS]
        columns[f"challenger {self.challenger.version}"] = [self.challenger.metrics.get(m) for m in SHOWN_METRICS]
        table = pd.DataFrame(columns, index=list(SHOWN_METRICS), dtype="float64")
        if self.champion is not None:
            table["change"] = table.iloc[:, 1] - table.iloc[:, 0]
        table.index.name = "metric"
        return table


def evaluate_model(
    detector: RiskDetector, graph: TransactionGraph, heldout: pd.DataFrame, *, inputs: dict[str, pd.DataFrame] | None = None
) -> dict[str, Any]:
    """Metrics of a fitted :class:`~graphrisk.model.RiskDetector` on the held-out users of ``graph``.

    Parameters
    ----------
    detector
        A fitted detector.
    graph
        The graph to score (every user is scored; only held-out users count).
    heldout
        ``user_id, is_fraud[, ring_id]``: the held-out labelled users.
    inputs
        :func:`graphrisk.features.node_inputs.node_inputs` of ``graph`` for the detector's seed, when
        already computed.

    Raises
    ------
    InputError
        The held-out labels lack fraud or legitimate users (a ``ValueError`` too).
    ValueError
        The held-out labels name users twice.
    """
    from graphrisk.evaluate.metrics import detection_metrics

    truth, rings = _truth(heldout)
    risk = pd.Series(detector.predict_proba(graph, inputs=inputs)[:, 1], index=graph.users["user_id"].astype(str))
    flagged = pd.Series(detector.flags(risk.to_numpy()), index=risk.index)
    metrics = detection_metrics(truth, risk, flagged=flagged, rings=rings)
    metrics["threshold"] = float(detector.threshold_)
    return metrics


def _truth(heldout: pd.DataFrame) -> tuple[pd.Series, pd.Series | None]:
    missing = {"user_id", "is_fraud"} - set(heldout.columns)
    if missing:
        raise ValueError(f"held-out labels need columns user_id and is_fraud; missing {sorted(missing)}")
    users = heldout["user_id"].astype(str)
    truth = pd.Series(pd.to_numeric(heldout["is_fraud"]).to_numpy(), index=users.to_numpy(), name="is_fraud")
    rings = None
    if "ring_id" in heldout.columns:
        rings = pd.Series(heldout["ring_id"].astype("string").fillna("").to_numpy(), index=users.to_numpy())
        if not (rings != "").any():
            rings = None
    return truth, rings


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def decide(champion: dict[str, Any], challenger: dict[str, Any], *, min_gain: float = 0.0) -> Decision:
    """Promote only when AUC-PR is higher by more than ``min_gain`` and ring recall is no lower.

    Ring recall counts only when both models have one (held-out labels with ``ring_id``).

    Examples
    --------
    >>> decide({"auc_pr": 0.40, "ring_recall": 0.5}, {"auc_pr": 0.55, "ring_recall": 0.5}).promote
    True
    >>> print(decide({"auc_pr": 0.40, "ring_recall": 0.75}, {"auc_pr": 0.55, "ring_recall": 0.5}).reason)
    ring recall 0.500 is below the champion's 0.750 (AUC-PR 0.550 against 0.400)
    >>> print(decide({"auc_pr": 0.40, "ring_recall": 0.5}, {"auc_pr": 0.40, "ring_recall": 1.0}).reason)
    AUC-PR 0.400 is not above the champion's 0.400
    """
    if min_gain < 0:
        raise ValueError(f"min_gain must be >= 0, got {min_gain}")
    new, old = float(challenger["auc_pr"]), float(champion["auc_pr"])
    if not new > old + min_gain:
        gain = f" by more than {min_gain:g}" if min_gain else ""
        return Decision(False, f"AUC-PR {new:.3f} is not above the champion's {old:.3f}{gain}")
    new_rings, old_rings = challenger.get("ring_recall"), champion.get("ring_recall")
    if _finite(new_rings) and _finite(old_rings):
        if new_rings < old_rings:
            return Decision(False, f"ring recall {new_rings:.3f} is below the champion's {old_rings:.3f} "
                                   f"(AUC-PR {new:.3f} against {old:.3f})")
        rings = f" and ring recall {new_rings:.3f} >= {old_rings:.3f}"
    else:
        rings = " (ring recall not available: the held-out labels name no ring)"
    return Decision(True, f"AUC-PR {new:.3f} > {old:.3f}{rings}")


def heldout_overlap(heldout: pd.DataFrame, training_users: Collection[str]) -> list[str]:
    """The held-out users that are also in a model's training labels (they flatter its metrics).

    Examples
    --------
    >>> heldout_overlap(pd.DataFrame({"user_id": ["u1", "u2"], "is_fraud": [1, 0]}), {"u2", "u3"})
    ['u2']
    """
    training = set(map(str, training_users))
    return sorted(u for u in heldout["user_id"].astype(str) if u in training)


def compare_models(
    champion: str | Path | None,
    challenger: str | Path,
    graph: TransactionGraph,
    heldout: pd.DataFrame,
    *,
    min_gain: float = 0.0,
    device: str = "auto",
) -> ChampionComparison:
    """Score both models on ``graph``, measure them on the held-out users and decide.

    Parameters
    ----------
    champion
        The model directory in production; ``None`` when there is none yet (the challenger
        is then promoted: there is nothing to beat).
    challenger
        The new model directory.
    graph
        The graph both models score.
    heldout
        ``user_id, is_fraud[, ring_id]`` of held-out users (users of ``graph`` neither model
        trained on).
    min_gain
        How much higher the challenger's AUC-PR must be (default: any amount).
    device
        Where to score (``auto``, ``cpu``, ``cuda``).

    Raises
    ------
    ModelError
        A model directory is missing or damaged.
    InputError
        The held-out labels lack a class; or both directories hold the same model version
        (a ``ValueError`` too).
    """
    from graphrisk.model.detector import RiskDetector

    new = RiskDetector.load(challenger, device=device)
    old = None if champion is None else RiskDetector.load(champion, device=device)
    if old is not None and old.version_ == new.version_:
        raise InputError(f"the challenger is the champion (both are version {new.version_}): nothing to compare")
    truth, rings = _truth(heldout)
    data = {"users": int(len(truth)), "fraud": int(truth.sum()),
            "rings": 0 if rings is None else int(rings[rings != ""].nunique()),
            "graph_fingerprint": graph.fingerprint()}
    cache: dict[int, dict[str, pd.DataFrame]] = {}  # the graph's inputs per seed: computed once for both models

    def result(detector: RiskDetector, path: str | Path) -> ModelResult:
        seed = detector.encoder_.seed
        if seed not in cache:
            cache[seed] = detector.encoder_.node_inputs(graph)
        return ModelResult(str(path), str(detector.version_), evaluate_model(detector, graph, heldout,
                                                                              inputs=cache[seed]))

    new_result = result(new, challenger)
    if old is None:
        decision = Decision(True, "no champion yet: the challenger becomes the first current model")
        return ChampionComparison(None, new_result, decision, data)
    old_result = result(old, champion)
    decision = decide(old_result.metrics, new_result.metrics, min_gain=min_gain)
    return ChampionComparison(old_result, new_result, decision, data)
