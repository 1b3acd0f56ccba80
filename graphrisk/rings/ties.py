"""What ties two candidate accounts: a shared entity that is not an honest hub, or a transfer.

Two candidates (flagged accounts) are tied when

* they used the same identifier (any of :data:`~graphrisk.graph.model.IDENTIFIER_TYPES`:
  device, card, ip, email, phone, address) or paid the same merchant, and that entity
  is **not an honest hub**; or
* one of them SENT money to the other.

The hub rule
------------
An entity ties the candidates among its users only when both hold:

1. **flagged users are not a minority of its users**:
   ``candidates / users >= hub_share`` (0.5 by default), and
2. **it is small**: ``users <= max_entity_users`` (50 by default, the same cap as the
   user projections in :mod:`graphrisk.graph.projection`).

Otherwise it is an honest hub and ties nobody. Why both:

* The *share* tells a shared instrument of a ring from a busy honest place. A colluding
  merchant paid by 12 ring members and 3 honest people (12/15 = 0.8) ties the 12; a shop
  kiosk used by 40 honest people and 2 fraudsters from different rings (2/42 ~ 0.05) does
  not glue those rings together. A raw user-count cap alone cannot make that call: the
  kiosk is smaller than many ring devices.
* The *cap* is a safety net the share cannot give: when the caller's flag threshold is
  loose (many false positives), or a popular merchant happens to attract many flagged
  accounts, a big entity (thousands of honest payers) must still never merge rings.
  Planted and observed rings share entities with at most a few dozen accounts, so the
  cap costs little recall. The cap also bounds the candidate pairs one entity can make
  (``max_entity_users**2 / 2``) when large components are split with Louvain.

Users of an entity are the distinct accounts with a ``USED`` (identifiers) or ``PAID``
(merchants) relationship to it, flagged or not. An entity needs at least two candidates to
tie anything. Transfers have no hub rule: a transfer joins exactly two accounts, and both
must be candidates.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.projection import DEFAULT_HUB_CAP
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["candidate_ties", "TIE_COLUMNS"]

#: Columns of the tie table: one row per (candidate, tie); ``tie`` is ``"type:id"`` such as
#: ``"device:D1"``, ``"merchant:M7"`` or ``"sent:U1->U2"``.
TIE_COLUMNS = ["user_id", "tie"]


def candidate_ties(
    graph: TransactionGraph,
    candidates: Iterable[str],
    *,
    hub_share: float = 0.5,
    max_entity_users: int = DEFAULT_HUB_CAP,
) -> pd.DataFrame:
    """Every (candidate, tie) pair: the shared entities and transfers that tie candidates.

    Parameters
    ----------
    graph
        The transaction graph.
    candidates
        The flagged user ids (the caller chooses the flag threshold).
    hub_share
        An entity ties its candidates only when they make at least this share of its users.
    max_entity_users
        An entity with more users than this ties nobody.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIE_COLUMNS`, one row per candidate and tie it takes part in,
        sorted by ``tie`` then ``user_id``. Every tie listed has at least two candidates.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("1234"), "timestamp": ["2024-01-01"] * 4,
    ...                    "user_id": ["a", "b", "c", "a"], "amount": [1, 1, 1, 5],
    ...                    "device_id": ["d", "d", "d", None], "counterparty_id": [None, None, None, "c"]})
    >>> graph = build_graph(tx)[0]
    >>> candidate_ties(graph, ["a", "b"])          # d: 2 of its 3 users are candidates
      user_id       tie
    0       a  device:d
    1       b  device:d
    >>> len(candidate_ties(graph, ["a", "b"], hub_share=0.9))
    0
    >>> candidate_ties(graph, ["a", "c"], hub_share=0.9)["tie"].tolist()
    ['sent:a->c', 'sent:a->c']
    """
    candidates = pd.Index(pd.Series(list(candidates), dtype="string").unique())
    identifiers = graph.used[graph.used["entity_type"].isin(IDENTIFIER_TYPES)]
    parts = [
        _shared_entity_ties(identifiers, None, candidates, hub_share, max_entity_users),
        _shared_entity_ties(graph.paid, "merchant", candidates, hub_share, max_entity_users),
        _transfer_ties(graph.sent, candidates),
    ]
    ties = pd.concat(parts, ignore_index=True).astype("string").drop_duplicates()
    return ties.sort_values(["tie", "user_id"], ignore_index=True)


def _shared_entity_ties(
    table: pd.DataFrame, kind: str | None, candidates: pd.Index, hub_share: float, max_entity_users: int
) -> pd.DataFrame:
    """Ties through the entities of one edge table (``dst``), of type ``kind`` or ``entity_type``.

    Only ``isin`` filters touch the whole table; counting is done on the rows of entities
    with at least two candidates.
    """
    keys = ["dst"] if kind is not None else ["entity_type", "dst"]
    flagged = table.loc[table["src"].isin(candidates), [*keys, "src"]].drop_duplicates()
    n_flagged = flagged.groupby(keys, sort=False).size()
    n_flagged = n_flagged[n_flagged >= 2]
    if not len(n_flagged):
        return _empty()
    nearby = table.loc[table["dst"].isin(n_flagged.index.get_level_values("dst")), [*keys, "src"]]
    n_users = nearby.drop_duplicates().groupby(keys, sort=False).size().reindex(n_flagged.index)
    tying = n_flagged.index[(n_users <= max_entity_users) & (n_flagged >= hub_share * n_users)]
    rows = flagged.merge(tying.to_frame(index=False), on=keys)
    prefix = kind if kind is not None else rows["entity_type"]
    return pd.DataFrame({"user_id": rows["src"], "tie": prefix + ":" + rows["dst"]})


def _transfer_ties(sent: pd.DataFrame, candidates: pd.Index) -> pd.DataFrame:
    """One tie per transfer between two distinct candidates, listed for both of them."""
    both = sent.loc[sent["src"].isin(candidates) & sent["dst"].isin(candidates) & (sent["src"] != sent["dst"])]
    tie = "sent:" + both["src"] + "->" + both["dst"]
    return pd.concat(
        [pd.DataFrame({"user_id": both["src"], "tie": tie}), pd.DataFrame({"user_id": both["dst"], "tie": tie})],
        ignore_index=True,
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in TIE_COLUMNS})
