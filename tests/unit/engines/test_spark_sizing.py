"""Shard and bucket counts grow with the data, so one task's share stays bounded."""

from hypothesis import given
from hypothesis import strategies as st

from graphrisk.engines.spark.sizing import BUCKET_ROWS, SHARD_USERS, bucket_count, shard_count

sizes = st.integers(min_value=0, max_value=10**10)
cores = st.integers(min_value=1, max_value=512)


@given(users=sizes, parallelism=cores)
def test_shards_hold_at_most_the_target_and_keep_every_core_busy(users, parallelism):
    count = shard_count(users, parallelism)
    assert count >= parallelism
    assert users / count <= SHARD_USERS
    assert count == parallelism or users / (count - 1) > SHARD_USERS  # no more shards than needed


@given(rows=sizes, parallelism=cores)
def test_buckets_hold_at_most_the_target_and_two_per_core(rows, parallelism):
    count = bucket_count(rows, parallelism)
    assert count >= 2 * parallelism
    assert rows / count <= BUCKET_ROWS
    assert count == 2 * parallelism or rows / (count - 1) > BUCKET_ROWS
