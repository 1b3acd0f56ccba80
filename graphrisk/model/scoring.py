"""The per-user result of scoring: risk, flag, ring and reasons (:class:`ScoreResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from graphrisk.model.encoding import EncodedGraph
from graphrisk.monitor import DriftReport
from graphrisk.rings import Rings

__all__ = ["ScoreResult", "score_table"]


@dataclass
class ScoreResult:
    """What :meth:`~graphrisk.model.RiskDetector.score_users` found.

    Attributes
    ----------
    scores
        One row per user: ``user_id, risk_score, flagged, ring_id`` (``""`` outside a
        ring), then ``reason_1..reason_n``.
    rings
        The rings the flagged users form (:class:`~graphrisk.rings.Rings`; ``rings.table``
        has one row per ring).
    notes
        What differs from the training schema (ignored node types, absent relations).
    drift
        Drift of the scored inputs from the training profile (``None`` without one).
    encoded
        The graph as the network read it (:class:`~graphrisk.model.encoding.EncodedGraph`).
    """

    scores: pd.DataFrame
    rings: Rings
    encoded: EncodedGraph
    notes: list[str] = field(default_factory=list)
    drift: DriftReport | None = None

    @property
    def inputs(self) -> dict[str, pd.DataFrame]:
        """The raw node inputs scored, per node type (:func:`~graphrisk.features.node_inputs.node_inputs`)."""
        return self.encoded.inputs


def score_table(
    risk: pd.Series, flagged: pd.Series, rings: Rings, feature_reasons: list[pd.Series], *, reasons: int
) -> pd.DataFrame:
    """The per-user table: risk, flag, ring, then the reasons (ring evidence first).

    Parameters
    ----------
    risk, flagged
        Per user, indexed by ``user_id``.
    rings
        The rings of the flagged users.
    feature_reasons
        Per rank, the inputs that raised each user's risk most
        (:func:`~graphrisk.model.reasons.feature_reasons`).
    reasons
        Reason columns to write; a ring member's first reason is its ring's evidence and
        its feature reasons shift right.
    """
    out = pd.DataFrame({"user_id": risk.index, "risk_score": risk.to_numpy(), "flagged": flagged.to_numpy()})
    out["ring_id"] = rings.membership.reindex(risk.index).fillna("").to_numpy()
    if reasons <= 0:
        return out
    for i in range(reasons):
        column = feature_reasons[i] if i < len(feature_reasons) else pd.Series("", index=risk.index)
        out[f"reason_{i + 1}"] = column.reindex(risk.index).fillna("").to_numpy()
    evidence = _ring_evidence(rings).reindex(risk.index).fillna("").to_numpy()
    has_ring = evidence != ""
    for i in range(reasons - 1, 0, -1):
        out.loc[has_ring, f"reason_{i + 1}"] = out.loc[has_ring, f"reason_{i}"]
    out.loc[has_ring, "reason_1"] = evidence[has_ring]
    return out


def _ring_evidence(rings: Rings) -> pd.Series:
    """Per ring member: the ring's size and the entities it shares, as one reason."""
    text = {}
    for row in rings.table.itertuples(index=False):
        shared = ", ".join(row.shared_entities[:3]) or "transfers"
        for user in row.members:
            text[user] = f"in a ring of {row.size} flagged accounts sharing {shared}"
    return pd.Series(text, dtype=object)

