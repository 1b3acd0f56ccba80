"""Temporal and group splits: latest users in test, every group on one side."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk.evaluate import group_split, ring_aware_split, temporal_split
from graphrisk.synth import generate_world


def _days(users: list[str]) -> pd.Series:
    return pd.Series(pd.date_range("2024-01-01", periods=len(users), freq="D", tz="UTC"), index=users)


def test_latest_users_go_to_test():
    users = [f"u{i}" for i in range(10)]
    first_seen = _days(users).sample(frac=1.0, random_state=3)  # order of the input does not matter
    train, test = temporal_split(first_seen, test_size=0.3)
    assert list(test) == ["u7", "u8", "u9"]
    assert list(train) == users[:7]


def test_group_goes_to_test_only_when_it_starts_after_the_cut():
    users = [f"u{i}" for i in range(10)]
    # r_old starts on day 1 and has a member on day 9; r_new starts on day 7 (the cut)
    groups = pd.Series({"u1": "r_old", "u8": "r_old", "u7": "r_new", "u9": "r_new"})
    train, test = temporal_split(_days(users), test_size=0.3, groups=groups)
    assert set(test) == {"u7", "u9"}
    assert {"u1", "u8"} <= set(train)


def test_temporal_split_of_a_world_keeps_rings_whole():
    world = generate_world(600, seed=1)
    first_seen = world.transactions.groupby("user_id")["timestamp"].min()
    rings = world.labels.set_index("user_id")["ring_id"]
    train, test = temporal_split(first_seen, test_size=0.3, groups=rings)
    assert len(set(train) & set(test)) == 0 and len(train) + len(test) == len(first_seen)
    side = pd.Series(True, index=test).reindex(first_seen.index.astype(str), fill_value=False)
    ringed = rings[rings.fillna("") != ""]
    assert (side.reindex(ringed.index).groupby(ringed.to_numpy()).nunique() == 1).all()
    times = pd.to_datetime(first_seen, utc=True, format="ISO8601")
    lone_train = [u for u in train if u not in ringed.index]
    assert times[lone_train].max() < times[list(test)].min()


def test_temporal_split_rejects_a_cut_with_an_empty_side():
    first_seen = pd.Series(pd.Timestamp("2024-01-01", tz="UTC"), index=["a", "b", "c"])
    with pytest.raises(ValueError, match="every user in test"):
        temporal_split(first_seen)
    with pytest.raises(ValueError, match="test_size"):
        temporal_split(_days(["a", "b"]), test_size=1.0)


def test_group_split_matches_ring_aware_split():
    labels = generate_world(600, seed=1).labels
    expected = ring_aware_split(labels, test_size=0.3, seed=4)
    got = group_split(labels["user_id"], labels.set_index("user_id")["ring_id"], test_size=0.3, seed=4)
    assert [list(s) for s in got] == [list(s) for s in expected]
