"""Scale on one machine: generate, bulk load, features, train and score at growing sizes (issue 17).

For each size the world comes from ``graphrisk generate`` (about 10.8 transactions per
user, so 10M transactions is ``--users 1000000``), a fresh local Neo4j is started for it,
and each step runs as the command a user types, with its wall time and the peak memory of
its process tree (sampled every half second, as in ``bench/engines.py``):

1. ``graphrisk load --bulk`` (transactions, links, users; Neo4j's importer through the
   local launcher: its JVM is in the tree while it runs, and so is the restarted server
   until the launcher returns);
2. ``graphrisk features`` (every family, to Parquet);
3. ``graphrisk train`` on the known labels (CPU);
4. ``graphrisk score --reasons 0`` (to Parquet).

It prints each step's time and peak, and per step the growth from the smallest size to
the largest: time and memory per million transactions should not grow (no faster than
linear). The whole curve takes about an hour on 2 cores; ``make bench`` runs a small
version, and the curve at 1M, 3M and 10M is run by hand::

    .venv/bin/python bench/scale.py --json /tmp/scale.json   # 100k, 300k and 1M users (1.08M to 10.8M transactions)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import commit, write_json
from engines import generate, measure

REPOSITORY = Path(__file__).resolve().parents[1]
LAUNCHER = REPOSITORY / "tools" / "neo4j-local" / "neo4j-local"
STEPS = ("load", "features", "train", "score")


def _commands(world: Path, out: Path) -> dict[str, list[str]]:
    graphrisk = [sys.executable, "-m", "graphrisk.cli.main"]
    tables = ["--transactions", str(world / "transactions.csv"), "--links", str(world / "links.csv"),
              "--users", str(world / "users.csv"), "--rejects", str(out / "rejects.csv")]
    return {
        "load": [*graphrisk, "load", "--bulk", "--importer", f"{LAUNCHER} import --", *tables, "--no-progress"],
        "features": [*graphrisk, "features", *tables, "--out", str(out / "features.parquet"), "--no-progress"],
        "train": [*graphrisk, "train", *tables, "--labels", str(world / "known_labels.csv"), "--model",
                  str(out / "model"), "--device", "cpu", "--no-progress"],
        "score": [*graphrisk, "score", *tables, "--model", str(out / "model"), "--reasons", "0",
                  "--out", str(out / "scores.parquet"), "--no-progress"],
    }


def _neo4j(command: str, state: Path) -> str:
    done = subprocess.run([str(LAUNCHER), command, "--timeout", "300"], env={**os.environ, "NEO4J_LOCAL_STATE": str(state)},
                          capture_output=True, text=True, check=command == "start")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def run_size(transactions: int, folder: Path, timeout: float, seed: int) -> dict:
    """Every step at one size; a step that fails stops the ones after it."""
    world, out, state = folder / "world", folder / "out", folder / "neo4j"
    out.mkdir(parents=True)
    entry = {"requested_transactions": transactions, "world": generate(transactions, world, seed), "steps": {}}
    print(f"{transactions:,}: world {entry['world']['transactions']:,} transactions, {entry['world']['users']:,} users, "
          f"{entry['world']['links']:,} links in {entry['world']['seconds']:.0f} s", flush=True)
    os.environ["NEO4J_LOCAL_STATE"] = str(state)
    os.environ["NEO4J_URI"] = _neo4j("start", state)
    try:
        for step, command in _commands(world, out).items():
            result = measure(command, out, step, timeout)
            entry["steps"][step] = {k: result[k] for k in ("status", "seconds", "peak_mb")
                                    if k in result} | ({"stderr_tail": result["stderr_tail"][-800:]}
                                                       if "stderr_tail" in result else {})
            print(f"  {step:9s} {result['status']:>6s} {result['seconds']:7.1f} s, peak {result['peak_mb']['tree']:,.0f} MB",
                  flush=True)
            if result["status"] != "ok":
                break
    finally:
        _neo4j("stop", state)
        os.environ.pop("NEO4J_URI", None)
    return entry


def growth(sizes: list[dict]) -> dict:
    """Per step, time and peak memory per million transactions at the smallest and the largest size."""
    done = [s for s in sizes if s["steps"]]
    if len(done) < 2:
        return {}
    first, last = done[0], done[-1]
    result = {}
    for step in STEPS:
        a, b = first["steps"].get(step), last["steps"].get(step)
        if not a or not b or a["status"] != "ok" or b["status"] != "ok":
            continue
        ma, mb = first["world"]["transactions"] / 1e6, last["world"]["transactions"] / 1e6
        result[step] = {"seconds_per_million": [a["seconds"] / ma, b["seconds"] / mb],
                        "peak_mb_per_million": [a["peak_mb"]["tree"] / ma, b["peak_mb"]["tree"] / mb]}
    return result


def plot(sizes: list[dict], path: Path) -> None:
    """Time and peak memory of each step against the number of transactions (log-log: linear growth is slope 1)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for step in STEPS:
        points = [(s["world"]["transactions"], s["steps"][step]) for s in sizes
                  if s["steps"].get(step, {}).get("status") == "ok"]
        if points:
            x = [p[0] for p in points]
            time_axis.plot(x, [p[1]["seconds"] for p in points], marker="o", label=step)
            memory_axis.plot(x, [p[1]["peak_mb"]["tree"] / 1024 for p in points], marker="o", label=step)
    for axis, label in ((time_axis, "wall time (s)"), (memory_axis, "peak memory (GiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("transactions")
        axis.set_ylabel(label)
        axis.grid(True, which="both", linewidth=0.3)
        axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1083000,3249000,10830000",
                        help="transactions per world, comma-separated (the defaults: 100,000, 300,000 and 1,000,000 users)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one step may take")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (written after every size)")
    parser.add_argument("--plots", metavar="DIR", help="also draw the curve into DIR/scale.png")
    args = parser.parse_args()
    started, sizes = time.perf_counter(), []
    print(f"commit {commit()}", flush=True)
    for transactions in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="graphrisk-scale-") as folder:
            sizes.append(run_size(transactions, Path(folder), args.timeout, args.seed))
        if args.plots:
            plot(sizes, Path(args.plots) / "scale.png")
        write_json(args.json, {"sizes": sizes, "growth": growth(sizes), "seconds": time.perf_counter() - started,
                               **({"plot": "plots/scale.png"} if args.plots else {})})
    for step, figures in growth(sizes).items():
        t, m = figures["seconds_per_million"], figures["peak_mb_per_million"]
        print(f"{step:9s} per million transactions: {t[0]:.0f} s -> {t[1]:.0f} s, {m[0]:,.0f} MB -> {m[1]:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
