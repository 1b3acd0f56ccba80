"""Write scores and rings back into Neo4j: batched, idempotent and resumable.

What a scoring run writes (every value a query parameter):

* on each scored ``(:User)``: ``risk_score``, ``flagged``, ``ring_id`` (``null`` outside a
  ring), ``risk_reasons`` (list), ``scored_at``, ``model_version`` and ``score_run``;
* one ``(:Ring {ring_id, size, score, exposure, shared_entities, members, status,
  first_seen, last_seen, scored_at, created_at, updated_at, grown_at, model_version})`` per
  ring, with
  ``(:User)-[:MEMBER_OF {since}]->(:Ring)``; rings are *updated*, not rebuilt: a ring keeps
  its id as it grows, merged rings get ``status = 'merged'``, ``merged_into`` and
  ``(:Ring)-[:MERGED_INTO {at}]->(:Ring)``, rings no longer found get ``status =
  'dissolved'`` (see :mod:`graphrisk.store.ring_plan`). ``first_seen``/``last_seen`` are the
  data's own time span: the earliest ``first_seen`` and latest ``last_seen`` of the members'
  USED, PAID and SENT relationships; ``scored_at`` is when this run scored it (``created_at``,
  ``updated_at`` and ``grown_at`` are scoring times too);
* optionally ``risk_score``, ``flagged_users`` and ``scored_at`` on merchants and
  identifiers (mean risk of their users);
* one ``(:ScoreRun {run_id})`` node per run, keyed by the hash of the model version and
  the results, with its status and counts.

Running the same results again writes the same values (``scored_at`` is the run's own,
kept on its ``ScoreRun`` node); a run stopped halfway is finished by running it again:
users already holding this run's values are skipped, everything else is ``MERGE``/``SET``.
Users that are not in the database are refused before anything is written: load the
graph first. One write-back runs at a time: a second job started meanwhile stops with a
clear error instead of interleaving its rings and users (:mod:`graphrisk.store.write_lock`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
from neo4j.exceptions import DriverError, Neo4jError

from graphrisk.errors import GraphRiskError, StoreError, StoreUnavailable
from graphrisk.graph.model import NODE_TYPES
from graphrisk.store import cypher
from graphrisk.store.constraints import ensure_constraints
from graphrisk.store.records import to_values
from graphrisk.store.ring_plan import RingPlan, StoredRing, plan_rings
from graphrisk.store.runner import QueryRunner
from graphrisk.store.write_lock import acquire_write_lock, refresh_write_lock, release_write_lock

__all__ = ["write_scores", "WritebackReport", "DEFAULT_WRITE_BATCH"]

DEFAULT_WRITE_BATCH = 5_000

#: The write lock every write-back takes (see :mod:`graphrisk.store.write_lock`).
LOCK_NAME = "score-write-back"

#: Called as ``progress(stage, items_written)``.
WriteProgress = Callable[[str, int], None]

_START_RUN = """
OPTIONAL MATCH (earlier:ScoreRun {run_id: $run_id})
WITH earlier.status AS before
MERGE (run:ScoreRun {run_id: $run_id})
ON CREATE SET run.status = 'running', run.scored_at = $scored_at, run.model_version = $model_version,
              run.started_at = datetime()
RETURN before, run.scored_at AS scored_at
"""

_FINISH_RUN = """
MATCH (run:ScoreRun {run_id: $run_id})
SET run.status = 'complete', run.completed_at = datetime(), run += $counts
"""

_MISSING_USERS = """
UNWIND $ids AS id
OPTIONAL MATCH (u:User {user_id: id})
WITH id WHERE u IS NULL
RETURN count(id) AS missing, collect(id)[..5] AS examples
"""

_ACTIVE_RINGS = """
MATCH (r:Ring {status: 'active'})
RETURN r.ring_id AS ring_id, coalesce(r.members, []) AS members, toString(r.created_at) AS created_at
"""

_WRITE_RINGS = """
UNWIND $rows AS row
MERGE (r:Ring {ring_id: row.id})
ON CREATE SET r.created_at = $scored_at
SET r.size = row.size, r.score = row.score, r.exposure = row.exposure, r.shared_entities = row.shared,
    r.members = row.members, r.status = 'active', r.merged_into = null, r.dissolved_at = null,
    r.updated_at = $scored_at, r.scored_at = $scored_at, r.model_version = $model_version, r.score_run = $run_id,
    r.grown_at = CASE WHEN row.grown THEN $scored_at ELSE r.grown_at END
