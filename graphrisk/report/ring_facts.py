"""What the report says about every ring: the exposure order, activity, member payments, transfers.

The ring table (:data:`~graphrisk.rings.RING_COLUMNS`) comes from the ring grouping; this
module orders it the way investigators read it (largest exposure first) and adds what the
graph tells about each ring, computed once for all rings so that a world with hundreds of
rings costs a few table joins rather than one scan per ring.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["EXPOSURE_MEANING", "TRANSFER_COLUMNS", "RingFacts", "ring_facts", "rings_by_exposure", "transfer_label",
           "date_span"]

#: What "exposure" means, as the ring grouping computes it (``graphrisk.rings.group``).
EXPOSURE_MEANING = (
    "Exposure: the sum of the members' payments to merchants (their PAID amounts over the whole "
    "data), the money that went out through the ring; transfers between members are not counted."
)

#: Columns of :attr:`RingFacts.transfers`.
TRANSFER_COLUMNS = ["position", "src", "dst", "count", "amount", "first_seen", "last_seen"]


def rings_by_exposure(rings: pd.DataFrame) -> pd.DataFrame:
    """The rings, largest exposure first (ties: larger, then riskier, then by ring id).

    Parameters
    ----------
    rings
        A ring table with ``ring_id, size, score, exposure`` (missing exposure counts as 0).

    Returns
    -------
    pandas.DataFrame
        The same rows in exposure order, index ``0..n-1`` (the position is the ring's rank - 1).

    Examples
    --------
    >>> table = pd.DataFrame({"ring_id": ["a", "b", "c"], "size": [2, 5, 3], "score": [0.99, 0.7, 0.8],
    ...                       "exposure": [10.0, 500.0, 10.0]})
    >>> rings_by_exposure(table)["ring_id"].tolist()
    ['b', 'c', 'a']
    """
    keys = pd.DataFrame({
        "exposure": pd.to_numeric(rings["exposure"], errors="coerce").fillna(0.0).to_numpy(),
        "size": pd.to_numeric(rings["size"], errors="coerce").fillna(0).to_numpy(),
        "score": pd.to_numeric(rings["score"], errors="coerce").fillna(0.0).to_numpy(),
        "ring_id": rings["ring_id"].astype(str).to_numpy(),
    })
    order = keys.sort_values(["exposure", "size", "score", "ring_id"], ascending=[False, False, False, True],
                             kind="mergesort").index
    return rings.iloc[order].reset_index(drop=True)


@dataclass
class RingFacts:
    """The rings in exposure order and what the graph says about them.

    Attributes
    ----------
    rings
        The ring table in exposure order (:func:`rings_by_exposure`) with four more columns:
        ``transfers`` and ``transferred`` (count and amount of the SENT money between two
        members), ``first_seen`` and ``last_seen`` (the members' first and last payment or
        transfer; ``NaT`` when they have none).
    member_paid
        ``user_id`` -> the amount the member paid to merchants (the ring's exposure is their sum).
    transfers
        One row per sender -> receiver pair of the same ring with :data:`TRANSFER_COLUMNS`
        (``position``: the ring's row in ``rings``), by ring, then first transfer.
    """

    rings: pd.DataFrame
    member_paid: pd.Series
    transfers: pd.DataFrame

    def transfers_of(self, position: int) -> pd.DataFrame:
        """The transfers between members of the ring at row ``position`` of :attr:`rings`."""
        return self.transfers[self.transfers["position"] == position].reset_index(drop=True)


def ring_facts(graph: TransactionGraph, rings: pd.DataFrame) -> RingFacts:
    """Order the rings by exposure and gather their activity, payments and transfers.

    Parameters
    ----------
    graph
        The transaction graph the rings were found in.
    rings
        The ring table (:data:`~graphrisk.rings.RING_COLUMNS`).

    Returns
    -------
    RingFacts

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("123"), "timestamp": ["2024-01-02", "2024-01-05", "2024-01-09"],
    ...                    "user_id": ["a", "b", "a"], "amount": [10.0, 20.0, 7.5],
    ...                    "merchant_id": ["m", "m", None], "counterparty_id": [None, None, "b"]})
    >>> table = pd.DataFrame({"ring_id": ["r"], "size": [2], "score": [0.9], "members": [["a", "b"]],
    ...                       "shared_entities": [["merchant:m"]], "exposure": [30.0]})
    >>> facts = ring_facts(build_graph(tx)[0], table)
    >>> ring = facts.rings.iloc[0]
    >>> int(ring["transfers"]), float(ring["transferred"]), str(ring["first_seen"].date()), str(ring["last_seen"].date())
    (1, 7.5, '2024-01-02', '2024-01-09')
    >>> facts.member_paid.to_dict()
    {'a': 10.0, 'b': 20.0}
    """
    ordered = rings_by_exposure(rings)
    membership = pd.DataFrame(
        [(str(user), position) for position, members in enumerate(ordered["members"]) for user in members],
        columns=["user", "position"],
    ).drop_duplicates()

    paid = graph.paid.astype({"src": str}).merge(membership, left_on="src", right_on="user")
    member_paid = paid.groupby("src")["amount"].sum().astype(float)
    member_paid.index = member_paid.index.astype(str)
    member_paid.index.name = "user_id"

    sent = graph.sent.astype({"src": str, "dst": str})
    sent = sent[sent["src"] != sent["dst"]]
    out = sent.merge(membership, left_on="src", right_on="user")
    inside = out.merge(membership.rename(columns={"position": "to"}), left_on="dst", right_on="user",
                       suffixes=("", "_dst"))
    inside = inside[inside["position"] == inside["to"]]
    transfers = inside[TRANSFER_COLUMNS].sort_values(["position", "first_seen", "src", "dst"], ignore_index=True)

    seen = pd.concat([paid[["position", "first_seen", "last_seen"]], out[["position", "first_seen", "last_seen"]]])
    by_ring = seen.groupby("position")
    moved = transfers.groupby("position")
    positions = pd.RangeIndex(len(ordered))
    ordered = ordered.assign(
        transfers=moved.size().reindex(positions, fill_value=0).astype("int64").to_numpy(),
        transferred=moved["amount"].sum().reindex(positions, fill_value=0.0).astype(float).to_numpy(),
        first_seen=by_ring["first_seen"].min().reindex(positions).to_numpy(),
        last_seen=by_ring["last_seen"].max().reindex(positions).to_numpy(),
    )
    return RingFacts(rings=ordered, member_paid=member_paid, transfers=transfers)


def transfer_label(count: int, amount: float, first_seen: pd.Timestamp, last_seen: pd.Timestamp) -> str:
    """Two short lines for a transfer: the amount (and count when several), then the date(s).

    Examples
    --------
    >>> print(transfer_label(1, 1234.5, pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-02")))
    1,234.50
    2024-03-02
    >>> print(transfer_label(3, 90.0, pd.Timestamp("2024-01-30"), pd.Timestamp("2024-03-02")))
    3× 90.00
    2024-01-30–03-02
    """
    money = f"{amount:,.2f}" if count == 1 else f"{count}× {amount:,.2f}"
    return f"{money}\n{date_span(first_seen, last_seen)}"


def date_span(first_seen: pd.Timestamp, last_seen: pd.Timestamp) -> str:
    """``2024-03-02``, ``2024-01-30–03-02`` (same year) or both dates in full; ``-`` when unknown."""
    if pd.isna(first_seen) and pd.isna(last_seen):
        return "-"
    if pd.isna(first_seen) or pd.isna(last_seen):
        return f"{(last_seen if pd.isna(first_seen) else first_seen):%Y-%m-%d}"
    if first_seen.date() == last_seen.date():
        return f"{first_seen:%Y-%m-%d}"
    end = f"{last_seen:%m-%d}" if first_seen.year == last_seen.year else f"{last_seen:%Y-%m-%d}"
    return f"{first_seen:%Y-%m-%d}–{end}"
