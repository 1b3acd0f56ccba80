"""The giant-component rule's effect on the features (issue 16): Spark features with and without a split.

One generated world, written as CSV, and ``graphrisk features --engine spark`` twice on it,
each in its own process (:func:`engines.measure`): once with no split (``--max-component-users``
above the number of users) and once with the limit at ``--share`` of the largest component,
so that the rule cuts it (caps halved until every piece fits, busiest shared entities first).
The two tables are compared column by column (:func:`engines.compare`): which columns differ
by more than 1e-6, for what share of the users, and by how much at most. Only the community
and centrality families run per shard, so only they can differ.

Usage::

    .venv/bin/python bench/component_split.py [--users 20000] [--share 0.25] [--json FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import commit, write_json
from engines import compare, measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--share", type=float, default=0.25, help="the limit, as a share of the largest component")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    from graphrisk.synth import generate_world

    graphrisk = str(Path(sys.executable).with_name("graphrisk"))
    if not Path(graphrisk).exists():
        graphrisk = shutil.which("graphrisk") or "graphrisk"
    folder = Path(tempfile.mkdtemp(prefix="graphrisk-split-"))
    try:
        world = generate_world(args.users, seed=args.seed)
        paths = world.write(folder / "world")
        facts = {"users": len(world.users), "transactions": len(world.transactions), "links": len(world.links)}
        print(f"commit {commit()}  world {facts}", flush=True)
        inputs = ["--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
                  "--users", str(paths["users"]), "--engine", "spark", "--spark-master", "local[2]", "--no-progress"]
        runs = {}
        for name in ("whole", "split"):
            limit = args.users * 10 if name == "whole" else max(1, int(runs["whole"]["largest_component_users"]
                                                                       * args.share))
            runs[name] = measure([graphrisk, "features", *inputs, "--max-component-users", str(limit),
                                  "--out", str(folder / f"{name}.parquet"),
                                  "--rejects", str(folder / f"rejects-{name}.parquet")], folder, name, args.timeout)
            runs[name]["limit"] = limit
            runs[name]["split_line"] = next((line for line in (folder / f"{name}.stdout").read_text().splitlines()
                                             if line.startswith("shards:")), "")
            print(f"  {name:<5} {runs[name]['status']} {runs[name]['seconds']:.1f} s, limit {limit:,}: "
                  f"{runs[name]['split_line']}", flush=True)
            if runs[name]["status"] != "ok":
                break
        agreement = (compare("features", folder / "whole.parquet", folder / "split.parquet", args.timeout)
                     if all(r["status"] == "ok" for r in runs.values()) and len(runs) == 2 else {})
        print(f"  differences: {agreement}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_json(args.json, {"world": facts, "share": args.share,
                           "runs": {k: {n: v for n, v in r.items() if n != "command"} for k, r in runs.items()},
                           "agreement": agreement})
    return 0


if __name__ == "__main__":
    sys.exit(main())
