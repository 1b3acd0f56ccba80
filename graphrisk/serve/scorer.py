"""``LiveScorer``: scores one transaction at a time on a graph kept up to date in memory.

At start (and at every refresh) the scorer does what ``graphrisk score`` does on the same
data: node inputs, the batch scores, rings and reasons. (Above the detector's
``minibatch_edges`` the batch samples neighbourhoods while the service reads whole ones;
``notes`` says so.) It keeps the network's embeddings
of every node (:class:`~graphrisk.serve.representations.RepresentationCache`). A new
transaction then

1. adds its edges to the graph (new users, merchants and identifiers included);
2. marks the embeddings it reaches stale and recomputes the ones the payer's and the
   receiver's scores need, on the small subgraph around them;
3. answers with the transaction's risk, both accounts' risk, the ring it touches and the
   reasons.

What the incremental step does not redo is the node *inputs*: graph features such as
PageRank, Louvain communities or co-activity are global, so a known node keeps the
inputs of the last full scoring and a new node gets the training mean of every input
(zeros after scaling) until the next refresh, which recomputes everything exactly as
``graphrisk score`` would on all transactions seen so far. Scores right after a refresh
equal ``graphrisk score`` on the same data (tested).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.graph.build import build_graph
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.readers import TableSource
from graphrisk.io.schema import TRANSACTION_ENTITY_COLUMNS, TRANSACTIONS, ColumnKind
from graphrisk.model.detector import RiskDetector
from graphrisk.serve.live_graph import Change, LiveGraph
from graphrisk.serve.representations import RepresentationCache

__all__ = ["LiveScorer", "ConflictingTransaction"]

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class _Snapshot:
    """Everything one full scoring produced, plus the live graph grown since."""

    live: LiveGraph
    cache: RepresentationCache
    batch: dict[str, dict[str, Any]]  # user_id -> its row of the batch scores (ring, reasons)
    risk_before: dict[str, float]  # user_id -> risk at this full scoring
    rings: pd.DataFrame
    entity_rings: dict[str, list[str]]
    built_at: str
    transactions: int  # transactions in the graph of the full scoring
    seconds: float
    notes: list[str]  # what the user should know about this scoring
    added: int = 0
    new_users: set[str] = field(default_factory=set)


class LiveScorer:
    """A trained detector serving one transaction at a time.

    Parameters
    ----------
    detector
        The fitted model.
    graph
        The starting graph, built with its transactions kept (as ``graphrisk score`` builds it).
    links, users
        The canonical links and users tables ``graph`` was built from (paths or
        DataFrames); a refresh rebuilds the graph from them and every transaction seen.
    reasons
        Reasons per user of the full scoring.

    Raises
    ------
    ValueError
        ``graph`` has no transactions.
    """

    def __init__(self, detector: RiskDetector, graph: TransactionGraph, *, links: TableSource | None = None,
                 users: TableSource | None = None, reasons: int = 3) -> None:
        if graph.transactions is None:
            raise ValueError("the service needs the graph's transactions (build_graph(keep_transactions=True))")
        self.detector = detector
        self.reasons = reasons
        self._links, self._users = links, users
        self._base = graph.transactions
        self._log: list[dict] = []
        self._base_ids = pd.Index(self._base["transaction_id"].astype(str))
        self._logged: dict[str, dict] = {}
        self._lock = threading.RLock()
        self._refresh_lock = threading.Lock()
        self._snapshot = self._full_scoring(graph)

    # ------------------------------------------------------------ full scoring
    def _full_scoring(self, graph: TransactionGraph) -> _Snapshot:
        started = time.perf_counter()
        detector, encoder = self.detector, self.detector.encoder_
        result = detector.score_users(graph, reasons=self.reasons, drift=False)
        scores, rings = result.scores, result.rings.table
        pyg = result.encoded.pyg  # the graph as the batch scores read it: encoded once
        relationships = sum(pyg.data[et].num_edges for et in pyg.data.edge_types)
        notes = [] if relationships <= detector.settings.minibatch_edges else [
            f"{relationships:,} relationships: graphrisk score samples neighbourhoods above "
            f"{detector.settings.minibatch_edges:,}, the service reads whole ones, so its risks can differ from the "
            "batch scores (rings and reasons come from those)"]
        kinds = encoder.node_types
        x = {k: pyg.data[k].x.cpu() if k in pyg.data.node_types else encoder.blank_inputs(k, 0) for k in kinds}
        live = LiveGraph(graph, pyg, kinds, encoder.edge_types_)
        cache = RepresentationCache(detector.network_, live, x, blank_inputs=encoder.blank_inputs,
                                    readout=detector.readout)  # the stacked head's, when the model has one
        # the risk each user had at this full scoring, from the cache's full-neighbourhood pass (what later
        # answers are compared with; the same as the batch scores unless those sampled neighbourhoods)
        full_pass = detector.risk_from_logits(cache.all_user_logits())
        before = {user: float(risk) for user, risk in zip(live.names["user"], full_pass)}
        entity_rings: dict[str, list[str]] = {}
        for row in rings.itertuples(index=False):
            for entity in row.shared_entities:
                entity_rings.setdefault(str(entity), []).append(str(row.ring_id))
        return _Snapshot(live=live, cache=cache, batch=scores.set_index("user_id").to_dict(orient="index"),
                         risk_before=before, rings=rings.set_index("ring_id"),
                         entity_rings=entity_rings, built_at=_now(),
                         transactions=len(graph.transactions), seconds=time.perf_counter() - started, notes=notes)

    def refresh(self) -> dict[str, Any]:
        """Recompute every input and score from all transactions seen (as ``graphrisk score`` would).

        Transactions that arrive meanwhile are scored on the old snapshot and replayed
        onto the new one before it takes over. One refresh runs at a time. The links and
        users tables are read again from their files, so a refresh also takes in their
        updates. Received transactions are kept until a refresh has read them; after it,
        they are part of the base like the files.
        """
        with self._refresh_lock:
            with self._lock:
                seen = list(self._log)
            transactions = self._base
            if seen:
                appended = pd.DataFrame(seen, columns=list(self._base.columns)).astype(self._base.dtypes.to_dict())
                transactions = pd.concat([self._base, appended], ignore_index=True)
            graph = build_graph(transactions, self._links, self._users)[0]
            snapshot = self._full_scoring(graph)
            with self._lock:
                arrived = self._log[len(seen):]
                for row in arrived:
                    self._add(snapshot, row)
                # what the full scoring read is the new base: only what arrived since stays in the log
                self._base = graph.transactions
                self._base_ids = pd.Index(self._base["transaction_id"].astype(str))
                self._log = list(arrived)
                self._logged = {str(row["transaction_id"]): row for row in arrived}
                self._snapshot = snapshot
            return self.health()

    @property
    def notes(self) -> list[str]:
        """What to know about the last full scoring (e.g. the batch sampled neighbourhoods)."""
        return list(self._snapshot.notes)

    @property
    def refreshing(self) -> bool:
        """Whether a full scoring is running now."""
        return self._refresh_lock.locked()

    # ------------------------------------------------------------ scoring
    def score(self, row: dict) -> dict[str, Any]:
        """Add one validated transaction (from :func:`graphrisk.serve.requests.canonical_row`) and score it.

        A transaction id seen before is not added again: sent again with the same content
        (a client's retry), the answer is about the transaction as recorded, with
        ``"duplicate": true`` and the scores as they are now.

        Raises
        ------
        ConflictingTransaction
            The transaction id is recorded with different content.
        """
        answer = self.score_many([row])[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def score_many(self, rows: list[dict]) -> list[dict[str, Any] | Exception]:
        """Add and score transactions that arrived together, in order; one answer (or refusal) each.

        Every transaction is added first, then the embeddings the answers need are brought
        up to date once for all of them: each answer reflects the graph with every
        transaction of the batch, what :meth:`score` one by one would give for the last.
        """
        with self._lock:
            snapshot = self._snapshot
            accepted: list[tuple[dict, bool] | Exception] = []
            for row in rows:
                transaction_id = str(row["transaction_id"])
                recorded = self._recorded(transaction_id)
                if recorded is None:
                    try:
                        self._add(snapshot, row)  # first: a row that cannot be added is not recorded either
                    except Exception as error:  # noqa: BLE001 - a bug: this request alone gets the 500
                        log.exception("could not add transaction %r", transaction_id)
                        accepted.append(error)
                        continue
                    self._logged[transaction_id] = row
                    self._log.append(row)
                    accepted.append((row, False))
                elif _content(recorded) == _content(row):
                    accepted.append((recorded, True))
                else:
                    accepted.append(ConflictingTransaction(
                        f"transaction_id {transaction_id!r} is already recorded with different content"))
            users = list(dict.fromkeys(user for item in accepted if not isinstance(item, Exception)
                                       for user in _accounts_of(item[0])))
            risk_of = dict(zip(users, self._risks(snapshot, users).tolist())) if users else {}
            return [item if isinstance(item, Exception) else self._answer(snapshot, *item, risk_of)
                    for item in accepted]

    def _recorded(self, transaction_id: str) -> dict | None:
        """The transaction recorded under ``transaction_id`` (from the files or a request), or ``None``."""
        if transaction_id in self._logged:
            return self._logged[transaction_id]
        if transaction_id in self._base_ids:  # a row of the files: <NA> where a request has None
            row = self._base.iloc[self._base_ids.get_loc(transaction_id)].to_dict()
            return {k: None if not isinstance(v, str) and pd.isna(v) else v for k, v in row.items()}
        return None

    def _add(self, snapshot: _Snapshot, row: dict) -> Change:
        change = snapshot.live.add_transaction(row)
        snapshot.cache.apply(change)
        snapshot.added += 1
        for node in change.new_nodes.get("user", []):
            snapshot.new_users.add(snapshot.live.names["user"][node])
        return change

    def _risks(self, snapshot: _Snapshot, users: list[str]) -> np.ndarray:
        """Risks of ``users`` (known to the live graph) now."""
        index = np.array([snapshot.live.ids["user"][u] for u in users], dtype=np.int64)
        logits = snapshot.cache.user_logits(index)
        return np.asarray(self.detector.risk_from_logits(logits), dtype=np.float64)

    def _account(self, snapshot: _Snapshot, user: str, risk: float) -> dict[str, Any]:
        scored = snapshot.batch.get(user)
        before = snapshot.risk_before.get(user)
        return {
            "user_id": user,
            "risk": round(float(risk), 6),
            "flagged": bool(risk >= self.detector.threshold_),
            "new_account": user in snapshot.new_users,
            "ring_id": (str(scored["ring_id"]) or None) if scored else None,
            "risk_at_last_full_scoring": round(before, 6) if before is not None else None,
        }

    def _answer(self, snapshot: _Snapshot, row: dict, duplicate: bool, risk_of: dict[str, float]) -> dict[str, Any]:
        users = _accounts_of(row)
        risks = np.array([risk_of[u] for u in users])
        accounts = [self._account(snapshot, u, r) for u, r in zip(users, risks)]
        transaction_risk = float(1.0 - np.prod(1.0 - risks))  # either end being fraud makes the payment risky
        ring, via = self._ring(snapshot, row, accounts)
        return {
            "transaction_id": str(row["transaction_id"]),
            "transaction_risk": round(transaction_risk, 6),
            "flagged": bool(transaction_risk >= self.detector.threshold_),
            "payer": accounts[0],
            "counterparty": accounts[1] if len(accounts) > 1 else None,
            "ring": ring,
            "reasons": self._reasons(snapshot, accounts, via),
            "duplicate": duplicate,
            "model_version": self.detector.version_,
            "threshold": round(float(self.detector.threshold_), 6),
            "full_scoring_at": snapshot.built_at,
        }

    def _ring(self, snapshot: _Snapshot, row: dict, accounts: list[dict]) -> tuple[dict | None, str]:
        """The ring the transaction touches: an account's ring, else a ring sharing one of its entities."""
        candidates = [(a["ring_id"], f"{a['user_id']} is a member") for a in accounts if a["ring_id"]]
        entities = [("merchant", row.get("merchant_id"))]
        entities += [(kind, row.get(column)) for column, kind in TRANSACTION_ENTITY_COLUMNS.items()]
        for kind, name in entities:
            if name is not None:
                for ring in snapshot.entity_rings.get(f"{kind}:{name}", []):
                    candidates.append((ring, f"uses {kind} {name}, shared inside the ring"))
        if not candidates:
            return None, ""
        ring_id, via = candidates[0]
        table = snapshot.rings.loc[ring_id]
        return {"ring_id": ring_id, "size": int(table["size"]), "score": round(float(table["score"]), 6),
                "shared_entities": [str(e) for e in table["shared_entities"]][:5], "via": via}, via

    def _reasons(self, snapshot: _Snapshot, accounts: list[dict], via: str | None) -> list[str]:
        """Why: the ring touched (``via``; ``None`` outside a transaction), new accounts, moved risk, batch reasons."""
        out = []
        if via:
            out.append(f"touches a ring: {via}")
        for account in accounts:
            who = ("payer" if account is accounts[0] else "receiver") if via is not None else "account"
            if account["new_account"]:
                out.append(f"{who} {account['user_id']} is a new account (inputs at the training mean until the "
                           "next full scoring)")
            before = account["risk_at_last_full_scoring"]
            if before is not None and abs(account["risk"] - before) >= 0.05:
                out.append(f"{who} risk moved from {before:.3f} to {account['risk']:.3f} with recent transactions")
            scored = snapshot.batch.get(account["user_id"])
            if scored:
                out += [f"{who}: {scored[c]}" for c in scored if c.startswith("reason_") and scored[c]]
        return out

    # ------------------------------------------------------------ reads
    def user(self, user_id: str) -> dict[str, Any] | None:
        """The account's risk on the graph as it is now, or ``None`` for an unknown account."""
        with self._lock:
            snapshot = self._snapshot
            if user_id not in snapshot.live.ids["user"]:
                return None
            account = self._account(snapshot, user_id, float(self._risks(snapshot, [user_id])[0]))
            account["reasons"] = self._reasons(snapshot, [account], None)
            return account

    def all_risks(self) -> pd.Series:
        """Every account's risk now (refreshes every stale embedding: for tests and checks, not per request)."""
        with self._lock:
            snapshot = self._snapshot
            risk = self.detector.risk_from_logits(snapshot.cache.all_user_logits())
            return pd.Series(risk, index=pd.Index(snapshot.live.names["user"], name="user_id"), name="risk_score")

    def health(self) -> dict[str, Any]:
        """Model, graph size and how far the graph has moved since the last full scoring."""
        with self._lock:
            snapshot = self._snapshot
            return {
                "status": "ok",
                "model_version": self.detector.version_,
                "users": snapshot.live.num_nodes("user"),
                "transactions": snapshot.transactions + snapshot.added,
                "transactions_since_full_scoring": snapshot.added,
                "full_scoring_at": snapshot.built_at,
                "full_scoring_seconds": round(snapshot.seconds, 2),
            }


def _accounts_of(row: dict) -> list[str]:
    """The paying account, and the receiving one of a transfer."""
    receiver = row.get("counterparty_id")
    return [str(row["user_id"])] + ([str(receiver)] if receiver is not None else [])


class ConflictingTransaction(InputError):
    """A transaction id arrived again with content other than what was recorded under it."""


def _content(row: dict) -> tuple:
    """What a transaction says (``None`` where empty), comparable between a request and a recorded row (``is_fraud``
    aside)."""
    values = []
    for column in TRANSACTIONS.columns:
        if column.name == "is_fraud":
            continue
        value = row.get(column.name)
        if value is None:
            values.append(None)
        elif column.kind is ColumnKind.TIMESTAMP:
            values.append(pd.Timestamp(value).value)
        elif column.kind is ColumnKind.AMOUNT:
            values.append(float(value))
        else:
            values.append(str(value))
    return tuple(values)
