"""``bench/suite.py --smoke`` in ``make test``: every benchmark runs at a tiny size, so none rots unseen.

Each area's script runs end to end at its smoke size against the real Neo4j that
``make test`` started (NEO4J_URI); results and plots go to a temporary folder, never to
``bench/RESULTS.md``. An area that cannot run here is reported as skipped, with its reason,
and never counts as passed. About 6 minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI") == "true":
            pytest.fail("NEO4J_URI is not set: make test starts the local Neo4j for the suite")
        pytest.skip("NEO4J_URI is not set (make test starts the local Neo4j)")
    from graphrisk.store.config import Neo4jConfig
    from graphrisk.store.maintenance import clear_graph
    from graphrisk.store.runner import connect

    with connect(Neo4jConfig.from_env()) as runner:  # the load area's bulk load needs an empty database
        clear_graph(runner)
    folder = tmp_path_factory.mktemp("smoke")
    finished = subprocess.run([sys.executable, str(ROOT / "bench" / "suite.py"), "--smoke",
                               "--results", str(folder / "results.json"), "--page", str(folder / "RESULTS.md")],
                              cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800)
    results = json.loads((folder / "results.json").read_text()) if (folder / "results.json").exists() else {}
    return finished, results


def test_every_benchmark_runs_at_its_smoke_size(smoke):
    finished, results = smoke
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import suite
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert set(results["areas"]) == {area.name for area in suite.AREAS}
    for name, entry in results["areas"].items():
        assert "failed" not in entry, f"{name}: {entry['failed']}"
        assert "skipped" in entry or entry.get("wall_seconds", 0) > 0, name


def test_a_skipped_area_is_reported_as_skipped_with_its_reason(smoke):
    finished, results = smoke
    skipped = {name: entry["skipped"] for name, entry in results["areas"].items() if "skipped" in entry}
    summary = [line for line in finished.stdout.splitlines() if line.startswith("areas: ")]
    assert len(summary) == 1
    ran = len(results["areas"]) - len(skipped)
    assert summary[0].startswith(f"areas: {ran} ran, {len(skipped)} skipped")
    for name, reason in skipped.items():
        assert f"{name} ({reason})" in summary[0]
        assert f"== {name}: skipped, {reason}" in finished.stdout
    # the one area without a small version says so instead of passing quietly
    assert skipped.get("handbook") == "no small version for --smoke"
