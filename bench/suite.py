"""Every benchmark in one run: ``make bench``.

Runs each area's script in its own process at a size that finishes within about 20
minutes on a 2-core machine, collects the JSON each one writes, stores them (with the
machine, the date and the commit of every area) in ``bench/results.json``, and writes
``bench/RESULTS.md`` and ``bench/plots/*.png`` from them. Every peer comparison comes from
the same run as the figure it is compared with.

Usage::

    tools/with-neo4j .venv/bin/python bench/suite.py              # everything (make bench)
    tools/with-neo4j .venv/bin/python bench/suite.py --only load  # one area, the others kept
    .venv/bin/python bench/suite.py --render-only                 # rewrite RESULTS.md from results.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from _common import commit
from machine import machine_facts
from results_page import render_page

BENCH = Path(__file__).resolve().parent
SHARED_DATA = BENCH.parents[1] / "shared" / "data"


@dataclass(frozen=True)
class Area:
    """One benchmark script and the arguments the suite runs it with."""

    name: str
    script: str
    arguments: tuple[str, ...]
    smoke: tuple[str, ...] | None  # tiny sizes that check the pipeline in seconds (None: no small version)
    needs: str = ""  # "neo4j" or "handbook data": skipped with a reason when missing
    writes_plots: bool = False  # takes --plots DIR


AREAS = (
    Area("generator", "generator.py", ("--users", "100000", "--seeds", "3"),
         smoke=("--users", "500", "--default-users", "600", "--seeds", "1")),
    Area("load", "load_throughput.py", ("--transactions", "300000", "--naive-rows", "5000", "--naive-score-rows", "3000",
                                        "--warmup", "20000"),
         smoke=("--transactions", "3000", "--naive-rows", "50", "--naive-score-rows", "50", "--warmup", "0"), needs="neo4j"),
    Area("features", "features.py", ("--sizes", "10000,100000", "--timeout", "30"),
         smoke=("--sizes", "400", "--timeout", "30", "--no-handbook")),
    Area("detector_quality", "detector.py", ("--quality", "--seeds", "0", "--convs", "sage,gat"),
         smoke=("--quality", "--seeds", "0", "--convs", "sage", "--users", "1500"), writes_plots=True),
    Area("detector_cost", "detector.py", ("--cost", "--cost-users", "20000", "--cost-convs", "sage"),
         smoke=("--cost", "--cost-users", "2000", "--cost-convs", "sage")),
    Area("handbook", "handbook.py", (), smoke=None, needs="handbook data"),
    Area("serve", "serve.py", ("--users", "20000", "--rate", "200", "--requests", "3000", "--closed-requests", "2000",
                               "--epochs", "20", "--rescore", "3"),
         smoke=("--users", "1500", "--requests", "300", "--closed-requests", "200", "--closed-seconds", "10",
                "--epochs", "5", "--rescore", "2")),
)


def _missing(area: Area, smoke: bool) -> str | None:
    """Why ``area`` cannot run here, or ``None``."""
    if smoke and area.smoke is None:
        return "no small version for --smoke"
    if area.needs == "neo4j" and not os.environ.get("NEO4J_URI"):
        return "NEO4J_URI is not set (make bench starts the local Neo4j)"
    if area.needs == "handbook data" and not (SHARED_DATA / "fraud_handbook").exists():
        return f"{SHARED_DATA / 'fraud_handbook'} is absent"
    return None


def run_area(area: Area, folder: Path, plots: Path, *, smoke: bool = False) -> dict:
    """Run one area's script; its JSON results plus wall time, or the reason it did not run."""
    stamp = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit()}
    reason = _missing(area, smoke)
    if reason:
        print(f"== {area.name}: skipped, {reason}", flush=True)
        return {**stamp, "skipped": reason}
    output = folder / f"{area.name}.json"
    arguments = (area.smoke or ()) if smoke else area.arguments
    extra = ["--plots", str(plots)] if area.writes_plots else []
    command = [sys.executable, str(BENCH / area.script), *arguments, *extra, "--json", str(output)]
    print(f"== {area.name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=BENCH, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0 or not output.exists():
        return {**stamp, "failed": f"exit status {finished.returncode}", "wall_seconds": seconds}
    print(f"== {area.name}: {seconds:.0f} s", flush=True)
    return {**stamp, **json.loads(output.read_text(encoding="utf-8")), "wall_seconds": seconds,
            "arguments": list(arguments)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated areas to run ({', '.join(a.name for a in AREAS)})")
    parser.add_argument("--render-only", action="store_true", help="run nothing; rewrite RESULTS.md from results.json")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument("--page", type=Path, default=BENCH / "RESULTS.md", help="plots go to plots/ beside it")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, to check the suite works (use with --results/--page elsewhere)")
    args = parser.parse_args()
    chosen = [a for a in AREAS if args.only is None or a.name in args.only.split(",")]
    unknown = set(args.only.split(",")) - {a.name for a in AREAS} if args.only else set()
    if unknown:
        print(f"bench: error: unknown areas {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    stored = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {"areas": {}}
    failed = []
    if not args.render_only:
        stored["machine"] = machine_facts()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            for area in chosen:
                stored["areas"][area.name] = run_area(area, Path(folder), args.page.parent / "plots", smoke=args.smoke)
                if "failed" in stored["areas"][area.name]:
                    failed.append(area.name)
        stored["suite_seconds"] = time.perf_counter() - started
        stored["suite_areas"] = [a.name for a in chosen]
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(stored, indent=2, default=float) + "\n", encoding="utf-8")
    args.page.write_text(render_page(stored, plots=args.page.parent / "plots"), encoding="utf-8")
    print(f"wrote {args.results.name} and {args.page.name}"
          + (f" in {stored['suite_seconds'] / 60:.1f} min" if not args.render_only else ""))
    if failed:
        print(f"bench: error: {', '.join(failed)} failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
