"""Drift between training and scoring data: PSI per feature, new entities, the model files and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.features.node_inputs import node_inputs
from graphrisk.model.persistence import ENTITIES, MANIFEST, model_version
from graphrisk.monitor import (
    PSI_SIGNIFICANT,
    DriftReport,
    ReferenceProfile,
    bin_shares,
    drift_report,
    hash_ids,
    new_share,
    psi,
    quantile_edges,
)
from graphrisk.synth import World, WorldConfig, generate_world

#: Users per world: enough rows for PSI to be judged (MIN_ROWS), small enough for 2 cores.
USERS = 2000
CONFIG = WorldConfig(fraud_share=0.05)
#: Amount features that must be named when amounts go up fivefold.
AMOUNT_FEATURES = {"amount_mean", "amount_sum", "amount_max", "amount_std"}


def _fresh(world: World, *, prefix: str = "new-", amount_factor: float = 5.0) -> World:
    """The world with ids nobody saw (every user, merchant and identifier) and larger amounts."""
    tx, links, users = world.transactions.copy(), world.links.copy(), world.users.copy()
    for column in ("user_id", "merchant_id", "device_id", "counterparty_id", "card_id"):
        tx[column] = tx[column].where(tx[column] == "", prefix + tx[column])
    tx["amount"] = (tx["amount"] * amount_factor).round(2)
    links["user_id"], links["entity_id"] = prefix + links["user_id"], prefix + links["entity_id"]
    users["user_id"] = prefix + users["user_id"]
    labels = world.labels.assign(user_id=prefix + world.labels["user_id"])
    known = world.known_labels.assign(user_id=prefix + world.known_labels["user_id"])
    return World(tx, links, users, labels, known, dict(world.settings))


def _graph(world: World):
    return build_graph(world.transactions, world.links, world.users)[0]


@pytest.fixture(scope="module")
def world():
    return generate_world(USERS, seed=7, config=CONFIG)


@pytest.fixture(scope="module")
def shifted_world():
    """Another population: busier users (25 payments instead of 10), fivefold amounts, fresh ids."""
    return _fresh(generate_world(USERS, seed=9, config=replace(CONFIG, transactions_per_user=25.0)))


@pytest.fixture(scope="module")
def graph(world):
    return _graph(world)


@pytest.fixture(scope="module")
def shifted_graph(shifted_world):
    return _graph(shifted_world)


@pytest.fixture(scope="module")
def inputs(graph):
    return node_inputs(graph, seed=0)


@pytest.fixture(scope="module")
def detector(graph, world, inputs):
    from graphrisk.model import RiskDetector

    return RiskDetector(epochs=2, seed=0, device="cpu").fit(graph, world.known_labels, inputs=inputs)


@pytest.fixture(scope="module")
def model_dir(detector, tmp_path_factory):
    return detector.save(tmp_path_factory.mktemp("model") / "model")


# --------------------------------------------------------------------------- PSI


def test_psi_of_a_sample_against_itself_is_zero_without_warning():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "amount": rng.lognormal(3, 1, 1000),
        "mostly_zero": np.where(rng.random(1000) < 0.8, 0.0, rng.integers(1, 5, 1000)),
        "constant": np.full(1000, 2.0),
        "with_gaps": np.where(rng.random(1000) < 0.1, np.nan, rng.normal(size=1000)),
    }, index=[f"U{i}" for i in range(1000)])
    report = drift_report(ReferenceProfile.from_inputs({"user": table}), {"user": table})
    assert isinstance(report, DriftReport)
    assert report.features["psi"].abs().max() < 1e-9
    assert set(report.features["status"]) == {"stable"}
    assert report.warnings == [] and not report.drifted
    assert report.new_entities == {"user": 0.0}
    assert report.summary().startswith("drift: 0 of 4 features significant")


def test_psi_on_a_known_shift_matches_the_hand_computed_value():
    # two bins: half and half in training, a quarter and three quarters now
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.17329 + 0.10137
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    # deciles of 0..999 (edges 99.5, 199.5, ... 899.5); the sample 500..1499 leaves the first five
    # bins empty (raised to 1e-4), puts 10% in each of the next four and 60% in the last:
    # 5 (1e-4 - 0.1) ln(1e-4 / 0.1) + 4 * 0 + (0.6 - 0.1) ln(6) = 3.450421 + 0.895880
    train = pd.DataFrame({"x": np.arange(1000.0)}, index=np.arange(1000).astype(str))
    now = pd.DataFrame({"x": np.arange(500.0, 1500.0)}, index=np.arange(1000).astype(str))
    profile = ReferenceProfile.from_inputs({"user": train})
    assert profile.features["user"]["x"].edges == tuple(np.arange(99.5, 900, 100))
    report = drift_report(profile, {"user": now})
    assert report.psi("x") == pytest.approx(4.346301, abs=1e-5)
    assert report.table().loc[0, ["feature", "node_type", "status"]].tolist() == ["x", "user", "significant"]
    assert report.warnings == [f"1 user feature shifted significantly (PSI > {PSI_SIGNIFICANT}): x 4.35"]


def test_bins_merge_ties_and_keep_a_constant_and_missing_values_apart():
    assert quantile_edges([0.0] * 7 + [1.0, 2.0, 3.0], bins=5) == [0.5, 1.5]
    # a point mass that moves by a rounding error stays in its bin
    edges = quantile_edges([0.000191] * 70 + list(np.linspace(0.001, 0.002, 30)))
    assert bin_shares([0.000197] * 10, edges)[0] == 1.0
    assert quantile_edges([4.0, 4.0]) == [4.0] and quantile_edges([np.nan]) == []
    assert bin_shares([4.0, 5.0, np.inf, np.nan], [4.0]).tolist() == [0.25, 0.25, 0.5]
    with pytest.raises(ValueError, match="bins"):
        quantile_edges([1.0], bins=0)


def test_too_few_rows_are_not_judged():
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"x": rng.normal(size=2000)}, index=np.arange(2000).astype(str))
    few = pd.DataFrame({"x": rng.normal(size=50) + 5}, index=np.arange(50).astype(str))
    report = drift_report(ReferenceProfile.from_inputs({"user": train}), {"user": few})
    assert report.features.loc[0, "status"] == "too few rows" and report.features.loc[0, "psi"] > 1
    assert not any("feature" in w for w in report.warnings)
    assert any("fewer than 500" in note for note in report.notes)


def test_new_entity_share():
    known = hash_ids(["U1", "U2", "U3", "U4"])
    assert new_share(known, ["U1", "U2", "U9", "U9"]) == (1 / 3, 3)
    assert hash_ids(["U1"])[0] == hash_ids(["U1", "U1"])[0]  # stable, order and duplicates aside


# ------------------------------------------------------------------ worlds


def test_the_training_world_itself_shows_no_drift(detector, graph, inputs):
    report = detector.drift(graph, inputs=inputs)
    assert report.warnings == []
    judged = report.features[report.features["status"] != "too few rows"]
    assert len(judged) > 40 and judged["psi"].max() < 1e-9
    assert report.new_entities["user"] == 0.0 and max(report.new_entities.values()) == 0.0


def test_another_world_of_the_same_kind_shows_no_drift(detector):
    other = _graph(generate_world(USERS, seed=8, config=CONFIG))
    report = detector.drift(other)
    assert report.warnings == [], report.warnings
    assert report.features["psi"].where(report.features["status"] != "too few rows").max() < PSI_SIGNIFICANT


def test_a_shifted_world_warns_naming_the_drifted_features(detector, shifted_graph):
    report = detector.drift(shifted_graph)
    users = report.features[report.features["node_type"] == "user"].set_index("feature")
    significant = set(users.index[users["status"] == "significant"])
    assert AMOUNT_FEATURES | {"tx_count"} <= significant
    user_warning = next(w for w in report.warnings if w.startswith(f"{len(significant)} user features"))
    assert "amount_mean" in user_warning
    # every id is fresh: users and merchants (and every identifier type) are all new
    assert report.new_entities["user"] == 1.0 and report.new_entities["merchant"] == 1.0
    assert min(report.new_entities.values()) == 1.0
    assert any(w.startswith("100% of the 2,000 user ids were never seen") for w in report.warnings)
    assert any(w.startswith("identifiers never seen in training") and "device 100%" in w for w in report.warnings)
    assert "new ids: user 100%, merchant 100%" in report.summary()


# ------------------------------------------------------------ model files


def test_save_and_load_keep_the_profile(detector, model_dir, shifted_graph):
    from graphrisk.model import RiskDetector

    manifest = json.loads((model_dir / MANIFEST).read_text())
    assert manifest["encoder"]["profile"]["features"]["user"]["amount_mean"]["edges"]
    assert (model_dir / ENTITIES).is_file()
    loaded = RiskDetector.load(model_dir, device="cpu")
    assert loaded.encoder_.profile_.features == detector.encoder_.profile_.features
    assert loaded.encoder_.profile_.entities.keys() == detector.encoder_.profile_.entities.keys()
    for kind, hashes in detector.encoder_.profile_.entities.items():
        assert np.array_equal(loaded.encoder_.profile_.entities[kind], hashes)
    before, after = detector.drift(shifted_graph), loaded.drift(shifted_graph)
    pd.testing.assert_frame_equal(before.table(), after.table())
    assert before.new_entities == after.new_entities and before.warnings == after.warnings


def _copy_model(model_dir, target):
    target.mkdir()
    for path in model_dir.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_an_old_model_without_a_profile_still_scores(model_dir, graph, inputs, tmp_path):
    from graphrisk.model import RiskDetector

    old = _copy_model(model_dir, tmp_path / "old")
    manifest = json.loads((old / MANIFEST).read_text())
    manifest["encoder"].pop("profile")
    manifest.pop("entities_sha256")
    (old / MANIFEST).write_text(json.dumps(manifest))
    (old / ENTITIES).unlink()
    detector = RiskDetector.load(old, device="cpu")
    assert detector.encoder_.profile_ is None and detector.drift(graph) is None
    assert len(detector.score_users(graph, reasons=0, inputs=inputs).scores) == USERS
    assert model_version(old) == detector.version_


def test_missing_or_altered_entity_ids_only_lose_the_new_entity_shares(model_dir, graph, tmp_path):
    from graphrisk.model import RiskDetector

    missing = _copy_model(model_dir, tmp_path / "missing")
    (missing / ENTITIES).unlink()
    report = RiskDetector.load(missing, device="cpu").drift(graph)
    assert report.new_entities == {} and report.warnings == []
    assert any("entities.npz" in note for note in report.notes)

    altered = _copy_model(model_dir, tmp_path / "altered")
    np.savez_compressed(altered / ENTITIES, user=np.zeros(3, dtype=np.uint64))
    assert model_version(altered) != model_version(model_dir)  # the ids are part of the version
    report = RiskDetector.load(altered, device="cpu").drift(graph)
    assert report.new_entities == {} and any("does not match" in note for note in report.notes)


# --------------------------------------------------------------------- CLI


def _inputs(folder):
    return ["--transactions", str(folder / "transactions.csv"), "--links", str(folder / "links.csv"),
            "--users", str(folder / "users.csv"), "--rejects", str(folder / "rejects.csv")]


def test_score_cli_warns_on_a_shifted_world_and_writes_the_table(model_dir, shifted_world, tmp_path, capsys):
    shifted_world.write(tmp_path / "shifted")
    drift_path, scores_path = tmp_path / "drift.csv", tmp_path / "scores.csv"
    status = main(["score", *_inputs(tmp_path / "shifted"), "--model", str(model_dir), "--out", str(scores_path),
                   "--drift", str(drift_path), "--reasons", "0", "--device", "cpu"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "drift: " in captured.out and f"drift -> {drift_path}" in captured.out
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: drift: ")]
    assert any("amount_mean" in line for line in warnings)
    assert any("user ids were never seen in training" in line for line in warnings)
    table = pd.read_csv(drift_path)
    assert list(table.columns[:4]) == ["feature", "node_type", "psi", "status"]
    assert table.loc[table["feature"].eq("amount_mean") & table["node_type"].eq("user"), "status"].item() == "significant"
    assert scores_path.is_file()

    # a scheduler that wants to stop: status 3 and no scores
    stopped = tmp_path / "stopped.csv"
    status = main(["score", *_inputs(tmp_path / "shifted"), "--model", str(model_dir), "--out", str(stopped),
                   "--reasons", "0", "--device", "cpu", "--fail-on-drift"])
    assert status == 3 and not stopped.exists()
    assert "--fail-on-drift" in capsys.readouterr().err


def test_score_cli_is_quiet_on_the_training_world(model_dir, world, tmp_path, capsys):
    world.write(tmp_path / "world")
    status = main(["score", *_inputs(tmp_path / "world"), "--model", str(model_dir), "--drift",
                   str(tmp_path / "drift.parquet"), "--reasons", "0", "--device", "cpu", "--fail-on-drift"])
    captured = capsys.readouterr()
    assert status == 0 and "warning: drift" not in captured.err
    assert "drift: 0 of" in captured.out and "new ids: user 0%" in captured.out
    assert pd.read_parquet(tmp_path / "drift.parquet")["status"].isin(["stable", "too few rows"]).all()


def test_score_cli_notes_a_model_without_a_profile(model_dir, world, tmp_path, capsys):
    old = _copy_model(model_dir, tmp_path / "old")
    manifest = json.loads((old / MANIFEST).read_text())
    manifest["encoder"]["profile"] = None
    manifest.pop("entities_sha256")
    (old / MANIFEST).write_text(json.dumps(manifest))
    world.write(tmp_path / "world")
    status = main(["score", *_inputs(tmp_path / "world"), "--model", str(old), "--out", str(tmp_path / "s.csv"),
                   "--reasons", "0", "--device", "cpu"])
    captured = capsys.readouterr()
    assert status == 0 and "note: drift: the model holds no training profile" in captured.out
    assert "warning: drift" not in captured.err


def test_score_cli_refuses_a_drift_file_of_another_kind(model_dir, tmp_path, capsys):
    status = main(["score", "--transactions", str(tmp_path / "t.csv"), "--model", str(model_dir),
                   "--drift", str(tmp_path / "drift.txt")])
    assert status == 1 and "--drift" in capsys.readouterr().err
