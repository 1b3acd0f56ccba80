"""The three peer baselines run on a small world and score every test user."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate import BASELINES, baseline_scores, gradient_boosting_scores, ring_aware_split
from graphrisk.synth import generate_world


def test_baseline_scores_cover_every_test_user():
    world = generate_world(600, seed=1)
    graph, _ = build_graph(world.transactions, world.links, world.users)
    train, test = ring_aware_split(world.labels, seed=0)
    labels = world.labels.set_index("user_id")["is_fraud"]
    assert labels[train].sum() > 0 and labels[test].sum() > 0

    scores = baseline_scores(graph, world.transactions, world.users, labels, train, test, seed=0)

    assert tuple(scores) == BASELINES
    for name, s in scores.items():
        assert list(s.index) == list(test), name
        assert s.notna().all() and s.between(0.0, 1.0).all(), name


def test_training_side_needs_both_classes():
    x = pd.DataFrame({"f": [0.0, 1.0, 2.0]}, index=["a", "b", "c"])
    y = pd.Series([0, 0, 1], index=["a", "b", "c"])
    with pytest.raises(ValueError, match="training labels are all 0"):
        gradient_boosting_scores(x, y, ["a", "b"], ["c"])
    with pytest.raises(ValueError, match="no label"):
        gradient_boosting_scores(x, y, ["a", "zz"], ["c"])
