"""A Neo4j of a test module's own (the local launcher with a state dir), for tests that stop or replace it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphrisk.store.config import Neo4jConfig
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import connect

LAUNCHER = Path(__file__).resolve().parents[2] / "tools" / "neo4j-local" / "neo4j-local"


def unavailable(message: str) -> None:
    """Skip, or fail under ``CI=true``, when no Neo4j can be had."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Neo4j is required under CI=true: {message}")
    pytest.skip(f"no Neo4j: {message}")


@dataclass
class LocalServer:
    """A Neo4j of our own whose data survives ``stop``/``kill`` and ``start`` (same port, same URI)."""

    state: Path
    port: int | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def _launcher(self, command: str, *extra: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "NEO4J_LOCAL_STATE": str(self.state), "NEO4J_LOCAL_JAVA_OPTS": "-Xmx768m"}
        return subprocess.run([str(LAUNCHER), command, "--state-dir", str(self.state), *extra], env=env,
                              capture_output=True, text=True, check=False, timeout=180)

    def start(self) -> None:
        started = self._launcher("start", *(["--port", str(self.port)] if self.port else []))
        if started.returncode != 0:
            raise RuntimeError(f"the local launcher failed: {started.stderr.strip()[-500:]}")
        self.port = int(started.stdout.strip().splitlines()[-1].rsplit(":", 1)[1])

    def emptied(self, retry_seconds: float = 30) -> Neo4jConfig:
        """Settings of this server on an empty database (started again first if a test left it down)."""
        if not self.running():
            self.start()
        settings = Neo4jConfig(self.uri, retry_seconds=retry_seconds)
        with connect(settings) as runner:
            clear_graph(runner)
        return settings

    def running(self) -> bool:
        return self._launcher("status").returncode == 0

    def stop(self) -> None:
        """Clean shutdown (SIGTERM, as a DBA's ``neo4j stop``)."""
        self._launcher("stop")

    def kill(self) -> None:
        """SIGKILL of the JVM, as a crash: the next start recovers the store from its transaction log."""
        pid = int((self.state / "neo4j-local.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


@contextmanager
def own_server(state: Path) -> Iterator[LocalServer]:
    """A started :class:`LocalServer` with its data in ``state``, stopped afterwards (skipped if it can't start)."""
    local = LocalServer(state)
    try:
        local.start()
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        local.stop()
        unavailable(str(e))
    try:
        yield local
    finally:
        local.stop()
