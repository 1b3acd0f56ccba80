"""One write-back (or one load) at a time: a lock node in the database that jobs take and release.

Two scoring jobs writing at the same time would each match their rings against the
stored rings before the other's were written, and interleave their users. So a
write-back first takes ``(:WriteLock {name})``: the transaction writes the node before it
reads the holder, which makes Neo4j serialise the two jobs on the node's write lock, and
the second one sees the first one's commit. A job that was killed leaves its lock
behind: a rerun of the same results (same run id) takes it over, and any other job may
take it once nothing was written under it for ``stale_seconds``. Loads take a lock of
their own name in the same way (see :mod:`graphrisk.store.loader`).
"""

from __future__ import annotations

from graphrisk.errors import StoreError
from graphrisk.store.runner import QueryRunner

__all__ = ["acquire_write_lock", "refresh_write_lock", "release_write_lock", "STALE_SECONDS"]

#: A lock whose holder wrote nothing for this long is considered abandoned.
STALE_SECONDS = 600

_ACQUIRE = """
MERGE (lock:WriteLock {name: $name})
SET lock.requests = coalesce(lock.requests, 0) + 1
WITH lock
WITH lock, lock.holder IS NULL OR lock.holder = $holder
           OR lock.heartbeat < datetime() - duration({seconds: $stale_seconds}) AS free
SET lock.holder = CASE WHEN free THEN $holder ELSE lock.holder END,
    lock.heartbeat = CASE WHEN free THEN datetime() ELSE lock.heartbeat END
RETURN free, lock.holder AS holder, toString(lock.heartbeat) AS heartbeat
"""

_REFRESH = "MATCH (lock:WriteLock {name: $name, holder: $holder}) SET lock.heartbeat = datetime()"

_RELEASE = "MATCH (lock:WriteLock {name: $name, holder: $holder}) DELETE lock"


def acquire_write_lock(
    runner: QueryRunner, name: str, holder: str, *, stale_seconds: int = STALE_SECONDS, activity: str = "scoring job"
) -> None:
    """Take the lock ``name`` for ``holder``.

    ``activity`` names, in the error message, what holds the lock (``"scoring job"``, ``"load"``).

    Raises
    ------
    StoreError
        Another holder has it and wrote within ``stale_seconds``.
    """
    row = runner.write(_ACQUIRE, {"name": name, "holder": holder, "stale_seconds": stale_seconds})[0]
    if not row["free"]:
        raise StoreError(
            f"another {activity} (run {row['holder'][:12]}) is writing to Neo4j (last write {row['heartbeat']}); "
            f"run again when it has finished (a lock left by a killed job expires {stale_seconds} s after its last write)"
        )


def refresh_write_lock(runner: QueryRunner, name: str, holder: str) -> None:
    """Record that ``holder`` is still writing."""
    runner.write(_REFRESH, {"name": name, "holder": holder})


def release_write_lock(runner: QueryRunner, name: str, holder: str) -> None:
    """Give the lock back: its node is deleted, so a finished job leaves nothing behind.

    Nothing happens if ``holder`` does not hold it.
    """
    runner.write(_RELEASE, {"name": name, "holder": holder})