"""

# after the members are written: the span of their activity in the data itself
_RING_SPANS = """
UNWIND $ids AS id
MATCH (r:Ring {ring_id: id})
CALL (r) {
    OPTIONAL MATCH (r)<-[:MEMBER_OF]-(:User)-[t:USED|PAID|SENT]-()
    RETURN min(t.first_seen) AS first_seen, max(t.last_seen) AS last_seen
}
SET r.first_seen = first_seen, r.last_seen = last_seen
"""

_MERGE_RINGS = """
UNWIND $rows AS row
MATCH (old:Ring {ring_id: row.old})
MATCH (survivor:Ring {ring_id: row.survivor})
SET old.status = 'merged', old.merged_into = row.survivor, old.merged_at = $scored_at, old.updated_at = $scored_at
MERGE (old)-[m:MERGED_INTO]->(survivor)
ON CREATE SET m.at = $scored_at
"""

_DISSOLVE_RINGS = """
UNWIND $ids AS id
MATCH (r:Ring {ring_id: id})
SET r.status = 'dissolved', r.dissolved_at = $scored_at, r.updated_at = $scored_at
"""

# Users already holding this run's values are skipped; properties and membership change
# in one transaction, so a user is either fully written or not at all.
_WRITE_USERS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row.id})
WHERE coalesce(u.score_run, '') <> $run_id
SET u.risk_score = row.risk, u.flagged = row.flagged, u.ring_id = row.ring, u.risk_reasons = row.reasons,
    u.scored_at = $scored_at, u.model_version = $model_version, u.score_run = $run_id
WITH u, row
CALL (u, row) {
    OPTIONAL MATCH (u)-[old:MEMBER_OF]->(r:Ring)
    WHERE row.ring IS NULL OR r.ring_id <> row.ring
    DELETE old
}
CALL (u, row) {
    WITH u, row WHERE row.ring IS NOT NULL
    MATCH (r:Ring {ring_id: row.ring})
    MERGE (u)-[m:MEMBER_OF]->(r)
    ON CREATE SET m.since = $scored_at
}
RETURN count(u) AS written
"""

_WRITE_ENTITIES = """
UNWIND $rows AS row
MATCH (n:{label} {{{key}: row.id}})
SET n.risk_score = row.risk, n.flagged_users = row.flagged, n.scored_at = $scored_at
RETURN count(n) AS written
"""


