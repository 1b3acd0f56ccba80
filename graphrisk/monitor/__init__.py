"""Monitoring of a trained model in use: drift between training and scoring data.

:class:`ReferenceProfile` is what :meth:`graphrisk.model.RiskDetector.fit` keeps of its
training inputs (quantile bins per feature, hashed entity ids); :func:`drift_report`
compares a scoring input with it: the population stability index per feature and the
share of entities never seen in training, with warnings past documented thresholds
(see :mod:`graphrisk.monitor.drift`).
"""

from graphrisk.monitor.drift import (
    MIN_ROWS,
    NEW_ENTITY_WARNING,
    NEW_IDENTIFIER_WARNING,
    PSI_MODERATE,
    PSI_SIGNIFICANT,
    DriftReport,
    drift_report,
)
from graphrisk.monitor.entities import hash_ids, new_share
from graphrisk.monitor.profile import FeatureBins, ReferenceProfile
from graphrisk.monitor.psi import bin_shares, psi, quantile_edges

__all__ = [
    "DriftReport", "drift_report", "ReferenceProfile", "FeatureBins", "psi", "bin_shares", "quantile_edges",
    "hash_ids", "new_share", "PSI_MODERATE", "PSI_SIGNIFICANT", "MIN_ROWS", "NEW_ENTITY_WARNING",
    "NEW_IDENTIFIER_WARNING",
]
