"""The detector learns, saves and loads exactly, scores users it never saw, and refuses other schemas."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from graphrisk import build_graph
from graphrisk.errors import InputError, ModelError
from graphrisk.model import RiskDetector


def _risk(detector, graph, **kwargs) -> pd.Series:
    """Risk per user id, from the estimator's array."""
    return pd.Series(detector.predict_proba(graph, **kwargs)[:, 1], index=graph.users["user_id"].astype(str))


def _test_metrics(detector, graph, world, test_users):
    risk = _risk(detector, graph)
    truth = world.labels.set_index("user_id").loc[test_users, "is_fraud"]
    scores = risk.reindex(truth.index)
    return average_precision_score(truth, scores), roc_auc_score(truth, scores), truth.mean()


def test_beats_chance_by_a_wide_margin_on_unseen_rings(fitted, world_graph, world, split):
    auc_pr, auc_roc, base_rate = _test_metrics(fitted, world_graph, world, split[1])
    # chance is the fraud rate (about 5%) for AUC-PR and 0.5 for AUC-ROC
    assert auc_pr > max(0.6, 10 * base_rate)
    assert auc_roc > 0.9
    assert fitted.validation_["best_epoch"] >= 1
    assert fitted.history_ and all(np.isfinite(r["loss"]) for r in fitted.history_)


def test_score_table_covers_every_user(fitted, world_graph):
    scores = fitted.score_users(world_graph).scores
    assert list(scores.columns) == ["user_id", "risk_score", "flagged", "ring_id", "reason_1", "reason_2", "reason_3"]
    assert len(scores) == len(world_graph.users) and scores["user_id"].is_unique
    assert scores["risk_score"].between(0, 1).all()
    assert (scores["flagged"] == (scores["risk_score"] >= fitted.threshold_)).all()
    ringed = scores[scores["ring_id"] != ""]
    assert len(ringed) and ringed["flagged"].all()
    assert ringed.groupby("ring_id").size().min() >= 2  # a ring of one is not a ring
    assert ringed["reason_1"].str.startswith("in a ring of").all()


