"""Percentiles and the combination rule: the strongest evidence leads, the outlier part breaks ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk.unsupervised.combine import EVIDENCE_COLUMNS, combine_parts, percentile_of


def _evidence(rows: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(EVIDENCE_COLUMNS))


def test_percentile_is_the_share_strictly_below():
    reference = np.array([0.0, 0.0, 0.0, 2.0, 5.0])
    assert percentile_of(np.array([0.0, 1.0, 2.0, 9.0]), reference).tolist() == [0.0, 0.6, 0.6, 1.0]
    assert percentile_of(np.array([3.0]), np.array([])).tolist() == [0.0]


def test_one_strong_kind_of_evidence_is_enough_and_the_outlier_only_orders_ties():
    evidence = _evidence({
        "farm": (5.0, 0.0, 0.0, 0.40),     # shares a device with accounts opened together
        "mule": (0.0, 0.0, 3.0, 0.45),     # relays transfers
        "odd": (0.0, 0.0, 0.0, 0.90),      # nothing but unusual features
        "plain": (0.0, 0.0, 0.0, 0.30),
    })
    reference = {name: np.sort(evidence[name].to_numpy()) for name in EVIDENCE_COLUMNS}
    parts = combine_parts(evidence, reference, outlier_weight=0.01)
    assert list(parts.columns) == ["risk_score", "sharing", "synchrony", "outlier"]
    assert parts.loc["farm", "sharing"] == 0.75 and parts.loc["mule", "synchrony"] == 0.75
    risk = parts["risk_score"]
    assert min(risk["farm"], risk["mule"]) > 50 * max(risk["odd"], risk["plain"]) > 0
    assert risk["odd"] > risk["plain"]
    assert risk.between(0, 1).all()
    with_outlier_only = combine_parts(evidence, reference, outlier_weight=1.0)["risk_score"]
    assert with_outlier_only.idxmax() == "odd"


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_risk_stays_in_unit_interval(weight):
    rng = np.random.default_rng(0)
    evidence = pd.DataFrame(rng.exponential(size=(200, 4)), columns=list(EVIDENCE_COLUMNS))
    reference = {name: np.sort(evidence[name].to_numpy()[:50]) for name in EVIDENCE_COLUMNS}  # others beyond it
    risk = combine_parts(evidence, reference, outlier_weight=weight)["risk_score"]
    assert risk.between(0, 1).all() and risk.max() > 0.9
