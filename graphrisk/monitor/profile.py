"""The training reference of drift checks: binned feature distributions and the entity ids seen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphrisk.monitor.entities import ID_HASH, hash_ids
from graphrisk.monitor.psi import bin_shares, quantile_edges

__all__ = ["FeatureBins", "ReferenceProfile", "PROFILE_FORMAT", "DEFAULT_BINS"]

#: Version of the JSON written by :meth:`ReferenceProfile.to_dict`.
PROFILE_FORMAT = 1

#: Quantile bins per feature (deciles), before ties are merged.
DEFAULT_BINS = 10


@dataclass(frozen=True)
class FeatureBins:
    """Bins of one feature and the training share in each.

    Attributes
    ----------
    edges
        Inner edges from :func:`~graphrisk.monitor.psi.quantile_edges`.
    shares
        Training share per bin, then the share missing: ``len(edges) + 2`` values.
    """

    edges: tuple[float, ...]
    shares: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.shares) != len(self.edges) + 2:
            raise ValueError(f"a feature with {len(self.edges)} edges needs {len(self.edges) + 2} shares, "
                             f"got {len(self.shares)}")

    @classmethod
    def fit(cls, values, *, bins: int = DEFAULT_BINS) -> FeatureBins:
        """Bins at the quantiles of ``values`` and the share of ``values`` in each."""
        edges = quantile_edges(values, bins=bins)
        return cls(tuple(edges), tuple(float(s) for s in bin_shares(values, edges)))

    def shares_of(self, values) -> np.ndarray:
        """Share of ``values`` in each of these bins (then missing)."""
        return bin_shares(values, self.edges)


@dataclass
class ReferenceProfile:
    """What the model was trained on, kept with it to measure drift at scoring time.

    Built by :meth:`from_inputs` from the raw node inputs of the training graph
    (:func:`graphrisk.features.node_inputs.node_inputs`); saved in ``model.json`` (``profile``)
    except the entity hashes, which go into their own file of the model directory.

    Attributes
    ----------
    features
        ``{node type: {feature: FeatureBins}}``.
    rows
        Training rows (nodes) per node type.
    bins
        Quantile bins asked for per feature.
    entities
        Per node type, sorted 64-bit hashes of the training ids
        (:func:`~graphrisk.monitor.entities.hash_ids`), or ``None`` when unknown (a model
        directory without them).
    notes
        Why something is unavailable (for the drift report).

    Examples
    --------
    >>> inputs = {"user": pd.DataFrame({"amount": np.arange(100.0)}, index=[f"U{i}" for i in range(100)])}
    >>> profile = ReferenceProfile.from_inputs(inputs)
    >>> profile.rows, len(profile.features["user"]["amount"].edges)
    ({'user': 100}, 9)
    >>> ReferenceProfile.from_dict(profile.to_dict()).features == profile.features
    True
    """

    features: dict[str, dict[str, FeatureBins]]
    rows: dict[str, int]
    bins: int = DEFAULT_BINS
    entities: dict[str, np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_inputs(
        cls, inputs: Mapping[str, pd.DataFrame], *, bins: int = DEFAULT_BINS, entities: bool = True
    ) -> ReferenceProfile:
        """Profile of raw node inputs: bins per numeric column, and the ids (the tables' index) as hashes.

        Parameters
        ----------
        inputs
            ``{node type: DataFrame indexed by id}``, as :func:`graphrisk.features.node_inputs.node_inputs` returns.
        bins
            Quantile bins per feature.
        entities
            Also keep the hashed ids (for the share of new entities).
        """
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        features: dict[str, dict[str, FeatureBins]] = {}
        for kind, table in inputs.items():
            if not isinstance(table, pd.DataFrame):
                raise TypeError(f"inputs[{kind!r}] must be a DataFrame, got {type(table).__name__}")
            numeric = table.select_dtypes(["number", "bool"])
            features[str(kind)] = {str(c): FeatureBins.fit(numeric[c].to_numpy(dtype=np.float64, na_value=np.nan),
                                                           bins=bins) for c in numeric.columns}
        rows = {str(kind): int(len(table)) for kind, table in inputs.items()}
        hashes = {str(kind): hash_ids(table.index) for kind, table in inputs.items()} if entities else None
        return cls(features, rows, bins, hashes)

    def to_dict(self) -> dict:
        """JSON-ready profile without the entity hashes (their id scheme and counts only)."""
        return {
            "format": PROFILE_FORMAT,
            "bins": self.bins,
            "rows": dict(self.rows),
            "features": {kind: {name: {"edges": list(b.edges), "shares": list(b.shares)} for name, b in table.items()}
                         for kind, table in self.features.items()},
            "entities": None if self.entities is None else {
                "id_hash": ID_HASH, "counts": {kind: int(len(h)) for kind, h in self.entities.items()}},
        }

    @classmethod
    def from_dict(
        cls, state: Mapping, *, entities: Mapping[str, np.ndarray] | None = None, notes: Sequence[str] = ()
    ) -> ReferenceProfile:
        """The profile saved by :meth:`to_dict`, with the entity hashes read back separately.

        Hashes are dropped, with a note, when the saved counts or id scheme do not match them.

        Raises
        ------
        ValueError
            Another profile format, or bins that do not fit together.
        """
        if state.get("format") != PROFILE_FORMAT:
            raise ValueError(f"drift profile format {state.get('format')!r} is not {PROFILE_FORMAT}")
        features = {kind: {name: FeatureBins(tuple(float(e) for e in b["edges"]), tuple(float(s) for s in b["shares"]))
                           for name, b in table.items()} for kind, table in state["features"].items()}
        notes = list(notes)
        saved = state.get("entities")
        hashes = None
        if saved is None:
            notes.append("the model's profile holds no entity ids: new-entity shares are not reported")
        elif entities is None:
            notes.append("the model directory holds no training entity ids: new-entity shares are not reported")
        elif saved.get("id_hash") != ID_HASH or {k: int(len(h)) for k, h in entities.items()} != saved.get("counts"):
            notes.append("the stored entity ids do not match the model's profile: new-entity shares are not reported")
        else:
            hashes = {kind: np.asarray(h, dtype=np.uint64) for kind, h in entities.items()}
        return cls(features, {k: int(v) for k, v in state["rows"].items()}, int(state["bins"]), hashes, notes)