@dataclass
class WritebackReport:
    """What a write-back did.

    Attributes
    ----------
    run_id
        Hash of the model version and the results (the ``ScoreRun`` node's key).
    status
        ``written`` (first run), ``resumed`` (an interrupted run finished) or
        ``rewritten`` (the same results written again).
    users_written, users_unchanged
        Users whose values were written, and users that already held them.
    rings_new, rings_grown, rings_kept, rings_merged, rings_dissolved
        Ring counts by what happened to them (``rings_merged``: stored rings absorbed).
    entities_written
        Merchants and identifiers given a risk score.
    ring_ids
        Ring id found by this run -> id it is stored under (they differ when a stored ring
        keeps its id).
    seconds
        Wall time.
    """

    run_id: str
    status: str
    users_written: int = 0
    users_unchanged: int = 0
    rings_new: int = 0
    rings_grown: int = 0
    rings_kept: int = 0
    rings_merged: int = 0
    rings_dissolved: int = 0
    entities_written: int = 0
    ring_ids: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def with_stored_ids(self, scores: pd.DataFrame, rings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``scores`` and ``rings`` with each ring id replaced by the id it is stored under in Neo4j."""
        renamed = {found: kept for found, kept in self.ring_ids.items() if found != kept}
        if not renamed:
            return scores, rings
        return (scores.assign(ring_id=scores["ring_id"].replace(renamed)),
                rings.assign(ring_id=rings["ring_id"].replace(renamed)))

    def summary(self) -> str:
        """One line for people."""
        return (
            f"neo4j: {self.status} score run {self.run_id[:12]}: {self.users_written:,} users written "
            f"({self.users_unchanged:,} unchanged); rings {self.rings_new:,} new, {self.rings_grown:,} grown, "
            f"{self.rings_kept:,} kept, {self.rings_merged:,} merged, {self.rings_dissolved:,} dissolved"
            + (f"; {self.entities_written:,} devices/merchants scored" if self.entities_written else "")
            + f" in {self.seconds:.1f} s"
        )


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _run_id(model_version: str, scores: pd.DataFrame, rings: pd.DataFrame, entities: pd.DataFrame | None) -> str:
    digest = hashlib.sha256(model_version.encode("utf-8"))
    for table in (scores, rings, entities):
        if table is not None and len(table):
            text = table.astype(str).to_csv(index=False)  # lists and NaN render the same every time
            digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _reasons(scores: pd.DataFrame) -> list[list[str]]:
    columns = [c for c in scores.columns if c.startswith("reason_")]
    if not columns:
        return [[] for _ in range(len(scores))]
    values = scores[columns].fillna("").astype(str).to_numpy()
    return [[text for text in row if text] for row in values]


def write_scores(
    runner: QueryRunner,
    scores: pd.DataFrame,
    rings: pd.DataFrame,
    *,
    model_version: str,
    entities: pd.DataFrame | None = None,
    scored_at: datetime | None = None,
    batch_size: int = DEFAULT_WRITE_BATCH,
    progress: WriteProgress | None = None,
) -> WritebackReport:
    """Write one scoring run into Neo4j.

    Parameters
    ----------
    runner
        Where to write.
    scores
        ``user_id, risk_score, flagged, ring_id`` (``""`` or missing outside a ring) and
        optional ``reason_1..n`` (from :meth:`graphrisk.model.RiskDetector.score`).
    rings
        The rings table (:attr:`graphrisk.rings.Rings.table`).
    model_version
        Identifies the model (stored on every user and ring).
    entities
        Optional :func:`graphrisk.rings.entity_risk.entity_risk` table to write on merchants
        and identifiers.
    scored_at
        When the scores were made (default: now, UTC). A rerun of the same results keeps
        the time of the first run.
    batch_size
        Users per transaction.
    progress
        Called as ``progress(stage, items)`` after every batch.

    Returns
    -------
    WritebackReport

    Raises
    ------
    StoreError
        Some scored users are not in the database.
    ValueError
        ``batch_size`` is not positive, or a user's ring is not in ``rings``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    started = time.perf_counter()
    tell = progress or (lambda stage, n: None)
    user_ids = to_values(scores["user_id"].astype(str))
    ring_of = scores["ring_id"].fillna("").astype(str).tolist() if "ring_id" in scores else [""] * len(scores)
    unknown = sorted(set(ring_of) - {""} - set(rings["ring_id"].astype(str)))
    if unknown:
        raise ValueError(f"users are in rings missing from the rings table: {', '.join(unknown[:5])}")

    ensure_constraints(runner)
    for batch in _batches(user_ids, batch_size):
        missing = runner.read(_MISSING_USERS, {"ids": batch})[0]
        if missing["missing"]:
            raise StoreError(
                f"{missing['missing']:,} scored users are not in the database (for example "
                f"{', '.join(map(repr, missing['examples']))}): load the graph first (graphrisk load)"
            )

    run_id = _run_id(model_version, scores, rings, entities)
    acquire_write_lock(runner, LOCK_NAME, run_id)
    try:
        report = _write_run(runner, scores, rings, entities, user_ids, ring_of, run_id, model_version, scored_at,
                            batch_size, tell)
    except StoreUnavailable:
        raise  # the server is gone: releasing would wait out the retry bound again; a rerun takes the lock over
    except BaseException:
        with suppress(GraphRiskError, Neo4jError, DriverError):  # keep the first error, not the release's
            release_write_lock(runner, LOCK_NAME, run_id)
        raise
    release_write_lock(runner, LOCK_NAME, run_id)
    report.seconds = time.perf_counter() - started
    return report


def _write_run(runner, scores, rings, entities, user_ids, ring_of, run_id, model_version, scored_at, batch_size, tell):
    """The write-back proper, under the write lock."""
    state = runner.write(_START_RUN, {
        "run_id": run_id, "model_version": model_version,
        "scored_at": scored_at or datetime.now(timezone.utc).replace(microsecond=0),
    })[0]
    report = WritebackReport(run_id=run_id, status={"running": "resumed", "complete": "rewritten"}.get(state["before"], "written"))
    when = state["scored_at"]
    common = {"run_id": run_id, "scored_at": when, "model_version": model_version}

    stored = [StoredRing(r["ring_id"], frozenset(r["members"]), r["created_at"] or "") for r in runner.read(_ACTIVE_RINGS)]
    found = {str(row.ring_id): [str(m) for m in row.members] for row in rings.itertuples(index=False)}
    plan = plan_rings(found, stored, user_ids)
    _write_rings(runner, rings, plan, common, batch_size, tell)
    report.ring_ids = dict(plan.stored_id)
    report.rings_new, report.rings_grown, report.rings_kept = len(plan.new), len(plan.grown), len(plan.kept)
    report.rings_merged, report.rings_dissolved = len(plan.merged), len(plan.dissolved)

    risk = to_values(scores["risk_score"].astype(float))
    flagged = [bool(v) for v in scores["flagged"].to_numpy()]
    reasons = _reasons(scores)
    rows = [
        {"id": user, "risk": risk[i], "flagged": flagged[i], "ring": plan.stored_id[ring_of[i]] if ring_of[i] else None,
         "reasons": reasons[i]}
        for i, user in enumerate(user_ids)
    ]
    for batch in _batches(rows, batch_size):
        written = runner.write(_WRITE_USERS, {**common, "rows": batch})[0]["written"]
        report.users_written += written
        report.users_unchanged += len(batch) - written
        refresh_write_lock(runner, LOCK_NAME, run_id)
        tell("users", len(batch))

    ring_ids = sorted(set(plan.stored_id.values()))
    for batch in _batches(ring_ids, batch_size):
        runner.write(_RING_SPANS, {"ids": batch})
        refresh_write_lock(runner, LOCK_NAME, run_id)
        tell("ring spans", len(batch))

    if entities is not None and len(entities):
        report.entities_written = _write_entities(runner, entities, common, batch_size, tell)

    # what the run holds, the same on every rerun (what changed is in the report)
    counts = {"users": len(rows), "flagged": int(sum(flagged)), "rings": len(rings),
              "entities": 0 if entities is None else len(entities)}
    runner.write(_FINISH_RUN, {"run_id": run_id, "counts": counts})
    return report


def _write_rings(
    runner: QueryRunner, rings: pd.DataFrame, plan: RingPlan, common: dict, batch_size: int, tell: WriteProgress
) -> None:
    grown = set(plan.grown) | set(plan.new)
    rows = [
        {"id": plan.stored_id[str(row.ring_id)], "size": int(row.size), "score": float(row.score),
         "exposure": float(row.exposure), "shared": [str(s) for s in row.shared_entities],
         "members": sorted(str(m) for m in row.members), "grown": plan.stored_id[str(row.ring_id)] in grown}
        for row in rings.itertuples(index=False)
    ]
    for batch in _batches(rows, batch_size):
        runner.write(_WRITE_RINGS, {**common, "rows": batch})
        tell("rings", len(batch))
    merges = [{"old": old, "survivor": survivor} for old, survivor in sorted(plan.merged.items())]
    for batch in _batches(merges, batch_size):
        runner.write(_MERGE_RINGS, {**common, "rows": batch})
    for batch in _batches(sorted(plan.dissolved), batch_size):
        runner.write(_DISSOLVE_RINGS, {**common, "ids": batch})


def _write_entities(runner: QueryRunner, entities: pd.DataFrame, common: dict, batch_size: int, tell: WriteProgress) -> int:
    written = 0
    for kind, part in entities.groupby("entity_type", sort=True):
        node = NODE_TYPES[str(kind)]
        query = _WRITE_ENTITIES.format(label=cypher.name(node.label), key=cypher.name(node.key))
        rows = [
            {"id": entity, "risk": risk, "flagged": int(flagged)}
            for entity, risk, flagged in zip(to_values(part["entity_id"].astype(str)),
                                             to_values(part["risk_score"].astype(float)), part["flagged_users"])
        ]
        for batch in _batches(rows, batch_size):
            written += runner.write(query, {"rows": batch, "scored_at": common["scored_at"]})[0]["written"]
            tell(f"{kind} risk", len(batch))
    return written
