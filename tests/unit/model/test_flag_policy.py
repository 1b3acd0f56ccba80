"""The flag policy (issue 19): f1, f2, precision:P and budget:N, at training and at scoring."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.errors import InputError, ModelError
from graphrisk.model import RiskDetector
from graphrisk.policy.flag_policy import CURVE_POINTS, FlagPolicy, ValidationCurve


@pytest.mark.parametrize("text", ["f3", "precision:0", "precision:1.5", "budget:0", "budget:x", "budget", "f1:2", ""])
def test_a_bad_policy_is_refused_naming_the_forms(text):
    with pytest.raises(InputError, match=r"f1, f2, precision:P \(0 < P <= 1\) or budget:N"):
        FlagPolicy.parse(text)


def test_policies_read_and_print_as_written():
    assert [str(FlagPolicy.parse(t)) for t in ("F1", "f2", "precision:0.9", "budget:500")] == [
        "f1", "f2", "precision:0.9", "budget:500"]


def _curve(seed: int = 0, users: int = 5000) -> tuple[ValidationCurve, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = (rng.random(users) < 0.05).astype(int)
    risk = np.clip(0.35 * truth + rng.random(users) * 0.7, 0, 1)
    return ValidationCurve.from_scores(truth, risk), truth, risk


def test_each_cut_policy_keeps_its_promise_on_the_validation_users():
    curve, truth, risk = _curve()
    f1, f2 = FlagPolicy.parse("f1").threshold(curve), FlagPolicy.parse("f2").threshold(curve)

    def recall(cut):
        return truth[risk >= cut].sum() / truth.sum()

    def precision(cut):
        return truth[risk >= cut].mean()

    assert f2 <= f1 and recall(f2) >= recall(f1)  # recall weighs more: a lower cut
    strict = FlagPolicy.parse("precision:0.8").threshold(curve)
    assert precision(strict) >= 0.8
    # the most recall at that precision: any lower cut on the curve falls short of 0.8
    lower = curve.thresholds[curve.thresholds < strict]
    assert all(precision(cut) < 0.8 for cut in lower[-50:])


def test_a_precision_no_cut_reaches_takes_the_most_precise_cut():
    curve, truth, risk = _curve(seed=1)
    best = float(curve.thresholds[np.argmax(curve.precision)])
    if curve.precision.max() < 1.0:
        assert FlagPolicy.parse("precision:1").threshold(curve) == best


def test_a_budget_flags_exactly_n_riskiest_ties_broken_by_position():
    risk = np.array([0.2, 0.9, 0.5, 0.9, 0.9])
    assert FlagPolicy.parse("budget:2").flags(risk).tolist() == [False, True, False, True, False]
    assert FlagPolicy.parse("budget:10").flags(risk).sum() == 5


def test_the_curve_is_thinned_and_survives_a_round_trip():
    curve, _, _ = _curve(users=20_000)
    assert len(curve.thresholds) <= CURVE_POINTS
    again = ValidationCurve.from_dict(json.loads(json.dumps(curve.to_dict())))
    for policy in ("f1", "f2", "precision:0.7"):
        assert FlagPolicy.parse(policy).threshold(again) == FlagPolicy.parse(policy).threshold(curve)


def test_no_fraud_among_the_validation_users_gives_a_fixed_cut():
    curve = ValidationCurve.from_scores(np.zeros(10), np.linspace(0, 1, 10))
    assert curve.positives == 0 and FlagPolicy.parse("f2").threshold(curve) == 0.5


# --- on a trained detector --------------------------------------------------------------------


def test_a_detector_changes_policy_without_retraining_and_saves_it(fitted, world_graph, tmp_path):
    risk = fitted.predict_proba(world_graph)[:, 1]
    detector = RiskDetector.load(fitted.save(tmp_path / "model"))
    assert detector.flag_policy == "f1" and detector.threshold_ == pytest.approx(fitted.threshold_)
    assert detector.predict(world_graph).sum() == (risk >= fitted.threshold_).sum()
    detector.use_flag_policy("budget:25")
    assert detector.predict(world_graph).sum() == 25
    detector.use_flag_policy("f2")
    assert detector.threshold_ <= fitted.threshold_
    assert detector.predict(world_graph).sum() >= (risk >= fitted.threshold_).sum()
    again = RiskDetector.load(detector.save(tmp_path / "f2"))
    assert again.flag_policy == "f2" and again.threshold_ == pytest.approx(detector.threshold_)


def test_a_model_saved_before_flag_policies_takes_only_a_budget(fitted, tmp_path):
    folder = fitted.save(tmp_path / "old")
    manifest = json.loads((folder / "model.json").read_text())
    del manifest["validation_curve"]
    manifest["params"].pop("flag_policy")
    (folder / "model.json").write_text(json.dumps(manifest))
    detector = RiskDetector.load(folder)
    assert detector.flag_policy == "f1" and detector.threshold_ == pytest.approx(fitted.threshold_)
    with pytest.raises(ModelError, match="keeps no validation curve"):
        detector.use_flag_policy("precision:0.9")
    assert detector.use_flag_policy("budget:10").flag_policy == "budget:10"


def test_score_flags_by_the_policy_asked_for(fitted, world, tmp_path, capsys):
    folder = tmp_path / "world"
    world.write(folder)
    model = fitted.save(tmp_path / "model")
    inputs = ["--transactions", str(folder / "transactions.csv"), "--links", str(folder / "links.csv"),
              "--users", str(folder / "users.csv"), "--rejects", str(tmp_path / "rejects.csv"), "--model", str(model),
              "--reasons", "0"]
    out = tmp_path / "scores.csv"
    assert main(["score", *inputs, "--out", str(out), "--flag-policy", "budget:40"]) == 0
    assert "40 flagged (the 40 riskiest, flag policy budget:40)" in capsys.readouterr().out
    scores = pd.read_csv(out)
    assert scores["flagged"].sum() == 40
    assert scores.loc[scores["flagged"], "risk_score"].min() >= scores.loc[~scores["flagged"], "risk_score"].max()
    status = main(["score", *inputs, "--out", str(out), "--flag-policy", "budget:many"])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "flag policy must be" in err


def test_train_keeps_the_policy_it_was_given(world, tmp_path, capsys):
    folder = tmp_path / "world"
    world.write(folder)
    model = tmp_path / "model"
    status = main(["train", "--transactions", str(folder / "transactions.csv"), "--labels",
                   str(folder / "known_labels.csv"), "--rejects", str(tmp_path / "rejects.csv"), "--model", str(model),
                   "--epochs", "5", "--flag-policy", "precision:0.9", "--no-progress"])
    assert status == 0, capsys.readouterr()
    manifest = json.loads((model / "model.json").read_text())
    assert manifest["params"]["flag_policy"] == "precision:0.9"
    curve = ValidationCurve.from_dict(manifest["validation_curve"])
    assert manifest["threshold"] == pytest.approx(FlagPolicy.parse("precision:0.9").threshold(curve))


def test_a_cut_that_flags_far_more_than_the_fraud_is_warned_about(fitted, world_graph):
    """A model that barely ranks can get an F1 cut that flags half the users: train and demo say so."""
    v = fitted.validation_
    flagged = np.mean(fitted.predict_proba(world_graph)[:, 1] >= fitted.threshold_)
    assert 0 < v["flagged_share"] < 0.2 and flagged < 0.2  # a model that ranks: no warning
    assert fitted.flag_warning() is None
    degenerate = copy.deepcopy(fitted)
    degenerate.validation_ = {**v, "flagged_share": 0.47, "fraud": 3, "users": 100, "auc_pr": 0.04}
    warning = degenerate.flag_warning()
    assert warning.startswith("the f1 cut (risk >= ") and "flags 47% of the validation users" in warning
    assert "3.0% are fraud" in warning and "budget:N" in warning
    assert degenerate.use_flag_policy("budget:10").flag_warning() is None  # a budget flags what it is asked
    many_fraud = copy.deepcopy(fitted)
    many_fraud.validation_ = {**v, "flagged_share": 0.47, "fraud": 40, "users": 100}
    assert many_fraud.flag_warning() is None  # 47% flagged where 40% are fraud is no sign of a broken model
