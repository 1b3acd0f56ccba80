"""A small generated world with 5% fraud, its graph and node inputs, shared by the cold-start tests."""

from __future__ import annotations

import pytest

from graphrisk import build_graph
from graphrisk.features.node_inputs import node_inputs
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="package")
def world():
    return generate_world(1500, seed=1, config=WorldConfig(fraud_share=0.05))


@pytest.fixture(scope="package")
def world_graph(world):
    return build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="package")
def world_inputs(world_graph):
    return node_inputs(world_graph, seed=0)
