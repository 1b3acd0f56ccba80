"""The detector's validation split: whole groups held out, fraud and clean groups separately."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.model.groups import connected_groups
from graphrisk.model.splits import group_split

__all__ = ["validation_split", "MAX_GROUP"]

#: Connected groups larger than this are split user by user.
MAX_GROUP = 60


def validation_split(
    graph: TransactionGraph, truth: pd.Series, rings: pd.Series | None, *, share: float, seed: int
) -> tuple[pd.Index, pd.Index]:
    """Training and validation users, keeping rings (or connected groups) on one side.

    Groups are ring ids when given, else users joined through shared identifiers or
    transfers (:func:`~graphrisk.model.groups.connected_groups`). Groups holding fraud and
    clean groups are split separately, so both sides get both classes.

    Parameters
    ----------
    graph
        The training graph.
    truth
        ``user_id -> is_fraud`` of the labelled users.
    rings
        ``user_id -> ring_id`` (``""`` outside a ring), or ``None``.
    share
        Share of the groups held out.
    seed
        Seed of the first attempt; a split lacking a class is redrawn with the next seeds.

    Raises
    ------
    InputError
        No split of the groups gives both classes on both sides.
    """
    if rings is not None and (rings != "").any():
        groups = rings.reindex(truth.index).fillna("")
    else:
        groups = connected_groups(graph).reindex(truth.index).astype(str)
        sizes = groups.map(groups.value_counts())
        # a group far larger than any ring is households and shared IPs chained together:
        # moving it whole would leave one side with most of the users
        groups = groups.where((sizes > 1) & (sizes <= MAX_GROUP), "")
    keys = groups.where(groups != "", "user:" + truth.index.to_series(index=truth.index))
    has_fraud = truth.groupby(keys).transform("max") == 1
    for attempt in range(20):
        parts = [group_split(truth.index[side], groups[side], test_size=share, seed=seed + attempt)
                 for side in (has_fraud.to_numpy(), ~has_fraud.to_numpy()) if side.sum() > 1]
        train = pd.Index(np.concatenate([p[0] for p in parts]), name="user_id")
        val = pd.Index(np.concatenate([p[1] for p in parts]), name="user_id")
        if truth.loc[val].nunique() == 2 and truth.loc[train].nunique() == 2:
            return train, val
    raise InputError("cannot hold out validation users with both classes: label more users or more fraud")
