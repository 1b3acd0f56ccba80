"""The detector learns, saves and loads exactly, scores users it never saw, and refuses other schemas."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from graphrisk import build_graph
from graphrisk.errors import ModelError
from graphrisk.model import RiskDetector


def _test_metrics(detector, graph, world, test_users):
    risk = detector.predict_proba(graph)
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
    scores = fitted.score(world_graph)
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
    pd.testing.assert_series_equal(fitted.predict_proba(world_graph), loaded.predict_proba(world_graph))
    assert loaded.threshold_ == fitted.threshold_
    manifest = json.loads((tmp_path / "model" / "model.json").read_text())
    assert manifest["schema"]["node_features"]["user"] == fitted.scalers_["user"].columns
    assert {"torch", "torch_geometric", "graphrisk"} <= set(manifest["versions"])


def test_same_seed_same_model(world_graph, train_labels):
    a = RiskDetector(epochs=3, seed=5).fit(world_graph, train_labels).predict_proba(world_graph)
    b = RiskDetector(epochs=3, seed=5).fit(world_graph, train_labels).predict_proba(world_graph)
    pd.testing.assert_series_equal(a, b)


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
    risk = detector.predict_proba(full)
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

    manifest["format_version"] = 1
    manifest["scalers"]["user"]["columns"].append("extra_feature")
    manifest["scalers"]["user"]["mean"].append(0.0)
    manifest["scalers"]["user"]["scale"].append(1.0)
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


def test_fit_refuses_labels_it_cannot_use(world_graph, train_labels):
    with pytest.raises(ValueError, match="not in the graph"):
        RiskDetector(epochs=1).fit(world_graph, pd.DataFrame({"user_id": ["nobody"], "is_fraud": [1]}))
    with pytest.raises(ValueError, match="both fraud"):
        RiskDetector(epochs=1).fit(world_graph, train_labels.assign(is_fraud=0))
    with pytest.raises(ModelError, match="not fitted"):
        RiskDetector().predict_proba(world_graph)
