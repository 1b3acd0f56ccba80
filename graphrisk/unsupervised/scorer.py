"""``ColdStartScorer``: risk, flags, rings and reasons for every account with no label at all."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from graphrisk import __version__
from graphrisk.errors import ModelError
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.rings import Rings, group_rings
from graphrisk.unsupervised.combine import EVIDENCE_COLUMNS, PART_COLUMNS, combine_parts
from graphrisk.unsupervised.flagging import cold_start_policy
from graphrisk.unsupervised.outlier import OutlierModel
from graphrisk.unsupervised.reasons import part_reasons, ring_reasons
from graphrisk.unsupervised.sharing import shared_identifier_evidence
from graphrisk.unsupervised.synchrony import synchrony_evidence

__all__ = ["ColdStartScorer", "ColdStartResult", "score_without_labels", "unsupervised_scores", "COLD_START_VERSION"]

#: What ``graphrisk score --unsupervised --write-neo4j`` stores as ``model_version``: no model, this scorer.
COLD_START_VERSION = f"cold-start-{__version__}"


@dataclass
class ColdStartResult:
    """What :meth:`ColdStartScorer.score_users` found.

    Attributes
    ----------
    scores
        One row per user: ``user_id, risk_score, flagged, ring_id`` (``""`` outside a ring),
        ``reason_1..n``, then the parts ``sharing, synchrony, outlier`` (percentiles in [0, 1]).
    parts
        Per user (indexed by ``user_id``): the risk, the parts and the raw evidence
        (:meth:`ColdStartScorer.parts`).
    rings
        The rings the flagged users form (:class:`~graphrisk.rings.Rings`; ``rings.table``
        has one row per ring, the highest mean member risk first).
    policy
        The flag policy applied, e.g. ``budget:100``.
    notes
        What could not be measured (synchrony without transactions).
    """

    scores: pd.DataFrame
    parts: pd.DataFrame
    rings: Rings
    policy: str
    notes: list[str] = field(default_factory=list)


class ColdStartScorer(BaseEstimator):
    """Unsupervised ring detector: shared identifiers, synchrony and an outlier score, no labels.

    ``fit`` learns what is ordinary from the accounts of one graph (the percentiles of
    every kind of evidence, and an isolation forest over the graph features);
    ``score_users`` rates the accounts of any graph built the same way against them (the
    same graph, usually: :meth:`fit_score_users` does both with one pass over the graph).
    See :mod:`graphrisk.unsupervised` for the parts and how they are combined.

    Parameters
    ----------
    window_days, hub_size, background
        Of :func:`~graphrisk.unsupervised.sharing.shared_identifier_evidence`.
    relay_hours, relay_tolerance
        Window and amount tolerance of :func:`~graphrisk.unsupervised.synchrony.relayed_transfers`.
    outlier_weight
        Weight of the outlier part in the risk, in [0, 1] (see :mod:`graphrisk.unsupervised.combine`).
    n_estimators
        Trees of the isolation forest.
    flag_policy
        ``budget:N``, or ``None`` for the riskiest 1% of the users scored (at least one);
        the label-based policies are refused (:func:`~graphrisk.unsupervised.flagging.cold_start_policy`).
    seed
        Seed of the graph features (Louvain, sampled betweenness), the forest and the ring splits.

    Attributes
    ----------
    reference_
        Per evidence column, the sorted values of the accounts fitted on.
    outlier_
        The fitted :class:`~graphrisk.unsupervised.outlier.OutlierModel`.
    n_users_
        Accounts fitted on.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.synth import WorldConfig, generate_world
    >>> world = generate_world(1000, seed=1, config=WorldConfig(fraud_share=0.05))
    >>> graph, _ = build_graph(world.transactions, world.links, world.users)
    >>> result = ColdStartScorer(seed=0).fit_score_users(graph)
    >>> list(result.scores.columns[:4]), result.policy
    (['user_id', 'risk_score', 'flagged', 'ring_id'], 'budget:10')
    """

    def __init__(self, window_days: float = 7.0, hub_size: float = 10.0, background: float = 0.25,
                 relay_hours: float = 6.0, relay_tolerance: float = 0.2, outlier_weight: float = 0.01,
                 n_estimators: int = 200, flag_policy: str | None = None, seed: int = 0) -> None:
        self.window_days, self.hub_size, self.background = window_days, hub_size, background
        self.relay_hours, self.relay_tolerance = relay_hours, relay_tolerance
        self.outlier_weight, self.n_estimators = outlier_weight, n_estimators
        self.flag_policy, self.seed = flag_policy, seed

    def _check_params(self) -> None:
        if not 0.0 <= self.outlier_weight <= 1.0:
            raise ValueError(f"outlier_weight must be in [0, 1], got {self.outlier_weight!r}")
        if not isinstance(self.n_estimators, int) or self.n_estimators < 1:
            raise ValueError(f"n_estimators must be an integer >= 1, got {self.n_estimators!r}")
        if self.flag_policy is not None:
            cold_start_policy(self.flag_policy, 1)  # a label-based policy fails before any work

    def _evidence(self, graph: TransactionGraph, inputs: dict[str, pd.DataFrame] | None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
        """The sharing and synchrony evidence per user, the user features, and notes."""
        if not isinstance(graph, TransactionGraph):
            raise TypeError(f"graph must be a TransactionGraph (from graphrisk.build_graph), got {type(graph).__name__}")
        if inputs is None:
            from graphrisk.features.node_inputs import node_inputs

            inputs = node_inputs(graph, seed=self.seed)
        if "user" not in inputs:
            raise ValueError("inputs must hold the user table ('user'), as graphrisk.features.node_inputs.node_inputs returns")
        users = pd.Index(graph.users["user_id"].astype(str), name="user_id")
        features = inputs["user"].copy()
        features.index = features.index.astype(str)
        features = features.reindex(users)
        sharing = shared_identifier_evidence(graph, window_days=self.window_days, hub_size=self.hub_size,
                                             background=self.background)
        synchrony, notes = synchrony_evidence(graph, features, window_hours=self.relay_hours,
                                              tolerance=self.relay_tolerance)
        return sharing.join(synchrony), features, notes

    def _fit_on(self, evidence: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
        """Fit on computed evidence and features; return the evidence with the outlier score."""
        if not len(evidence):
            raise ValueError("the graph holds no user to fit on")
        self.outlier_ = OutlierModel(n_estimators=self.n_estimators, seed=self.seed).fit(features)
        evidence = evidence.assign(outlier_score=self.outlier_.score(features))
        self.reference_ = {name: np.sort(evidence[name].to_numpy(dtype=np.float64)) for name in EVIDENCE_COLUMNS}
        self.n_users_ = len(evidence)
        return evidence

    def _parts_of(self, evidence: pd.DataFrame) -> pd.DataFrame:
        combined = combine_parts(evidence, self.reference_, outlier_weight=self.outlier_weight)
        return combined.join(evidence)

    def fit(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> ColdStartScorer:
        """Learn what is ordinary from the accounts of ``graph``.

        ``inputs`` are the node inputs when already computed
        (:func:`graphrisk.features.node_inputs.node_inputs`; computed here otherwise). No label is read.

        Raises
        ------
        TypeError
            ``graph`` is not a TransactionGraph.
        ValueError
            A bad parameter, or a graph without users.
        """
        self._check_params()
        evidence, features, _ = self._evidence(graph, inputs)
        self._fit_on(evidence, features)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "reference_"):
            raise ModelError("this ColdStartScorer is not fitted: call fit() or fit_score_users()")

    def parts(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        """Per user (indexed by ``user_id``): ``risk_score``, the parts and the raw evidence.

        Columns: ``risk_score``, ``sharing``, ``synchrony``, ``outlier`` (percentiles among
        the accounts fitted on), then ``shared_evidence``, ``shared_identifier``,
        ``shared_with``, ``shared_synced``, ``lockstep_partners``, ``relayed_transfers`` and
        ``outlier_score``.
        """
        self._check_fitted()
        evidence, features, _ = self._evidence(graph, inputs)
        return self._parts_of(evidence.assign(outlier_score=self.outlier_.score(features)))

    def score_users(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None,
                    reasons: int = 3) -> ColdStartResult:
        """Every user's risk, flag, ring, top reasons and parts, and the rings (see :class:`ColdStartResult`)."""
        self._check_fitted()
        evidence, features, notes = self._evidence(graph, inputs)
        parts = self._parts_of(evidence.assign(outlier_score=self.outlier_.score(features)))
        return self._result(graph, parts, reasons, notes)

    def fit_parts(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        """:meth:`fit` then :meth:`parts` on the same graph, computing its evidence once."""
        self._check_params()
        evidence, features, _ = self._evidence(graph, inputs)
        return self._parts_of(self._fit_on(evidence, features))

    def fit_score_users(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None,
                        reasons: int = 3) -> ColdStartResult:
        """:meth:`fit` then :meth:`score_users` on the same graph, computing its evidence once."""
        self._check_params()
        evidence, features, notes = self._evidence(graph, inputs)
        parts = self._parts_of(self._fit_on(evidence, features))
        return self._result(graph, parts, reasons, notes)

    def _result(self, graph: TransactionGraph, parts: pd.DataFrame, reasons: int, notes: list[str]) -> ColdStartResult:
        if reasons < 0:
            raise ValueError(f"reasons must be >= 0, got {reasons!r}")
        risk = parts["risk_score"]
        policy = cold_start_policy(self.flag_policy, len(risk))
        flagged = pd.Series(policy.flags(risk.to_numpy()), index=risk.index)
        rings = group_rings(graph, risk, flagged, seed=self.seed)
        table = pd.DataFrame({"user_id": risk.index, "risk_score": risk.to_numpy(), "flagged": flagged.to_numpy(),
                              "ring_id": rings.ring_of(risk.index).to_numpy(dtype=object)})
        texts = ring_reasons(rings, part_reasons(parts, top=reasons, window_days=self.window_days,
                                                 relay_hours=self.relay_hours))
        for column in texts:
            table[column.name] = column.to_numpy(dtype=object)
        for name in PART_COLUMNS:
            table[name] = parts[name].to_numpy()
        return ColdStartResult(scores=table, parts=parts, rings=rings, policy=str(policy), notes=notes)


def score_without_labels(graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None,
                         seed: int = 0, **params) -> pd.DataFrame:
    """Per user, the unsupervised risk in [0, 1] and its parts: :meth:`ColdStartScorer.parts` of the graph fitted on.

    ``params`` are :class:`ColdStartScorer`'s other parameters.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.synth import generate_world
    >>> world = generate_world(500, seed=2)
    >>> parts = score_without_labels(build_graph(world.transactions, world.links, world.users)[0])
    >>> list(parts.columns[:4]), bool(parts["risk_score"].between(0, 1).all())
    (['risk_score', 'sharing', 'synchrony', 'outlier'], True)
    """
    return ColdStartScorer(seed=seed, **params).fit_parts(graph, inputs=inputs)


def unsupervised_scores(graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None,
                        seed: int = 0, **params) -> pd.Series:
    """``user_id`` -> unsupervised risk in [0, 1] for every user of ``graph`` (no label is read).

    What :func:`graphrisk.evaluate.metrics.detection_metrics` takes as ``scores``; ``inputs``
    are the node inputs when already computed (:func:`graphrisk.features.node_inputs.node_inputs`).
    """
    return score_without_labels(graph, inputs=inputs, seed=seed, **params)["risk_score"]
