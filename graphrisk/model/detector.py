"""``RiskDetector``: encoder + network (+ stacked head) + calibrator + threshold, in scikit-learn's shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.metrics import average_precision_score

from graphrisk.errors import InputError, ModelError
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.model.calibration import Calibrator, calibration_statistics
from graphrisk.model.encoding import EDGE_FEATURES, EncodedGraph, GraphEncoder
from graphrisk.model.labels import read_labels
from graphrisk.model.model_dir import load_detector, save_detector
from graphrisk.model.network import HeteroRiskNet
from graphrisk.model.persistence import model_version
from graphrisk.model.pseudo_labels import confident_fraud, with_pseudo_labels
from graphrisk.model.reasons import feature_reasons
from graphrisk.model.sampling import NeighbourSampler
from graphrisk.model.scoring import ScoreResult, score_table
from graphrisk.model.settings import HEAD_MARGIN, DetectorSettings
from graphrisk.model.stacking import StackedHead
from graphrisk.model.training import predict_logits, predict_user_rounds, train_network
from graphrisk.model.validation import validation_split
from graphrisk.monitor import DriftReport
from graphrisk.policy.flag_policy import FlagPolicy, ValidationCurve

__all__ = ["RiskDetector", "DetectorSettings", "ScoreResult"]


def _auc_pr(truth: np.ndarray, logits: np.ndarray) -> float:
    return float(average_precision_score(truth, logits))

_D = DetectorSettings  # the defaults live in one place

#: :meth:`RiskDetector.flag_warning` speaks when the cut flags more than this share of the validation users
#: and more than :data:`FLAG_WARNING_FRAUD_RATIO` times their fraud share.
FLAG_WARNING_SHARE = 0.2
FLAG_WARNING_FRAUD_RATIO = 5.0


class RiskDetector(BaseEstimator):
    """Heterogeneous GNN fraud detector over a :class:`~graphrisk.TransactionGraph`.

    ``fit`` learns from the labelled users of a graph; ``predict_proba`` and ``score_users``
    rate every user of any graph built the same way, new users, devices and merchants
    included (the network is inductive). Parameters are those of
    :class:`~graphrisk.model.settings.DetectorSettings`, checked in ``fit`` (``fanouts=None``:
    15, then 10 per further layer), and ``device`` (``"auto"``: CUDA when present).

    Attributes
    ----------
    encoder_ : GraphEncoder
        Everything the network reads (node and edge inputs, relations, drift profile).
    head_ : StackedHead or None
        The stacked head when ``head`` chose it (gradient boosting over the embeddings of
        every round and the GNN's logit), else ``None``: the network's own head scores.
    network_, calibrator_, threshold_, validation_curve_
        The trained network; logit -> calibrated risk; the risk at or above which a user is
        flagged, chosen by ``flag_policy`` on the validation users (which also fit the
        calibrator; for ``budget:N``, the F1 cut, for reference); their precision-recall
        curve, which :meth:`use_flag_policy` chooses another cut on.
    validation_, history_, version_, notes_
        Validation figures; loss per epoch; the saved model's version (hash of its files);
        what loading said (an older format's upgrade note).

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.synth import WorldConfig, generate_world
    >>> world = generate_world(1000, seed=1, config=WorldConfig(fraud_share=0.05))
    >>> graph, _ = build_graph(world.transactions, world.links, world.users)
    >>> detector = RiskDetector(epochs=5).fit(graph, world.known_labels)
    >>> detector.predict_proba(graph).shape == (len(graph.users), 2)
    True
    >>> list(detector.score_users(graph).scores.columns[:4])
    ['user_id', 'risk_score', 'flagged', 'ring_id']
    """

    def __init__(self, hidden: int = _D.hidden, layers: int = _D.layers, conv: str = _D.conv,
                 dropout: float = _D.dropout, epochs: int = _D.epochs, patience: int = _D.patience,
                 min_epochs: int = _D.min_epochs, learning_rate: float = _D.learning_rate,
                 weight_decay: float = _D.weight_decay, max_pos_weight: float = _D.max_pos_weight,
                 validation_share: float = _D.validation_share, minibatch_edges: int = _D.minibatch_edges,
                 batch_size: int = _D.batch_size, fanouts: tuple[int, ...] | None = None, seed: int = _D.seed,
                 calibration: str = _D.calibration, epoch_users: int = _D.epoch_users,
                 epoch_validation_users: int = _D.epoch_validation_users,
                 minibatch_patience: int = _D.minibatch_patience, minibatch_min_epochs: int = _D.minibatch_min_epochs,
                 head: str = _D.head, flag_policy: str = _D.flag_policy, pseudo_labels: float = _D.pseudo_labels,
                 device: str = "auto") -> None:
        self.hidden, self.layers, self.conv, self.dropout = hidden, layers, conv, dropout
        self.epochs, self.patience, self.min_epochs = epochs, patience, min_epochs
        self.learning_rate, self.weight_decay, self.max_pos_weight = learning_rate, weight_decay, max_pos_weight
        self.validation_share, self.minibatch_edges, self.batch_size = validation_share, minibatch_edges, batch_size
        self.fanouts, self.seed, self.calibration, self.device = fanouts, seed, calibration, device
        self.epoch_users, self.epoch_validation_users = epoch_users, epoch_validation_users
        self.minibatch_patience, self.minibatch_min_epochs = minibatch_patience, minibatch_min_epochs
        self.head, self.flag_policy, self.pseudo_labels = head, flag_policy, pseudo_labels

    @property
    def settings(self) -> DetectorSettings:
        """The hyperparameters, checked (raises ``ValueError`` naming a bad one)."""
        params = {k: v for k, v in self.get_params().items() if k != "device"}
        if params["fanouts"] is None:  # one fan-out per layer, the last default repeated
            params["fanouts"] = tuple(_D.fanouts[min(i, len(_D.fanouts) - 1)] for i in range(int(self.layers)))
        return DetectorSettings(**{**params, "fanouts": tuple(params["fanouts"])})

    def torch_device(self) -> torch.device:
        """Where the network runs (``device``; ``"auto"``: CUDA when present)."""
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise ModelError("this RiskDetector is not fitted: call fit() or RiskDetector.load()")

    def _sampler(self, encoded: EncodedGraph) -> NeighbourSampler | None:
        data, settings = encoded.pyg.data, self.settings
        if sum(data[et].num_edges for et in data.edge_types) <= settings.minibatch_edges:
            return None
        return NeighbourSampler(data, settings.fanouts, seed=settings.seed)

    def _data(self, encoded: EncodedGraph, sampler: NeighbourSampler | None):
        device = next(self.network_.parameters()).device  # where the weights are, whatever device says now
        return encoded.pyg.data if sampler is not None else encoded.pyg.data.to(device)

    def _network_logits(self, encoded: EncodedGraph, sampler: NeighbourSampler | None, nodes: np.ndarray) -> np.ndarray:
        return predict_logits(self.network_, self._data(encoded, sampler), nodes, sampler, self.settings.batch_size)

    def _head_inputs(self, encoded: EncodedGraph, sampler: NeighbourSampler | None, nodes: np.ndarray) -> np.ndarray:
        """What the stacked head reads for ``nodes``: the embeddings of every round, then the GNN's logit."""
        rounds = predict_user_rounds(self.network_, self._data(encoded, sampler), nodes, sampler,
                                     self.settings.batch_size)
        return self._with_network_logit(torch.from_numpy(rounds))

    def _with_network_logit(self, joined: torch.Tensor) -> np.ndarray:
        device = next(self.network_.parameters()).device
        with torch.no_grad():
            logit = self.network_.head(joined.to(device)).squeeze(-1).cpu()
        return torch.cat([joined.cpu(), logit[:, None]], dim=1).numpy()

    def _logits(self, encoded: EncodedGraph, sampler: NeighbourSampler | None, nodes: np.ndarray) -> np.ndarray:
        if getattr(self, "head_", None) is None:
            return self._network_logits(encoded, sampler, nodes)
        return self.head_.margin(self._head_inputs(encoded, sampler, nodes))

    def readout(self, user_rounds: Sequence[torch.Tensor]) -> np.ndarray:
        """Logits of users from their embeddings before and after every round of message passing.

        The network's readout, or the stacked head's when the model has one; the real-time
        service and the Spark engine, which propagate embeddings themselves, score through it.
        """
        self._check_fitted()
        self.network_.eval()
        if self.head_ is None:
            with torch.no_grad():
                return self.network_.readout(list(user_rounds)).cpu().numpy()
        return self.head_.margin(self._with_network_logit(torch.cat(list(user_rounds), dim=1)))

    def _choose_head(self, encoded: EncodedGraph, sampler: NeighbourSampler | None,
                     train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray]) -> dict:
        """Fit the stacked head on the training users when ``head`` asks; keep it when chosen; what was seen.

        ``validation`` are the users the heads are compared on: with ``head="auto"``, a half of the
        validation groups that early stopping never watched (the epoch it keeps is the one that
        looked best on the users it watched, which would flatter the GNN in the comparison).
        """
        settings = self.settings
        gnn = _auc_pr(validation[1], self._network_logits(encoded, sampler, validation[0]))
        record = {"asked": settings.head, "chosen": "gnn", "gnn_auc_pr": gnn, "compared_on": int(len(validation[0]))}
        self.head_ = None
        if settings.head == "gnn":
            return record
        head = StackedHead(seed=settings.seed).fit(self._head_inputs(encoded, sampler, train[0]), train[1])
        stacked = _auc_pr(validation[1], head.margin(self._head_inputs(encoded, sampler, validation[0])))
        record["stacked_auc_pr"] = stacked
        if settings.head == "stacked" or stacked >= gnn + HEAD_MARGIN:
            self.head_, record["chosen"] = head, "stacked"
        return record

    def _head_comparison_split(self, graph: TransactionGraph, truth: pd.Series, rings: pd.Series | None,
                               val_users: pd.Index) -> tuple[pd.Index, pd.Index]:
        """The validation users early stopping watches, and those ``head="auto"`` compares the heads on.

        Both are every validation user, except with ``head="auto"``, where the validation groups are
        halved (both classes on each side) when they can be; calibration and the flag cut always use
        every validation user.
        """
        if self.settings.head != "auto":
            return val_users, val_users
        try:
            return validation_split(graph, truth.loc[val_users], rings, share=0.5, seed=self.settings.seed + 1)
        except InputError:  # too few validation fraud to halve: compared on the watched users (flatters the GNN)
            return val_users, val_users

    def fit(self, graph: TransactionGraph, labels: pd.DataFrame | pd.Series, *,
            inputs: dict[str, pd.DataFrame] | None = None, cleared: Iterable[str] | None = None,
            progress: Callable[[int, dict], None] | None = None) -> RiskDetector:
        """Train on the labelled users of ``graph``.

        ``labels`` is ``user_id, is_fraud[, ring_id]`` (or a 0/1 Series by user id); a
        ``validation_share`` of the groups (rings, else connected users) is held out for
        early stopping, calibration and the threshold. ``inputs`` are the raw node inputs
        when already computed (:meth:`GraphEncoder.node_inputs`); ``cleared`` are users whose
        0 is a verdict (an investigator cleared them), never pseudo-labelled;
        ``progress(epoch, record)`` is called after each epoch. Raises ``InputError`` for
        unusable labels.
        """
        if not isinstance(graph, TransactionGraph):
            raise TypeError(f"graph must be a TransactionGraph, got {type(graph).__name__}")
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)  # a fit that fails leaves an unfitted detector, never a half-fitted one
        settings = self.settings
        truth, rings = read_labels(labels, graph)
        train_users, val_users = validation_split(graph, truth, rings, share=settings.validation_share,
                                                  seed=settings.seed)
        confident = pd.Index([], name="user_id")
        if settings.pseudo_labels > 0:
            inputs = inputs if inputs is not None else GraphEncoder(seed=settings.seed).node_inputs(graph)
            confident = confident_fraud(graph, settings.pseudo_labels, inputs=inputs, seed=settings.seed)
            confident = confident.difference(pd.Index([] if cleared is None else list(cleared), dtype=str))
        torch.manual_seed(settings.seed)
        self.encoder_ = GraphEncoder(seed=settings.seed)
        encoded = self.encoder_.fit_transform(graph, inputs=inputs)
        self.network_ = self.build_network().to(self.torch_device())
        position = encoded.pyg.ids["user"]
        def users(ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
            return position.get_indexer(ids), truth.loc[ids].to_numpy()

        train, validation = users(train_users), users(val_users)
        given_train_fraud, pseudo_labelled = int(train[1].sum()), 0
        if len(confident):  # the training side only: validation keeps the given labels
            train_labels, pseudo_labelled = with_pseudo_labels(train_users, train[1], confident)
            train = (train[0], train_labels)
        watched, compared = self._head_comparison_split(graph, truth, rings, val_users)
        sampler = self._sampler(encoded)
        data = encoded.pyg.data if sampler is not None else encoded.pyg.data.to(self.torch_device())
        result = train_network(self.network_, data, train, users(watched), settings, sampler=sampler,
                               progress=progress)
        self.network_.load_state_dict(result.state)
        head = self._choose_head(encoded, sampler, train, users(compared))
        val_logits = self._logits(encoded, sampler, validation[0])
        self.calibrator_ = Calibrator(settings.calibration).fit(val_logits, validation[1])
        self.history_, self.version_, self.notes_ = result.history, None, []  # new weights: no saved version yet
        self.validation_ = {
            "auc_pr": result.best_auc_pr, "best_epoch": result.best_epoch, "epochs_run": len(result.history),
            "users": int(len(val_users)), "fraud": int(validation[1].sum()), "train_users": int(len(train_users)),
            "train_fraud": given_train_fraud, "pseudo_labelled": pseudo_labelled, "minibatch": sampler is not None,
            "head": head,
            "calibration": calibration_statistics(val_logits, validation[1], method=settings.calibration,
                                                  seed=settings.seed),
        }
        self.validation_curve_ = ValidationCurve.from_scores(validation[1], self.calibrator_.transform(val_logits))
        self.threshold_ = FlagPolicy.parse(settings.flag_policy).threshold(self.validation_curve_)  # fitted from here
        self.validation_["flagged_share"] = float(np.mean(self.calibrator_.transform(val_logits) >= self.threshold_))
        return self

    def flag_warning(self) -> str | None:
        """One line when the flag cut would flag far more accounts than there is fraud, else ``None``.

        A model that barely ranks (too few epochs or labels) gets a near-constant risk, and the
        best validation F1 can then sit at a cut that flags half the users. The warning fires
        when the cut flags more than :data:`FLAG_WARNING_SHARE` of the validation users and more
        than :data:`FLAG_WARNING_FRAUD_RATIO` times their fraud share (never for ``budget:N``).
        """
        self._check_fitted()
        v = self.validation_
        share, users = v.get("flagged_share"), v.get("users") or 0
        if share is None or not users or not FlagPolicy.parse(self.flag_policy).uses_a_cut:
            return None
        fraud = v.get("fraud", 0) / users
        if share <= FLAG_WARNING_SHARE or share <= FLAG_WARNING_FRAUD_RATIO * fraud:
            return None
        return (f"the {self.flag_policy} cut (risk >= {self.threshold_:.3f}) flags {share:.0%} of the validation users, "
                f"of whom {fraud:.1%} are fraud: the model barely ranks them (validation AUC-PR {v.get('auc_pr', 0):.3f});"
                " train longer or on more labels, or flag by budget:N")

    def use_flag_policy(self, policy: str) -> RiskDetector:
        """Flag by ``policy`` from now on (``f1``, ``f2``, ``precision:P``, ``budget:N``), without retraining.

        The cut comes from the validation curve the model keeps.

        Raises
        ------
        InputError
            Not a policy.
        ModelError
            A model saved before flag policies, which keeps no validation curve, asked for a cut
            other than its own (``budget:N`` needs no curve).
        """
        self._check_fitted()
        chosen = FlagPolicy.parse(policy)
        if chosen.uses_a_cut:
            if getattr(self, "validation_curve_", None) is None:
                raise ModelError(f"this model was saved before flag policies and keeps no validation curve: retrain it "
                                 f"to flag by {chosen}, or use budget:N")
            self.threshold_ = chosen.threshold(self.validation_curve_)
        self.flag_policy = str(chosen)
        return self

    def flags(self, risk: np.ndarray) -> np.ndarray:
        """Which of the calibrated ``risk`` values the model's flag policy flags."""
        self._check_fitted()
        return FlagPolicy.parse(self.flag_policy).flags(np.asarray(risk), self.threshold_)

    def build_network(self) -> HeteroRiskNet:
        """An untrained network shaped by the encoder's inputs and the hyperparameters."""
        s = self.settings
        return HeteroRiskNet(self.encoder_.in_dims, self.encoder_.edge_types_, hidden=s.hidden, layers=s.layers,
                             dropout=s.dropout, conv=s.conv, edge_dim=len(EDGE_FEATURES))

    def risk_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated risk in [0, 1] of network logits; compare it with ``threshold_``."""
        self._check_fitted()
        return self.calibrator_.transform(logits)

    def _risk(self, encoded: EncodedGraph, sampler: NeighbourSampler | None) -> pd.Series:
        logits = self._logits(encoded, sampler, np.arange(encoded.pyg.data["user"].num_nodes))
        return pd.Series(self.risk_from_logits(logits), index=encoded.pyg.ids["user"], name="risk_score")

    def predict_proba(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> np.ndarray:
        """``[P(legitimate), P(fraud)]`` per user, rows in the order of ``graph.users``."""
        self._check_fitted()
        encoded = self.encoder_.transform(graph, inputs=inputs)
        risk = self._risk(encoded, self._sampler(encoded)).to_numpy()
        return np.column_stack([1.0 - risk, risk])

    def predict(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> np.ndarray:
        """1 for the users the flag policy flags (by default: risk at or above ``threshold_``), else 0."""
        return self.flags(self.predict_proba(graph, inputs=inputs)[:, 1]).astype(int)

    def score(self, graph: TransactionGraph, labels: pd.DataFrame | pd.Series) -> float:
        """AUC-PR (average precision) of the risk on the users in ``labels`` (as in :meth:`fit`)."""
        truth, _ = read_labels(labels, graph)
        risk = pd.Series(self.predict_proba(graph)[:, 1], index=graph.users["user_id"].astype(str))
        return float(average_precision_score(truth.to_numpy(), risk.reindex(truth.index).to_numpy()))

    def score_users(self, graph: TransactionGraph, *, reasons: int = 3,
                    inputs: dict[str, pd.DataFrame] | None = None, drift: bool = True) -> ScoreResult:
        """Every user's risk, flag, ring and top reasons, the rings, schema notes and (with ``drift``) drift.

        ``inputs`` may hold node inputs computed on an earlier graph: nodes they lack get the
        training mean (what the real-time service does between two full scorings).
        """
        from graphrisk.rings import group_rings

        self._check_fitted()
        encoded = self.encoder_.transform(graph, inputs=inputs)
        sampler = self._sampler(encoded)  # one neighbour index serves the scores and the reasons
        risk = self._risk(encoded, sampler)
        flagged = pd.Series(self.flags(risk.to_numpy()), index=risk.index)
        rings = group_rings(graph, risk, flagged, seed=self.settings.seed)
        raw_users = encoded.inputs["user"].reindex(columns=self.encoder_.scalers_["user"].columns)
        top = (feature_reasons(self.network_, encoded.pyg, raw_users, sampler, self.settings.batch_size, top=reasons)
               if reasons > 0 else [])
        table = score_table(risk, flagged, rings, top, reasons=reasons)
        report = self.encoder_.drift(encoded.inputs) if drift else None
        return ScoreResult(scores=table, rings=rings, encoded=encoded, notes=encoded.notes, drift=report)

    def drift(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> DriftReport | None:
        """Drift of ``graph`` from the training data (``None`` for a model without a training profile)."""
        self._check_fitted()
        return self.encoder_.drift(inputs if inputs is not None else self.encoder_.node_inputs(graph))

    def save(self, folder: str | Path) -> Path:
        """Write the model directory (see :mod:`graphrisk.model.persistence`)."""
        self._check_fitted()
        saved = save_detector(self, folder)
        self.version_ = model_version(saved)
        return saved

    @classmethod
    def load(cls, folder: str | Path, *, device: str = "auto") -> RiskDetector:
        """A fitted detector from a model directory; raises ``ModelError`` for missing or damaged files."""
        return load_detector(cls, folder, device=device)
