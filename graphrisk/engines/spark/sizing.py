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

#: Users per shard aimed at. At 3M transactions the largest Python worker of ``features``
#: peaked at 1.27 GB with 2 shards (160,731 users in the largest) and with 6 (83,304), so at
#: that size the shards do not set the peak (bench/RESULTS.md, area ``engines``); the count is
#: what keeps a shard from growing with the data, and 50,000 is a choice, not a measured bound.
SHARD_USERS = 50_000

#: Rows per bucket aimed at (edges of one round of layer-wise inference, transactions of the
#: temporal family). ``score --reasons 0`` at 3M transactions (local[2]): a million rows a
#: bucket (8 buckets) peaked at 2.68 GB in the largest worker and 11.0 GB in all, in 669 s;
#: 250,000 (four times the buckets) at 1.63 GB and 9.1 GB, in 543 s.
BUCKET_ROWS = 250_000


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
    (4, 100)
    """
    return max(2 * parallelism, _ceil_div(rows, BUCKET_ROWS))
