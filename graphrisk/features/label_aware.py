"""Features from known labels, guarded so that evaluation labels can never reach them.

The guard is structural: these features accept only a :class:`TrainingLabels`, which keeps
the labels of the training users and drops every other label when it is built. A user's
own label is never used for that user's features (neighbours only), so a training user
does not see its own answer either.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["TrainingLabels", "label_features"]


class TrainingLabels:
    """Fraud labels restricted to training users.

    Parameters
    ----------
    labels
        ``user_id`` and ``is_fraud`` (0/1) columns; may hold evaluation users too.
    train_users
        The users whose labels may be used. Every other label is dropped here.

    Raises
    ------
    ValueError
        No training user, or the columns are missing.

    Examples
    --------
    >>> labels = pd.DataFrame({"user_id": ["a", "b", "c"], "is_fraud": [1, 0, 1]})
    >>> TrainingLabels(labels, train_users=["a", "b"]).fraud_users
    frozenset({'a'})
    """

    def __init__(self, labels: pd.DataFrame, train_users: Iterable[str]) -> None:
        missing = {"user_id", "is_fraud"} - set(labels.columns)
        if missing:
            raise ValueError(f"labels need columns user_id and is_fraud; missing {sorted(missing)}")
        train = set(map(str, train_users))
        if not train:
            raise ValueError("train_users is empty: label-aware features need at least one training user")
        kept = labels[labels["user_id"].astype(str).isin(train)]
        self.train_users: frozenset[str] = frozenset(train)
        self.fraud_users: frozenset[str] = frozenset(kept.loc[kept["is_fraud"].astype(int) == 1, "user_id"].astype(str))

    def __repr__(self) -> str:
        return f"TrainingLabels({len(self.train_users)} training users, {len(self.fraud_users)} known fraud)"


def label_features(projection: nx.Graph, training: TrainingLabels, *, max_distance: int = 6) -> pd.DataFrame:
    """Share of a user's neighbours that are known fraud, and hop distance to the nearest
    *other* known fraudster (``max_distance + 1`` when none is that close).

    Examples
    --------
    >>> g = nx.path_graph(["a", "b", "c", "d"])
    >>> t = TrainingLabels(pd.DataFrame({"user_id": ["a", "b"], "is_fraud": [1, 0]}), ["a", "b"])
    >>> label_features(g, t).loc[["a", "b", "d"], "distance_to_known_fraud"].tolist()
    [7.0, 1.0, 3.0]
    """
    if not isinstance(training, TrainingLabels):
        raise TypeError("label_features needs TrainingLabels (labels restricted to training users), "
                        f"got {type(training).__name__}")
    users = pd.Index(list(projection.nodes), name="user_id")
    fraud = training.fraud_users
    share = {}
    for user in users:
        neighbours = [n for n in projection.neighbors(user) if n != user]
        share[user] = (sum(n in fraud for n in neighbours) / len(neighbours)) if neighbours else 0.0
    far = float(max_distance + 1)
    distance = dict.fromkeys(users, far)
    sources = [u for u in fraud if u in projection]
    # distance to the nearest other known fraudster: BFS from each source's neighbours
    lengths = nx.multi_source_dijkstra_path_length(projection, sources, cutoff=max_distance, weight=None) if sources else {}
    for user, hops in lengths.items():
        distance[user] = float(hops)
    for user in sources:
        # a known fraudster's own label must not count: look one step further, excluding itself
        others = fraud - {user}
        best = far
        if others:
            reach = nx.single_source_shortest_path_length(projection, user, cutoff=max_distance)
            hops = [h for n, h in reach.items() if n in others]
            best = float(min(hops)) if hops else far
        distance[user] = best
    return pd.DataFrame(
        {"known_fraud_neighbor_share": pd.Series(share, dtype=float), "distance_to_known_fraud": pd.Series(distance)},
        index=users,
    ).astype(float).fillna({"distance_to_known_fraud": far}).replace({np.inf: far})
