"""``graphrisk compare``: a clearly better challenger is promoted, a worse one refused; the registry follows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphrisk.cli.compare import REFUSED
from graphrisk.cli.main import main
from graphrisk.feedback import ModelRegistry, compare_models, decide
from graphrisk.model.persistence import model_version


@pytest.mark.parametrize(("champion", "challenger", "promote", "reason"), [
    ({"auc_pr": 0.40, "ring_recall": 0.50}, {"auc_pr": 0.41, "ring_recall": 0.50}, True, "AUC-PR 0.410 > 0.400"),
    ({"auc_pr": 0.40, "ring_recall": 0.50}, {"auc_pr": 0.40, "ring_recall": 1.00}, False, "not above"),
    ({"auc_pr": 0.40, "ring_recall": 0.75}, {"auc_pr": 0.90, "ring_recall": 0.50}, False, "ring recall 0.500 is below"),
    ({"auc_pr": 0.40, "ring_recall": float("nan")}, {"auc_pr": 0.50, "ring_recall": float("nan")}, True,
     "ring recall not available"),
])
def test_promotion_rule(champion, challenger, promote, reason):
    decision = decide(champion, challenger)
    assert decision.promote is promote and reason in decision.reason


def test_min_gain_asks_for_more():
    assert not decide({"auc_pr": 0.40}, {"auc_pr": 0.42}, min_gain=0.05).promote


def test_the_same_model_is_no_challenger(fb_models, fb_graph, fb_files):
    heldout = pd.read_csv(fb_files / "heldout.csv", dtype={"user_id": str}, keep_default_na=False)
    with pytest.raises(ValueError, match="the challenger is the champion"):
        compare_models(fb_models["good"], fb_models["good"], fb_graph, heldout)


def _compare(fb_inputs, fb_files, *extra) -> list[str]:
    return ["compare", *fb_inputs, "--labels", str(fb_files / "heldout.csv"), *extra]


def test_registry_bootstraps_promotes_a_better_model_and_refuses_a_worse_one(fb_models, fb_files, fb_inputs,
                                                                            tmp_path, capsys):
    registry_dir = tmp_path / "registry"
    registry = ModelRegistry(registry_dir)
    good, weak = model_version(fb_models["good"]), model_version(fb_models["weak"])

    # an empty registry: the first challenger becomes current (nothing to beat)
    status = main(_compare(fb_inputs, fb_files, "--registry", str(registry_dir), "--challenger", str(fb_models["weak"])))
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "has no current version yet" in printed and registry.current() == weak

    # the properly trained model against the registry's current one (trained on shuffled labels): promoted
    status = main(_compare(fb_inputs, fb_files, "--registry", str(registry_dir), "--challenger", str(fb_models["good"])))
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert f"champion: the registry's current version {weak}" in printed
    assert f"decision: challenger {good} promoted: AUC-PR" in printed
    table = {line.split()[0]: line.split()[1:] for line in printed.splitlines() if line.startswith(("auc_pr", "ring_recall"))}
    assert float(table["auc_pr"][1]) > float(table["auc_pr"][0])  # champion column, then challenger column
    assert float(table["ring_recall"][1]) >= float(table["ring_recall"][0])
    content = json.loads((registry_dir / "registry.json").read_text())
    assert content["current"] == good
    assert content["versions"][good]["metrics"]["auc_pr"] > content["versions"][weak]["metrics"]["auc_pr"]
    assert content["versions"][good]["data"]["labels"] == str(fb_files / "heldout.csv")
    assert (registry_dir / "versions" / good / "weights.pt").is_file()

    # swapped: the weak model challenges the good one and is refused; current stays; the overlap is warned about
    status = main(_compare(fb_inputs, fb_files, "--registry", str(registry_dir), "--champion", str(fb_models["good"]),
                           "--challenger", str(fb_models["weak"]), "--training-labels", str(fb_files / "heldout.csv")))
    printed, err = capsys.readouterr()
    assert status == REFUSED, printed
    assert f"decision: challenger {weak} refused: AUC-PR" in printed and "is not above the champion's" in printed
    assert "held-out users are in the training labels" in err
    content = json.loads((registry_dir / "registry.json").read_text())
    assert content["current"] == good
    assert [(h["decision"], h["current"]) for h in content["history"]] == [
        ("promoted", weak), ("promoted", good), ("refused", good)]
    assert sorted(content["versions"]) == sorted([good, weak])


def test_compare_needs_a_champion_or_a_registry(fb_models, fb_files, fb_inputs, capsys):
    status = main(_compare(fb_inputs, fb_files, "--challenger", str(fb_models["good"])))
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "--champion DIR, or --registry DIR" in err
