"""From a history of verdicts to one label per user: newest wins, conflicts reported.

The rules, per user:

* the verdict with the latest ``at`` wins (equal ``at``: the later ``line``);
* a winning ``fraud`` gives ``is_fraud = 1``, ``legit`` gives ``0``, ``unsure`` gives no label
  (an investigator who is no longer sure withdraws the earlier verdict);
* a user whose history holds both ``fraud`` and ``legit`` (from one investigator or
  several) is a conflict: reported with the whole history and the verdict that won;
* a user that is not in the graph (``known_users``) is reported and left out.

Every verdict row gets one status, so the counts reconcile::

    rows = used + superseded + unsure + unknown_user (+ rejected, counted by the reader)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from graphrisk.feedback.verdicts import VERDICT_COLUMNS, VERDICT_LABELS

__all__ = ["FeedbackResult", "resolve_verdicts", "STATUSES", "CONFLICT_COLUMNS", "LABEL_COLUMNS"]

#: What happened to each verdict row.
STATUSES: tuple[str, ...] = ("used", "superseded", "unsure", "unknown_user")

#: Columns of the conflicts table.
CONFLICT_COLUMNS = ["user_id", "verdicts", "by", "at", "winner", "winner_by", "winner_at", "is_fraud"]

#: Columns of the labels table (the canonical labels format, :data:`graphrisk.io.schema.LABELS`).
LABEL_COLUMNS = ["user_id", "is_fraud", "ring_id"]


@dataclass
class FeedbackResult:
    """What the verdicts say, per user.

    Attributes
    ----------
    labels
        ``user_id, is_fraud, ring_id`` (``ring_id`` empty: a verdict names no ring), one row
        per known user whose newest verdict is ``fraud`` or ``legit``, sorted by user.
    conflicts
        :data:`CONFLICT_COLUMNS`, one row per known user with both ``fraud`` and ``legit``
        verdicts: the history in time order (comma-separated), the winner and the label
        it gave (``<NA>`` when the winner is ``unsure``).
    unknown
        The verdict rows of users not in the graph.
    status
        Every verdict row (:data:`~graphrisk.feedback.verdicts.VERDICT_COLUMNS`) with its
        ``status``, one of :data:`STATUSES`.
    counts
        Rows per status, ``rows`` (all of them), ``users``, ``unknown_users`` (distinct),
        ``conflicts``, ``fraud`` and ``legit`` (labels given).
    """

    labels: pd.DataFrame
    conflicts: pd.DataFrame
    unknown: pd.DataFrame
    status: pd.DataFrame
    counts: dict[str, int]


def _times(values: pd.Series) -> str:
    return ", ".join(t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in values)


def resolve_verdicts(verdicts: pd.DataFrame, *, known_users: Collection[str] | None = None) -> FeedbackResult:
    """Resolve checked verdict rows into labels.

    Parameters
    ----------
    verdicts
        Checked rows with :data:`~graphrisk.feedback.verdicts.VERDICT_COLUMNS` (from
        :func:`~graphrisk.feedback.verdicts.read_verdicts` or
        :func:`~graphrisk.feedback.store.read_store_verdicts`).
    known_users
        The users of the graph the labels are for; verdicts on other users are left out.
        ``None``: every user counts as known.

    Returns
    -------
    FeedbackResult

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "user_id": ["u1", "u1", "u2", "u3", "u9"],
    ...     "verdict": ["fraud", "legit", "fraud", "unsure", "fraud"],
    ...     "by": ["ann", "bob", "ann", "bob", "ann"],
    ...     "at": pd.to_datetime(["2024-03-01", "2024-03-05", "2024-03-01", "2024-03-02", "2024-03-01"], utc=True),
    ...     "note": pd.Series([None] * 5, dtype="string"), "line": [2, 3, 4, 5, 6]})
    >>> result = resolve_verdicts(rows, known_users={"u1", "u2", "u3"})
    >>> result.labels.values.tolist()
    [['u1', 0, ''], ['u2', 1, '']]
    >>> result.conflicts[["user_id", "verdicts", "winner"]].values.tolist()
    [['u1', 'fraud, legit', 'legit']]
    >>> {k: result.counts[k] for k in ("used", "superseded", "unsure", "unknown_user")}
    {'used': 2, 'superseded': 1, 'unsure': 1, 'unknown_user': 1}
    """
    missing = [c for c in VERDICT_COLUMNS if c not in verdicts.columns]
    if missing:
        raise ValueError(f"verdicts need columns {', '.join(VERDICT_COLUMNS)}; missing {', '.join(missing)}")
    table = verdicts[VERDICT_COLUMNS].copy()
    table["user_id"] = table["user_id"].astype("string")
    table = table.sort_values(["user_id", "at", "line"], kind="stable", ignore_index=True)
    if known_users is None:
        known = pd.Series(True, index=table.index)
    else:
        known = table["user_id"].isin(set(map(str, known_users)))
    newest = ~table["user_id"].duplicated(keep="last")
    status = pd.Series("superseded", index=table.index, dtype="object")
    status[newest & (table["verdict"] == "unsure")] = "unsure"
    status[newest & (table["verdict"] != "unsure")] = "used"
    status[~known] = "unknown_user"
    table["status"] = status

    winners = table[newest & known]
    labelled = winners[winners["verdict"] != "unsure"]
    labels = pd.DataFrame({
        "user_id": labelled["user_id"].astype(str).to_numpy(),
        "is_fraud": labelled["verdict"].map(VERDICT_LABELS).astype(int).to_numpy(),
        "ring_id": "",
    }, columns=LABEL_COLUMNS).sort_values("user_id", ignore_index=True)

    history = table[known]
    kinds = history.groupby("user_id", sort=True)["verdict"].agg(lambda v: {"fraud", "legit"} <= set(v))
    conflict_rows = []
    for user in kinds.index[kinds.to_numpy(dtype=bool)]:
        rows = history[history["user_id"] == user]
        last = rows.iloc[-1]
        conflict_rows.append({
            "user_id": user, "verdicts": ", ".join(rows["verdict"]), "by": ", ".join(rows["by"]),
            "at": _times(rows["at"]), "winner": last["verdict"], "winner_by": last["by"],
            "winner_at": last["at"].strftime("%Y-%m-%dT%H:%M:%SZ"), "is_fraud": VERDICT_LABELS.get(last["verdict"]),
        })
    conflicts = pd.DataFrame(conflict_rows, columns=CONFLICT_COLUMNS)
    conflicts["is_fraud"] = conflicts["is_fraud"].astype("Int8")

    counts = {name: int((status == name).sum()) for name in STATUSES}
    counts.update({
        "rows": int(len(table)),
        "users": int(table.loc[known, "user_id"].nunique()),
        "unknown_users": int(table.loc[~known, "user_id"].nunique()),
        "conflicts": int(len(conflicts)),
        "fraud": int((labels["is_fraud"] == 1).sum()),
        "legit": int((labels["is_fraud"] == 0).sum()),
    })
    unknown = table.loc[~known, VERDICT_COLUMNS].sort_values("line", ignore_index=True)
    status_table = table.sort_values("line", kind="stable", ignore_index=True)
    return FeedbackResult(labels=labels, conflicts=conflicts, unknown=unknown, status=status_table, counts=counts)
