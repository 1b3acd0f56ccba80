"""``bench/suite.py --baseline REF``: the page's before/after table, and REF's worktree with its code isolated.

``bench/`` is not a package: its modules import each other by name, as when the suite runs them
from that folder, so the fixture puts the folder on ``sys.path`` to import them. No benchmark
runs here.
"""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench() -> SimpleNamespace:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        return SimpleNamespace(suite=importlib.import_module("suite"), page=importlib.import_module("results_page"))


def _cost(train_s: float, train_mb: float, score_s: float, score_mb: float, *, commit: str) -> dict:
    return {"date": "2025-01-01 00:00 UTC", "commit": commit, "wall_seconds": 30.0, "cost": [
        {"users": 2000, "conv": "sage",
         "train": {"transactions": 22000, "seconds": train_s, "epochs": 20, "minibatch": False, "peak_mb": train_mb},
         "score": {"users": 2000, "seconds": score_s, "peak_mb": score_mb}}]}


def _serve(p50: float, p99: float, closed_rps: float, startup: float, full_scoring: float, *, commit: str) -> dict:
    def phase(**extra) -> dict:
        return {"requests": 300, "completed": 300, "failures": 0, "failure_examples": [], "seconds": 1.5,
                "latency_ms": {"p50": p50, "p95": p99 * 0.8, "p99": p99, "max": p99 * 2, "mean": p50}, **extra}

    return {"date": "2025-01-01 00:00 UTC", "commit": commit, "wall_seconds": 60.0,
            "world": {"users": 1500, "transactions": 15000, "arriving": 520, "seed": 1, "train_seconds": 3.0, "epochs": 5},
            "service": {"users": 1500, "startup_seconds": startup, "full_scoring_seconds": full_scoring,
                        "server_peak_mib": 400.0, "transactions_sent": 520, "transactions_added": 520, "log_errors": 0},
            "open_loop": phase(rate=200.0, connections=32, client_lag_ms={"p99": 1.0}),
            "closed_loop": {**phase(connections=1), "seconds": 300 / closed_rps},
            "full_rescoring": {"transactions": 2, "median_ms": 900.0, "build_seconds": [0.5, 0.5],
                               "score_seconds": [0.4, 0.4]},
            "warmup": 20, "target": {"rate": 200.0, "p99_ms": 50.0, "reached": True}}


def _stored(*, baselines: bool) -> dict:
    cost, serve = _cost(10.5, 1200, 1.5, 500, commit="new+dirty"), _serve(2.1, 12.0, 160.0, 5.0, 3.2, commit="new+dirty")
    if baselines:
        cost["baseline"] = {**_cost(10.0, 1000, 2.0, 500, commit="old"), "ref": "HEAD"}
        serve["baseline"] = {**_serve(2.0, 10.0, 200.0, 5.0, 3.0, commit="old"), "ref": "HEAD"}
    return {"machine": {}, "areas": {"detector_cost": cost, "serve": serve}}


def test_the_page_sets_the_working_tree_beside_ref_with_ratios_and_verdicts(bench, tmp_path):
    page = bench.page.render_page(_stored(baselines=True), plots=tmp_path / "plots")
    assert page.count("Before and after, same run: the script as it was at `old` (`--baseline HEAD`)") == 2
    for row in ["| figure | before (`old`) | after (`new+dirty`) | after / before | verdict |",
                "| sage: train | 10.0 s | 10.5 s | 1.05x | no worse |",
                "| sage: train peak | 1,000 MB | 1,200 MB | 1.20x | **worse** |",
                "| sage: score | 2.00 s | 1.50 s | 0.75x | no worse |",
                "| sage: score peak | 500 MB | 500 MB | 1.00x | no worse |",
                "| open loop p50 | 2.00 ms | 2.10 ms | 1.05x | no worse |",
                "| open loop p99 | 10.0 ms | 12.0 ms | 1.20x | **worse** |",
                "| closed loop throughput | 200 req/s | 160 req/s | 0.80x | **worse** |",
                "| startup | 5.00 s | 5.00 s | 1.00x | no worse |",
                "| full scoring at startup | 3.00 s | 3.20 s | 1.07x | no worse |"]:
        assert row in page
    # each table follows its own section
    cost_at, serve_at = page.index("## Training and scoring cost"), page.index("## Real-time scoring service")
    assert cost_at < page.index("| sage: train |") < serve_at < page.index("| open loop p99 |")
    assert ("Before and after, same run (detector_cost, serve): 6 of 9 headline figures no worse than at the earlier "
            "commit; worse: detector_cost: sage: train peak; serve: open loop p99; serve: closed loop throughput.") in page


