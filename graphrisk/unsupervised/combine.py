"""One risk in [0, 1] from the parts: percentiles, the strongest evidence, the outlier as tie-breaker.

Each kind of evidence is turned into a percentile: the share of the reference users (those
the scorer was fitted on) with a strictly lower value, so that no evidence at all is 0 and
the strongest is close to 1, whatever the unit. Then::

    sharing   = percentile(shared_evidence)
    synchrony = max(percentile(lockstep_partners), percentile(relayed_transfers))
    outlier   = percentile(outlier_score)
    risk      = (1 - outlier_weight) * max(sharing, synchrony) + outlier_weight * outlier

Why the maximum and a small outlier weight: fraud rings leave their trace in one channel
or another (a device farm shares devices, colluders pay in lockstep, mules relay
transfers), rarely in all, so averaging the parts dilutes the one that speaks; and an
isolation forest ranks many honest but unusual accounts at its very top. Measured on
generated worlds (10,000 users; rules compared on seeds 10 and 11, then checked on 0, 1 and
2), AUC-PR: the mean of the three percentiles 0.19-0.24, their maximum 0.52-0.65, this rule
with an outlier weight of 0.01 0.75-0.90. The outlier part then only orders users with equal
evidence (most users have none), which lifts the AUC-ROC from 0.92-0.96 to 0.96-0.99.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["percentile_of", "combine_parts", "PART_COLUMNS", "EVIDENCE_COLUMNS"]

#: The parts of the risk, each a percentile in [0, 1].
PART_COLUMNS = ("sharing", "synchrony", "outlier")

#: The raw evidence the parts are percentiles of.
EVIDENCE_COLUMNS = ("shared_evidence", "lockstep_partners", "relayed_transfers", "outlier_score")


def percentile_of(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The share of ``reference`` strictly below each of ``values`` (``reference`` sorted).

    Examples
    --------
    >>> percentile_of(np.array([0.0, 1.0, 5.0]), np.array([0.0, 0.0, 1.0, 3.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    if not len(reference):
        return np.zeros(len(values))
    return np.searchsorted(reference, np.asarray(values, dtype=np.float64), side="left") / len(reference)


def combine_parts(evidence: pd.DataFrame, reference: dict[str, np.ndarray], *, outlier_weight: float) -> pd.DataFrame:
    """The parts and the risk of every row of ``evidence`` (see the module docstring).

    Parameters
    ----------
    evidence
        :data:`EVIDENCE_COLUMNS` per user.
    reference
        Per evidence column, the sorted values of the reference users.
    outlier_weight
        In [0, 1]: the outlier part's weight.

    Returns
    -------
    pandas.DataFrame
        ``risk_score`` and :data:`PART_COLUMNS`, indexed like ``evidence``.
    """
    pct = {name: percentile_of(evidence[name].to_numpy(dtype=np.float64), reference[name])
           for name in EVIDENCE_COLUMNS}
    parts = pd.DataFrame({
        "sharing": pct["shared_evidence"],
        "synchrony": np.maximum(pct["lockstep_partners"], pct["relayed_transfers"]),
        "outlier": pct["outlier_score"],
    }, index=evidence.index)
    strongest = np.maximum(parts["sharing"], parts["synchrony"])
    risk = (1.0 - outlier_weight) * strongest + outlier_weight * parts["outlier"]
    parts.insert(0, "risk_score", np.clip(risk.to_numpy(), 0.0, 1.0))
    return parts
