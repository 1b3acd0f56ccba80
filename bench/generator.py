"""Generator speed and difficulty.

1. Speed: time and peak memory to generate and write a world of about 1,000,000
   transactions (100,000 users), beside the time pandas alone needs to write the same
   transactions table as CSV (a floor any generator that writes CSV pays).
2. Difficulty at the default size (10,000 users): the tabular baseline (gradient
   boosting on per-user transaction statistics, ring-aware split) over several seeds,
   and the share of rings recoverable from the evidence graph.

Usage::

    .venv/bin/python bench/generator.py [--users 100000] [--seeds 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import commit, write_json

from graphrisk.evaluate import tabular_baseline
from graphrisk.synth import generate_world
from graphrisk.synth.checks import ring_recoverability


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--default-users", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    print(f"commit {commit()}  python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        world = generate_world(args.users, seed=1)
        generated = time.perf_counter() - started
        world.write(Path(folder) / "world")
        total = time.perf_counter() - started
        started = time.perf_counter()
        world.transactions.to_csv(Path(folder) / "plain.csv", index=False)
        plain = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(world.transactions)
    print(f"generate {args.users:,} users: {n:,} transactions in {total:.1f} s "
          f"({generated:.1f} s generating, {total - generated:.1f} s writing CSV) = {n / total:,.0f} tx/s; "
          f"peak RSS {peak:,.0f} MiB")
    print(f"pandas to_csv of the transactions table alone: {plain:.1f} s; generator total / that = {total / plain:.2f}x")

    speed = {"users": args.users, "transactions": n, "links": len(world.links), "seconds": total,
             "generating_seconds": generated, "writing_seconds": total - generated, "peak_mib": peak,
             "pandas_to_csv_seconds": plain}

    auc_pr, auc_roc, recovered = [], [], []
    for seed in range(args.seeds):
        world = generate_world(args.default_users, seed=seed)
        result = tabular_baseline(world.transactions, world.labels, world.users, seed=seed)
        rings = ring_recoverability(world)
        auc_pr.append(result["auc_pr"])
        auc_roc.append(result["auc_roc"])
        recovered.append(float(((rings["largest_share"] >= 0.8) & (rings["purity"] >= 0.5)).mean()))
        print(f"seed {seed}: {world.summary()}; tabular AUC-PR {result['auc_pr']:.3f} AUC-ROC {result['auc_roc']:.3f} "
              f"(test fraud rate {result['fraud_rate']:.3f}); rings recoverable {recovered[-1]:.2f}")
    print(f"default size over {args.seeds} seeds: tabular AUC-PR mean {np.mean(auc_pr):.3f} (max {np.max(auc_pr):.3f}), "
          f"AUC-ROC mean {np.mean(auc_roc):.3f}; rings recoverable mean {np.mean(recovered):.2f}")
    write_json(args.json, {"speed": speed, "difficulty": {
        "users": args.default_users, "seeds": list(range(args.seeds)), "tabular_auc_pr": auc_pr,
        "tabular_auc_roc": auc_roc, "rings_recoverable": recovered}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