def test_the_comparison_is_also_plain_text_for_the_suite_output(bench):
    text = bench.page.before_after_text("serve", _stored(baselines=True)["areas"]["serve"])
    assert text.splitlines()[0] == "serve: old -> new+dirty"
    rows = {line.split("  ")[1].strip(): line for line in text.splitlines()[2:]}
    assert list(rows) == ["open loop p50", "open loop p99", "closed loop throughput", "startup", "full scoring at startup"]
    assert [name for name, line in rows.items() if not line.endswith("no worse")] == [
        "open loop p99", "closed loop throughput"]
    assert "open loop p99" in text and "1.20x" in text and "worse" in text


def test_without_a_baseline_the_page_is_as_before(bench, tmp_path):
    page = bench.page.render_page(_stored(baselines=False), plots=tmp_path / "plots")
    assert "Before and after" not in page and "after / before" not in page
    assert bench.page.before_after("serve", _stored(baselines=False)["areas"]["serve"]) == []


def test_a_baseline_that_did_not_run_is_named_without_a_table(bench, tmp_path):
    stored = _stored(baselines=False)
    stored["areas"]["serve"]["baseline"] = {"date": "2025-01-01 00:00 UTC", "commit": "old", "ref": "v1",
                                            "failed": "exit status 1", "wall_seconds": 3.0}
    stored["areas"]["detector_cost"]["baseline"] = {"date": "2025-01-01 00:00 UTC", "commit": "old", "ref": "v1",
                                                    "skipped": "bench/detector.py does not exist at v1"}
    page = bench.page.render_page(stored, plots=tmp_path / "plots")
    assert "Before and after, same run: the run at `old` (`--baseline v1`) did not happen: exit status 1." in page
    assert "did not happen: bench/detector.py does not exist at v1." in page
    assert "after / before" not in page and "headline figures" not in page


@pytest.mark.parametrize(("kind", "before", "after", "verdict"), [
    ("quality", 0.800, 0.791, "no worse"),  # within 0.01, absolute
    ("quality", 0.800, 0.780, "worse"),
    ("quality", 0.800, 0.900, "no worse"),
    ("cost", 100.0, 109.0, "no worse"),  # within 10%
    ("cost", 100.0, 111.0, "worse"),
    ("rate", 100.0, 91.0, "no worse"),
    ("rate", 100.0, 89.0, "worse"),
    ("cost", None, 1.0, "not compared"),
])
def test_verdicts_allow_for_noise(bench, kind, before, after, verdict):
    assert bench.page.Comparison("x", "s", kind, before, after).verdict == verdict


def _worktrees() -> str:
    return subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def test_ref_tree_checks_out_head_with_its_own_loaders_and_queries_and_removes_it(bench):
    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, check=False).returncode != 0:
        pytest.skip("not a git checkout")
    with bench.suite.ref_tree("HEAD") as tree:
        root = tree.root
        assert f"worktree {root}\n" in _worktrees()
        assert (root / "bench" / "suite.py").is_file() and tree.bench == root / "bench"
        for name in ("loaders", "queries"):
            link = root / "graphrisk" / name
            assert link.is_symlink() and os.readlink(link) == os.path.join("..", name)
        assert tree.environment()["PYTHONPATH"].split(os.pathsep)[0] == str(root)
        files = bench.suite.check_isolated(tree)
        assert {"graphrisk", "graphrisk.loaders", "graphrisk.queries"} <= set(files)
        assert all(Path(path).resolve().is_relative_to(root.resolve()) for path in files.values()), files
        # the caveat the links fix: without one, the editable install serves the working tree's package
        (root / "graphrisk" / "loaders").unlink()
        with pytest.raises(bench.suite.BaselineError, match=r"graphrisk\.loaders comes from .*/loaders/__init__\.py"):
            bench.suite.check_isolated(tree)
    assert not root.exists() and not root.parent.exists()
    assert f"worktree {root}\n" not in _worktrees()


def test_ref_tree_refuses_what_names_no_commit(bench):
    with pytest.raises(bench.suite.BaselineError, match="names no commit"), bench.suite.ref_tree("no-such-ref-anywhere"):
        pass


def test_the_ring_recall_verdict_uses_the_models_own_flags_not_the_top_k_oracle(bench):
    own_low = bench.page._own_flags_recall({"ring_recall": 1.0, "ring_recall_flagged": 0.5})
    assert "0.500 at the model's own flags" in own_low and "**not reached**" in own_low
    own_high = bench.page._own_flags_recall({"ring_recall": 0.6, "ring_recall_flagged": 0.95})
    assert "**reached**" in own_high and "not reached" not in own_high
    unknown = bench.page._own_flags_recall({"ring_recall": 1.0})
    assert "no verdict" in unknown and "reached" not in unknown
