"""``compare_systems`` with given training labels (chargebacks) and given split groups (communities)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.evaluate.compare import compare_systems
from graphrisk.synth import WorldConfig, generate_world

FAST = {"epochs": 6, "min_epochs": 2, "patience": 2, "hidden": 16}


@pytest.fixture(scope="module")
def world():
    world = generate_world(800, seed=2, config=WorldConfig(fraud_share=0.05))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        graph = build_graph(world.transactions, world.links, world.users)[0]
    return world, graph


def _run(world, graph, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return compare_systems(graph, world.labels, seed=1, detector_options=FAST, device="cpu", **options)


def test_given_labels_train_every_system_and_the_truth_judges_them(world):
    world, graph = world
    known = world.known_labels.set_index("user_id")["is_fraud"]
    result = _run(world, graph, train_labels=known)
    truth = world.labels.set_index("user_id")
    test = result.truth.index
    train = truth.index.difference(test)
    assert result.details["train_labels"] == "given" and result.details["missing_label_share"] is None
    assert result.details["train_fraud_labelled"] == int(known.reindex(train).sum())
    assert result.details["train_fraud"] == int(truth.loc[train, "is_fraud"].sum())
    # evaluation is on the ground truth of the test users, fraud the known labels miss included
    assert (result.truth == truth.loc[test, "is_fraud"]).all()
    assert result.metrics.loc["tabular_gb", "n_fraud"] == truth.loc[test, "is_fraud"].sum()
    # rings stay whole across the split (the truth's ring ids), though no system saw them
    rings = truth["ring_id"][truth["ring_id"] != ""]
    assert (pd.Series(rings.index.isin(test)).groupby(rings.to_numpy()).nunique() == 1).all()


def test_given_groups_split_whole_groups_while_ring_recall_counts_the_rings(world):
    world, graph = world
    users = world.labels["user_id"]
    groups = pd.Series(users.str[-2:].to_numpy(), index=users.to_numpy())  # 100 groups of about 8 users
    result = _run(world, graph, groups=groups)
    in_test = groups.index.isin(result.truth.index)
    assert (pd.Series(in_test).groupby(groups.to_numpy()).nunique() == 1).all()
    assert result.details["split_groups"] == "given"
    assert result.metrics.loc["graphrisk_gnn", "n_rings"] == result.rings[result.rings != ""].nunique() > 0


def test_ring_ids_as_groups_give_the_default_split(world):
    world, graph = world
    rings = world.labels.set_index("user_id")["ring_id"]
    default, grouped = _run(world, graph), _run(world, graph, groups=rings)
    assert default.truth.index.equals(grouped.truth.index)
    pd.testing.assert_frame_equal(default.metrics.drop(columns="seconds"), grouped.metrics.drop(columns="seconds"))


def test_bad_labels_and_groups_are_refused(world):
    world, graph = world
    users = world.labels["user_id"].to_numpy()
    with pytest.raises(ValueError, match="train_labels must hold only 0/1"):
        _run(world, graph, train_labels=pd.Series(2, index=users))
    with pytest.raises(TypeError, match="groups must be a pandas Series"):
        _run(world, graph, groups={"U0000001": "a"})
    with pytest.raises(ValueError, match="train_labels has duplicated user ids"):
        _run(world, graph, train_labels=pd.Series([0, 1], index=[users[0], users[0]]))


def test_the_cold_start_row_reads_no_label_and_is_no_peer(world):
    """``unsupervised=True`` adds graphrisk's label-free scorer, with its own flags' ring recall."""
    from graphrisk.evaluate.baselines import BASELINES
    from graphrisk.evaluate.compare import BLENDED, DETECTOR, UNSUPERVISED

    world, graph = world
    with_truth = _run(world, graph, unsupervised=True)
    assert list(with_truth.metrics.index) == [DETECTOR, *BASELINES, UNSUPERVISED, BLENDED]
    # the blend: the two systems' percentile ranks among the test users, averaged
    detector, cold = with_truth.scores[DETECTOR], with_truth.scores[UNSUPERVISED]
    top_of_both = (detector.rank(pct=True) + cold.rank(pct=True)).idxmax()
    assert with_truth.scores[BLENDED].idxmax() == top_of_both
    assert with_truth.scores[BLENDED].between(0, 1).all() and with_truth.scores[BLENDED].index.equals(detector.index)
    row = with_truth.metrics.loc[UNSUPERVISED]
    assert 0 < row["auc_pr"] <= 1 and 0 <= row["ring_recall_flagged"] <= 1
    assert 0 <= row["flagged"] <= round(0.01 * len(world.labels))  # its flags: the riskiest 1% of every user
    # no label reaches it: learning from nothing but zeros elsewhere leaves its scores unchanged
    nothing = pd.Series(0, index=world.labels["user_id"])
    nothing.iloc[:5] = 1  # the split needs both classes on the training side
    with_none = _run(world, graph, unsupervised=True, train_labels=nothing)
    pd.testing.assert_series_equal(with_truth.scores[UNSUPERVISED], with_none.scores[UNSUPERVISED])
    assert not {UNSUPERVISED, BLENDED} & set(_run(world, graph).metrics.index)  # off unless asked
