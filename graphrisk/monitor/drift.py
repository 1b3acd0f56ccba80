"""Drift between the training data and the data being scored: PSI per feature, share of new entities.

Thresholds (module constants, keyword arguments of :func:`drift_report`):

- **PSI per feature** (the usual credit-scoring bands): below :data:`PSI_MODERATE` (0.1)
  stable; from 0.1 to :data:`PSI_SIGNIFICANT` (0.25) a moderate shift, reported as a
  note; above 0.25 a significant shift, reported as a warning. The bands assume large
  samples: two samples of one distribution, with ``k`` bins and ``n`` rows each, differ by
  a PSI of about ``2 (k - 1) / n`` on average (chi-squared noise). A node type is judged
  only when both sides have at least :data:`MIN_ROWS` (500) rows, where that noise is
  0.036 and chance alone almost never reaches a band; smaller tables (merchants of a small
  market) are listed as "too few rows".
- **New entities**: the share of the scored users or merchants whose id the model never
  saw in training warns above :data:`NEW_ENTITY_WARNING` (0.5). The network is inductive,
  so new accounts are expected; but when most of the scored population is new, the
  validation figures and the flag threshold describe a minority of it, and for merchants
  (a slowly changing set) it usually means re-keyed ids or another market. Devices,
  cards, IPs, emails, phones and addresses churn faster and arrive with every new user,
  so they warn only above :data:`NEW_IDENTIFIER_WARNING` (0.9): near-total novelty, as
  after a change of id scheme.

A warning is not an error: scoring goes on; ``graphrisk score --fail-on-drift`` turns
warnings into exit status 3 for schedulers that want to stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphrisk.monitor.entities import new_share
from graphrisk.monitor.profile import ReferenceProfile
from graphrisk.monitor.psi import psi

__all__ = [
    "DriftReport", "drift_report", "PSI_MODERATE", "PSI_SIGNIFICANT", "MIN_ROWS", "NEW_ENTITY_WARNING",
    "NEW_IDENTIFIER_WARNING", "ENTITY_TYPES", "STATUSES",
]

#: PSI from which a feature has moved moderately (a note).
PSI_MODERATE = 0.1
#: PSI above which a feature has moved significantly (a warning).
PSI_SIGNIFICANT = 0.25
#: Rows a node type needs on both sides before its PSI is judged.
MIN_ROWS = 500
#: Share of new users or merchants above which a warning is given.
NEW_ENTITY_WARNING = 0.5
#: Share of new identifiers (devices, cards, ...) above which a warning is given.
NEW_IDENTIFIER_WARNING = 0.9
#: Node types held to :data:`NEW_ENTITY_WARNING`; every other type to :data:`NEW_IDENTIFIER_WARNING`.
ENTITY_TYPES = ("user", "merchant")
#: Status of a feature in :meth:`DriftReport.table`.
STATUSES = ("stable", "moderate", "significant", "too few rows", "missing")

#: Features named in one warning or note line before "and N more".
_NAMED = 8

_COLUMNS = ["feature", "node_type", "psi", "status", "rows", "reference_rows"]


@dataclass
class DriftReport:
    """Drift of one scoring input against the model's training profile.

    Attributes
    ----------
    features
        One row per feature: ``feature, node_type, psi, status, rows, reference_rows``.
    new_entities
        Per node type, the share of the scored ids the model never saw in training (empty
        when the model holds no training ids).
    entities
        Per node type, the number of distinct ids scored.
    warnings
        Shifts past the warning thresholds, one line each (without a ``warning:`` prefix).
    notes
        Moderate shifts and what could not be judged.
    """

    features: pd.DataFrame
    new_entities: dict[str, float] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        """Whether any threshold was passed (there are warnings)."""
        return bool(self.warnings)

    def table(self) -> pd.DataFrame:
        """Per-feature PSI, most drifted first: ``feature, node_type, psi, status, rows, reference_rows``."""
        return self.features.sort_values(["psi", "node_type", "feature"], ascending=[False, True, True],
                                         na_position="last", kind="stable").reset_index(drop=True)

    def psi(self, feature: str, node_type: str = "user") -> float:
        """PSI of one feature.

        Raises
        ------
        KeyError
            The profile has no such feature.
        """
        rows = self.features[(self.features["feature"] == feature) & (self.features["node_type"] == node_type)]
        if not len(rows):
            raise KeyError(f"no {node_type} feature {feature!r} in the drift report")
        return float(rows["psi"].iloc[0])

    def summary(self) -> str:
        """One line: how many features moved, the largest PSI, the new-entity shares."""
        judged = self.features[self.features["status"].isin(("stable", "moderate", "significant"))]
        counts = judged["status"].value_counts()
        text = (f"drift: {int(counts.get('significant', 0))} of {len(judged)} features significant "
                f"(PSI > {PSI_SIGNIFICANT}), {int(counts.get('moderate', 0))} moderate")
        if len(judged):
            top = judged.loc[judged["psi"].idxmax()]
            text += f"; max PSI {top['psi']:.3f} ({top['node_type']} {top['feature']})"
        if self.new_entities:
            shares = ", ".join(f"{kind} {share:.0%}" for kind, share in self.new_entities.items())
            text += f"; new ids: {shares}"
        return text


def _listing(rows: pd.DataFrame) -> str:
    named = ", ".join(f"{r.feature} {r.psi:.2f}" for r in rows.head(_NAMED).itertuples(index=False))
    more = len(rows) - _NAMED
    return named + (f" and {more} more" if more > 0 else "")


def _ordered(kinds) -> list[str]:
    """Users, merchants, then the identifier types alphabetically (saved profiles sort their keys)."""
    return sorted(kinds, key=lambda k: (ENTITY_TYPES.index(k) if k in ENTITY_TYPES else len(ENTITY_TYPES), k))


def _status(value: float, rows: int, reference_rows: int, min_rows: int) -> str:
    if min(rows, reference_rows) < max(min_rows, 1):
        return "too few rows"
    if value > PSI_SIGNIFICANT:
        return "significant"
    if value >= PSI_MODERATE:
        return "moderate"
    return "stable"


def drift_report(
    profile: ReferenceProfile,
    inputs: Mapping[str, pd.DataFrame],
    *,
    min_rows: int = MIN_ROWS,
    new_entity_warning: float = NEW_ENTITY_WARNING,
    new_identifier_warning: float = NEW_IDENTIFIER_WARNING,
) -> DriftReport:
    """Compare the raw node inputs of a scoring graph with the training profile.

    Parameters
    ----------
    profile
        The model's :class:`~graphrisk.monitor.profile.ReferenceProfile` (``RiskDetector.profile_``).
    inputs
        :func:`graphrisk.features.node_inputs.node_inputs` of the graph being scored: per node type a
        table indexed by id (the ids give the new-entity shares, so no graph is needed).
    min_rows
        Rows a node type needs on both sides for its PSI to be judged.
    new_entity_warning, new_identifier_warning
        Shares of new users/merchants and of new identifiers above which to warn.

    Returns
    -------
    DriftReport

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ids = [f"U{i}" for i in range(1000)]
    >>> train = {"user": pd.DataFrame({"amount": rng.lognormal(3, 1, 1000)}, index=ids)}
    >>> profile = ReferenceProfile.from_inputs(train)
    >>> drift_report(profile, train).summary()
    'drift: 0 of 1 features significant (PSI > 0.25), 0 moderate; max PSI 0.000 (user amount); new ids: user 0%'
    >>> shifted = {"user": train["user"] * 3}
    >>> drift_report(profile, shifted).warnings
    ['1 user feature shifted significantly (PSI > 0.25): amount 1.21']
    """
    if not isinstance(profile, ReferenceProfile):
        raise TypeError(f"profile must be a ReferenceProfile, got {type(profile).__name__}")
    for name, bound in (("new_entity_warning", new_entity_warning), ("new_identifier_warning", new_identifier_warning)):
        if not 0.0 <= bound <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {bound}")
    warnings: list[str] = []
    notes: list[str] = list(profile.notes)
    records = []
    for kind in _ordered(profile.features):
        bins = profile.features[kind]
        reference_rows = profile.rows.get(kind, 0)
        table = inputs.get(kind)
        rows = 0 if table is None else len(table)
        if bins and 0 < min(rows, reference_rows) < min_rows:
            notes.append(f"{kind}: {rows:,} scored and {reference_rows:,} training rows, fewer than {min_rows} "
                         "on one side: PSI not judged")
        for name, feature in bins.items():
            if table is None or name not in table.columns:
                records.append((name, kind, np.nan, "missing", rows, reference_rows))
                continue
            values = table[name].to_numpy(dtype=np.float64, na_value=np.nan)
            value = psi(feature.shares, feature.shares_of(values)) if rows else np.nan
            records.append((name, kind, value, _status(value, rows, reference_rows, min_rows), rows, reference_rows))
    features = pd.DataFrame.from_records(records, columns=_COLUMNS)
    features = features.astype({"psi": "float64", "rows": "int64", "reference_rows": "int64"})
    missing = features[features["status"] == "missing"]
    if len(missing):
        notes.append(f"{len(missing)} profiled features are not in the input: {', '.join(missing['feature'][:_NAMED])}")
    ranked = features.sort_values("psi", ascending=False, kind="stable")
    for kind in _ordered(profile.features):
        mine = ranked[ranked["node_type"] == kind]
        significant = mine[mine["status"] == "significant"]
        moderate = mine[mine["status"] == "moderate"]
        if len(significant):
            plural = "s" if len(significant) > 1 else ""
            warnings.append(f"{len(significant)} {kind} feature{plural} shifted significantly "
                            f"(PSI > {PSI_SIGNIFICANT}): {_listing(significant)}")
        if len(moderate):
            plural = "s" if len(moderate) > 1 else ""
            notes.append(f"{len(moderate)} {kind} feature{plural} shifted moderately "
                         f"(PSI {PSI_MODERATE}-{PSI_SIGNIFICANT}): {_listing(moderate)}")

    new_entities: dict[str, float] = {}
    entities: dict[str, int] = {}
    known_ids = profile.entities or {}
    for kind in _ordered(known_ids):
        known = known_ids[kind]
        table = inputs.get(kind)
        if table is None or not len(table):
            continue
        if not len(known):
            notes.append(f"{kind}: none in training, {len(table):,} here (the model ignores them)")
            continue
        share, count = new_share(known, table.index)
        new_entities[kind], entities[kind] = share, count
        if kind in ENTITY_TYPES and share > new_entity_warning:
            warnings.append(f"{share:.0%} of the {count:,} {kind} ids were never seen in training "
                            f"(warning above {new_entity_warning:.0%})")
    novel = [k for k in new_entities if k not in ENTITY_TYPES and new_entities[k] > new_identifier_warning]
    if novel:  # one line for the identifier types: they move together when an id scheme changes
        listing = ", ".join(f"{k} {new_entities[k]:.0%} of {entities[k]:,}" for k in novel)
        warnings.append(f"identifiers never seen in training (warning above {new_identifier_warning:.0%}): {listing}")
    return DriftReport(features, new_entities, entities, warnings, notes)
