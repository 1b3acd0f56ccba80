"""No label reaches the inputs, and validation users are held out whole groups at a time."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.errors import InputError
from graphrisk.features.node_inputs import node_inputs
from graphrisk.model.groups import connected_groups
from graphrisk.model.validation import MAX_GROUP, validation_split


def test_inputs_ignore_labels_and_transaction_fraud_flags(world):
    plain, _ = build_graph(world.transactions, world.links, world.users)
    flipped = world.labels.assign(is_fraud=1 - world.labels["is_fraud"])
    tx = world.transactions.assign(is_fraud=1)  # a transaction-level label column must not leak either
    labelled, _ = build_graph(tx, world.links, world.users, flipped)
    a, b = node_inputs(plain), node_inputs(labelled)
    assert a.keys() == b.keys()
    for kind in a:
        pd.testing.assert_frame_equal(a[kind], b[kind])


def test_validation_keeps_rings_whole_and_holds_fraud(world, world_graph, train_labels):
    with_rings = train_labels.merge(world.labels[["user_id", "ring_id"]], on="user_id")
    truth = with_rings.set_index("user_id")["is_fraud"].astype(int)
    rings = with_rings.set_index("user_id")["ring_id"].fillna("")
    train, val = validation_split(world_graph, truth, rings, share=0.3, seed=0)
    assert set(train).isdisjoint(val) and len(train) + len(val) == len(truth)
    for ring, members in rings[rings != ""].groupby(rings[rings != ""]):
        inside = members.index.isin(val)
        assert inside.all() or not inside.any(), ring
    assert truth.loc[val].sum() > 0 and truth.loc[train].sum() > 0


def test_without_ring_ids_connected_groups_stay_whole(world_graph, train_labels):
    truth = train_labels.set_index("user_id")["is_fraud"].astype(int)
    train, val = validation_split(world_graph, truth, None, share=0.2, seed=0)
    groups = connected_groups(world_graph).reindex(truth.index)
    sizes = groups.map(groups.value_counts())
    kept = groups[(sizes > 1) & (sizes <= MAX_GROUP)]
    assert kept.nunique() > 10
    for _, members in kept.groupby(kept):
        inside = members.index.isin(val)
        assert inside.all() or not inside.any()
    assert truth.loc[val].nunique() == 2 and truth.loc[train].nunique() == 2


def test_a_users_table_holding_labels_is_refused(world):
    users = world.users.merge(world.labels[["user_id", "is_fraud"]], on="user_id")
    graph, _ = build_graph(world.transactions, world.links, users)
    with pytest.raises(InputError, match=r"label columns \['is_fraud'\]"):
        node_inputs(graph)


def test_duplicate_labels_keep_the_last_row(world_graph, train_labels):
    from graphrisk.model.labels import read_labels

    user = train_labels["user_id"].iloc[0]
    doubled = pd.concat([train_labels, pd.DataFrame({"user_id": [user], "is_fraud": [1]})])
    truth, _ = read_labels(doubled, world_graph)
    assert truth.index.is_unique and truth.loc[user] == 1
    with pytest.raises(InputError, match="0 or 1"):
        read_labels(train_labels.assign(is_fraud=2), world_graph)
