"""``evaluate_unsupervised``: the cold-start scorer measured like the supervised detector."""

from __future__ import annotations

import pytest

from graphrisk import build_graph
from graphrisk.evaluate.cold_start import evaluate_unsupervised
from graphrisk.evaluate.metrics import detection_metrics
from graphrisk.synth import WorldConfig, generate_world
from graphrisk.unsupervised import unsupervised_scores


@pytest.fixture(scope="module")
def world_and_graph():
    world = generate_world(1500, seed=1, config=WorldConfig(fraud_share=0.05))
    return world, build_graph(world.transactions, world.links, world.users)[0]


def test_metrics_at_top_k_and_at_the_scorers_own_flags(world_and_graph):
    world, graph = world_and_graph
    labels = world.labels.set_index("user_id")
    truth, rings = labels["is_fraud"], labels["ring_id"].fillna("")
    metrics = evaluate_unsupervised(graph, truth, rings=rings)
    assert metrics == pytest.approx({**detection_metrics(truth, unsupervised_scores(graph), rings=rings),
                                     "ring_recall_flagged": metrics["ring_recall_flagged"],
                                     "flagged": 15, "rings_found": metrics["rings_found"]})
    assert metrics["n_fraud"] == 75 and metrics["auc_pr"] > 0.3  # 0.505 when written, against 5% fraud
    assert 0 <= metrics["ring_recall_flagged"] <= metrics["ring_recall"] <= 1 and metrics["rings_found"] >= 1
    wider = evaluate_unsupervised(graph, truth, rings=rings, flag_policy="budget:150")
    assert wider["flagged"] == 150 and wider["ring_recall_flagged"] >= metrics["ring_recall_flagged"]
    assert wider["auc_pr"] == metrics["auc_pr"]  # the policy flags; it does not change the ranking
