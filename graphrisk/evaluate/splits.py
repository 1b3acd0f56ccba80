"""Splits that keep every ring on one side, so no evaluation ring is seen in training."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ring_aware_split"]


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
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    if "user_id" not in labels.columns:
        raise ValueError("labels need a user_id column")
    users = labels["user_id"].astype(str).to_numpy()
    rings = labels["ring_id"] if "ring_id" in labels.columns else pd.Series("", index=labels.index)
    rings = rings.fillna("").astype(str).to_numpy()
    groups = np.where(rings == "", np.char.add("user:", users), np.char.add("ring:", rings))
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    test_groups = set(rng.choice(unique, size=max(1, int(round(test_size * len(unique)))), replace=False))
    in_test = np.fromiter((g in test_groups for g in groups), dtype=bool, count=len(groups))
    return pd.Index(users[~in_test], name="user_id"), pd.Index(users[in_test], name="user_id")
