"""The HTTP client of ``bench/serve.py``: open- and closed-loop load on one asyncio event loop.

A few lines of HTTP/1.1 over asyncio streams rather than a general client, so that the
client, on the same 2 cores as the service, spends microseconds per request and the
latencies are the service's. Every answer is kept and checked after the clock stops.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import numpy as np

__all__ = ["Connection", "open_loop", "closed_loop", "get_health"]


class Connection:
    """One keep-alive HTTP/1.1 connection to the service: a few lines of asyncio, so the client stays light.

    Opens on first use and again after a failure (the failed request counts as failed).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """``(status, body)`` of one request; raises ``OSError``/``ValueError`` on a broken exchange."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
        if "content-length" not in headers:
            raise ValueError(f"answer without content-length: {lines[0]}")
        return status, await self.reader.readexactly(int(headers["content-length"]))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _post(connection: Connection, body: bytes, timeout: float) -> tuple[int, bytes]:
    try:
        return await asyncio.wait_for(connection.request("POST", "/score", body), timeout)
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
        connection.close()
        return 0, f"{type(error).__name__}: {error}".encode()


async def open_loop(port: int, bodies: list[bytes], *, rate: float, connections: int, timeout: float) -> dict:
    """Send ``bodies`` to ``POST /score`` at a fixed rate, whatever the answers, and time each from its schedule.

    Request ``i`` is due at ``start + i / rate``; it waits there for a free connection of
    the pool if all are busy, and its latency runs from the due time to the end of the
    answer, so a slow answer delays nothing but still counts for everything queued behind it.

    Parameters
    ----------
    port
        The service's port on 127.0.0.1.
    bodies
        JSON request bodies, sent in order.
    rate
        Requests per second.
    connections
        Keep-alive connections, opened before the clock starts.
    timeout
        Seconds one request may take once sent before it counts as failed.

    Returns
    -------
    dict
        ``requests``, ``completed`` (200), ``statuses``, ``failures`` and examples,
        ``seconds`` (first due time to last answer), ``latency_ms`` (p50, p95, p99, max,
        mean) and ``client_lag_ms``: how late the client itself started each request.
    """
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        connection = Connection(port)
        await connection.request("GET", "/health")  # connected before the clock starts
        pool.put_nowait(connection)
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(bodies)
    lag, latency, done = np.zeros(len(bodies)), np.zeros(len(bodies)), np.zeros(len(bodies))

    async def one(i: int, scheduled: float) -> None:
        lag[i] = time.perf_counter() - scheduled  # the client's own lateness (waiting for a connection counts below)
        connection = await pool.get()
        answers[i] = await _post(connection, bodies[i], timeout)
        done[i] = time.perf_counter()
        latency[i] = done[i] - scheduled
        pool.put_nowait(connection)

    tasks = []
    start = time.perf_counter() + 0.01
    for i in range(len(bodies)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait().close()
    return {"rate": rate, "connections": connections, "seconds": float(done.max() - start),
            **_outcome(answers, bodies, latency), "client_lag_ms": _percentiles(lag)}


async def closed_loop(port: int, bodies: list[bytes], *, connections: int, seconds: float, timeout: float) -> dict:
    """Send ``bodies`` to ``POST /score`` back to back: the ceiling in requests per second.

    Parameters
    ----------
    port
        The service's port on 127.0.0.1.
    bodies
        JSON request bodies; each connection takes the next one as soon as it has its answer.
    connections
        Connections sending at once.
    seconds
        No request starts after this long.
    timeout
        Seconds one request may take before it counts as failed.

    Returns
    -------
    dict
        As :func:`open_loop`, without ``client_lag_ms``; latency runs from sending.
    """
    answers: list[tuple[int, bytes] | None] = [None] * len(bodies)
    latency: list[float] = []
    queue = iter(enumerate(bodies))  # shared: each worker takes the next body
    start = time.perf_counter()

    async def worker() -> None:
        connection = Connection(port)
        await connection.request("GET", "/health")
        for i, body in queue:
            if time.perf_counter() - start > seconds:
                break
            sent = time.perf_counter()
            answers[i] = await _post(connection, body, timeout)
            latency.append(time.perf_counter() - sent)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    return {"connections": connections, "seconds": elapsed, **_outcome(answers, bodies, np.array(latency))}


def _percentiles(seconds: np.ndarray) -> dict[str, float]:
    if not len(seconds):
        return {}
    ms = seconds * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "max": float(ms.max()), "mean": float(ms.mean())}


def _outcome(answers: list[tuple[int, bytes] | None], sent: list[bytes], latency: np.ndarray) -> dict:
    """Counts, latency percentiles and failures: a non-200 answer, or one that is not the new transaction sent.

    ``answers[i]`` answers ``sent[i]`` (``None``: not sent); checked after the clock stopped.
    """
    pairs = [(answer, body) for answer, body in zip(answers, sent) if answer is not None]
    statuses = Counter(status for (status, _), _ in pairs)
    failures = []
    for (status, answer), body in pairs:
        if status != 200:
            failures.append(f"{status}: {answer[:200].decode(errors='replace')}")
            continue
        answer, body = json.loads(answer), json.loads(body)
        if answer.get("transaction_id") != body["transaction_id"] or answer.get("duplicate") is not False:
            failures.append(f"200 but transaction_id {answer.get('transaction_id')!r} for {body['transaction_id']!r}, "
                            f"duplicate {answer.get('duplicate')!r}")
    return {"requests": len(pairs), "completed": statuses.get(200, 0),
            "statuses": {str(k): v for k, v in statuses.items()}, "failures": len(failures),
            "failure_examples": sorted(set(failures))[:5], "latency_ms": _percentiles(latency)}


async def get_health(port: int) -> dict | None:
    """The service's ``GET /health`` answer, or ``None`` while it does not answer 200."""
    connection = Connection(port)
    try:
        status, body = await asyncio.wait_for(connection.request("GET", "/health"), 5)
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        return None
    finally:
        connection.close()
    return json.loads(body) if status == 200 else None
