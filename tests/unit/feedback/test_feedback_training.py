"""Feedback labels merged over training labels, in Python and through ``graphrisk train --feedback``."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.errors import InputError
from graphrisk.feedback import merge_labels, read_labels


def test_feedback_wins_for_the_same_user_and_a_confirmed_fraud_keeps_the_ring():
    base = pd.DataFrame({"user_id": ["u1", "u2", "u3", "u5"], "is_fraud": [0, 1, 0, 1], "ring_id": ["", "R1", "", "R2"]})
    feedback = pd.DataFrame({"user_id": ["u2", "u3", "u4", "u5", "ghost"], "is_fraud": [0, 0, 1, 1, 1], "ring_id": ""})
    merge = merge_labels(base, feedback, users={"u1", "u2", "u3", "u4", "u5"})
    # u2 cleared as legit leaves ring R1; u5 confirmed fraud stays in R2
    assert merge.labels.values.tolist() == [["u1", 0, ""], ["u2", 0, ""], ["u3", 0, ""], ["u4", 1, ""],
                                            ["u5", 1, "R2"]]
    assert (merge.added, merge.overridden, merge.changed, merge.not_in_graph) == (1, 3, 1, 1)
    assert merge.cleared.tolist() == ["u2", "u3"]  # verdicts of legitimate: never pseudo-labelled in training
    assert merge.summary() == ("feedback: 1 labels added, 3 overridden (1 changed is_fraud); 5 labels in all; "
                               "1 feedback users are not in the graph (left out)")


def test_feedback_alone_becomes_the_labels():
    merge = merge_labels(None, pd.DataFrame({"user_id": ["b", "a"], "is_fraud": [1, 0]}))
    assert merge.labels.values.tolist() == [["a", 0, ""], ["b", 1, ""]] and merge.added == 2


def test_a_bad_feedback_labels_file_stops_with_its_line(tmp_path):
    path = tmp_path / "feedback.csv"
    path.write_text("user_id,is_fraud,ring_id\nu1,1,\nu2,yes please,\n")
    with pytest.raises(InputError, match="line 3: is_fraud must be 0 or 1"):
        read_labels(path)


def test_train_with_feedback_merges_and_reports(fb_files, fb_inputs, fb_world, tmp_path, capsys):
    known = pd.read_csv(fb_files / "train_labels.csv", dtype={"user_id": str})
    truth = fb_world.labels.set_index("user_id")["is_fraud"]
    # investigators confirmed some fraud the known labels missed (labelled 0 there) and cleared 3 users
    missed = known.loc[(known["is_fraud"] == 0) & known["user_id"].map(truth).eq(1), "user_id"].head(5).tolist()
    outside = [u for u in truth.index if u not in set(known["user_id"])][:4]
    assert missed and len(outside) == 4
    feedback = pd.DataFrame({"user_id": [*missed, *outside[:3], outside[3]], "is_fraud": [1] * len(missed) + [0, 0, 0, 1],
                             "ring_id": ""})
    path = tmp_path / "feedback.csv"
    feedback.to_csv(path, index=False)
    model = tmp_path / "model"
    status = main(["train", *fb_inputs, "--labels", str(fb_files / "train_labels.csv"), "--feedback", str(path),
                   "--model", str(model), "--epochs", "2", "--no-progress"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    expected = f"feedback: 4 labels added, {len(missed)} overridden ({len(missed)} changed is_fraud); " \
               f"{len(known) + 4:,} labels in all"
    assert expected in printed
    validation = json.loads((model / "model.json").read_text())["validation"]
    assert validation["train_users"] + validation["users"] == len(known) + 4  # the merged labels were used
    assert validation["train_fraud"] + validation["fraud"] == int(known["is_fraud"].sum()) + len(missed) + 1


def test_train_with_only_feedback_needs_no_labels_file(tmp_path, monkeypatch, capsys):
    from graphrisk.model.detector import RiskDetector

    seen = {}

    def fit(self, graph, labels, **kwargs):  # stop before training: only the labels it gets matter here
        seen["labels"], seen["cleared"] = labels, kwargs.get("cleared")
        raise ValueError("stopped by the test")

    monkeypatch.setattr(RiskDetector, "fit", fit)
    samples = Path(str(files("graphrisk.samples").joinpath("transactions.csv"))).parent
    path = tmp_path / "feedback.csv"
    path.write_text("user_id,is_fraud,ring_id\nu5,1,\nu1,0,\nghost,1,\n")
    with pytest.raises(ValueError, match="stopped by the test"):  # not a GraphRiskError: not turned into one line
        main(["train", "--transactions", str(samples / "transactions.csv"), "--rejects", str(tmp_path / "r.csv"),
              "--feedback", str(path), "--model", str(tmp_path / "m")])
    printed = capsys.readouterr().out
    assert "feedback: 2 labels added, 0 overridden" in printed and "1 feedback users are not in the graph" in printed
    assert seen["labels"].values.tolist() == [["u1", 0, ""], ["u5", 1, ""]]
    assert list(seen["cleared"]) == ["u1"]  # the user the verdicts cleared reaches fit, kept out of pseudo-labels
