"""Splits that keep every ring on one side, so no held-out ring is seen in training.

* :func:`group_split` / :func:`ring_aware_split`: a random share of the groups (rings and
  lone users) goes to test.
* :func:`temporal_split`: the users (or whole groups) that appear last go to test, which
  is how a deployed detector meets fraud: trained on the past, scored on what comes next.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from graphrisk.errors import InputError

__all__ = ["ring_aware_split", "group_split", "temporal_split", "SPLITS"]

#: Split kinds: whole rings at random, or the accounts that appear last.
SPLITS = ("ring", "temporal")


def _check_test_size(test_size: float) -> None:
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")


def _group_keys(users: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """One key per user: ``ring:<group>``, or ``user:<user>`` when the group is empty."""
    return np.where(groups == "", np.char.add("user:", users), np.char.add("ring:", groups))


def _groups_for(users: pd.Index, groups: pd.Series | None) -> np.ndarray:
    """Group ids of ``users`` as strings ("" for users in no group)."""
    if groups is None:
        return np.full(len(users), "", dtype=str)
    if not isinstance(groups, pd.Series):
        raise TypeError(f"groups must be a pandas Series (user_id -> group id), got {type(groups).__name__}")
    if groups.index.has_duplicates:
        raise ValueError("groups has duplicated user ids; give one group per user")
    return groups.reindex(users).astype("string").fillna("").to_numpy(dtype=str)


def _random_groups(users: np.ndarray, keys: np.ndarray, test_size: float, seed: int) -> tuple[pd.Index, pd.Index]:
    unique = np.unique(keys)
    rng = np.random.default_rng(seed)
    test_groups = set(rng.choice(unique, size=max(1, int(round(test_size * len(unique)))), replace=False))
    in_test = np.fromiter((g in test_groups for g in keys), dtype=bool, count=len(keys))
    return pd.Index(users[~in_test], name="user_id"), pd.Index(users[in_test], name="user_id")


def group_split(
    users: Iterable[str],
    groups: pd.Series | None = None,
    *,
    test_size: float = 0.3,
    seed: int = 0,
) -> tuple[pd.Index, pd.Index]:
    """Randomly split users into train and test, keeping each group on one side.

    Parameters
    ----------
    users
        The user ids to split.
    groups
        ``user_id -> group id`` (for example the ring id). Users missing from it, or with an
        empty or missing group, are a group of one.
    test_size
        Share of groups (not of users) that go to the test side; at least one group does.
    seed
        Seed of the shuffle.

    Returns
    -------
    train_users, test_users

    Raises
    ------
    ValueError
        ``test_size`` is not strictly between 0 and 1, or ``groups`` has duplicated users.

    Examples
    --------
    >>> groups = pd.Series({"a": "r1", "b": "r1"})
    >>> train, test = group_split(["a", "b", "c", "d"], groups, test_size=0.5, seed=1)
    >>> {"a", "b"} <= set(train) or {"a", "b"} <= set(test)
    True
    """
    _check_test_size(test_size)
    index = pd.Index(list(users)).astype(str)
    keys = _group_keys(index.to_numpy(dtype=str), _groups_for(index, groups))
    return _random_groups(index.to_numpy(dtype=str), keys, test_size, seed)


def ring_aware_split(labels: pd.DataFrame, *, test_size: float = 0.3, seed: int = 0) -> tuple[pd.Index, pd.Index]:
    """Split users into train and test so that all members of a ring fall on the same side.

    Parameters
    ----------
    labels
        ``user_id`` and optional ``ring_id`` (empty or missing: the user is a group of one).
    test_size
        Share of groups (rings and lone users) that go to the test side.
    seed
        Seed of the shuffle.

    Returns
    -------
    train_users, test_users

    Raises
    ------
    ValueError
        ``test_size`` is not strictly between 0 and 1, or ``user_id`` is missing.

    Examples
    --------
    >>> labels = pd.DataFrame({"user_id": ["a", "b", "c", "d"], "ring_id": ["r1", "r1", "", ""]})
    >>> train, test = ring_aware_split(labels, test_size=0.5, seed=1)
    >>> {"a", "b"} <= set(train) or {"a", "b"} <= set(test)
    True
    """
    _check_test_size(test_size)
    if "user_id" not in labels.columns:
        raise ValueError("labels need a user_id column")
    users = labels["user_id"].astype(str).to_numpy()
    rings = labels["ring_id"] if "ring_id" in labels.columns else pd.Series("", index=labels.index)
    rings = rings.fillna("").astype(str).to_numpy()
    return _random_groups(users, _group_keys(users, rings), test_size, seed)


def temporal_split(
    first_seen: pd.Series,
    *,
    test_size: float = 0.3,
    groups: pd.Series | None = None,
) -> tuple[pd.Index, pd.Index]:
    """Split users by time: those who appear last go to test, groups kept on one side.

    The cut is the ``first_seen`` of the user at position ``n - round(test_size * n)`` in
    time order, so that about the latest ``test_size`` share of users is at or after it.
    A user goes to test when their ``first_seen`` is at or after the cut.

    With ``groups``, a group's time is that of its **earliest** member, and the whole group
    goes to test only when that time is at or after the cut. A ring that had started before
    the cut was already visible at training time, so all of it trains; test holds only rings
    that are entirely new. Test can then be smaller than ``test_size``.

    Parameters
    ----------
    first_seen
        ``user_id -> timestamp`` of each user's first activity, for example
        ``transactions.groupby("user_id")["timestamp"].min()``.
    test_size
        Target share of users on the test side.
    groups
        ``user_id -> group id`` (for example the ring id); empty or missing: a group of one.

    Returns
    -------
    train_users, test_users
        Each in time order (ties by user id).

    Raises
    ------
    ValueError
        ``test_size`` out of (0, 1), duplicated or missing timestamps.
    InputError
        A cut that leaves one side empty (for example every user has the same ``first_seen``).

    Examples
    --------
    >>> first_seen = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
    ...                        index=["a", "b", "c", "d"])
    >>> train, test = temporal_split(first_seen, test_size=0.5)
    >>> list(train), list(test)
    (['a', 'b'], ['c', 'd'])
    >>> train, test = temporal_split(first_seen, test_size=0.5, groups=pd.Series({"b": "r1", "d": "r1"}))
    >>> list(train), list(test)
    (['a', 'b', 'd'], ['c'])
    """
    _check_test_size(test_size)
    if not isinstance(first_seen, pd.Series):
        raise TypeError(f"first_seen must be a pandas Series (user_id -> timestamp), got {type(first_seen).__name__}")
    if first_seen.index.has_duplicates:
        raise ValueError("first_seen has duplicated user ids; give one timestamp per user")
    times = first_seen
    if not pd.api.types.is_datetime64_any_dtype(times):
        try:
            times = pd.to_datetime(times, utc=True, format="ISO8601")
        except (TypeError, ValueError) as e:
            raise ValueError(f"first_seen must hold timestamps, got dtype {first_seen.dtype}") from e
    if times.isna().any():
        raise ValueError(f"first_seen has {int(times.isna().sum())} missing timestamps; drop those users first")
    users = times.index.astype(str)
    frame = pd.DataFrame({"time": times.to_numpy(), "user": users}).sort_values(["time", "user"], ignore_index=True)
    n_test = max(1, int(round(test_size * len(frame))))
    cut = frame["time"].iloc[len(frame) - n_test]
    group_ids = _groups_for(pd.Index(frame["user"]), groups)
    keys = pd.Series(_group_keys(frame["user"].to_numpy(dtype=str), group_ids))
    group_start = frame["time"].groupby(keys).transform("min")
    in_test = (group_start >= cut).to_numpy()
    if in_test.all() or not in_test.any():
        side = "test" if in_test.all() else "train"
        raise InputError(f"temporal split puts every user in {side} (cut at {cut}); too few distinct times")
    user_ids = frame["user"].to_numpy(dtype=str)
    return pd.Index(user_ids[~in_test], name="user_id"), pd.Index(user_ids[in_test], name="user_id")
