"""Requests that arrive while the scorer is busy are scored together, in one pass.

Most of a score's cost is fixed (bringing the touched embeddings up to date, walking the
subgraph), so under load the service takes every request waiting when the scorer frees
up and scores them as one batch (:meth:`~graphrisk.serve.scorer.LiveScorer.score_many`).
A lone request is scored at once; nothing waits for a batch to fill.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["MicroBatcher", "Overloaded"]


class Overloaded(RuntimeError):
    """More requests are waiting than the service accepts: the caller should retry later (503)."""


class MicroBatcher:
    """Runs ``work`` on the requests waiting, in a worker thread, one batch at a time.

    Parameters
    ----------
    work
        Takes a list of items, returns one result per item, in order.
    max_batch
        Most items per call.
    max_waiting
        Most items waiting; one more is refused with :class:`Overloaded` (at 200 requests/s
        the default is several seconds of work: past it, answers would come too late anyway).
    """

    def __init__(self, work: Callable[[list[Any]], list[Any]], *, max_batch: int = 64, max_waiting: int = 2048) -> None:
        self.work = work
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._draining = False
        self._task: asyncio.Task | None = None  # held: the loop keeps only a weak reference

    async def submit(self, item: Any) -> Any:
        """The result of ``work`` for ``item`` (its exception raised here if the whole batch failed).

        Raises
        ------
        Overloaded
            ``max_waiting`` items are waiting already.
        """
        if len(self._waiting) >= self.max_waiting:
            raise Overloaded(f"{len(self._waiting)} requests are waiting already; retry later")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((item, future))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch:]
                try:
                    results = await asyncio.to_thread(self.work, [item for item, _ in batch])
                except Exception as error:  # a bug: every request of the batch gets it (a 500), the service lives on
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), result in zip(batch, results):
                    if not future.done():  # the client may have gone
                        future.set_result(result)
        finally:
            self._draining = False
