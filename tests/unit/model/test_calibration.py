"""Calibrated risk: probabilities fitted on validation users, kept ranking, saved exactly, points scale."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score

from graphrisk.cli.main import main
from graphrisk.errors import ModelError
from graphrisk.model import RiskDetector
from graphrisk.model.calibration import Calibrator, calibration_statistics, reliability, risk_points


def _risk(detector: RiskDetector, graph, inputs) -> pd.Series:
    """Risk per user id, from the estimator's array."""
    return pd.Series(detector.predict_proba(graph, inputs=inputs)[:, 1], index=graph.users["user_id"].astype(str))


def _uncalibrated(detector: RiskDetector) -> RiskDetector:
    """The same network scoring with the plain sigmoid (``detector`` itself is left as it is)."""
    plain = copy.copy(detector)
    plain.calibrator_ = Calibrator("none")
    return plain


@pytest.fixture(scope="module")
def inputs(world_graph):
    """Node inputs of the world graph, computed once (they take most of the scoring time)."""
    from graphrisk.features.node_inputs import node_inputs

    return node_inputs(world_graph, seed=0)


@pytest.fixture(scope="module")
def held_out(fitted, world_graph, inputs, world, split):
    """Calibrated and plain risk of the users the detector never trained on, with their labels."""
    test = pd.Index(split[1])
    calibrated = _risk(fitted, world_graph, inputs).reindex(test)
    plain = _risk(_uncalibrated(fitted), world_graph, inputs).reindex(test)
    known = world.known_labels.set_index("user_id")["is_fraud"].reindex(test).fillna(0).astype(int)
    truth = world.labels.set_index("user_id")["is_fraud"].loc[test].astype(int)
    return calibrated, plain, known, truth


# ------------------------------------------------------------------ detector on the generated world
def test_calibrated_risks_are_probabilities(fitted, world_graph, inputs):
    risk = _risk(fitted, world_graph, inputs)
    assert risk.dtype == np.float64 and risk.between(0, 1).all() and risk.notna().all()
    assert fitted.calibrator_.method == "platt" and fitted.calibrator_.slope_ > 0
    assert 0 < fitted.threshold_ < 1
    stats = fitted.validation_["calibration"]
    assert stats["method"] == "platt" and stats["cross_fitted"] is True
    assert stats["users"] == fitted.validation_["users"] and stats["fraud"] == fitted.validation_["fraud"]
    assert sum(b["count"] for b in stats["after"]["bins"]) == stats["users"]
    # out of sample for the calibrator (cross-fitted halves), the validation users are better calibrated
    assert stats["after"]["ece"] <= stats["before"]["ece"]
    assert stats["after"]["brier"] <= stats["before"]["brier"]


def test_calibration_lowers_the_error_on_held_out_users(held_out):
    """Held-out users, against what a fraud team knows about them (the labels the model learns).

    The calibrator learns how often users scored like this are *labelled* fraud; in this world
    about a quarter of fraud is never labelled, so against the full ground truth the calibrated
    scores are too low (see the module notes of graphrisk.model.calibration).
    """
    calibrated, plain, known, _ = held_out
    before, after = reliability(known, plain), reliability(known, calibrated)
    assert after["ece"] <= before["ece"]
    assert after["brier"] <= before["brier"]


def test_platt_keeps_the_ranking_and_the_flags(fitted, held_out, world_graph, inputs):
    calibrated, plain, known, truth = held_out
    np.testing.assert_array_equal(rankdata(calibrated), rankdata(plain))
    assert average_precision_score(truth, calibrated) == average_precision_score(truth, plain)
    assert average_precision_score(known, calibrated) == average_precision_score(known, plain)
    scores = fitted.score_users(world_graph, reasons=0, inputs=inputs).scores
    flagged = scores.loc[scores["flagged"], "risk_score"]
    assert len(flagged) and (scores["flagged"] == (scores["risk_score"] >= fitted.threshold_)).all()
    assert flagged.min() > scores.loc[~scores["flagged"], "risk_score"].max()  # the flags are a top set


