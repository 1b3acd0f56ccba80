"""How the rings found by one scoring run update the rings already stored (pure, no database).

Investigators bookmark ring ids, so a ring keeps its id while it lives:

* a found ring that overlaps no stored active ring is **new**: it is stored under its own
  id (the hash of its members, :func:`graphrisk.rings.ring_id`);
* a found ring that overlaps one stored ring **keeps** that ring's id; it has **grown**
  when it has members the stored ring did not have;
* a found ring that overlaps several stored rings **merges** them: it keeps the id of the
  oldest (created first, then smallest id) and the others are recorded as merged into it;
* when a stored ring is split between several found rings, the found ring sharing most
  members with it keeps its id and the others are new;
* a stored active ring that no found ring claims is **dissolved**, but only when every
  one of its members was scored in this run (scoring a subset of users says nothing
  about the rings of the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["StoredRing", "RingPlan", "plan_rings"]


@dataclass(frozen=True)
class StoredRing:
    """An active ring as stored: its id, its members and when it was created (sortable)."""

    ring_id: str
    members: frozenset[str]
    created_at: str = ""


@dataclass
class RingPlan:
    """What to write for the found rings.

    Attributes
    ----------
    stored_id
        Found ring id -> the id it is stored under.
    new, grown, kept
        Stored ids of the rings created, of the kept rings with new members, and of the
        kept rings with no new member.
    merged
        Stored id of a ring that stops being active -> the id of the ring it merged into.
    dissolved
        Stored ids of the rings no longer found.
    """

    stored_id: dict[str, str] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    grown: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)
    dissolved: list[str] = field(default_factory=list)


def plan_rings(
    found: Mapping[str, Iterable[str]], stored: Iterable[StoredRing], scored_users: Iterable[str]
) -> RingPlan:
    """Match the rings of this run to the stored active rings.

    Parameters
    ----------
    found
        Found ring id -> its members.
    stored
        The active rings in the database.
    scored_users
        Every user scored in this run.

    Returns
    -------
    RingPlan

    Examples
    --------
    >>> old = [StoredRing("ring-a", frozenset({"u1", "u2"}), "2026-01-01"),
    ...        StoredRing("ring-b", frozenset({"u3", "u4"}), "2026-02-01")]
    >>> plan = plan_rings({"ring-new": ["u1", "u2", "u3", "u4", "u5"]}, old, ["u1", "u2", "u3", "u4", "u5"])
    >>> plan.stored_id, plan.grown, plan.merged
    ({'ring-new': 'ring-a'}, ['ring-a'], {'ring-b': 'ring-a'})
    """
    stored = sorted(stored, key=lambda ring: (ring.created_at, ring.ring_id))
    ring_of: dict[str, list[StoredRing]] = {}
    for ring in stored:
        for user in ring.members:
            ring_of.setdefault(user, []).append(ring)

    members = {ring: frozenset(map(str, users)) for ring, users in found.items()}
    overlaps = {
        ring: {old.ring_id: old for user in users for old in ring_of.get(user, [])} for ring, users in members.items()
    }
    plan = RingPlan()
    claimed: set[str] = set()
    # larger overlaps choose first, so a split ring's id stays with its larger part
    order = sorted(members, key=lambda r: (-max((len(members[r] & o.members) for o in overlaps[r].values()), default=0), r))
    for ring in order:
        candidates = [old for old in overlaps[ring].values() if old.ring_id not in claimed]
        if not candidates:
            plan.stored_id[ring] = ring
            plan.new.append(ring)
            claimed.add(ring)
            continue
        candidates.sort(key=lambda old: (old.created_at, old.ring_id))
        survivor, absorbed = candidates[0], candidates[1:]
        plan.stored_id[ring] = survivor.ring_id
        claimed.add(survivor.ring_id)
        before = survivor.members.union(*(old.members for old in absorbed))
        (plan.grown if members[ring] - before else plan.kept).append(survivor.ring_id)
        for old in absorbed:
            plan.merged[old.ring_id] = survivor.ring_id
            claimed.add(old.ring_id)

    scored = set(map(str, scored_users))
    plan.dissolved = [old.ring_id for old in stored if old.ring_id not in claimed and old.members <= scored]
    return plan
