"""The rings found: who is in which ring, one row per ring, and stable ring ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["Rings", "ring_id", "RING_COLUMNS"]

#: Columns of :attr:`Rings.table`.
RING_COLUMNS = ["ring_id", "size", "score", "members", "shared_entities", "exposure"]


def ring_id(members: Iterable[str]) -> str:
    """The id of the ring with these members: the same members always give the same id.

    ``"ring-"`` and the first 10 hex digits of the SHA-1 of the sorted member ids joined
    by newlines; the order of ``members`` does not matter.

    Examples
    --------
    >>> ring_id(["u2", "u1"]) == ring_id(["u1", "u2"])
    True
    >>> ring_id(["u1", "u2"])
    'ring-18f59d5604'
    """
    text = "\n".join(sorted(map(str, members)))
    return "ring-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


@dataclass
class Rings:
    """Fraud rings: membership per user and one row per ring.

    Attributes
    ----------
    membership
        ``user_id`` -> ``ring_id`` for the users in a ring only (sorted by user id).
    table
        One row per ring with :data:`RING_COLUMNS`: ``ring_id``; ``size`` (members);
        ``score`` (mean member risk); ``members`` (sorted user ids); ``shared_entities``
        (``"type:id"`` of the entities and ``"sent:src->dst"`` transfers that tie two or
        more members, most-shared first); ``exposure`` (sum of the members' payment
        amounts). Ordered by score, then size (both descending), then ring id.

    Examples
    --------
    >>> rings = Rings(
    ...     membership=pd.Series(["ring-1", "ring-1"], index=pd.Index(["a", "b"], name="user_id"), name="ring_id"),
    ...     table=pd.DataFrame({"ring_id": ["ring-1"], "size": [2], "score": [0.9], "members": [["a", "b"]],
    ...                         "shared_entities": [["device:d"]], "exposure": [10.0]}))
    >>> len(rings)
    1
    >>> rings.ring_of(["a", "c"]).tolist()
    ['ring-1', '']
    """

    membership: pd.Series
    table: pd.DataFrame

    def __len__(self) -> int:
        """Number of rings."""
        return len(self.table)

    def ring_of(self, users: Iterable[str]) -> pd.Series:
        """The ring id of each of ``users``, ``''`` for those in no ring.

        Parameters
        ----------
        users
            User ids, for example ``graph.users["user_id"]``.

        Returns
        -------
        pandas.Series
            Indexed by ``users`` (named ``user_id``), named ``ring_id``, string dtype.
        """
        index = pd.Index(list(users), dtype="string", name="user_id")
        ring = self.membership.reindex(index).fillna("").astype("string")
        return ring.rename("ring_id")
