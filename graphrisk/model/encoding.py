"""``GraphEncoder``: everything the network reads, fitted once and saved with the model.

Training, batch scoring, the real-time service and any later engine must feed the
network the same inputs. This module is the one place that computes them:

* **node inputs**: the raw feature tables of :func:`~graphrisk.features.node_inputs.node_inputs`,
  scaled per node type by a :class:`~graphrisk.model.scaling.FeatureScaler` fitted on the
  training graph (a node without inputs, such as an account the service meets between two
  full scorings, gets the training mean: 0 after scaling);
* **edge inputs**: :func:`edge_features` of each relation's aggregates (count, amount,
  time span), the single edge-feature function;
* **schema alignment**: relations and node types the model never saw are dropped, with a
  note; a missing input column is a :class:`~graphrisk.errors.ModelError`;
* **the training profile** that drift checks compare scoring data with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from graphrisk.errors import ModelError
from graphrisk.features.node_inputs import node_inputs
from graphrisk.graph.pyg import EDGE_AGGREGATES, PygGraph, to_pyg
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.model.scaling import FeatureScaler
from graphrisk.monitor import DriftReport, ReferenceProfile, drift_report

__all__ = ["GraphEncoder", "EncodedGraph", "edge_features", "EDGE_FEATURES"]

EdgeType = tuple[str, str, str]

#: Names of the network's edge inputs, in column order.
EDGE_FEATURES = ("log_count", "log_amount", "log_span_days")

DAY_SECONDS = 86_400.0


def edge_features(count: np.ndarray, amount: np.ndarray, span_seconds: np.ndarray) -> np.ndarray:
    """The network's edge inputs: ``[log1p(count), log1p(amount), log1p(span in days)]`` as float32.

    ``span_seconds`` is the time from a relation's first transaction to its last; a missing
    or negative span (one transaction, or timestamps out of order) counts as 0.

    Examples
    --------
    >>> features = edge_features(np.array([1.0, 3.0]), np.array([0.0, 10.0]), np.array([np.nan, 86_400.0]))
    >>> features.dtype, features.astype(float).round(4).tolist()
    (dtype('float32'), [[0.6931, 0.0, 0.0], [1.3863, 2.3979, 0.6931]])
    """
    span = np.nan_to_num(np.asarray(span_seconds, dtype=np.float64) / DAY_SECONDS, nan=0.0).clip(min=0.0)
    columns = [np.log1p(np.asarray(count, dtype=np.float64)), np.log1p(np.asarray(amount, dtype=np.float64)),
               np.log1p(span)]
    return np.column_stack(columns).astype(np.float32)


@dataclass
class EncodedGraph:
    """A graph as the network reads it.

    Attributes
    ----------
    pyg
        Scaled node inputs and encoded edge inputs, the model's relations only.
    inputs
        The raw node input tables (for reasons and drift).
    notes
        What differs from the training schema (node types or relations ignored or absent).
    """

    pyg: PygGraph
    inputs: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)


class GraphEncoder:
    """Node and edge inputs of the network, fitted on the training graph.

    Parameters
    ----------
    seed
        Seed of the randomised graph features (Louvain, label propagation, sampled betweenness).

    Attributes
    ----------
    scalers_ : dict[str, FeatureScaler]
        Input statistics per node type.
    edge_types_ : list[tuple[str, str, str]]
        Relations the network passes messages along (reverses included).
    profile_ : ReferenceProfile or None
        The training inputs in brief, for drift checks (``None`` for models saved before it existed).

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01", "2024-01-02"],
    ...                    "user_id": ["a", "b"], "amount": [5.0, 7.0], "merchant_id": ["m", "m"]})
    >>> graph = build_graph(tx)[0]
    >>> encoder = GraphEncoder().fit(graph)
    >>> encoded = encoder.transform(graph)
    >>> encoded.pyg.data["user", "paid", "merchant"].edge_attr.shape
    torch.Size([2, 3])
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self._blank_rows: dict[str, torch.Tensor] = {}  # blank_inputs' scaled row per node type

    # ---------------------------------------------------------------- fitting
    def node_inputs(self, graph: TransactionGraph) -> dict[str, pd.DataFrame]:
        """Raw node input tables of ``graph`` (:func:`~graphrisk.features.node_inputs.node_inputs` with this seed)."""
        return node_inputs(graph, seed=self.seed)

    def fit(self, graph: TransactionGraph, *, inputs: Mapping[str, pd.DataFrame] | None = None) -> GraphEncoder:
        """Fit the scalers, the relations and the drift profile on the training graph.

        Parameters
        ----------
        graph
            The training graph.
        inputs
            Its raw node inputs when already computed (:meth:`node_inputs`).
        """
        self.fit_transform(graph, inputs=inputs)
        return self

    def fit_transform(
        self, graph: TransactionGraph, *, inputs: Mapping[str, pd.DataFrame] | None = None
    ) -> EncodedGraph:
        """:meth:`fit` on ``graph``, and ``graph`` as the fitted network will read it (:meth:`transform`)."""
        raw = dict(inputs) if inputs is not None else self.node_inputs(graph)
        self.scalers_ = {kind: FeatureScaler.fit(table) for kind, table in raw.items() if len(table)}
        self._blank_rows = {}  # scaled with the scalers just replaced
        self.profile_: ReferenceProfile | None = ReferenceProfile.from_inputs(raw)
        pyg = self._scaled_view(graph, raw)
        self.edge_types_ = [tuple(et) for et in pyg.data.edge_types
                            if et[0] in self.scalers_ and et[2] in self.scalers_]
        return self._aligned(pyg, raw)

    def _check_fitted(self) -> None:
        if not hasattr(self, "scalers_"):
            raise ModelError("this GraphEncoder is not fitted: call fit() or load a model")

    @property
    def node_types(self) -> list[str]:
        """Node types the model has inputs for."""
        self._check_fitted()
        return list(self.scalers_)

    @property
    def in_dims(self) -> dict[str, int]:
        """Input width per node type."""
        self._check_fitted()
        return {kind: len(scaler.columns) for kind, scaler in self.scalers_.items()}

    # --------------------------------------------------------------- encoding
    def scale(self, kind: str, table: pd.DataFrame) -> pd.DataFrame:
        """Scaled inputs of node type ``kind`` (same index as ``table``).

        Raises
        ------
        ModelError
            ``table`` lacks columns the model was trained with.
        """
        scaler = self.scalers_[kind]
        missing = scaler.missing(table)
        if missing:
            raise ModelError(
                f"the model was trained on another input schema: {kind} features {missing[:5]} are missing here "
                "(were the transactions, users table or graphrisk version different?)"
            )
        return pd.DataFrame(scaler.transform(table), index=table.index, columns=scaler.columns)

    def blank_inputs(self, kind: str, rows: int) -> torch.Tensor:
        """Scaled inputs of ``rows`` nodes of type ``kind`` whose features are not known yet: the training mean.

        The service calls this for every new node of every transaction: the row is scaled
        once per node type and repeated.
        """
        blanks = self._blank_rows
        if kind not in blanks:
            scaler = self.scalers_[kind]
            blank = pd.DataFrame(np.full((1, len(scaler.columns)), np.nan), columns=scaler.columns)
            blanks[kind] = torch.from_numpy(scaler.transform(blank))
        return blanks[kind].expand(rows, -1).clone()

    def transform(
        self, graph: TransactionGraph, *, inputs: Mapping[str, pd.DataFrame] | None = None
    ) -> EncodedGraph:
        """The graph as the network reads it: scaled node inputs, encoded edges, the model's relations.

        Parameters
        ----------
        graph
            Any graph built the same way as the training graph.
        inputs
            Its raw node inputs when already computed. A table may cover only some nodes
            (inputs computed on an earlier graph): the others get the training mean.

        Raises
        ------
        ModelError
            The encoder is not fitted, or an input table lacks a trained column.
        """
        self._check_fitted()
        raw = dict(inputs) if inputs is not None else self.node_inputs(graph)
        return self._aligned(self._scaled_view(graph, raw), raw)

    def _scaled_view(self, graph: TransactionGraph, raw: dict[str, pd.DataFrame]) -> PygGraph:
        """The PyG view of ``graph`` with scaled node inputs (edges still raw aggregates)."""
        scaled = {kind: self.scale(kind, table) for kind, table in raw.items() if kind in self.scalers_}
        for kind in self.scalers_:
            if kind not in scaled:  # no input table at all for a known type
                scaled[kind] = pd.DataFrame(columns=self.scalers_[kind].columns, dtype=np.float32)
        # a node missing from its table gets 0 from to_pyg: the training mean after scaling (blank_inputs)
        return to_pyg(graph, scaled["user"], {k: v for k, v in scaled.items() if k != "user"})

    def _aligned(self, pyg: PygGraph, raw: dict[str, pd.DataFrame]) -> EncodedGraph:
        """``pyg`` restricted to the model's node types and relations, with encoded edges and notes."""
        data = pyg.data
        unseen = [t for t in data.node_types if t not in self.scalers_]
        absent = sorted({"-".join(et) for et in self.edge_types_} - {"-".join(et) for et in data.edge_types})
        notes = []
        if unseen:
            notes.append(f"node types the model never saw are ignored: {', '.join(unseen)}")
        if absent:
            notes.append(f"relations the model was trained with are absent here: {', '.join(absent)}")
        for kind in unseen:
            del data[kind]  # an identifier type the model never saw: nothing it can read
        for edge_type in list(data.edge_types):
            if edge_type not in self.edge_types_:
                del data[edge_type]
            else:
                data[edge_type].edge_attr = self.encode_edges(data[edge_type].edge_attr)
        self._add_absent(pyg)
        return EncodedGraph(pyg=pyg, inputs=raw, notes=notes)

    def _add_absent(self, pyg: PygGraph) -> None:
        """Node types and relations of the model that ``pyg`` lacks, added empty.

        Every relation of a round adds its self term to the nodes it points to, edges or
        not: a relation missing from the graph altogether would change every user's score
        (a graph without a single transfer, or a shard of a bigger graph, would score
        differently from the same users in a graph that has one).
        """
        data = pyg.data
        for kind, scaler in self.scalers_.items():
            if kind not in data.node_types:
                data[kind].x = torch.zeros((0, len(scaler.columns)), dtype=torch.float32)
                pyg.ids.setdefault(kind, pd.Index([], dtype=object, name="entity_id"))
        for edge_type in self.edge_types_:
            if edge_type not in data.edge_types:
                data[edge_type].edge_index = torch.zeros((2, 0), dtype=torch.int64)
                data[edge_type].edge_attr = self.encode_edges(torch.zeros((0, len(EDGE_AGGREGATES)), dtype=torch.float64))

    @staticmethod
    def encode_edges(aggregates: torch.Tensor) -> torch.Tensor:
        """Edge inputs from a relation's aggregates (columns :data:`~graphrisk.graph.pyg.EDGE_AGGREGATES`)."""
        values = aggregates.detach().cpu().numpy().astype(np.float64)
        if values.shape[1] != len(EDGE_AGGREGATES):
            raise ValueError(f"edge aggregates need {len(EDGE_AGGREGATES)} columns {EDGE_AGGREGATES}, "
                             f"got {values.shape[1]}")
        return torch.from_numpy(edge_features(values[:, 0], values[:, 1], values[:, 2]))

    # ------------------------------------------------------------------ drift
    def drift(self, inputs: Mapping[str, pd.DataFrame]) -> DriftReport | None:
        """Drift of raw scoring inputs from the training profile (``None`` without a profile)."""
        self._check_fitted()
        if self.profile_ is None:
            return None
        return drift_report(self.profile_, inputs)

    # ------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        """JSON-ready state (the profile's entity hashes travel separately: :attr:`profile_`)."""
        self._check_fitted()
        return {
            "seed": self.seed,
            "node_features": {kind: scaler.columns for kind, scaler in self.scalers_.items()},
            "scalers": {kind: scaler.to_dict() for kind, scaler in self.scalers_.items()},
            "edge_types": [list(et) for et in self.edge_types_],
            "edge_features": list(EDGE_FEATURES),
            "profile": self.profile_.to_dict() if self.profile_ is not None else None,
        }

    @classmethod
    def from_dict(cls, state: dict, *, profile: ReferenceProfile | None = None) -> GraphEncoder:
        """The encoder saved by :meth:`to_dict`; ``profile`` as rebuilt with its entity hashes.

        Raises
        ------
        ModelError
            The state names edge features other than this graphrisk's.
        """
        if list(state.get("edge_features", EDGE_FEATURES)) != list(EDGE_FEATURES):
            raise ModelError(f"the model's edge features {state['edge_features']} are not this graphrisk's "
                             f"{list(EDGE_FEATURES)}: retrain it")
        encoder = cls(seed=int(state["seed"]))
        encoder.scalers_ = {kind: FeatureScaler.from_dict(s) for kind, s in state["scalers"].items()}
        encoder.edge_types_ = [tuple(et) for et in state["edge_types"]]
        encoder.profile_ = profile
        return encoder
