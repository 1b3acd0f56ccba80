"""Detection metrics on tiny hand-computed inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graphrisk.evaluate import detection_metrics, ring_recall

USERS = ["u1", "u2", "u3", "u4", "u5", "u6"]


@pytest.fixture
def truth() -> pd.Series:
    return pd.Series([1, 1, 1, 0, 0, 0], index=USERS)


@pytest.fixture
def scores() -> pd.Series:
    # ranking: u1 (fraud), u3 (fraud), u4, u6, u5, u2 (fraud)
    return pd.Series([0.9, 0.1, 0.8, 0.7, 0.2, 0.3], index=USERS)


def test_ranking_metrics_match_hand_computation(truth, scores):
    m = detection_metrics(truth, scores)
    # top 3 = u1, u3, u4: two of the three fraudsters
    assert m["precision_at_k"] == pytest.approx(2 / 3)
    assert m["recall_at_k"] == pytest.approx(2 / 3)
    # 6 of the 9 (fraud, legit) pairs ordered right
    assert m["auc_roc"] == pytest.approx(6 / 9)
    # precision at each fraudster's rank: 1/1, 2/2, 3/6
    assert m["auc_pr"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert (m["n_users"], m["n_fraud"], m["n_rings"], m["n_flagged"]) == (6, 3, 0, 3)
    assert math.isnan(m["ring_recall"])


def test_alignment_is_by_user_and_missing_users_score_zero(truth, scores):
    shuffled = scores.drop("u2").iloc[::-1]
    shuffled["stranger"] = 5.0  # not in truth: ignored
    got, expected = detection_metrics(truth, shuffled), detection_metrics(truth, scores)
    assert math.isnan(got.pop("ring_recall")) and math.isnan(expected.pop("ring_recall"))
    assert got == expected


def test_ring_caught_only_when_half_its_members_are_flagged():
    rings = pd.Series({"a": "r1", "b": "r1", "c": "r2", "d": "r2", "e": "r2", "f": "", "g": None})
    assert ring_recall(rings, pd.Series({"a": True, "c": True})) == 0.5  # r1 half flagged, r2 one third
    assert ring_recall(rings, pd.Series({"a": True, "c": True, "d": True})) == 1.0
    assert ring_recall(rings, pd.Series({"b": False, "f": True})) == 0.0


def test_detection_metrics_ring_recall_with_and_without_flags():
    truth = pd.Series([1, 1, 1, 1, 1, 0, 0, 0], index=list("abcdexyz"))
    scores = pd.Series([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.0], index=list("abcdexyz"))
    rings = pd.Series({"a": "r1", "b": "r1", "c": "r2", "d": "r2", "e": "r2", "outsider": "r3"})
    # top 5 by score: a, c, x, y, e -> r1 half (a), r2 two thirds (c, e)
    m = detection_metrics(truth, scores, rings=rings)
    assert (m["ring_recall"], m["n_rings"], m["precision_at_k"]) == (1.0, 2, 0.6)
    flagged = pd.Series({"c": True, "x": True, "a": False})
    m = detection_metrics(truth, scores, flagged=flagged, rings=rings)
    assert (m["ring_recall"], m["n_flagged"]) == (0.0, 2)


@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1, 1]])
def test_one_class_truth_is_rejected(labels):
    truth = pd.Series(labels, index=["a", "b", "c"])
    with pytest.raises(ValueError, match="both classes"):
        detection_metrics(truth, pd.Series([0.1, 0.2, 0.3], index=["a", "b", "c"]))


def test_bad_scores_are_rejected(truth, scores):
    with pytest.raises(ValueError, match="NaN"):
        detection_metrics(truth, scores.where(scores > 0.5))
    with pytest.raises(ValueError, match="0/1"):
        detection_metrics(truth.replace(1, 2), scores)
