"""How finely a Spark job cuts its work: enough shards and buckets that one task's memory stays bounded.

A shard's community and centrality run in one Python worker, and so does a bucket's group
of rows (entity statistics, temporal windows, a round of layer-wise inference). With a fixed
count (the cluster's parallelism), a task grows with the data until one worker holds a
fraction of the whole graph. Here the counts grow with the data instead: at most
:data:`SHARD_USERS` users per shard (whole components can make one larger) and about
:data:`BUCKET_ROWS` rows per bucket, and never fewer than the parallelism gives, so that every
core has work.
"""

from __future__ import annotations

__all__ = ["SHARD_USERS", "BUCKET_ROWS", "shard_count", "bucket_count"]

#: Users per shard aimed at. At 3M transactions a shard of 160,731 users peaked at 1,251 MB
#: in its Python worker (bench/RESULTS.md, area ``engines``): 50,000 keep one near 400 MB.
SHARD_USERS = 50_000

#: Rows per bucket aimed at (edges of one round of layer-wise inference, transactions of the
#: temporal family). A round's row carries a 64-wide embedding: a million rows is about 1 GB
#: in a worker with pandas' and torch's copies.
BUCKET_ROWS = 1_000_000


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def shard_count(users: int, parallelism: int) -> int:
    """Shards for ``users`` users: one per :data:`SHARD_USERS`, at least ``parallelism``.

    Examples
    --------
    >>> shard_count(1_000, parallelism=2), shard_count(277_008, parallelism=2)
    (2, 6)
    """
    return max(parallelism, _ceil_div(users, SHARD_USERS))


def bucket_count(rows: int, parallelism: int) -> int:
    """Buckets for groups over ``rows`` rows: one per :data:`BUCKET_ROWS`, at least twice ``parallelism``.

    Examples
    --------
    >>> bucket_count(50_000, parallelism=2), bucket_count(25_000_000, parallelism=2)
    (4, 25)
    """
    return max(2 * parallelism, _ceil_div(rows, BUCKET_ROWS))
