"""Shards: whole components, and the rule that splits a component over ``max_component_users``."""

from __future__ import annotations

import pytest

from graphrisk.engines.spark.shards import assign_shards

#: One device of six users over three devices of two; a pair of its own; a user alone.
USED = [("device", "u1", "big"), ("device", "u2", "big"), ("device", "u3", "big"), ("device", "u4", "big"),
        ("device", "u5", "big"), ("device", "u6", "big"), ("device", "u1", "d12"), ("device", "u2", "d12"),
        ("device", "u3", "d34"), ("device", "u4", "d34"), ("device", "u5", "d56"), ("device", "u6", "d56"),
        ("device", "u8", "d89"), ("device", "u9", "d89")]
USERS = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"]


@pytest.fixture(scope="module")
def graph(spark):
    users = spark.createDataFrame([(u,) for u in USERS], "user_id string")
    used = spark.createDataFrame(USED, "entity_type string, src string, dst string")
    paid = spark.createDataFrame([("u7", "m1")], "src string, dst string")
    sent = spark.createDataFrame([], "src string, dst string")
    return users, paid, sent, used


def _groups(shards) -> list[list[str]]:
    rows = shards.users.select("user_id", "component").collect()
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row["component"], []).append(row["user_id"])
    return sorted(sorted(g) for g in groups.values())


def test_without_a_limit_components_stay_whole(graph):
    shards = assign_shards(*graph, shards=2, hub_cap=8, merchant_hub_cap=8)
    assert _groups(shards) == [["u1", "u2", "u3", "u4", "u5", "u6"], ["u7"], ["u8", "u9"]]
    assert shards.largest_component == 6 and shards.split == {}
    assert "split" not in shards.summary()


def test_a_component_over_the_limit_loses_its_busiest_entities_first(graph):
    shards = assign_shards(*graph, shards=2, hub_cap=8, merchant_hub_cap=8, max_component_users=3)
    # caps 8 -> 4: the device of six users ties nobody now; the devices of two still do
    assert _groups(shards) == [["u1", "u2"], ["u3", "u4"], ["u5", "u6"], ["u7"], ["u8", "u9"]]
    assert shards.split == {"limit": 3, "components": 1, "users": 6, "hub_cap": 4, "merchant_hub_cap": 4}
    assert shards.largest_component == 2
    assert "1 components of over 3 users split (6 users, caps down to 4 and 4)" in shards.summary()
    untouched = {r["user_id"]: r["component"] for r in shards.users.collect()}
    whole = {r["user_id"]: r["component"] for r in assign_shards(*graph, shards=2, hub_cap=8,
                                                                 merchant_hub_cap=8).users.collect()}
    assert untouched["u8"] == whole["u8"] and untouched["u7"] == whole["u7"]  # components under the limit keep their id


def test_the_caps_go_down_to_one_and_what_is_left_stays(graph):
    shards = assign_shards(*graph, shards=2, hub_cap=8, merchant_hub_cap=8, max_component_users=1)
    assert _groups(shards) == [["u1"], ["u2"], ["u3"], ["u4"], ["u5"], ["u6"], ["u7"], ["u8"], ["u9"]]
    assert shards.split["hub_cap"] == 1 and shards.split["components"] == 2
    with pytest.raises(ValueError, match="max_component_users"):
        assign_shards(*graph, shards=2, max_component_users=0)
