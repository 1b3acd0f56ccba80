"""Matching the rings of a scoring run to the stored rings (no database)."""

from __future__ import annotations

from graphrisk.store.ring_plan import StoredRing, plan_rings

A = StoredRing("ring-a", frozenset({"u1", "u2", "u3", "u4"}), "2026-01-01T00:00:00Z")
B = StoredRing("ring-b", frozenset({"u7", "u8"}), "2026-03-01T00:00:00Z")
EVERYONE = [f"u{i}" for i in range(1, 12)]


def test_new_rings_keep_their_own_id():
    plan = plan_rings({"ring-x": ["u10", "u11"]}, [A], EVERYONE)
    assert plan.stored_id == {"ring-x": "ring-x"} and plan.new == ["ring-x"]
    assert plan.dissolved == ["ring-a"]  # every member of A was scored and none is in a ring


def test_same_members_are_kept_not_grown():
    plan = plan_rings({"ring-a": sorted(A.members)}, [A], EVERYONE)
    assert plan.stored_id == {"ring-a": "ring-a"} and plan.kept == ["ring-a"] and not plan.grown


def test_a_split_ring_keeps_its_id_on_the_larger_part():
    plan = plan_rings({"ring-small": ["u1"], "ring-big": ["u2", "u3", "u4"]}, [A], EVERYONE)
    assert plan.stored_id == {"ring-big": "ring-a", "ring-small": "ring-small"}
    assert plan.new == ["ring-small"] and plan.kept == ["ring-a"]


def test_merge_keeps_the_oldest_ring_whatever_the_id_order():
    older_b = StoredRing("ring-b", B.members, "2025-12-01T00:00:00Z")
    plan = plan_rings({"ring-m": ["u1", "u7", "u9"]}, [A, older_b], EVERYONE)
    assert plan.stored_id == {"ring-m": "ring-b"} and plan.merged == {"ring-a": "ring-b"}
    assert plan.grown == ["ring-b"]  # u9 is in neither stored ring


def test_rings_of_users_not_scored_are_left_alone():
    plan = plan_rings({}, [A, B], ["u1", "u2", "u3", "u4", "u7"])
    assert plan.dissolved == ["ring-a"]  # u8 of ring B was not scored in this run
