"""The default world is hard for tabular models and its rings are recoverable from the graph."""

from __future__ import annotations

import pytest

from graphrisk.evaluate import tabular_baseline
from graphrisk.synth import generate_world
from graphrisk.synth.checks import ring_recoverability


@pytest.fixture(scope="module")
def world():
    return generate_world(10_000, seed=7)


def test_tabular_gradient_boosting_stays_far_from_solving_it(world):
    result = tabular_baseline(world.transactions, world.labels, world.users, seed=7)
    assert result["test_fraud"] >= 30
    assert result["auc_pr"] <= 0.6


def test_rings_are_recoverable_from_the_graph(world):
    rings = ring_recoverability(world)
    recovered = (rings["largest_share"] >= 0.8) & (rings["purity"] >= 0.5)
    assert len(rings) >= 15
    assert recovered.mean() >= 0.85
