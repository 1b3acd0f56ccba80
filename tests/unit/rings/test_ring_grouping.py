"""Rings from hand-made graphs: shared devices, colluding merchants, transfers, honest hubs."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.rings import RING_COLUMNS, Rings, group_rings, ring_id


def _graph(rows: list[tuple]):
    """A graph from ``(user, merchant, device, counterparty, amount)`` rows, one transaction each."""
    frame = pd.DataFrame(rows, columns=["user_id", "merchant_id", "device_id", "counterparty_id", "amount"])
    frame.insert(0, "transaction_id", [f"t{i}" for i in range(len(frame))])
    frame.insert(1, "timestamp", "2024-01-01T10:00:00Z")
    graph, report = build_graph(frame)
    assert report.rows_rejected == 0
    return graph


def _flag(graph, users, score: float = 0.9):
    """Scores (``score`` for ``users``, 0.1 for the others) and the matching flags."""
    ids = graph.users["user_id"]
    flagged = pd.Series(ids.isin(users).to_numpy(), index=ids.to_numpy())
    return flagged.map({True: score, False: 0.1}), flagged


@pytest.fixture
def two_rings_and_a_kiosk():
    """Rings a and b share a device each; a1 and b1 also use kiosk K with 10 honest users."""
    rows = [(f"{r}{i}", "shop", f"d_{r}", None, 10.0 * i) for r in "ab" for i in (1, 2, 3)]
    rows += [("a1", "shop", "K", None, 1.0), ("b1", "shop", "K", None, 1.0)]
    rows += [(f"h{i}", "shop", "K", None, 5.0) for i in range(10)]
    return _graph(rows)


def test_two_rings_are_found_and_the_kiosk_glues_nothing(two_rings_and_a_kiosk):
    graph = two_rings_and_a_kiosk
    scores, flagged = _flag(graph, ["a1", "a2", "a3", "b1", "b2", "b3"])
    rings = group_rings(graph, scores, flagged)

    assert isinstance(rings, Rings)
    assert list(rings.table.columns) == RING_COLUMNS
    assert sorted(map(tuple, rings.table["members"])) == [("a1", "a2", "a3"), ("b1", "b2", "b3")]
    shared = dict(zip(rings.table["members"].map(tuple), rings.table["shared_entities"]))
    assert shared[("a1", "a2", "a3")] == ["device:d_a"]
    assert shared[("b1", "b2", "b3")] == ["device:d_b"]
    assert not any("device:K" in s for s in rings.table["shared_entities"])
    assert rings.table["size"].tolist() == [3, 3]
    assert rings.table["score"].tolist() == pytest.approx([0.9, 0.9])
    # a1 paid 10 + 1 (kiosk row), a2 20, a3 30
    assert dict(zip(rings.table["members"].map(tuple), rings.table["exposure"]))[("a1", "a2", "a3")] == 61.0

    ring_of = rings.ring_of(graph.users["user_id"])
    assert (ring_of[["a1", "a2", "a3"]] == ring_of["a1"]).all()
    assert ring_of["a1"] != ring_of["b1"]
    assert (ring_of[[f"h{i}" for i in range(10)]] == "").all()
    assert rings.membership.index.tolist() == ["a1", "a2", "a3", "b1", "b2", "b3"]


def test_the_kiosk_ties_when_its_flagged_users_are_the_majority(two_rings_and_a_kiosk):
    graph = two_rings_and_a_kiosk
    honest_flagged = [f"h{i}" for i in range(6)]
    scores, flagged = _flag(graph, ["a1", "a2", "a3", "b1", "b2", "b3", *honest_flagged])
    rings = group_rings(graph, scores, flagged)  # 8 of the kiosk's 12 users are flagged
    assert len(rings) == 1
    assert rings.table.loc[0, "size"] == 12
    # shop: 12 of its 16 payers are flagged; K: 8 of 12; most shared first
    assert rings.table.loc[0, "shared_entities"] == ["merchant:shop", "device:K", "device:d_a", "device:d_b"]


def test_a_ring_of_one_is_not_a_ring(two_rings_and_a_kiosk):
    graph = two_rings_and_a_kiosk
    scores, flagged = _flag(graph, ["a1", "a2", "a3", "h5"])
    rings = group_rings(graph, scores, flagged)
    assert rings.table["members"].tolist() == [["a1", "a2", "a3"]]
    assert rings.ring_of(["h5", "a2"]).tolist() == ["", rings.table.loc[0, "ring_id"]]

    lone = group_rings(graph, *_flag(graph, ["h5"]))
    assert len(lone) == 0 and len(lone.membership) == 0
    assert list(lone.table.columns) == RING_COLUMNS
    assert lone.ring_of(["h5"]).tolist() == [""]

    assert len(group_rings(graph, scores, flagged, min_ring_size=4)) == 0


def test_colluding_merchant_ties_its_flagged_payers_and_a_big_merchant_glues_nothing():
    rows = [(f"c{i}", "collude", f"dc{i}", None, 100.0) for i in range(5)]
    rows += [(f"n{i}", "collude", f"dn{i}", None, 3.0) for i in range(2)]
    rows += [("x1", "other", "dx", None, 7.0), ("x2", "other", "dx", None, 8.0)]
    everyone = [f"c{i}" for i in range(5)] + ["n0", "n1", "x1", "x2"] + [f"h{i}" for i in range(60)]
    rows += [(u, "big", f"dh{u}", None, 1.0) for u in everyone]
    graph = _graph(rows)
    scores, flagged = _flag(graph, [f"c{i}" for i in range(5)] + ["x1", "x2"])
    rings = group_rings(graph, scores, flagged)

    table = rings.table.set_index(rings.table["members"].map(tuple))
    assert sorted(table.index) == [("c0", "c1", "c2", "c3", "c4"), ("x1", "x2")]
    assert table.loc[[("c0", "c1", "c2", "c3", "c4")], "shared_entities"].iloc[0] == ["merchant:collude"]
    assert table.loc[[("x1", "x2")], "shared_entities"].iloc[0] == ["device:dx", "merchant:other"]
    assert table.loc[[("c0", "c1", "c2", "c3", "c4")], "exposure"].iloc[0] == 505.0

    # 7 of the big merchant's 69 payers are flagged: it glues only when both the share
    # and the user cap are loosened
    assert len(group_rings(graph, scores, flagged, hub_share=0.1, max_entity_users=100)) == 1
    assert len(group_rings(graph, scores, flagged, hub_share=0.1)) == 2
    assert len(group_rings(graph, scores, flagged, max_entity_users=100)) == 2


def test_twelve_members_and_three_honest_payers_tie_but_the_cap_still_holds():
    rows = [(f"r{i:02d}", "m", f"d{i}", None, 1.0) for i in range(12)]
    rows += [(f"h{i}", "m", f"e{i}", None, 1.0) for i in range(3)]
    graph = _graph(rows)
    scores, flagged = _flag(graph, [f"r{i:02d}" for i in range(12)])
    assert group_rings(graph, scores, flagged).table["size"].tolist() == [12]
    assert len(group_rings(graph, scores, flagged, max_entity_users=14)) == 0


def test_transfers_tie_flagged_accounts_only():
    rows = [
        ("s1", "m1", "d1", "s2", 50.0),
        ("s2", "m2", "d2", "s3", 40.0),
        ("s3", "m3", "d3", "honest", 30.0),
        ("honest", "m4", "d4", "s4", 20.0),
        ("s4", "m5", "d5", None, 10.0),
    ]
    graph = _graph(rows)
    scores, flagged = _flag(graph, ["s1", "s2", "s3", "s4"])
    rings = group_rings(graph, scores, flagged)
    assert rings.table["members"].tolist() == [["s1", "s2", "s3"]]
    assert rings.table.loc[0, "shared_entities"] == ["sent:s1->s2", "sent:s2->s3"]
    assert rings.ring_of(["s4", "honest"]).tolist() == ["", ""]


def test_ring_ids_are_stable_for_the_same_members(two_rings_and_a_kiosk):
    graph = two_rings_and_a_kiosk
    scores, flagged = _flag(graph, ["a1", "a2", "a3", "b1", "b2", "b3"])
    first = group_rings(graph, scores, flagged)
    shuffled = group_rings(graph, scores.sample(frac=1.0, random_state=1), flagged.sample(frac=1.0, random_state=2))
    pd.testing.assert_frame_equal(first.table, shuffled.table)
    pd.testing.assert_series_equal(first.membership, shuffled.membership)

    expected = "ring-" + hashlib.sha1(b"a1\na2\na3").hexdigest()[:10]
    assert first.ring_of(["a2"]).tolist() == [expected]
    assert ring_id(["a3", "a1", "a2"]) == expected
    # adding an unrelated ring changes no existing id
    more = group_rings(graph, *_flag(graph, ["a1", "a2", "a3"]))
    assert more.table["ring_id"].tolist() == [expected]


def test_table_is_ordered_by_score():
    rows = [(u, "m", f"d_{u[0]}", None, 1.0) for u in ("p1", "p2", "q1", "q2", "q3")]
    graph = _graph(rows)
    scores = pd.Series({"p1": 0.9, "p2": 0.7, "q1": 0.5, "q2": 0.6, "q3": 0.7})
    rings = group_rings(graph, scores, scores > 0, hub_share=1.0)  # merchant m: 5 of 5 users
    assert len(rings) == 1
    rings = group_rings(graph, scores, scores > 0, max_entity_users=3)  # merchant m is a hub
    assert rings.table["members"].tolist() == [["p1", "p2"], ["q1", "q2", "q3"]]
    assert rings.table["score"].tolist() == pytest.approx([0.8, 0.6])


def test_large_components_are_split_with_louvain():
    # two rings of 40 on their own device, chained by one card two of them share
    rows = [(f"{r}{i:02d}", f"m{r}{i}", f"dev_{r}", None, 1.0) for r in "ab" for i in range(40)]
    frame = pd.DataFrame(rows, columns=["user_id", "merchant_id", "device_id", "counterparty_id", "amount"])
    links = pd.DataFrame({"user_id": ["a00", "b00"], "entity_type": "card", "entity_id": "bridge"})
    frame.insert(0, "transaction_id", [f"t{i}" for i in range(len(frame))])
    frame.insert(1, "timestamp", "2024-01-01")
    graph = build_graph(frame, links)[0]
    scores, flagged = _flag(graph, graph.users["user_id"].tolist())

    whole = group_rings(graph, scores, flagged, max_ring_size=80)
    assert whole.table["size"].tolist() == [80]
    split = group_rings(graph, scores, flagged, seed=7)
    assert sorted(m[0][0] + str(len(m)) for m in split.table["members"]) == ["a40", "b40"]
    again = group_rings(graph, scores, flagged, seed=7)
    pd.testing.assert_frame_equal(split.table, again.table)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_ring_size": 1}, ValueError, "min_ring_size"),
        ({"hub_share": 0.0}, ValueError, "hub_share"),
        ({"hub_share": 1.5}, ValueError, "hub_share"),
        ({"max_entity_users": 1}, ValueError, "max_entity_users"),
        ({"max_ring_size": 1}, ValueError, "max_ring_size"),
    ],
)
def test_bad_parameters_are_named(two_rings_and_a_kiosk, kwargs, error, match):
    scores, flagged = _flag(two_rings_and_a_kiosk, ["a1", "a2"])
    with pytest.raises(error, match=match):
        group_rings(two_rings_and_a_kiosk, scores, flagged, **kwargs)


def test_bad_inputs_are_named(two_rings_and_a_kiosk):
    graph = two_rings_and_a_kiosk
    scores, flagged = _flag(graph, ["a1", "a2"])
    with pytest.raises(TypeError, match="TransactionGraph"):
        group_rings("graph", scores, flagged)
    with pytest.raises(TypeError, match="flagged must be a boolean"):
        group_rings(graph, scores, flagged.astype(int))
    with pytest.raises(TypeError, match="scores must be a numeric"):
        group_rings(graph, scores.astype(str), flagged)
    with pytest.raises(ValueError, match=r"scores must be in \[0, 1\]"):
        group_rings(graph, scores * 10, flagged)
    with pytest.raises(ValueError, match="not in the graph.*ghost"):
        group_rings(graph, scores, pd.concat([flagged, pd.Series({"ghost": True})]))
    with pytest.raises(ValueError, match="no score.*a1"):
        group_rings(graph, scores.drop("a1"), flagged)
    with pytest.raises(ValueError, match="duplicate"):
        group_rings(graph, scores, pd.concat([flagged, flagged.iloc[:1]]))