def test_risk_from_logits_is_the_public_path(fitted):
    logits = np.array([-30.0, -2.0, 0.0, 3.5, 8.0], dtype=np.float32)
    risk = fitted.risk_from_logits(logits)
    np.testing.assert_array_equal(risk, expit(fitted.calibrator_.slope_ * logits.astype(float)
                                              + fitted.calibrator_.intercept_))
    assert (np.diff(risk) > 0).all()
    with pytest.raises(ModelError, match="not fitted"):
        RiskDetector().risk_from_logits(logits)


def test_save_load_round_trip_keeps_the_calibration(fitted, world_graph, inputs, tmp_path):
    folder = fitted.save(tmp_path / "model")
    manifest = json.loads((folder / "model.json").read_text())
    assert manifest["calibration"] == {"method": "platt", "slope": fitted.calibrator_.slope_,
                                       "intercept": fitted.calibrator_.intercept_}
    assert manifest["params"]["calibration"] == "platt"
    assert manifest["validation"]["calibration"]["after"]["ece"] == fitted.validation_["calibration"]["after"]["ece"]
    loaded = RiskDetector.load(folder)
    pd.testing.assert_series_equal(_risk(fitted, world_graph, inputs),
                                   _risk(loaded, world_graph, inputs))
    assert loaded.threshold_ == fitted.threshold_
    assert loaded.validation_["calibration"] == fitted.validation_["calibration"]


def test_a_model_saved_before_calibration_scores_with_the_plain_sigmoid(fitted, world_graph, inputs, tmp_path,
                                                                       as_format_1):
    folder = fitted.save(tmp_path / "model")
    manifest = as_format_1(json.loads((folder / "model.json").read_text()))
    del manifest["calibration"], manifest["settings"]["calibration"], manifest["validation"]["calibration"]
    (folder / "model.json").write_text(json.dumps(manifest))
    loaded = RiskDetector.load(folder)
    assert loaded.calibrator_.method == "none" and loaded.settings.calibration == "none"
    pd.testing.assert_series_equal(_risk(loaded, world_graph, inputs),
                                   _risk(_uncalibrated(fitted), world_graph, inputs))
    assert loaded.risk_from_logits(np.array([0.0])).tolist() == [0.5]


def test_a_damaged_calibration_is_refused(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    manifest = json.loads((folder / "model.json").read_text())
    for damaged in ({"method": "platt", "slope": -1.0, "intercept": 0.0}, {"method": "platt"},
                    {"method": "magic"}, {"method": "isotonic", "logits": [1.0, 0.0], "probabilities": [0.1, 0.2]}):
        manifest["calibration"] = damaged
        (folder / "model.json").write_text(json.dumps(manifest))
        with pytest.raises(ModelError, match="incomplete or invalid"):
            RiskDetector.load(folder)


def test_isotonic_option(world_graph, inputs, train_labels, tmp_path):
    detector = RiskDetector(epochs=20, patience=10, seed=0, calibration="isotonic")
    detector.fit(world_graph, train_labels, inputs=inputs)
    assert detector.calibrator_.method == "isotonic"
    assert detector.validation_["calibration"]["method"] == "isotonic"
    risk = _risk(detector, world_graph, inputs)
    plain = _risk(_uncalibrated(detector), world_graph, inputs)
    assert risk.between(0, 1).all()
    assert (np.diff(risk.to_numpy()[np.argsort(plain.to_numpy(), kind="stable")]) >= 0).all()  # never reorders
    # ties are allowed; the flag is a cut through them, never between users of equal risk
    scores = detector.score_users(world_graph, reasons=0, inputs=inputs).scores
    assert detector.threshold_ in set(risk)
    assert (scores["flagged"] == (scores["risk_score"] >= detector.threshold_)).all()
    assert scores["flagged"].any() and not scores["flagged"].all()
    loaded = RiskDetector.load(detector.save(tmp_path / "model"))
    pd.testing.assert_series_equal(risk, _risk(loaded, world_graph, inputs))
    assert loaded.threshold_ == detector.threshold_


def test_score_command_writes_risk_points(fitted, world, tmp_path, capsys):
    files = tmp_path / "world"
    world.write(files)
    model = fitted.save(tmp_path / "model")
    out = tmp_path / "scores.csv"
    inputs = ["--transactions", str(files / "transactions.csv"), "--links", str(files / "links.csv"),
              "--users", str(files / "users.csv"), "--rejects", str(tmp_path / "rejects.csv")]
    status = main(["score", *inputs, "--model", str(model), "--out", str(out), "--reasons", "0", "--points"])
    assert status == 0, capsys.readouterr()
    scores = pd.read_csv(out, keep_default_na=False)
    assert list(scores.columns[:4]) == ["user_id", "risk_score", "risk_points", "flagged"]
    assert scores["risk_points"].dtype == np.int64 and scores["risk_points"].between(300, 900).all()
    np.testing.assert_array_equal(scores["risk_points"], risk_points(scores["risk_score"]))
    ordered = scores.sort_values("risk_score")["risk_points"].to_numpy()
    assert (np.diff(ordered) <= 0).all()  # riskier users never get more points


# ------------------------------------------------------------------------ the pieces on their own
def test_points_scale_has_known_values_and_falls_with_risk():
    assert risk_points(1 / 51) == 600  # 50 : 1 odds of legitimate to fraud
    assert risk_points(1 / 101) == 620 and risk_points(1 / 26) == 580  # 20 points double / halve the odds
    assert risk_points(1 / 21, base_points=500, base_odds=20, points_to_double=40) == 500
    assert risk_points(1 / 41, base_points=500, base_odds=20, points_to_double=40) == 540
    assert risk_points(0.0) == 900 and risk_points(1.0) == 300  # clipped, never infinite
    grid = risk_points(np.linspace(0.0, 1.0, 1001))
    assert isinstance(grid, np.ndarray) and (np.diff(grid) <= 0).all() and grid[0] > grid[-1]
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match="probability"):
            risk_points(bad)
    with pytest.raises(ValueError, match="positive"):
        risk_points(0.1, base_odds=0)