def test_save_load_round_trip_gives_identical_scores(fitted, world_graph, tmp_path):
    fitted.save(tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["entities.npz", "model.json", "weights.pt"]
    loaded = RiskDetector.load(tmp_path / "model")
    np.testing.assert_array_equal(fitted.predict_proba(world_graph), loaded.predict_proba(world_graph))
    assert loaded.threshold_ == fitted.threshold_
    assert loaded.get_params() == fitted.get_params()  # fanouts=None included: a loaded model clones alike
    manifest = json.loads((tmp_path / "model" / "model.json").read_text())
    assert manifest["format_version"] == 2
    assert manifest["encoder"]["node_features"]["user"] == fitted.encoder_.scalers_["user"].columns
    assert {"torch", "torch_geometric", "graphrisk"} <= set(manifest["versions"])


def test_same_seed_same_model(world_graph, train_labels):
    a = RiskDetector(epochs=3, seed=5).fit(world_graph, train_labels).predict_proba(world_graph)
    b = RiskDetector(epochs=3, seed=5).fit(world_graph, train_labels).predict_proba(world_graph)
    np.testing.assert_array_equal(a, b)


def test_scores_users_it_never_saw_without_retraining(world):
    """Train on the first 60 days; score the whole period, where new accounts appear."""
    tx = world.transactions
    cut = pd.to_datetime(tx["timestamp"], utc=True, format="ISO8601") < pd.Timestamp("2024-03-01", tz="UTC")
    early = tx[cut]
    early_users = set(early["user_id"])
    links = world.links[world.links["user_id"].isin(early_users)]
    users = world.users[world.users["user_id"].isin(early_users)]
    labels = world.known_labels[world.known_labels["user_id"].isin(early_users)]
    past, _ = build_graph(early, links, users)
    detector = RiskDetector(epochs=60, patience=15).fit(past, labels)
    full, _ = build_graph(world.transactions, world.links, world.users)
    risk = _risk(detector, full)
    new = risk.index.difference(pd.Index(sorted(early_users)))
    assert len(new) > 0 and risk.loc[new].between(0, 1).all()
    truth = world.labels.set_index("user_id")["is_fraud"]
    assert roc_auc_score(truth.loc[risk.index], risk) > 0.8
    if truth.loc[new].nunique() == 2:  # the accounts it never saw are ranked too, not just scored
        assert roc_auc_score(truth.loc[new], risk.loc[new]) > 0.7


def test_minibatch_path_trains_and_scores(world_graph, train_labels, world, split):
    detector = RiskDetector(epochs=15, patience=5, minibatch_edges=0, batch_size=256, fanouts=(8, 4))
    detector.fit(world_graph, train_labels)
    assert detector.validation_["minibatch"] is True
    auc_pr, auc_roc, base_rate = _test_metrics(detector, world_graph, world, split[1])
    assert auc_roc > 0.8 and auc_pr > 5 * base_rate


def test_refuses_a_model_trained_on_another_schema(fitted, world, tmp_path):
    fitted.save(tmp_path / "model")
    without_users_table, _ = build_graph(world.transactions, world.links)  # no user attributes
    with pytest.raises(ModelError, match="another input schema.*attr_"):
        RiskDetector.load(tmp_path / "model").predict_proba(without_users_table)


def test_refuses_damaged_or_foreign_model_directories(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    with pytest.raises(ModelError, match="not a graphrisk model directory"):
        RiskDetector.load(tmp_path / "nothing-here")
    manifest = json.loads((folder / "model.json").read_text())

    manifest["format_version"] = 99
    (folder / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="format version 99"):
        RiskDetector.load(folder)

    manifest["format_version"] = 2
    manifest["encoder"]["scalers"]["user"]["columns"].append("extra_feature")
    manifest["encoder"]["scalers"]["user"]["mean"].append(0.0)
    manifest["encoder"]["scalers"]["user"]["scale"].append(1.0)
    (folder / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="weights do not match the schema"):
        RiskDetector.load(folder)


class _Payload:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_weights_load_without_running_pickled_code(fitted, tmp_path, monkeypatch):
    folder = fitted.save(tmp_path / "model")
    with open(folder / "weights.pt", "wb") as handle:
        pickle.dump({"payload": _Payload()}, handle)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match="cannot be loaded as weights"):
        RiskDetector.load(folder)
    assert not (tmp_path / "PWNED").exists()


def test_a_failed_refit_leaves_an_unfitted_detector_not_a_half_fitted_one(fitted, world_graph, train_labels):
    from sklearn.base import clone

    detector = clone(fitted).set_params(epochs=2).fit(world_graph, train_labels)
    with pytest.raises(InputError, match="both fraud"):
        detector.fit(world_graph, train_labels.assign(is_fraud=0))
    assert not hasattr(detector, "encoder_") and not hasattr(detector, "calibrator_")
    with pytest.raises(ModelError, match="not fitted"):
        detector.predict_proba(world_graph)


def test_fit_refuses_labels_it_cannot_use(world_graph, train_labels):
    with pytest.raises(InputError, match="not in the graph"):
        RiskDetector(epochs=1).fit(world_graph, pd.DataFrame({"user_id": ["nobody"], "is_fraud": [1]}))
    with pytest.raises(InputError, match="both fraud"):
        RiskDetector(epochs=1).fit(world_graph, train_labels.assign(is_fraud=0))
    with pytest.raises(ModelError, match="not fitted"):
        RiskDetector().predict_proba(world_graph)


def test_clone_round_trips_every_parameter():
    from sklearn.base import clone

    detector = RiskDetector(hidden=32, layers=3, conv="gat", dropout=0.1, epochs=7, patience=3, min_epochs=2,
                            learning_rate=0.02, weight_decay=0.0, max_pos_weight=10.0, validation_share=0.3,
                            minibatch_edges=5, batch_size=64, fanouts=(4, 3, 2), seed=9, calibration="isotonic",
                            device="cpu")
    copy = clone(detector)
    assert copy is not detector and copy.get_params() == detector.get_params()
    assert copy.get_params()["fanouts"] == (4, 3, 2) and copy.settings == detector.settings
    copy.set_params(epochs=11, conv="sage")
    assert (copy.epochs, copy.conv, detector.epochs) == (11, "sage", 7)
    default = clone(RiskDetector())
    assert default.get_params()["fanouts"] is None and default.set_params(layers=3).settings.fanouts == (15, 10, 10)


def test_clone_of_a_fitted_detector_is_unfitted(fitted):
    from sklearn.base import clone

    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params() and not hasattr(copy, "network_")


def test_predict_and_score_follow_scikit_learn(fitted, world_graph, world, split):
    proba = fitted.predict_proba(world_graph)
    assert proba.shape == (len(world_graph.users), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.predict(world_graph), (proba[:, 1] >= fitted.threshold_).astype(int))
    held_out = world.labels[world.labels["user_id"].isin(split[1])]
    assert fitted.score(world_graph, held_out) == pytest.approx(_test_metrics(fitted, world_graph, world,
                                                                              split[1])[0])


def test_a_format_1_model_loads_with_an_upgrade_note_and_the_same_scores(fitted, world_graph, tmp_path, as_format_1):
    folder = fitted.save(tmp_path / "model")
    manifest = as_format_1(json.loads((folder / "model.json").read_text()))
    (folder / "model.json").write_text(json.dumps(manifest))
    loaded = RiskDetector.load(folder)
    assert len(loaded.notes_) == 1 and "format 1" in loaded.notes_[0] and "\n" not in loaded.notes_[0]
    np.testing.assert_array_equal(loaded.predict_proba(world_graph), fitted.predict_proba(world_graph))
    assert loaded.encoder_.profile_.features == fitted.encoder_.profile_.features
    upgraded = loaded.save(tmp_path / "upgraded")
    assert json.loads((upgraded / "model.json").read_text())["format_version"] == 2
    assert RiskDetector.load(upgraded).notes_ == []


def test_an_unknown_format_names_its_version(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    manifest = json.loads((folder / "model.json").read_text())
    manifest["format_version"] = 0
    (folder / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"format version 0; this graphrisk reads versions 1, 2"):
        RiskDetector.load(folder)
