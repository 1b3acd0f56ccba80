"""A small generated world and one detector trained on it, shared by the model tests."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate import ring_aware_split
from graphrisk.synth import WorldConfig, generate_world

#: Small enough for seconds of training on 2 cores; with 5% fraud it holds a dozen rings,
#: enough for a ring-aware split with several rings on each side.
WORLD_USERS = 3000
WORLD_CONFIG = WorldConfig(fraud_share=0.05)


@pytest.fixture(scope="session")
def world():
    return generate_world(WORLD_USERS, seed=7, config=WORLD_CONFIG)


@pytest.fixture(scope="session")
def world_graph(world):
    return build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="session")
def split(world):
    """Ring-aware train/test users (whole rings on one side)."""
    return ring_aware_split(world.labels, test_size=0.3, seed=0)


@pytest.fixture(scope="session")
def train_labels(world, split) -> pd.DataFrame:
    """What a fraud team knows about the training users (some fraud unlabelled)."""
    known = world.known_labels.set_index("user_id")
    return known.loc[split[0]].reset_index()


@pytest.fixture(scope="session")
def fitted(world_graph, train_labels):
    from graphrisk.model import RiskDetector

    return RiskDetector(epochs=80, patience=20, seed=0).fit(world_graph, train_labels)


def _as_format_1(manifest: dict) -> dict:
    """A format-2 ``model.json`` written back in format 1, as graphrisk saved models before the GraphEncoder."""
    encoder = manifest["encoder"]
    old = {k: v for k, v in manifest.items() if k not in ("params", "encoder")}
    old.update({
        "format_version": 1,
        "settings": manifest["params"],
        "schema": {"node_features": encoder["node_features"], "edge_types": encoder["edge_types"],
                   "edge_features": ["log_count", "log_amount", "span_days"]},
        "scalers": encoder["scalers"],
        "profile": encoder["profile"],
    })
    return old


@pytest.fixture(scope="session")
def as_format_1():
    """The function turning a format-2 manifest into format 1 (for the upgrade path)."""
    return _as_format_1