def test_platt_stays_finite_and_increasing_on_separated_users():
    logits = np.array([-5.0, -4.0, -3.0, 3.0, 4.0, 5.0])
    truth = np.array([0, 0, 0, 1, 1, 1])
    calibrator = Calibrator().fit(logits, truth)
    assert np.isfinite(calibrator.slope_) and calibrator.slope_ > 0
    risk = calibrator.transform(logits)
    assert (np.diff(risk) > 0).all() and 0 < risk.min() and risk.max() < 1
    # an inverted signal cannot make Platt reorder users
    assert Calibrator().fit(logits, 1 - truth).slope_ > 0


def test_calibrator_checks_its_input():
    with pytest.raises(ValueError, match="unknown calibration"):
        Calibrator("beta")
    with pytest.raises(ValueError, match="both|fraud"):
        Calibrator().fit(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="not fitted"):
        Calibrator("isotonic").transform(np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        Calibrator().fit(np.array([0.0, np.nan]), np.array([0, 1]))
    with pytest.raises(ValueError, match="unknown calibration"):
        RiskDetector(calibration="beta").settings  # noqa: B018 - checked when fitting (scikit-learn's rule)
    assert Calibrator("none").transform(np.array([0.0])).tolist() == [0.5]


def test_isotonic_and_reliability_on_a_known_sample():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=2000)
    truth = (rng.random(2000) < expit(logits - 2.0)).astype(int)  # the plain sigmoid overstates the risk
    stats = calibration_statistics(logits, truth, method="isotonic", seed=0)
    assert stats["cross_fitted"] and stats["after"]["ece"] < stats["before"]["ece"] / 2
    calibrator = Calibrator("isotonic").fit(logits, truth)
    again = Calibrator.from_dict(json.loads(json.dumps(calibrator.to_dict())))
    np.testing.assert_array_equal(again.transform(logits), calibrator.transform(logits))
    beyond = calibrator.transform(np.array([-100.0, 100.0]))
    assert beyond.tolist() == [calibrator.knots_[1][0], calibrator.knots_[1][-1]]  # clipped at the ends
    table = reliability(np.array([0, 1, 1, 0]), np.array([0.0, 1.0, 0.95, 0.25]), bins=4)
    assert [b["count"] for b in table["bins"]] == [1, 1, 2]
    assert table["ece"] == pytest.approx((0.0 + 0.25 + 2 * 0.025) / 4)
