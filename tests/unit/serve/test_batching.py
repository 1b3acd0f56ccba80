"""Requests waiting together are scored in one call, each getting its own answer."""

from __future__ import annotations

import asyncio

import pytest

from graphrisk.serve.batching import MicroBatcher, Overloaded


def test_waiting_requests_share_a_call_and_each_gets_its_own_result():
    calls = []

    def work(items):
        calls.append(list(items))
        return [item * 10 for item in items]

    async def main():
        batcher = MicroBatcher(work, max_batch=4)
        return await asyncio.gather(*(batcher.submit(i) for i in range(10)))

    assert asyncio.run(main()) == [i * 10 for i in range(10)]
    assert sorted(i for call in calls for i in call) == list(range(10))
    assert max(len(call) for call in calls) == 4 and len(calls) < 10  # batched, bounded


def test_a_failing_batch_fails_its_requests_and_the_next_ones_still_run():
    def work(items):
        if "bad" in items:
            raise RuntimeError("boom")
        return items

    async def main():
        batcher = MicroBatcher(work)
        failed = await asyncio.gather(batcher.submit("bad"), batcher.submit("x"), return_exceptions=True)
        return failed, await batcher.submit("fine")

    failed, after = asyncio.run(main())
    assert all(isinstance(f, RuntimeError) for f in failed)
    assert after == "fine"


@pytest.mark.parametrize("size", [1, 3])
def test_a_lone_request_does_not_wait_for_a_batch_to_fill(size):
    async def main():
        batcher = MicroBatcher(lambda items: items, max_batch=64)
        return await asyncio.wait_for(asyncio.gather(*(batcher.submit(i) for i in range(size))), timeout=5)

    assert asyncio.run(main()) == list(range(size))


def test_past_the_waiting_bound_a_request_is_refused_at_once():
    async def main():
        batcher = MicroBatcher(lambda items: items, max_waiting=3)
        return await asyncio.gather(*(batcher.submit(i) for i in range(5)), return_exceptions=True)

    results = asyncio.run(main())
    assert results[:3] == [0, 1, 2] and all(isinstance(r, Overloaded) for r in results[3:])
