"""A small generated world with hand-made scores, rings and comparison: report inputs without training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate.compare import Comparison
from graphrisk.evaluate.metrics import detection_metrics
from graphrisk.rings import group_rings
from graphrisk.synth import WorldConfig, generate_world

#: Systems of the hand-made comparison, detector first as compare_systems gives them.
_SYSTEMS = ["graphrisk_gnn", "tabular_gb", "neighbour_gb", "graph_features_gb"]


@pytest.fixture(scope="session")
def report_world():
    """1,000 users, 8% fraud (10 rings found, some tied by transfers) and the graph built from them."""
    world = generate_world(1_000, seed=7, config=WorldConfig(fraud_share=0.08))
    graph = build_graph(world.transactions, world.links, world.users)[0]
    return world, graph


@pytest.fixture(scope="session")
def report_inputs(report_world):
    """Score table, rings and comparison made by hand: risk = truth + noise, baselines noisier."""
    world, graph = report_world
    labels = world.labels.set_index("user_id").reindex(graph.users["user_id"])
    y = labels["is_fraud"].fillna(0).astype(int)
    rng = np.random.default_rng(0)
    risk = pd.Series(np.clip(0.55 * y.to_numpy() + 0.45 * rng.random(len(y)), 0.0, 1.0), index=y.index)
    flagged = risk >= 0.6
    rings = group_rings(graph, risk, flagged)
    scores = pd.DataFrame({"user_id": risk.index.astype(str), "risk_score": risk.to_numpy(),
                           "flagged": flagged.to_numpy(), "ring_id": rings.ring_of(risk.index).to_numpy()})

    test = y.index[::3]
    truth = y.loc[test]
    signal = dict(zip(_SYSTEMS, [0.6, 0.1, 0.25, 0.4]))  # the detector separates best
    system_scores = {name: pd.Series(w * truth.to_numpy() + (1 - w) * rng.random(len(test)), index=test)
                     for name, w in signal.items()}
    ring_truth = labels["ring_id"].fillna("").astype(str).loc[test]
    metrics = pd.DataFrame.from_dict(
        {name: detection_metrics(truth, s, rings=ring_truth) for name, s in system_scores.items()}, orient="index")
    metrics.loc["graphrisk_gnn", "ring_recall_flagged"] = 0.8
    metrics.loc["graphrisk_gnn", "flagged"] = 30
    metrics["seconds"] = [40.0, 2.0, 3.0, 5.0]
    metrics.index.name = "system"
    comparison = Comparison(metrics=metrics, scores=system_scores, truth=truth, rings=ring_truth,
                            details={"split": "ring", "test_users": len(test), "test_fraud": int(truth.sum())})
    return {"graph": graph, "scores": scores, "rings": rings, "comparison": comparison, "labels": world.labels}
