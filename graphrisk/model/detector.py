"""``RiskDetector``: the scikit-learn shaped estimator Python users and the CLI share."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import precision_recall_curve

from graphrisk.errors import ModelError
from graphrisk.evaluate.splits import group_split
from graphrisk.graph.pyg import EDGE_FEATURES, PygGraph, to_pyg
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.model.calibration import Calibrator, calibration_statistics
from graphrisk.model.groups import connected_groups
from graphrisk.model.inputs import node_inputs
from graphrisk.model.network import HeteroRiskNet
from graphrisk.model.persistence import load_entity_hashes, load_model_files, model_version, save_model_files
from graphrisk.model.reasons import feature_reasons
from graphrisk.model.sampling import NeighbourSampler
from graphrisk.model.scaling import FeatureScaler
from graphrisk.model.settings import DetectorSettings
from graphrisk.model.training import predict_logits, train_network
from graphrisk.monitor import DriftReport, ReferenceProfile, drift_report

__all__ = ["RiskDetector", "DetectorSettings"]

#: Connected groups larger than this are split user by user in the validation split.
MAX_GROUP = 60


def _versions() -> dict[str, str]:
    names = ("graphrisk", "torch", "torch_geometric", "numpy", "pandas", "networkx")
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _label_series(labels: pd.DataFrame | pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """``is_fraud`` per user and, when given, ``ring_id`` per user."""
    if isinstance(labels, pd.Series):
        labels = pd.DataFrame({"user_id": labels.index, "is_fraud": labels.to_numpy()})
    missing = {"user_id", "is_fraud"} - set(labels.columns)
    if missing:
        raise ValueError(f"labels need columns user_id and is_fraud; missing {sorted(missing)}")
    table = labels.assign(user_id=labels["user_id"].astype(str)).drop_duplicates("user_id", keep="last")
    table = table.set_index("user_id")
    truth = pd.to_numeric(table["is_fraud"], errors="coerce")
    if not truth.isin([0, 1]).all():
        raise ValueError("is_fraud must be 0 or 1 for every labelled user")
    rings = table["ring_id"].astype("string").fillna("") if "ring_id" in table.columns else None
    return truth.astype(int).rename("is_fraud"), rings


class RiskDetector:
    """Heterogeneous GNN fraud detector over a :class:`~graphrisk.TransactionGraph`.

    ``fit`` learns from the labelled users of a graph (every transaction shapes the graph,
    labels or not); ``score`` rates every user of any graph built the same way, including
    users, devices and merchants the model never saw: the network is inductive, so new
    accounts need no retraining.

    Parameters
    ----------
    settings
        Hyperparameters; keyword arguments override single fields
        (``RiskDetector(epochs=50, conv="gat")``).
    device
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.

    Attributes
    ----------
    network_ : HeteroRiskNet
        The trained network.
    scalers_ : dict[str, FeatureScaler]
        Input statistics per node type.
    edge_types_ : list[tuple[str, str, str]]
        Relations the network passes messages along.
    calibrator_ : Calibrator
        Logit -> calibrated fraud probability, fitted on the validation users
        (``settings.calibration``; see :mod:`graphrisk.model.calibration`).
    threshold_ : float
        Risk at or above which a user is flagged (the F1-best cut on the validation users'
        calibrated risk).
    validation_ : dict
        Validation AUC-PR, best epoch, users and fraud counts; ``calibration`` holds the
        reliability before and after calibration (:func:`~graphrisk.model.calibration.calibration_statistics`).
    history_ : list[dict]
        Loss and validation AUC-PR per epoch.
    version_ : str or None
        Version of the saved model (hash of its files) once saved or loaded, else ``None``.
    profile_ : ReferenceProfile or None
        The training inputs in brief (quantile bins per feature, hashed ids) that
        :meth:`drift` compares scoring data with; ``None`` for a model saved before it existed.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> from graphrisk.synth import WorldConfig, generate_world
    >>> world = generate_world(1000, seed=1, config=WorldConfig(fraud_share=0.05))
    >>> graph, _ = build_graph(world.transactions, world.links, world.users)
    >>> detector = RiskDetector(epochs=5).fit(graph, world.known_labels)
    >>> list(detector.score(graph).columns[:4])
    ['user_id', 'risk_score', 'flagged', 'ring_id']
    """

    def __init__(self, settings: DetectorSettings | None = None, *, device: str = "auto", **overrides) -> None:
        settings = settings or DetectorSettings()
        unknown = set(overrides) - set(DetectorSettings.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown settings {sorted(unknown)}")
        if "layers" in overrides and "fanouts" not in overrides:  # one fan-out per layer, the last repeated
            fanouts = settings.fanouts
            overrides["fanouts"] = tuple(fanouts[min(i, len(fanouts) - 1)] for i in range(int(overrides["layers"])))
        self.settings = DetectorSettings(**{**asdict(settings), **overrides})
        self.device = device
        self.version_: str | None = None

    # ------------------------------------------------------------------ helpers
    def _torch_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise ModelError("this RiskDetector is not fitted: call fit() or RiskDetector.load()")

    def _graph_tensors(
        self, graph: TransactionGraph, inputs: dict[str, pd.DataFrame] | None = None, *, fitting: bool = False
    ) -> tuple[PygGraph, dict[str, pd.DataFrame]]:
        """Scaled node inputs in a PyG graph, and the raw inputs (for reasons).

        When ``fitting``, the graph's relations become the model's (``edge_types_``);
        otherwise the graph is aligned to them, with notes on what differs.
        """
        raw = inputs if inputs is not None else node_inputs(graph, seed=self.settings.seed)
        scaled = {}
        for kind, table in raw.items():
            scaler = self.scalers_.get(kind)
            if scaler is None:
                continue
            missing = scaler.missing(table)
            if missing:
                raise ModelError(
                    f"the model was trained on another input schema: {kind} features {missing[:5]} are missing here "
                    "(were the transactions, users table or graphrisk version different?)"
                )
            scaled[kind] = pd.DataFrame(scaler.transform(table), index=table.index, columns=scaler.columns)
        pyg = to_pyg(graph, scaled["user"], {k: v for k, v in scaled.items() if k != "user"})
        data = pyg.data
        if fitting:
            self.edge_types_ = [tuple(et) for et in data.edge_types if et[0] in self.scalers_ and et[2] in self.scalers_]
        unseen = [t for t in data.node_types if t not in self.scalers_]
        absent = sorted({"-".join(et) for et in self.edge_types_} - {"-".join(et) for et in data.edge_types})
        self.schema_notes_ = []
        if unseen:
            self.schema_notes_.append(f"node types the model never saw are ignored: {', '.join(unseen)}")
        if absent:
            self.schema_notes_.append(f"relations the model was trained with are absent here: {', '.join(absent)}")
        for kind in unseen:
            del data[kind]  # an identifier type the model never saw: nothing it can read
        for edge_type in list(data.edge_types):
            if edge_type not in self.edge_types_:
                del data[edge_type]
            else:
                attr = data[edge_type].edge_attr.clone()
                attr[:, 2] = torch.log1p(attr[:, 2].clamp(min=0.0))
                data[edge_type].edge_attr = attr
        return pyg, raw

    def network_input(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> PygGraph:
        """The graph as the fitted network reads it: scaled node inputs, the model's relations only.

        What :meth:`score` feeds the network; the real-time service keeps it to update one
        transaction at a time.

        Parameters
        ----------
        graph
            The graph to score.
        inputs
            Node inputs already computed for ``graph`` (:func:`~graphrisk.model.inputs.node_inputs`).
        """
        self._check_fitted()
        return self._graph_tensors(graph, inputs)[0]

    def _use_minibatch(self, pyg: PygGraph) -> bool:
        return sum(pyg.data[et].num_edges for et in pyg.data.edge_types) > self.settings.minibatch_edges

    def _sampler(self, pyg: PygGraph) -> NeighbourSampler | None:
        if not self._use_minibatch(pyg):
            return None
        return NeighbourSampler(pyg.data, self.settings.fanouts, seed=self.settings.seed)

    # ---------------------------------------------------------------------- fit
    def fit(
        self,
        graph: TransactionGraph,
        labels: pd.DataFrame | pd.Series,
        *,
        inputs: dict[str, pd.DataFrame] | None = None,
        progress: Callable[[int, dict], None] | None = None,
    ) -> RiskDetector:
        """Train on the labelled users of ``graph``.

        Parameters
        ----------
        graph
            The whole graph (labelled and unlabelled users alike).
        labels
            ``user_id, is_fraud`` (and optional ``ring_id``) for the labelled users, or a
            0/1 Series indexed by user id. A share (``validation_share``) of them is held
            out for early stopping and the flag threshold, whole rings at a time (by
            ``ring_id``, else by groups connected through shared identifiers or transfers).
        inputs
            :func:`graphrisk.model.inputs.node_inputs` of ``graph`` when already computed
            (they take most of the time on large graphs); computed here otherwise.
        progress
            Called as ``progress(epoch, record)`` after each epoch.

        Raises
        ------
        ValueError
            Labels name users that are not in the graph, or hold a single class.
        """
        if not isinstance(graph, TransactionGraph):
            raise TypeError(f"graph must be a TransactionGraph, got {type(graph).__name__}")
        truth, rings = _label_series(labels)
        users = pd.Index(graph.users["user_id"].astype(str))
        unknown = truth.index.difference(users)
        if len(unknown):
            raise ValueError(f"{len(unknown)} labelled users are not in the graph (e.g. {unknown[0]!r})")
        if truth.nunique() < 2:
            raise ValueError("labels need both fraud (1) and legitimate (0) users")
        torch.manual_seed(self.settings.seed)

        raw = inputs if inputs is not None else node_inputs(graph, seed=self.settings.seed)
        self.scalers_ = {kind: FeatureScaler.fit(table) for kind, table in raw.items() if len(table)}
        self.profile_ = ReferenceProfile.from_inputs(raw)  # the reference of drift checks
        pyg, _ = self._graph_tensors(graph, raw, fitting=True)
        device = self._torch_device()
        self.version_ = None  # new weights: no saved version yet
        self.network_ = HeteroRiskNet(
            {t: pyg.data[t].x.shape[1] for t in pyg.data.node_types}, self.edge_types_,
            hidden=self.settings.hidden, layers=self.settings.layers, dropout=self.settings.dropout,
            conv=self.settings.conv, edge_dim=len(EDGE_FEATURES),
        ).to(device)

        train_users, val_users = self._validation_split(graph, truth, rings)
        position = pyg.ids["user"]
        train = (position.get_indexer(train_users), truth.loc[train_users].to_numpy())
        validation = (position.get_indexer(val_users), truth.loc[val_users].to_numpy())
        sampler = self._sampler(pyg)
        data = pyg.data if sampler is not None else pyg.data.to(device)
        result = train_network(self.network_, data, train, validation, self.settings,
                               sampler=sampler, progress=progress)
        self.network_.load_state_dict(result.state)
        val_logits = predict_logits(self.network_, data, validation[0], sampler, self.settings.batch_size)
        # the same validation users choose the epoch, the calibration and the threshold
        self.calibrator_ = Calibrator(self.settings.calibration).fit(val_logits, validation[1])
        self.threshold_ = _f1_threshold(validation[1], self.calibrator_.transform(val_logits))
        self.history_ = result.history
        self.validation_ = {
            "auc_pr": result.best_auc_pr, "best_epoch": result.best_epoch, "epochs_run": len(result.history),
            "users": int(len(val_users)), "fraud": int(validation[1].sum()),
            "train_users": int(len(train_users)), "train_fraud": int(train[1].sum()),
            "minibatch": sampler is not None,
        }
        self.validation_["calibration"] = calibration_statistics(
            val_logits, validation[1], method=self.settings.calibration, seed=self.settings.seed)
        return self

    def _validation_split(self, graph: TransactionGraph, truth: pd.Series, rings: pd.Series | None):
        """Hold out whole groups, stratified: groups holding fraud and clean groups separately."""
        if rings is not None and (rings != "").any():
            groups = rings.reindex(truth.index).fillna("")
        else:
            groups = connected_groups(graph).reindex(truth.index).astype(str)
            sizes = groups.map(groups.value_counts())
            # a group far larger than any ring is households and shared IPs chained together:
            # moving it whole would leave one side with most of the users
            groups = groups.where((sizes > 1) & (sizes <= MAX_GROUP), "")
        keys = groups.where(groups != "", "user:" + truth.index.to_series(index=truth.index))
        has_fraud = truth.groupby(keys).transform("max") == 1
        share = self.settings.validation_share
        for attempt in range(20):
            parts = [group_split(truth.index[side], groups[side], test_size=share, seed=self.settings.seed + attempt)
                     for side in (has_fraud.to_numpy(), ~has_fraud.to_numpy()) if side.sum() > 1]
            train = pd.Index(np.concatenate([p[0] for p in parts]), name="user_id")
            val = pd.Index(np.concatenate([p[1] for p in parts]), name="user_id")
            if truth.loc[val].nunique() == 2 and truth.loc[train].nunique() == 2:
                return train, val
        raise ValueError("cannot hold out validation users with both classes: label more users or more fraud")

    # -------------------------------------------------------------------- score
    def predict_proba(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> pd.Series:
        """Risk in [0, 1] per user of ``graph`` (indexed by ``user_id``); ``inputs`` as in :meth:`fit`."""
        self._check_fitted()
        pyg, _ = self._graph_tensors(graph, inputs)
        return self._risk(pyg, self._sampler(pyg))

    def risk_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated risk in [0, 1] of network logits (the plain sigmoid for an uncalibrated model).

        Parameters
        ----------
        logits
            Logits of the user nodes, as the network gives them.

        Returns
        -------
        numpy.ndarray
            float64 probabilities, one per logit; compare them with ``threshold_``.

        Raises
        ------
        ModelError
            The detector is not fitted.
        """
        self._check_fitted()
        return self.calibrator_.transform(logits)

    def _risk(self, pyg: PygGraph, sampler: NeighbourSampler | None) -> pd.Series:
        device = next(self.network_.parameters()).device
        data = pyg.data if sampler is not None else pyg.data.to(device)
        nodes = np.arange(pyg.data["user"].num_nodes)
        logits = predict_logits(self.network_, data, nodes, sampler, self.settings.batch_size)
        return pd.Series(self.risk_from_logits(logits), index=pyg.ids["user"], name="risk_score")

    def score(
        self, graph: TransactionGraph, *, reasons: int = 3, inputs: dict[str, pd.DataFrame] | None = None
    ) -> pd.DataFrame:
        """Score every user: risk, flag, ring and the top reasons.

        Returns
        -------
        pandas.DataFrame
            ``user_id, risk_score, flagged, ring_id`` (``""`` outside a ring), then
            ``reason_1..reason_n``: for ring members first the entities the ring shares,
            then the inputs that pushed the user's risk up most (input times gradient).
        """
        from graphrisk.rings import group_rings

        self._check_fitted()
        pyg, raw = self._graph_tensors(graph, inputs)
        sampler = self._sampler(pyg)  # one neighbour index serves the scores and the reasons
        risk = self._risk(pyg, sampler)
        flagged = risk >= self.threshold_
        rings = group_rings(graph, risk, flagged, seed=self.settings.seed)
        out = pd.DataFrame({"user_id": risk.index, "risk_score": risk.to_numpy(), "flagged": flagged.to_numpy()})
        out["ring_id"] = rings.membership.reindex(risk.index).fillna("").to_numpy()
        if reasons > 0:
            top = feature_reasons(self.network_, pyg, raw["user"].reindex(columns=self.scalers_["user"].columns), sampler, self.settings.batch_size, top=reasons)
            evidence = _ring_evidence(rings).reindex(risk.index).fillna("")
            for i in range(reasons):
                column = top[i] if i < len(top) else pd.Series("", index=risk.index)
                out[f"reason_{i + 1}"] = column.reindex(risk.index).fillna("").to_numpy()
            has_ring = evidence.to_numpy() != ""
            # ring evidence leads; feature reasons shift right
            for i in range(reasons - 1, 0, -1):
                out.loc[has_ring, f"reason_{i + 1}"] = out.loc[has_ring, f"reason_{i}"]
            out.loc[has_ring, "reason_1"] = evidence.to_numpy()[has_ring]
        self.rings_ = rings
        return out

    def drift(self, graph: TransactionGraph, *, inputs: dict[str, pd.DataFrame] | None = None) -> DriftReport | None:
        """Drift of ``graph`` from the training data: PSI per input feature, share of new entities.

        Thresholds and their reasons are in :mod:`graphrisk.monitor.drift`.

        Parameters
        ----------
        graph
            The graph being scored.
        inputs
            Its node inputs when already computed: pass the ones given to :meth:`score`
            (``node_inputs(graph, seed=detector.settings.seed)``) so they are computed once.

        Returns
        -------
        DriftReport or None
            ``None`` when the model holds no training profile (saved by an older graphrisk:
            retrain it to monitor drift).
        """
        self._check_fitted()
        if self.profile_ is None:
            return None
        raw = inputs if inputs is not None else node_inputs(graph, seed=self.settings.seed)
        return drift_report(self.profile_, raw)

    # ------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        """Write the model directory (see :mod:`graphrisk.model.persistence`)."""
        self._check_fitted()
        manifest = {
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "settings": {**asdict(self.settings), "fanouts": list(self.settings.fanouts)},
            "schema": {
                "node_features": {kind: scaler.columns for kind, scaler in self.scalers_.items()},
                "edge_types": [list(et) for et in self.edge_types_],
                "edge_features": list(EDGE_FEATURES),
            },
            "scalers": {kind: scaler.to_dict() for kind, scaler in self.scalers_.items()},
            "threshold": float(self.threshold_),
            "calibration": self.calibrator_.to_dict(),
            "validation": self.validation_,
        }
        profile = self.profile_
        manifest["profile"] = profile.to_dict() if profile is not None else None
        state = {k: v.detach().cpu() for k, v in self.network_.state_dict().items()}
        saved = save_model_files(folder, state, manifest, entities=profile.entities if profile is not None else None)
        self.version_ = model_version(saved)
        return saved

    @classmethod
    def load(cls, folder: str | Path, *, device: str = "auto") -> RiskDetector:
        """A fitted detector from a model directory.

        Raises
        ------
        ModelError
            Missing or damaged files, another format version, or weights that do not
            match the schema in ``model.json``.
        """
        state, manifest = load_model_files(folder)
        try:
            settings = dict(manifest["settings"])
            settings["fanouts"] = tuple(settings["fanouts"])
            settings.setdefault("calibration", "none")  # saved before calibration existed
            detector = cls(DetectorSettings(**settings), device=device)
            detector.scalers_ = {k: FeatureScaler.from_dict(v) for k, v in manifest["scalers"].items()}
            detector.edge_types_ = [tuple(et) for et in manifest["schema"]["edge_types"]]
            detector.threshold_ = float(manifest["threshold"])
            # no calibration in the manifest: the plain sigmoid, as when the model was saved
            detector.calibrator_ = Calibrator.from_dict(manifest.get("calibration", {"method": "none"}))
            detector.validation_ = manifest.get("validation", {})
            detector.history_ = []
            detector.profile_ = _load_profile(folder, manifest)
            in_dims = {k: len(v.columns) for k, v in detector.scalers_.items()}
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{folder}/model.json is incomplete or invalid: {e}") from None
        network = HeteroRiskNet(in_dims, detector.edge_types_, hidden=detector.settings.hidden,
                                layers=detector.settings.layers, dropout=detector.settings.dropout,
                                conv=detector.settings.conv, edge_dim=len(EDGE_FEATURES))
        try:
            network.load_state_dict(state)
        except RuntimeError as e:
            lines = [line.strip() for line in str(e).splitlines() if line.strip()]
            detail = (lines[1] if len(lines) > 1 else lines[0] if lines else type(e).__name__)[:200]
            raise ModelError(f"{folder}: the weights do not match the schema in model.json ({detail})") from None
        detector.version_ = model_version(folder)
        detector.network_ = network.to(detector._torch_device())
        detector.network_.eval()
        return detector


def _load_profile(folder: str | Path, manifest: dict) -> ReferenceProfile | None:
    """The saved training profile, ``None`` for older models; unreadable entity ids become a note."""
    state = manifest.get("profile")
    if state is None:
        return None
    notes = []
    try:
        hashes = load_entity_hashes(folder, manifest)
    except ModelError as e:  # the ids only serve the drift report: scoring goes on without them
        hashes, notes = None, [str(e)]
    return ReferenceProfile.from_dict(state, entities=hashes, notes=notes)


def _ring_evidence(rings) -> pd.Series:
    """Per ring member: the ring's size and the entities it shares, as one reason."""
    text = {}
    for row in rings.table.itertuples(index=False):
        shared = ", ".join(row.shared_entities[:3]) or "transfers"
        for user in row.members:
            text[user] = f"in a ring of {row.size} flagged accounts sharing {shared}"
    return pd.Series(text, dtype=object)


def _f1_threshold(truth: np.ndarray, risk: np.ndarray) -> float:
    """The risk cut with the best F1 on ``truth`` (0.5 when there is no positive)."""
    if truth.sum() == 0:
        return 0.5
    precision, recall, thresholds = precision_recall_curve(truth, risk)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])
