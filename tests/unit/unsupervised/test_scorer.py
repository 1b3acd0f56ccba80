"""``ColdStartScorer`` on a generated world: range, determinism, no label read, flags, rings, reasons, quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.errors import InputError, ModelError
from graphrisk.synth import generate_world
from graphrisk.unsupervised import PART_COLUMNS, ColdStartScorer, score_without_labels, unsupervised_scores


@pytest.fixture(scope="module")
def result(world_graph, world_inputs):
    return ColdStartScorer(seed=0).fit_score_users(world_graph, inputs=world_inputs)


def test_risk_and_parts_are_percentile_based_and_in_unit_interval(result, world_graph):
    scores = result.scores
    assert list(scores.columns) == ["user_id", "risk_score", "flagged", "ring_id", "reason_1", "reason_2", "reason_3",
                                    *PART_COLUMNS]
    assert sorted(scores["user_id"]) == sorted(world_graph.users["user_id"].astype(str))
    for column in ("risk_score", *PART_COLUMNS):
        assert scores[column].between(0, 1).all(), column
    parts = result.parts
    strongest = np.maximum(parts["sharing"], parts["synchrony"])
    np.testing.assert_allclose(parts["risk_score"], 0.99 * strongest + 0.01 * parts["outlier"])


def test_ranks_fraud_far_above_the_fraud_share(result, world):
    from graphrisk.evaluate.metrics import detection_metrics

    truth = world.labels.set_index("user_id")["is_fraud"]

    scores = result.scores.set_index("user_id")["risk_score"]
    measured = detection_metrics(truth, scores)
    assert truth.mean() == pytest.approx(0.05)
    assert measured["auc_pr"] > 0.3 and measured["auc_roc"] > 0.8  # 0.505 and 0.911 when written
    flagged = result.scores.set_index("user_id")["flagged"]
    assert truth[flagged[flagged].index].mean() > 0.5  # the default flags are mostly fraud


def test_the_same_seed_gives_the_same_scores_and_labels_are_never_read(world, world_graph, world_inputs, result):
    again = ColdStartScorer(seed=0).fit_score_users(world_graph, inputs=world_inputs)
    pd.testing.assert_frame_equal(result.scores, again.scores)
    # the same world with every fraud mark given (transactions, edge fraud counts, the labels table) scores the same
    fraud = world.labels.set_index("user_id")["is_fraud"]
    marked = world.transactions.assign(is_fraud=world.transactions["user_id"].map(fraud).astype(int))
    told, _ = build_graph(marked, world.links, world.users, world.labels[["user_id", "is_fraud", "ring_id"]])
    assert told.labels is not None and told.paid["fraud_count"].fillna(0).sum() > 0
    pd.testing.assert_series_equal(unsupervised_scores(told), result.parts["risk_score"], check_names=False)


def test_another_seed_changes_only_what_is_random(world_graph, world_inputs, result):
    other = score_without_labels(world_graph, inputs=world_inputs, seed=5)
    pd.testing.assert_series_equal(other["sharing"], result.parts["sharing"])
    assert not np.allclose(other["outlier"], result.parts["outlier"])


def test_default_flags_the_riskiest_one_percent_and_a_budget_flags_exactly_n(result, world_graph, world_inputs):
    assert result.policy == "budget:15" and int(result.scores["flagged"].sum()) == 15
    top = result.scores.nlargest(15, "risk_score")
    assert top["flagged"].all()
    budget = ColdStartScorer(flag_policy="budget:40").fit_score_users(world_graph, inputs=world_inputs, reasons=0)
    assert int(budget.scores["flagged"].sum()) == 40 and budget.policy == "budget:40"
    assert list(budget.scores.columns) == ["user_id", "risk_score", "flagged", "ring_id", *PART_COLUMNS]


@pytest.mark.parametrize("policy", ["f1", "f2", "precision:0.9"])
def test_policies_that_need_labels_are_refused(policy, world_graph):
    with pytest.raises(InputError, match="needs labels"):
        ColdStartScorer(flag_policy=policy).fit(world_graph)


def test_rings_group_flagged_accounts_and_members_say_so_first(world_graph, world_inputs, world):
    result = ColdStartScorer(flag_policy="budget:75").fit_score_users(world_graph, inputs=world_inputs)
    scores, table = result.scores, result.rings.table
    assert len(table) >= 2
    in_ring = scores[scores["ring_id"] != ""]
    assert set(in_ring["ring_id"]) == set(table["ring_id"]) and in_ring["flagged"].all()
    assert in_ring["reason_1"].str.startswith("in a ring of ").all()
    assert table["score"].is_monotonic_decreasing  # rings ranked by their mean member risk
    truth = world.labels.set_index("user_id")["is_fraud"]
    assert truth.loc[in_ring["user_id"]].mean() > 0.8
    alone = scores[scores["flagged"] & (scores["ring_id"] == "")]
    assert (alone["reason_1"] != "").all()  # every flagged account says why


def test_reasons_name_the_evidence(result):
    parts, scores = result.parts, result.scores.set_index("user_id")
    sharer = parts["shared_evidence"].idxmax()
    assert parts.loc[sharer, "shared_identifier"] in " ".join(scores.loc[sharer, ["reason_1", "reason_2", "reason_3"]])
    relayer = parts.index[parts["relayed_transfers"] > 0]
    assert len(relayer) and scores.loc[relayer, ["reason_1", "reason_2", "reason_3"]].apply(
        lambda row: any("passed on" in text or "in a ring" in text for text in row), axis=1).all()
    quiet = parts.index[(parts[["shared_evidence", "lockstep_partners", "relayed_transfers"]] == 0).all(axis=1)
                        & (parts["outlier"] < 0.9)]
    assert len(quiet) and (scores.loc[quiet, "reason_1"] == "").all()


def test_fit_on_one_graph_score_another(world_graph, world_inputs):
    scorer = ColdStartScorer().fit(world_graph, inputs=world_inputs)
    other = generate_world(400, seed=3)
    graph, _ = build_graph(other.transactions, other.links, other.users)
    result = scorer.score_users(graph, reasons=1)
    assert len(result.scores) == len(graph.users) and result.scores["risk_score"].between(0, 1).all()
    assert scorer.n_users_ == len(world_graph.users) and result.policy == "budget:4"
    with pytest.raises(ModelError, match="not fitted"):
        ColdStartScorer().score_users(graph)


@pytest.mark.parametrize("bad", [{"outlier_weight": 1.5}, {"n_estimators": 0}])
def test_bad_parameters_are_named(bad, world_graph, world_inputs):
    with pytest.raises(ValueError, match=next(iter(bad))):
        ColdStartScorer(**bad).fit(world_graph, inputs=world_inputs)
    with pytest.raises(TypeError, match="TransactionGraph"):
        ColdStartScorer().fit("graph")
