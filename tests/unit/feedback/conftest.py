"""A small world written to files, a ring-aware split, and two saved models of clearly different quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate import ring_aware_split
from graphrisk.synth import WorldConfig, generate_world


@pytest.fixture(scope="session")
def fb_world():
    return generate_world(3000, seed=7, config=WorldConfig(fraud_share=0.05))


@pytest.fixture(scope="session")
def fb_graph(fb_world):
    return build_graph(fb_world.transactions, fb_world.links, fb_world.users)[0]


@pytest.fixture(scope="session")
def fb_files(fb_world, tmp_path_factory):
    """The world's tables as CSV, plus ``train_labels.csv`` (known labels of the training side) and
    ``heldout.csv`` (true labels with ring ids of the test side of a ring-aware split)."""
    folder = tmp_path_factory.mktemp("fb_world")
    fb_world.write(folder)
    train, test = ring_aware_split(fb_world.labels, test_size=0.3, seed=0)
    known = fb_world.known_labels.set_index("user_id")
    known.loc[train].reset_index().to_csv(folder / "train_labels.csv", index=False)
    truth = fb_world.labels.set_index("user_id")[["is_fraud", "ring_id"]]
    truth.loc[test].reset_index().to_csv(folder / "heldout.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def fb_inputs(fb_files) -> list[str]:
    """The canonical input flags of the world's files."""
    folder = fb_files
    return ["--transactions", str(folder / "transactions.csv"), "--links", str(folder / "links.csv"),
            "--users", str(folder / "users.csv"), "--rejects", str(folder / "rejects.csv")]


@pytest.fixture(scope="session")
def fb_models(fb_graph, fb_files, tmp_path_factory):
    """``{"good": dir, "weak": dir}``: trained properly (10 epochs) and on shuffled labels (2 epochs)."""
    from graphrisk.features.node_inputs import node_inputs
    from graphrisk.model import RiskDetector

    labels = pd.read_csv(fb_files / "train_labels.csv", dtype={"user_id": str})
    shuffled = labels.assign(is_fraud=np.random.default_rng(0).permutation(labels["is_fraud"].to_numpy()))
    folder = tmp_path_factory.mktemp("fb_models")
    raw = node_inputs(fb_graph, seed=0)  # the slow part, shared by both fits
    RiskDetector(epochs=10, seed=0).fit(fb_graph, labels, inputs=raw).save(folder / "good")
    RiskDetector(epochs=2, seed=0).fit(fb_graph, shuffled, inputs=raw).save(folder / "weak")
    return {"good": folder / "good", "weak": folder / "weak"}
