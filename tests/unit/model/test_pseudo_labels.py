"""Pseudo-labels from the cold-start scorer (issue 19): the training side only, never a validation or unlabelled user."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import graphrisk.model.detector as detector_module
from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.model import RiskDetector
from graphrisk.model.pseudo_labels import confident_fraud
from graphrisk.model.settings import DetectorSettings
from graphrisk.unsupervised import ColdStartScorer

SHARE = 0.02
QUICK = {"epochs": 3, "min_epochs": 1, "patience": 1, "seed": 0}
REAL_TRAIN, REAL_PSEUDO = detector_module.train_network, detector_module.with_pseudo_labels


def test_confident_users_are_the_cold_start_top_share_and_read_no_label(world, world_graph):
    confident = confident_fraud(world_graph, SHARE, seed=0)
    users = len(world_graph.users)
    assert len(confident) == round(SHARE * users) and confident.is_unique
    risk = ColdStartScorer(seed=0).fit_parts(world_graph)["risk_score"]
    assert risk.loc[confident].min() >= risk.drop(confident).max()  # the top of the ranking, nothing else
    assert confident.equals(confident_fraud(world_graph, SHARE, seed=0))  # the same graph, the same users
    # the graph's labels, true or shuffled, change nothing: the ranking never reads them
    shuffled = world.labels.assign(is_fraud=world.labels["is_fraud"].sample(frac=1, random_state=1).to_numpy())
    for labels in (world.labels, shuffled):
        labelled = build_graph(world.transactions, world.links, world.users, labels)[0]
        assert len(labelled.labels) and confident.equals(confident_fraud(labelled, SHARE, seed=0))


def _spied_fit(monkeypatch, graph, labels, **options) -> tuple[RiskDetector, dict]:
    seen: dict = {}

    def train_network(network, data, train, validation, settings, **kw):
        seen["train"], seen["validation"] = (train[0].copy(), train[1].copy()), (validation[0].copy(),
                                                                                  validation[1].copy())
        return REAL_TRAIN(network, data, train, validation, settings, **kw)

    def with_pseudo_labels(user_ids, labels, confident):
        seen["pseudo"] = (user_ids, np.asarray(labels).copy(), confident)
        return REAL_PSEUDO(user_ids, labels, confident)

    monkeypatch.setattr(detector_module, "train_network", train_network)
    monkeypatch.setattr(detector_module, "with_pseudo_labels", with_pseudo_labels)
    cleared = options.pop("cleared", None)
    return RiskDetector(**QUICK, **options).fit(graph, labels, cleared=cleared), seen


def test_only_training_users_labelled_zero_become_fraud_and_validation_keeps_its_labels(
        monkeypatch, world_graph, train_labels):
    plain, before = _spied_fit(monkeypatch, world_graph, train_labels, pseudo_labels=0.0)
    pseudo, after = _spied_fit(monkeypatch, world_graph, train_labels, pseudo_labels=SHARE)
    assert "pseudo" not in before  # 0 turns it off
    user_ids, given, confident = after["pseudo"]
    changed = after["train"][1] != before["train"][1]
    np.testing.assert_array_equal(after["train"][0], before["train"][0])  # the same training users
    assert changed.sum() == pseudo.validation_["pseudo_labelled"] > 0
    assert (given[changed] == 0).all() and (after["train"][1][changed] == 1).all()  # only 0 -> 1
    assert set(user_ids[changed]) <= set(confident)
    known = train_labels.set_index("user_id")["is_fraud"]
    assert (known.loc[user_ids[changed]] == 0).all()
    # early stopping, calibration and the cut see the given labels only; confident users labelled
    # 0 sit on the validation side too (every labelled user is training or validation), so the
    # check below would see a validation user relabelled
    assert len(set(known[known == 0].index.astype(str)) & set(confident)) > changed.sum()
    for a, b in zip(after["validation"], before["validation"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert pseudo.validation_["fraud"] == plain.validation_["fraud"]
    assert pseudo.validation_["train_fraud"] == plain.validation_["train_fraud"]  # the given labels' fraud
    assert plain.validation_["pseudo_labelled"] == 0


def test_users_an_investigator_cleared_are_never_pseudo_labelled(monkeypatch, world_graph, train_labels):
    def relabelled(**options) -> set[str]:
        fitted, seen = _spied_fit(monkeypatch, world_graph, train_labels, pseudo_labels=SHARE, **options)
        user_ids, given, _ = seen["pseudo"]
        changed = set(user_ids[seen["train"][1] != given])
        assert fitted.validation_["pseudo_labelled"] == len(changed)
        return changed

    unchecked = relabelled()
    cleared = sorted(unchecked)[:1]  # an investigator's verdict: legitimate
    assert unchecked and relabelled(cleared=cleared) == unchecked - set(cleared)


def test_the_same_seed_gives_the_same_pseudo_labels_and_model(world_graph, train_labels):
    first, second = (RiskDetector(**QUICK, pseudo_labels=SHARE).fit(world_graph, train_labels) for _ in range(2))
    assert first.validation_["pseudo_labelled"] == second.validation_["pseudo_labelled"] > 0
    np.testing.assert_allclose(first.predict_proba(world_graph), second.predict_proba(world_graph))


def test_users_outside_the_labels_are_never_pseudo_labelled(monkeypatch, world_graph, train_labels):
    confident = set(confident_fraud(world_graph, SHARE, seed=0))
    unsure = train_labels[~train_labels["user_id"].astype(str).isin(confident)]
    assert len(unsure) < len(train_labels)  # the confident users the test would catch are there
    fitted, seen = _spied_fit(monkeypatch, world_graph, unsure, pseudo_labels=SHARE)
    assert fitted.validation_["pseudo_labelled"] == 0
    # the network trains on the labelled training users only, with their given labels
    assert len(seen["train"][0]) == fitted.validation_["train_users"]
    assert seen["train"][1].sum() == fitted.validation_["train_fraud"]


@pytest.mark.parametrize("share", [-0.1, 0.5, 2.0])
def test_a_share_out_of_range_is_refused(share, capsys):
    with pytest.raises(ValueError, match=r"pseudo_labels must be a share in \[0, 0.5\)"):
        DetectorSettings(pseudo_labels=share)
    with pytest.raises(SystemExit) as stop:
        main(["train", "--transactions", "tx.csv", "--labels", "l.csv", "--model", "m", "--pseudo-labels", str(share)])
    assert stop.value.code == 2 and "expected a number in [0, 0.5)" in capsys.readouterr().err


def test_train_says_how_many_pseudo_labels_it_used(tmp_path, world, capsys):
    paths = {}
    for name, table in (("tx", world.transactions), ("links", world.links), ("users", world.users),
                        ("labels", world.known_labels)):
        paths[name] = tmp_path / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    code = main(["train", "--transactions", str(paths["tx"]), "--links", str(paths["links"]), "--users",
                 str(paths["users"]), "--labels", str(paths["labels"]), "--model", str(tmp_path / "model"),
                 "--epochs", "3", "--patience", "1", "--no-progress", "--pseudo-labels", str(SHARE)])
    out = capsys.readouterr().out
    assert code == 0 and "pseudo-labelled)" in out, out
    assert pd.read_json(tmp_path / "model" / "model.json", typ="series")["params"]["pseudo_labels"] == SHARE


def test_on_by_default_and_a_model_saved_before_them_loads_as_trained_without(tmp_path, fitted):
    import json

    assert DetectorSettings().pseudo_labels == RiskDetector().pseudo_labels == 0.005
    folder = fitted.save(tmp_path / "model")
    manifest = json.loads((folder / "model.json").read_text())
    del manifest["params"]["pseudo_labels"]  # as graphrisk saved models before pseudo-labels
    (folder / "model.json").write_text(json.dumps(manifest))
    assert RiskDetector.load(folder).pseudo_labels == 0.0
