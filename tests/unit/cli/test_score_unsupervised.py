"""``graphrisk score --unsupervised``: no model, no label; its files, flags and one-line refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.unsupervised import COLD_START_VERSION


@pytest.fixture(autouse=True)
def _no_server(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    for name in ("GRAPHRISK_CONFIG", "NEO4J_PASSWORD", "GRAPHRISK_NEO4J_RETRY_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def _inputs(sample_paths, tmp_path) -> list[str]:
    return ["--transactions", str(sample_paths["transactions"]), "--links", str(sample_paths["links"]),
            "--users", str(sample_paths["users"]), "--rejects", str(tmp_path / "rejects.csv")]


def _one_line_error(capsys, argv: list[str]) -> str:
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 1, captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("graphrisk score: error: "), captured.err
    return captured.err


def test_writes_scores_and_rings_without_a_model(sample_paths, tmp_path, capsys):
    scores_path, rings_path = tmp_path / "scores.csv", tmp_path / "rings.parquet"
    status = main(["score", "--unsupervised", *_inputs(sample_paths, tmp_path), "--out", str(scores_path),
                   "--rings", str(rings_path), "--flag-policy", "budget:3"])
    out = capsys.readouterr().out
    assert status == 0, out
    scores = pd.read_csv(scores_path, keep_default_na=False)
    assert list(scores.columns) == ["user_id", "risk_score", "flagged", "ring_id", "reason_1", "reason_2", "reason_3",
                                    "sharing", "synchrony", "outlier"]
    assert len(scores) == 10 and scores["risk_score"].between(0, 1).all()
    assert "scored 10 users without labels (cold start): 3 flagged (flag policy budget:3), 1 rings" in out
    # u5, u6 and u7 pay one shop within seconds from one device and card: the ring of the sample
    flagged = scores.loc[scores["flagged"], "user_id"].tolist()
    assert sorted(flagged) == ["u5", "u6", "u7"]
    rings = pd.read_parquet(rings_path)
    assert len(rings) == 1 and sorted(rings.loc[0, "members"]) == ["u5", "u6", "u7"]
    assert set(scores.loc[scores["ring_id"] != "", "ring_id"]) == {rings.loc[0, "ring_id"]}
    assert scores.set_index("user_id").loc["u5", "reason_1"].startswith("in a ring of 3 flagged accounts sharing")


def test_default_flags_the_riskiest_one_percent_at_least_one(sample_paths, tmp_path, capsys):
    path = tmp_path / "scores.parquet"
    assert main(["score", "--unsupervised", *_inputs(sample_paths, tmp_path), "--out", str(path), "--reasons", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 flagged (flag policy budget:1, the default: the riskiest 1%)" in out
    scores = pd.read_parquet(path)
    assert int(scores["flagged"].sum()) == 1 and list(scores.columns[4:]) == ["reason_1", "sharing", "synchrony",
                                                                                "outlier"]


@pytest.mark.parametrize("n", [1, 4, 50])
def test_budget_flags_exactly_n(sample_paths, tmp_path, capsys, n):
    path = tmp_path / "scores.csv"
    assert main(["score", "--unsupervised", *_inputs(sample_paths, tmp_path), "--out", str(path),
                 "--flag-policy", f"budget:{n}"]) == 0
    assert int(pd.read_csv(path)["flagged"].sum()) == min(n, 10)


@pytest.mark.parametrize("policy", ["f1", "f2", "precision:0.8"])
def test_label_based_flag_policies_are_refused_in_one_line(sample_paths, tmp_path, capsys, policy):
    err = _one_line_error(capsys, ["score", "--unsupervised", *_inputs(sample_paths, tmp_path),
                                   "--out", str(tmp_path / "s.csv"), "--flag-policy", policy])
    assert "needs labels" in err and "budget:N" in err
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "rejects.csv").exists()  # refused before any work


def test_without_model_nor_unsupervised_is_one_line(sample_paths, tmp_path, capsys):
    err = _one_line_error(capsys, ["score", *_inputs(sample_paths, tmp_path), "--out", str(tmp_path / "s.csv")])
    assert "--model DIR" in err and "--unsupervised" in err


def test_model_and_unsupervised_together_are_one_line(sample_paths, tmp_path, capsys):
    err = _one_line_error(capsys, ["score", "--unsupervised", "--model", str(tmp_path), *_inputs(sample_paths, tmp_path),
                                   "--out", str(tmp_path / "s.csv")])
    assert "not both" in err


@pytest.mark.parametrize("flags", [["--points"], ["--drift", "d.csv"], ["--fail-on-drift"], ["--node-inputs", "x"],
                                   ["--engine", "spark"]])
def test_what_needs_a_model_is_refused_in_one_line(sample_paths, tmp_path, capsys, flags):
    err = _one_line_error(capsys, ["score", "--unsupervised", *_inputs(sample_paths, tmp_path),
                                   "--out", str(tmp_path / "s.parquet"), *flags])
    assert flags[0] in err


def test_write_back_stores_the_cold_start_version(sample_paths, tmp_path, capsys, monkeypatch):
    import graphrisk.store.runner as runner_module
    import graphrisk.store.writeback as writeback_module

    written = {}

    class FakeConnect:
        def __init__(self, config):
            written["uri"] = config.uri

        def __enter__(self):
            return object()

        def __exit__(self, *exc):
            return False

    class FakeReport:
        ring_ids: dict = {}

        def summary(self):
            return "written: fake"

        def with_stored_ids(self, scores, rings):
            return scores, rings

    def fake_write_scores(runner, scores, rings, *, model_version, entities, batch_size, progress):
        written.update(scores=scores, rings=rings, version=model_version, entities=entities)
        return FakeReport()

    monkeypatch.setattr(runner_module, "connect", FakeConnect)
    monkeypatch.setattr(writeback_module, "write_scores", fake_write_scores)
    status = main(["score", "--unsupervised", *_inputs(sample_paths, tmp_path), "--write-neo4j", "--entity-scores",
                   "--no-progress", "--flag-policy", "budget:3"])
    out = capsys.readouterr().out
    assert status == 0 and "written: fake" in out
    assert written["uri"] == "bolt://127.0.0.1:1" and written["version"] == COLD_START_VERSION
    assert int(written["scores"]["flagged"].sum()) == 3 and len(written["rings"]) == 1
    assert written["entities"] is not None and len(written["entities"])


def test_saves_the_node_inputs_it_scored(sample_paths, tmp_path, capsys):
    folder = tmp_path / "inputs"
    assert main(["score", "--unsupervised", *_inputs(sample_paths, tmp_path), "--out", str(tmp_path / "s.csv"),
                 "--save-node-inputs", str(folder)]) == 0
    assert f"node inputs -> {folder}" in capsys.readouterr().out
    assert (folder / "user.parquet").is_file() and len(pd.read_parquet(folder / "user.parquet")) == 10


def test_nothing_to_write_names_what_it_can_write(sample_paths, tmp_path, capsys):
    err = _one_line_error(capsys, ["score", "--unsupervised", *_inputs(sample_paths, tmp_path)])
    assert "nothing to write: give --out FILE, --rings FILE and/or --write-neo4j" in err
