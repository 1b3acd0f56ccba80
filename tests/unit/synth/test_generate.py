"""The world generator: deterministic, canonical, with every ring pattern and hard negative."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.synth import RING_TYPES, WorldConfig, generate_world


@pytest.fixture(scope="module")
def world():
    return generate_world(5_000, seed=11)


def test_same_seed_same_world_other_seed_other_world():
    a, b, c = generate_world(500, seed=3), generate_world(500, seed=3), generate_world(500, seed=4)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.labels, b.labels)
    assert not a.transactions.equals(c.transactions)


def test_world_is_canonical_input_without_rejects(world):
    graph, report = build_graph(world.transactions, world.links, world.users, world.known_labels)
    assert report.rows_rejected == 0
    assert report.rows_loaded == report.rows_read
    assert len(graph.users) == 5_000


def test_every_ring_type_is_planted(world):
    fraud = world.labels[world.labels["is_fraud"] == 1]
    assert set(fraud["ring_type"]) == set(WorldConfig().ring_mix)  # cash_out belongs to the p2p regime
    assert set(WorldConfig().ring_mix) < set(RING_TYPES)
    assert fraud["ring_id"].ne("").all()
    assert fraud.groupby("ring_id").size().min() >= 3  # a ring of one is not a ring
    assert abs(len(fraud) / len(world.labels) - 0.02) < 0.005


def test_device_farms_share_devices_and_mules_move_money(world):
    labels = world.labels.set_index("user_id")
    tx = world.transactions.join(labels, on="user_id")
    farm = tx[tx["ring_type"] == "device_farm"]
    users_per_device = farm.groupby("device_id")["user_id"].nunique()
    assert users_per_device.max() >= 3
    mules = tx[(tx["ring_type"] == "mule_network") & (tx["counterparty_id"] != "")]
    assert len(mules) > 0
    assert (labels.loc[mules["counterparty_id"], "ring_id"].to_numpy() == mules["ring_id"].to_numpy()).all()


def test_hard_negatives_exist(world):
    honest = set(world.labels.loc[world.labels["is_fraud"] == 0, "user_id"])
    tx = world.transactions
    shared_devices = tx[tx["user_id"].isin(honest)].groupby("device_id")["user_id"].nunique()
    assert shared_devices.max() >= 20  # kiosks
    assert (shared_devices.between(2, 4)).sum() > 20  # households
    honest_transfers = tx[tx["user_id"].isin(honest) & (tx["counterparty_id"] != "")]
    assert len(honest_transfers) > 100
    addresses = world.links[world.links["entity_type"] == "address"].groupby("entity_id")["user_id"].nunique()
    assert (addresses > 1).sum() > 20


def test_known_labels_miss_a_share_of_fraudsters(world):
    truth = world.labels.set_index("user_id")["is_fraud"]
    known = world.known_labels.set_index("user_id")["is_fraud"]
    missed = ((truth == 1) & (known == 0)).sum() / (truth == 1).sum()
    assert 0.15 < missed < 0.45  # default missing_label_share = 0.3
    assert not ((truth == 0) & (known == 1)).any()


def test_config_knobs_are_checked(tmp_path):
    with pytest.raises(ValueError, match="fraud_share must be between 0 and 1"):
        WorldConfig(fraud_share=1.5)
    with pytest.raises(ValueError, match="unknown ring types"):
        WorldConfig(ring_mix={"phishing": 1.0})
    path = tmp_path / "world.json"
    path.write_text(json.dumps({"fraud_sharee": 0.1}))
    with pytest.raises(ValueError, match="unknown generator settings \\['fraud_sharee'\\]"):
        WorldConfig.from_file(path)
    with pytest.raises(ValueError, match="n_users"):
        generate_world(10)


def test_ring_mix_and_fraud_share_are_followed():
    config = WorldConfig(fraud_share=0.05, ring_mix={"mule_network": 1.0})
    labels = generate_world(2_000, seed=5, config=config).labels
    assert set(labels.loc[labels["is_fraud"] == 1, "ring_type"]) == {"mule_network"}
    assert 100 - 3 < labels["is_fraud"].sum() <= 100  # the remainder smaller than a ring is left out


def test_generate_command_writes_the_tables(tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"days": 30}))
    assert main(["generate", "--out", str(tmp_path / "w"), "--users", "300", "--seed", "2", "--config", str(config)]) == 0
    assert "transactions" in capsys.readouterr().out
    names = sorted(p.name for p in (tmp_path / "w").iterdir())
    assert names == ["known_labels.csv", "labels.csv", "links.csv", "transactions.csv", "users.csv", "world.json"]
    settings = json.loads((tmp_path / "w" / "world.json").read_text())
    assert (settings["seed"], settings["days"], settings["n_users"]) == (2, 30, 300)
    header = (tmp_path / "w" / "labels.csv").read_text().splitlines()[0]
    assert header.replace('"', "") == "user_id,is_fraud,ring_id,ring_type"


def test_planted_identities_carry_no_ring_names():
    world = generate_world(1_000, seed=3, config=WorldConfig(fraud_share=0.05, ring_mix={"bust_out": 1.0}))
    ids = world.links["entity_id"].astype(str)
    assert not ids.str.contains("-r").any()
    fraud = set(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    shared = world.links[world.links["user_id"].isin(fraud) & world.links["entity_type"].isin(["phone", "address"])]
    assert shared["entity_id"].str.fullmatch(r"(tel|addr)\d+").all()
