"""Group flagged accounts into fraud rings through what they share."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from graphrisk.graph.projection import DEFAULT_HUB_CAP
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.rings.components import tie_groups
from graphrisk.rings.result import RING_COLUMNS, Rings, ring_id
from graphrisk.rings.ties import candidate_ties

__all__ = ["group_rings"]


def group_rings(
    graph: TransactionGraph,
    scores: pd.Series,
    flagged: pd.Series,
    *,
    min_ring_size: int = 2,
    hub_share: float = 0.5,
    max_entity_users: int = DEFAULT_HUB_CAP,
    max_ring_size: int = 60,
    seed: int = 0,
) -> Rings:
    """Group the flagged accounts into rings: connected groups tied by what they share.

    The candidates are the flagged users; the caller chooses the flag threshold (for
    example ``flagged = scores >= threshold``, or the top-k). Two candidates are tied when
    they share an identifier or a merchant that is not an honest hub, or when one sent
    money to the other (see :mod:`graphrisk.rings.ties` for the hub rule and why). Rings
    are the connected groups of tied candidates with at least ``min_ring_size`` members;
    groups larger than ``max_ring_size`` are split with seeded Louvain
    (see :mod:`graphrisk.rings.components`).

    Parameters
    ----------
    graph
        The transaction graph (:func:`graphrisk.build_graph`).
    scores
        ``user_id`` -> risk in [0, 1]; needed for every flagged user.
    flagged
        ``user_id`` -> bool: the candidates (users absent from it are not flagged).
    min_ring_size
        Smallest ring (>= 2: a ring of one is not a ring).
    hub_share
        In (0, 1]: an entity ties the candidates among its users only when they make at
        least this share of its users.
    max_entity_users
        An entity with more users than this ties nobody.
    max_ring_size
        Groups with more members are split into Louvain communities.
    seed
        Seed of the Louvain splits.

    Returns
    -------
    Rings
        ``membership`` (user -> ring id, users in a ring only) and ``table`` (one row per
        ring). Ring ids depend on the members only (:func:`graphrisk.rings.ring_id`).

    Raises
    ------
    TypeError
        ``graph`` is not a TransactionGraph, or ``scores``/``flagged`` are not Series of
        numbers/booleans.
    ValueError
        Bad parameters, duplicate user ids, flagged users unknown to the graph or without a
        score, or scores outside [0, 1].

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("12345"), "timestamp": ["2024-01-01"] * 5,
    ...                    "user_id": ["a", "b", "c", "d", "e"], "amount": [10.0, 20.0, 5.0, 1.0, 1.0],
    ...                    "merchant_id": ["m", "m", "m", "k", "k"], "device_id": ["d1", "d1", "d1", "d2", "d2"]})
    >>> graph = build_graph(tx)[0]
    >>> scores = pd.Series({"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.95, "e": 0.1})  # d is flagged alone
    >>> rings = group_rings(graph, scores, scores >= 0.7)
    >>> rings.table[["size", "members", "shared_entities", "exposure"]]
       size    members          shared_entities  exposure
    0     3  [a, b, c]  [device:d1, merchant:m]      35.0
    >>> rings.ring_of(["a", "d"]).tolist() == [rings.table.loc[0, "ring_id"], ""]
    True
    """
    _check_arguments(graph, scores, flagged, min_ring_size, hub_share, max_entity_users, max_ring_size)
    candidates = pd.Index(flagged.index[flagged.to_numpy(dtype=bool)]).astype("string")
    _check_candidates(graph, scores, candidates)

    ties = candidate_ties(graph, candidates, hub_share=hub_share, max_entity_users=max_entity_users)
    groups = tie_groups(ties, min_ring_size=min_ring_size, max_ring_size=max_ring_size, seed=seed)
    ids = [ring_id(members) for members in groups]
    membership = pd.Series(
        np.repeat(np.array(ids, dtype=object), [len(m) for m in groups]),
        index=pd.Index([u for m in groups for u in m], dtype="string", name="user_id"),
        name="ring_id",
        dtype="string",
    ).sort_index()
    return Rings(membership=membership, table=_ring_table(graph, scores, ties, groups, ids, membership))


def _ring_table(
    graph: TransactionGraph,
    scores: pd.Series,
    ties: pd.DataFrame,
    groups: list[list[str]],
    ids: list[str],
    membership: pd.Series,
) -> pd.DataFrame:
    """One row per ring: size, mean score, members, shared entities and exposure."""
    member_scores = pd.Series(scores.to_numpy(dtype=float), index=scores.index.astype("string"))
    member_scores = member_scores.reindex(membership.index)
    score = member_scores.groupby(membership.to_numpy()).mean()

    paid = graph.paid[graph.paid["src"].isin(membership.index)]
    exposure = paid["amount"].groupby(paid["src"].map(membership).to_numpy()).sum()

    inside = ties.assign(ring_id=ties["user_id"].map(membership))
    shared = inside.dropna(subset=["ring_id"]).groupby(["ring_id", "tie"]).size().rename("members").reset_index()
    shared = shared[shared["members"] >= 2].sort_values(
        ["ring_id", "members", "tie"], ascending=[True, False, True]
    )
    shared_lists = shared.groupby("ring_id")["tie"].agg(lambda s: [str(t) for t in s])

    table = pd.DataFrame(
        {
            "ring_id": pd.Series(ids, dtype="string"),
            "size": pd.Series([len(m) for m in groups], dtype="int64"),
            "score": pd.Series(score.reindex(ids).to_numpy(), dtype="float64"),
            "members": pd.Series(groups, dtype=object),
            "shared_entities": pd.Series(
                [shared_lists.get(i, []) for i in ids], dtype=object
            ),
            "exposure": pd.Series(exposure.reindex(ids).fillna(0.0).to_numpy(), dtype="float64"),
        },
        columns=RING_COLUMNS,
    )
    return table.sort_values(["score", "size", "ring_id"], ascending=[False, False, True], ignore_index=True)


def _check_arguments(
    graph: object,
    scores: object,
    flagged: object,
    min_ring_size: object,
    hub_share: object,
    max_entity_users: object,
    max_ring_size: object,
) -> None:
    if not isinstance(graph, TransactionGraph):
        raise TypeError(f"graph must be a TransactionGraph (from graphrisk.build_graph), got {type(graph).__name__}")
    if not isinstance(scores, pd.Series) or not pd.api.types.is_numeric_dtype(scores.dtype) \
            or pd.api.types.is_bool_dtype(scores.dtype):
        raise TypeError(f"scores must be a numeric pandas Series (user_id -> risk in [0, 1]), got {_describe(scores)}")
    if not isinstance(flagged, pd.Series) or not pd.api.types.is_bool_dtype(flagged.dtype):
        raise TypeError(f"flagged must be a boolean pandas Series (user_id -> bool), got {_describe(flagged)}")
    if flagged.hasnans:
        raise ValueError("flagged has missing values; fill them (for example flagged.fillna(False))")
    for name, series in (("scores", scores), ("flagged", flagged)):
        if not series.index.is_unique:
            duplicated = series.index[series.index.duplicated()].unique()[:5].tolist()
            raise ValueError(f"{name} has duplicate user ids, for example {duplicated}")
    values = scores.to_numpy(dtype=float, na_value=np.nan)
    outside = (values < 0) | (values > 1)
    if outside.any():
        raise ValueError(f"scores must be in [0, 1]; {scores.index[outside][:5].tolist()} are not")
    for name, value, low in (("min_ring_size", min_ring_size, 2), ("max_entity_users", max_entity_users, 2)):
        if not _is_int(value) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not _is_int(max_ring_size) or max_ring_size < min_ring_size:
        raise ValueError(f"max_ring_size must be an integer >= min_ring_size ({min_ring_size}), got {max_ring_size!r}")
    if not isinstance(hub_share, numbers.Real) or not 0.0 < hub_share <= 1.0:
        raise ValueError(f"hub_share must be in (0, 1], got {hub_share!r}")


def _check_candidates(graph: TransactionGraph, scores: pd.Series, candidates: pd.Index) -> None:
    # look the few candidates up among the users (isin's cost grows with its argument)
    unknown = candidates[pd.Index(graph.users["user_id"]).get_indexer(candidates) < 0]
    if len(unknown):
        raise ValueError(
            f"{len(unknown)} flagged users are not in the graph, for example {unknown[:5].tolist()}; "
            "flag users of this graph only"
        )
    scored = pd.Series(scores.to_numpy(dtype=float, na_value=np.nan), index=scores.index.astype("string"))
    missing = candidates[scored.reindex(candidates).isna().to_numpy()]
    if len(missing):
        raise ValueError(f"{len(missing)} flagged users have no score, for example {missing[:5].tolist()}")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _describe(value: object) -> str:
    return f"a Series of dtype {value.dtype}" if isinstance(value, pd.Series) else type(value).__name__
