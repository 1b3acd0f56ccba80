"""``graphrisk train`` and ``graphrisk score`` on files, and their one-line failures."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from graphrisk.cli.main import main


@pytest.fixture(scope="module")
def world_files(tmp_path_factory, world):
    folder = tmp_path_factory.mktemp("world")
    world.write(folder)
    return folder


def _inputs(folder):
    return ["--transactions", str(folder / "transactions.csv"), "--links", str(folder / "links.csv"),
            "--users", str(folder / "users.csv"), "--rejects", str(folder / "rejects.csv")]


def test_train_then_score_every_user(world_files, world, tmp_path, capsys):
    model = tmp_path / "model"
    status = main(["train", *_inputs(world_files), "--labels", str(world_files / "known_labels.csv"),
                   "--model", str(model), "--epochs", "40", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "validation AUC-PR" in out and (model / "weights.pt").is_file()
    assert json.loads((model / "model.json").read_text())["format"] == "graphrisk-model"

    scores_path, rings_path = tmp_path / "scores.csv", tmp_path / "rings.parquet"
    assert main(["score", *_inputs(world_files), "--model", str(model), "--out", str(scores_path),
                 "--rings", str(rings_path)]) == 0
    out = capsys.readouterr().out
    scores = pd.read_csv(scores_path, keep_default_na=False)
    assert list(scores.columns[:4]) == ["user_id", "risk_score", "flagged", "ring_id"]
    assert sorted(scores["user_id"]) == sorted(world.users["user_id"])
    rings = pd.read_parquet(rings_path)
    assert f"{len(rings):,} rings" in out
    assert set(scores.loc[scores["ring_id"] != "", "ring_id"]) == set(rings["ring_id"])
    # the model finds fraud: the flagged users are mostly fraudsters
    truth = world.labels.set_index("user_id")["is_fraud"]
    flagged = scores.loc[scores["flagged"], "user_id"]
    assert len(flagged) and truth.loc[flagged].mean() > 0.5


def test_score_with_a_missing_model_is_one_line(world_files, tmp_path, capsys):
    status = main(["score", *_inputs(world_files), "--model", str(tmp_path / "none"), "--out", str(tmp_path / "s.csv")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "not a graphrisk model directory" in err


def test_train_without_labels_is_one_line(world_files, tmp_path, capsys):
    status = main(["train", *_inputs(world_files), "--model", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "--labels" in err


def test_evaluate_writes_metrics_and_plots(world_files, tmp_path, capsys):
    out = tmp_path / "eval"
    status = main(["evaluate", *_inputs(world_files), "--labels", str(world_files / "labels.csv"),
                   "--out", str(out), "--epochs", "30"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    metrics = pd.read_csv(out / "metrics.csv").set_index("system")
    assert list(metrics.index) == ["graphrisk_gnn", "tabular_gb", "neighbour_gb", "graph_features_gb"]
    assert metrics["auc_pr"].between(0, 1).all() and metrics["ring_recall"].between(0, 1).all()
    # the graph matters on ring fraud: the GNN beats gradient boosting on tabular statistics
    assert metrics.loc["graphrisk_gnn", "auc_pr"] > metrics.loc["tabular_gb", "auc_pr"]
    details = json.loads((out / "metrics.json").read_text())["details"]
    assert details["split"] == "ring" and details["test_rings"] >= 2
    for name in ("pr_curves.png", "score_distributions.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_score_says_in_one_line_that_a_format_1_model_was_upgraded(fitted, world_files, tmp_path, capsys,
                                                                    as_format_1):
    folder = fitted.save(tmp_path / "model")
    manifest = as_format_1(json.loads((folder / "model.json").read_text()))
    (folder / "model.json").write_text(json.dumps(manifest))
    out_path = tmp_path / "scores.csv"
    assert main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(out_path), "--reasons", "0"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "format 1" in line]
    assert len(notes) == 1 and notes[0].startswith("note: model ") and "same inputs and scores" in notes[0]
    assert len(pd.read_csv(out_path)) == len(pd.read_csv(world_files / "users.csv"))


def test_score_saves_its_inputs_and_scores_with_them_again(fitted, world_files, tmp_path, capsys):
    folder = fitted.save(tmp_path / "model")
    first, again, inputs = tmp_path / "first.csv", tmp_path / "again.csv", tmp_path / "inputs"
    assert main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(first), "--reasons", "0",
                 "--save-node-inputs", str(inputs)]) == 0
    assert sorted(p.name for p in inputs.iterdir())[:2] == ["address.parquet", "card.parquet"]
    assert main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(again), "--reasons", "0",
                 "--node-inputs", str(inputs)]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"note: node inputs from {re.escape(str(inputs))}: 0 of [\d,]+ users are not in them", out)
    assert "note: drift: not measured" in out
    pd.testing.assert_frame_equal(pd.read_csv(first), pd.read_csv(again))
    status = main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(again),
                   "--node-inputs", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "no such folder" in err
    # a folder holding anything else is never written into: nothing of the user's is deleted
    status = main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(again), "--reasons", "0",
                   "--save-node-inputs", str(world_files)])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "choose a new folder" in err
    assert (world_files / "transactions.csv").is_file() and not (world_files / "user.parquet").exists()
    status = main(["score", *_inputs(world_files), "--model", str(folder), "--out", str(again),
                   "--node-inputs", str(inputs), "--drift", str(tmp_path / "drift.csv")])
    assert status == 1 and "do not go with --node-inputs" in capsys.readouterr().err
