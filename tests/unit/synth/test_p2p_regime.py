"""The peer-to-peer regime (``WorldConfig.preset("p2p")``), and the default world left as it was."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.synth import WorldConfig, generate_world
from graphrisk.synth.config import PRESETS, SOLO_TYPES
from graphrisk.synth.labels import chargeback_labels
from graphrisk.synth.population import DAY

P2P = WorldConfig.preset("p2p")


@pytest.fixture(scope="module")
def world():
    return generate_world(12_000, seed=5, config=P2P)


def _fingerprint(world) -> str:
    digest = hashlib.sha256()
    for name in ("transactions", "links", "users", "labels", "known_labels"):
        digest.update(getattr(world, name).to_csv(index=False).encode())
    return digest.hexdigest()


def test_the_default_world_is_byte_identical_to_before_the_regime_knobs():
    # fingerprints taken at 977f549, before the knobs existed: every new knob at its default draws nothing
    assert _fingerprint(generate_world(2000, seed=1)) == "29593a25a2269a5484369e61835305bcbebbb7eabd676ab9a89ccd6cb6eda59c"
    other = WorldConfig(fraud_share=0.05, ring_mix={"mule_network": 1.0}, household_share=0.2)
    assert _fingerprint(generate_world(3000, seed=4, config=other)) == (
        "187c378d0cb4de4803bf7b40196e08946c9155ef50453bf8ae3001603e415c92")


def test_same_seed_same_world_other_seed_other_world():
    a, b, c = (generate_world(1500, seed=s, config=P2P) for s in (2, 2, 3))
    assert _fingerprint(a) == _fingerprint(b) != _fingerprint(c)


def test_fraud_is_well_under_one_percent(world):
    share = world.labels["is_fraud"].mean()
    assert 0.005 < share < 0.01


def test_the_network_is_transfers_with_cards_and_few_merchants(world):
    tx = world.transactions
    merchant = tx["merchant_id"] != ""
    assert merchant.mean() < 0.25
    assert tx.loc[merchant, "merchant_id"].nunique() <= 12
    transfers = tx[tx["counterparty_id"] != ""]
    assert len(transfers) / len(tx) > 0.7
    assert (transfers["card_id"] != "").all() and (transfers["device_id"] != "").all()


def test_honest_transfers_stay_mostly_within_friend_circles(world):
    honest = set(world.labels.loc[world.labels["is_fraud"] == 0, "user_id"])
    transfers = world.transactions[(world.transactions["counterparty_id"] != "") & world.transactions["user_id"].isin(honest)]
    pairs = transfers.groupby(["user_id", "counterparty_id"]).size()
    # friends are paid again and again; random pairs would almost never repeat
    assert (pairs >= 2).sum() / len(pairs) > 0.2
    # and friends of a user know each other: closed triangles, far above a random graph's
    edges = pairs.index.to_frame(index=False).rename(columns={"user_id": "a", "counterparty_id": "b"})
    both = pd.concat([edges, edges.rename(columns={"a": "b", "b": "a"})]).drop_duplicates()
    two_hop = both.merge(both, left_on="b", right_on="a", suffixes=("", "_2"))
    two_hop = two_hop[two_hop["a"] != two_hop["b_2"]]
    closed = two_hop.merge(both, left_on=["a", "b_2"], right_on=["a", "b"], how="inner")
    assert len(closed) / len(two_hop) > 0.1


def test_known_labels_are_partial_per_user_and_carry_no_rings(world):
    assert list(world.known_labels.columns) == ["user_id", "is_fraud"]
    truth = world.labels.set_index("user_id")["is_fraud"]
    known = world.known_labels.set_index("user_id")["is_fraud"]
    assert not ((truth == 0) & (known == 1)).any()
    share = known.sum() / truth.sum()
    assert 0.15 < share < 0.6  # 40% never charge back, and the last 30 days have no chargeback yet


def test_fraud_of_the_last_days_has_no_label_yet():
    config = WorldConfig.preset("p2p", missing_label_share=0.0)
    late = generate_world(6000, seed=2, config=config)
    on_time = generate_world(6000, seed=2, config=WorldConfig.preset("p2p", missing_label_share=0.0, label_delay_days=0))
    assert (on_time.known_labels["is_fraud"] == on_time.labels["is_fraud"]).all()
    fraud = late.labels["is_fraud"] == 1
    known = late.known_labels["is_fraud"] == 1
    assert 0 < known.sum() < fraud.sum()
    # a labelled fraudster was active before the cut: their first transaction, sent or received, precedes it
    tx = late.transactions
    seen = pd.concat([tx[["user_id", "timestamp"]],
                      tx.loc[tx["counterparty_id"] != "", ["counterparty_id", "timestamp"]].set_axis(
                          ["user_id", "timestamp"], axis=1)])
    first = pd.to_datetime(seen.groupby("user_id")["timestamp"].min())
    cut = pd.Timestamp(config.start, tz="UTC") + pd.Timedelta(days=config.days - config.label_delay_days)
    labelled = late.known_labels.loc[known, "user_id"]
    assert (first.reindex(labelled) < cut).all()


def test_chargebacks_count_from_the_first_fraud_sent_or_received():
    tx = {"user": np.array([0, 1, 2]), "counterparty": np.array([-1, -1, 3]),
          "seconds": np.array([10 * DAY, 80 * DAY, 5 * DAY]), "fraud": np.array([True, True, True])}
    fraud = np.array([True, True, False, True, True])  # user 4 has no fraudulent transaction
    config = WorldConfig(missing_label_share=0.0, label_delay_days=30)
    known = chargeback_labels(fraud, tx, config, np.random.default_rng(0))
    assert known.tolist() == [True, False, False, True, False]


def test_some_fraudsters_act_alone_without_a_ring_id(world):
    fraud = world.labels[world.labels["is_fraud"] == 1]
    alone = fraud[fraud["ring_id"] == ""]
    assert set(alone["ring_type"]) == set(SOLO_TYPES)
    assert 0.2 < len(alone) / len(fraud) < 0.5
    in_rings = fraud[fraud["ring_id"] != ""]
    assert set(in_rings["ring_type"]) == {"mule_network", "cash_out"}
    assert in_rings.groupby("ring_id").size().min() >= 3
    assert "of them alone" in world.summary()


def test_cash_out_rings_fan_in_from_shared_devices_and_cards(world):
    labels = world.labels.set_index("user_id")
    tx = world.transactions.join(labels, on="user_id")
    ring = tx[(tx["ring_type"] == "cash_out") & (tx["counterparty_id"] != "")]
    inside = ring[labels.loc[ring["counterparty_id"], "ring_id"].to_numpy() == ring["ring_id"].to_numpy()]
    senders_per_collector = inside.groupby("counterparty_id")["user_id"].nunique()
    assert senders_per_collector.max() >= 3
    assert inside.groupby("device_id")["user_id"].nunique().max() >= 3
    assert inside.groupby("card_id")["user_id"].nunique().max() >= 3


def _share_on_shared_devices(world) -> float:
    honest = world.labels.loc[world.labels["is_fraud"] == 0, "user_id"]
    tx = world.transactions[world.transactions["user_id"].isin(set(honest)) & (world.transactions["device_id"] != "")]
    users_of = tx.groupby("device_id")["user_id"].nunique()
    return tx[tx["device_id"].isin(set(users_of.index[users_of >= 2]))]["user_id"].nunique() / len(honest)


def test_honest_users_share_devices_more_than_in_the_default_world(world):
    p2p = _share_on_shared_devices(world)
    default = _share_on_shared_devices(generate_world(12_000, seed=5))
    assert p2p > 0.15 and p2p > 2 * default


def test_honest_families_share_a_card_as_farms_do(world):
    honest = set(world.labels.loc[world.labels["is_fraud"] == 0, "user_id"])
    tx = world.transactions[(world.transactions["card_id"] != "") & world.transactions["user_id"].isin(honest)]
    users_per_card = tx.groupby("card_id")["user_id"].nunique()
    assert users_per_card.between(2, 4).sum() > 100
    default = generate_world(3000, seed=5)
    honest = set(default.labels.loc[default.labels["is_fraud"] == 0, "user_id"])
    tx = default.transactions[(default.transactions["card_id"] != "") & default.transactions["user_id"].isin(honest)]
    assert tx.groupby("card_id")["user_id"].nunique().max() == 1  # no family cards there


def test_presets_are_named_and_overridable(tmp_path):
    assert WorldConfig.preset("default") == WorldConfig()
    assert WorldConfig.preset("p2p", camouflage=0.5).camouflage == 0.5
    with pytest.raises(ValueError, match="unknown regime 'p3p'; known: default, p2p"):
        WorldConfig.preset("p3p")
    WorldConfig.preset("p2p").ring_mix["cash_out"] = 0.0  # a config's dict is its own
    assert PRESETS["p2p"]["ring_mix"]["cash_out"] == 0.6
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"solo_fraud_share": 0.5}))
    config = WorldConfig.from_file(path, base=P2P)
    assert (config.solo_fraud_share, config.transfers_per_user) == (0.5, 8.0)
    with pytest.raises(ValueError, match="label_delay_days must be between 0 and days"):
        WorldConfig(label_delay_days=120)
    with pytest.raises(ValueError, match="solo_fraud_share must be between 0 and 1"):
        WorldConfig(solo_fraud_share=2.0)
    with pytest.raises(ValueError, match="friend_circle_size must be >= 2"):
        WorldConfig(friend_circle_size=1.0)


def test_generate_command_takes_the_regime_and_a_file_on_top(tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"days": 60}))
    assert main(["generate", "--out", str(tmp_path / "w"), "--users", "1000", "--seed", "2", "--regime", "p2p",
                 "--config", str(config)]) == 0
    assert "of them alone" in capsys.readouterr().out
    settings = json.loads((tmp_path / "w" / "world.json").read_text())
    assert (settings["fraud_share"], settings["transfers_per_user"], settings["days"]) == (0.007, 8.0, 60)
