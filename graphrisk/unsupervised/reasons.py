"""Why an account ranks high without labels, in words an investigator can check in the graph."""

from __future__ import annotations

import pandas as pd

from graphrisk.rings import Rings

__all__ = ["part_reasons", "ring_reasons", "OUTLIER_REASON_FROM"]

#: The outlier part is given as a reason only from this percentile up.
OUTLIER_REASON_FROM = 0.9


def _accounts(n: float) -> str:
    """``"1 other account"``, ``"3 other accounts"``."""
    return f"{n:,.0f} other account{'' if n == 1 else 's'}"


def _candidates(parts: pd.DataFrame, window_days: float, relay_hours: float) -> pd.DataFrame:
    """One row per user and reason that applies: ``user``, ``strength`` (a percentile), ``text``."""
    users = parts.index.to_numpy()
    rows = []
    shared = parts["shared_evidence"].to_numpy() > 0
    rows.append(pd.DataFrame({
        "user": users[shared], "strength": parts["sharing"].to_numpy()[shared],
        "text": [f"shares {ident} with {_accounts(n)}, {k:,} of them first on it within {window_days:g} days of this one"
                 for ident, n, k in zip(parts["shared_identifier"].to_numpy()[shared],
                                        parts["shared_with"].to_numpy()[shared],
                                        parts["shared_synced"].to_numpy()[shared])]}))
    lockstep = parts["lockstep_partners"].to_numpy()
    relayed = parts["relayed_transfers"].to_numpy()
    synchrony = parts["synchrony"].to_numpy()
    rows.append(pd.DataFrame({"user": users[lockstep > 0], "strength": synchrony[lockstep > 0],
                              "text": [f"paid small merchants in lockstep with {_accounts(n)}"
                                       for n in lockstep[lockstep > 0]]}))
    rows.append(pd.DataFrame({"user": users[relayed > 0], "strength": synchrony[relayed > 0],
                              "text": [f"passed on {n:,.0f} received transfer{'' if n == 1 else 's'} within "
                                       f"{relay_hours:g} h, for about the amount" for n in relayed[relayed > 0]]}))
    outlier = parts["outlier"].to_numpy()
    odd = outlier >= OUTLIER_REASON_FROM
    rows.append(pd.DataFrame({"user": users[odd], "strength": outlier[odd],
                              "text": [f"graph features more isolated than {p:.0%} of accounts" for p in outlier[odd]]}))
    return pd.concat(rows, ignore_index=True)


def part_reasons(parts: pd.DataFrame, *, top: int = 3, window_days: float = 7.0,
                 relay_hours: float = 6.0) -> list[pd.Series]:
    """The ``top`` reasons per user, strongest part first.

    Parameters
    ----------
    parts
        The scorer's parts table (:meth:`~graphrisk.unsupervised.ColdStartScorer.parts`), indexed by ``user_id``.
    top
        Reasons per user.
    window_days, relay_hours
        The scorer's arrival window and relay window, for the text.

    Returns
    -------
    list of pandas.Series
        One Series per rank (``reason_1`` ...), indexed like ``parts``; ``""`` where a user
        has fewer reasons (only evidence found, and the outlier part from its 90th percentile).
    """
    if top <= 0:
        return []
    candidates = _candidates(parts, window_days, relay_hours)
    candidates = candidates.sort_values(["user", "strength"], ascending=[True, False], kind="stable")
    candidates["rank"] = candidates.groupby("user", sort=False).cumcount()
    return [candidates.loc[candidates["rank"] == i].set_index("user")["text"].reindex(parts.index).fillna("")
            .rename(f"reason_{i + 1}") for i in range(top)]


def ring_reasons(rings: Rings, reasons: list[pd.Series]) -> list[pd.Series]:
    """``reasons`` with each ring member's ring first (its size and what its members share), the others shifted."""
    if not reasons or not len(rings):
        return reasons
    text = {}
    for row in rings.table.itertuples(index=False):
        shared = ", ".join(row.shared_entities[:3]) or "transfers"
        text.update(dict.fromkeys(row.members, f"in a ring of {row.size} flagged accounts sharing {shared}"))
    ring = pd.Series(text, dtype=object).reindex(reasons[0].index)
    member = ring.notna().to_numpy()
    out = [r.copy() for r in reasons]
    for i in range(len(out) - 1, 0, -1):
        out[i] = out[i].where(~member, reasons[i - 1])
    out[0] = out[0].where(~member, ring)
    return out
