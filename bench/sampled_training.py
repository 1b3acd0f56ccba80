"""Training on a sample (``train --engine spark``) against training on the whole graph (issue 16).

One generated world, written as CSV. Its users are split into a training side and a test
side with whole rings on one side (:func:`graphrisk.model.splits.ring_aware_split` on the
true ring ids). The known labels of ``--labelled-share`` of the training side's users go
into one labels file, the same for both models: they differ only in the graph they train
on. The test side's labels are never shown to a model. Then, for each model seed, each
command in its own process:

1. ``graphrisk train`` on the whole graph (local engine);
2. ``graphrisk train --engine spark``: node inputs on the whole graph, training on the
   labelled users' neighbourhoods plus ``--sample-unlabelled`` of the others;
3. ``graphrisk score --reasons 0`` of the whole graph with each model (local engine), and
   the AUC-PR (average precision) of each on the test users' true labels.

The wall time and peak memory of every run come from :func:`engines.measure`. The verdict
is the mean AUC-PR gap (full minus sampled) over the seeds beside the spread between seeds.

Usage::

    .venv/bin/python bench/sampled_training.py [--users 10000] [--seeds 0,1,2] [--json FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _common import commit, write_json
from engines import measure

#: ``train --engine spark``'s default ``--sample-unlabelled`` (graphrisk.cli.train).
UNLABELLED_SHARE = "0.1"


def _split_world(users: int, seed: int, labelled_share: float, folder: Path) -> dict:
    """Write the world, the training labels (``labelled_share`` of the training side) and the test side's truth."""
    import pandas as pd

    from graphrisk.model.splits import ring_aware_split
    from graphrisk.synth import generate_world

    world = generate_world(users, seed=seed)
    paths = world.write(folder)
    train_users, test_users = ring_aware_split(world.labels, test_size=0.3, seed=seed)
    known = world.known_labels[world.known_labels["user_id"].isin(set(train_users))]
    known = known.sample(frac=labelled_share, random_state=seed).sort_values("user_id")
    known.to_csv(folder / "train_labels.csv", index=False)
    truth = world.labels[world.labels["user_id"].isin(set(test_users))][["user_id", "is_fraud"]]
    truth.to_csv(folder / "test_truth.csv", index=False)
    return {"users": len(world.users), "transactions": len(world.transactions), "links": len(world.links),
            "train_labels": len(known), "train_fraud": int(known["is_fraud"].sum()), "test_users": len(truth),
            "test_fraud": int(truth["is_fraud"].sum()), "paths": {k: str(v) for k, v in paths.items()},
            "fraud_share": float(pd.to_numeric(world.labels["is_fraud"]).mean())}


def _auc_pr(scores_csv: Path, truth_csv: Path) -> float:
    import pandas as pd

    from graphrisk.evaluate.metrics import detection_metrics

    truth = pd.read_csv(truth_csv, dtype={"user_id": str}).set_index("user_id")["is_fraud"]
    scores = pd.read_csv(scores_csv, dtype={"user_id": str}).set_index("user_id")["risk_score"]
    return float(detection_metrics(truth, scores)["auc_pr"])


def _sample_line(stdout: Path) -> str:
    return next((line for line in stdout.read_text().splitlines() if line.startswith("training sample:")), "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seeds", default="0,1,2", help="model seeds (comma-separated)")
    parser.add_argument("--world-seed", type=int, default=3)
    parser.add_argument("--fanout", type=int, default=100, help="--sample-fanout of the sampled training")
    parser.add_argument("--labelled-share", type=float, default=0.3, help="of the training side's users")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run before it is stopped")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    graphrisk = str(Path(sys.executable).with_name("graphrisk"))
    if not Path(graphrisk).exists():
        graphrisk = shutil.which("graphrisk") or "graphrisk"
    spark = ["--engine", "spark", "--spark-master", "local[2]",
             *(option for setting in args.spark_conf for option in ("--spark-conf", setting))]
    print(f"commit {commit()}  {args.users:,} users  seeds {args.seeds}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="graphrisk-sampled-"))
    runs = []
    try:
        world = _split_world(args.users, args.world_seed, args.labelled_share, folder)
        p = world.pop("paths")
        print(f"world: {world}", flush=True)
        inputs = ["--transactions", p["transactions"], "--links", p["links"], "--users", p["users"]]
        for seed in [int(s) for s in args.seeds.split(",") if s]:
            entry: dict = {"seed": seed}
            for kind in ("full", "sampled"):
                model = folder / f"model-{kind}-{seed}"
                train = [graphrisk, "train", *inputs, "--labels", str(folder / "train_labels.csv"), "--model",
                         str(model), "--epochs", str(args.epochs), "--seed", str(seed), "--device", "cpu",
                         "--no-progress"]
                if kind == "sampled":
                    train += [*spark, "--sample-unlabelled", UNLABELLED_SHARE, "--sample-fanout", str(args.fanout),
                              "--rejects", str(folder / f"rejects-{kind}-{seed}.parquet")]
                else:
                    train += ["--rejects", str(folder / f"rejects-{kind}-{seed}.csv")]
                run = measure(train, folder, f"train-{kind}-{seed}", args.timeout)
                if kind == "sampled":
                    run["sample"] = _sample_line(folder / f"train-{kind}-{seed}.stdout")
                if run["status"] == "ok":
                    scores = folder / f"scores-{kind}-{seed}.csv"
                    scored = measure([graphrisk, "score", *inputs, "--model", str(model), "--reasons", "0", "--out",
                                      str(scores), "--device", "cpu", "--no-progress",
                                      "--rejects", str(folder / f"rejects-score-{seed}.csv")],
                                     folder, f"score-{kind}-{seed}", args.timeout)
                    run["score_status"] = scored["status"]
                    if scored["status"] == "ok":
                        run["auc_pr"] = _auc_pr(scores, folder / "test_truth.csv")
                entry[kind] = {k: v for k, v in run.items() if k not in ("command",)}
                print(f"  seed {seed} {kind:<8} {run['status']:<4} train {run['seconds']:6.1f} s, peak "
                      f"{run['peak_mb']['tree']:,.0f} MB; test AUC-PR {run.get('auc_pr', float('nan')):.4f} "
                      f"{run.get('sample', '')}", flush=True)
            runs.append(entry)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    gaps = [r["full"]["auc_pr"] - r["sampled"]["auc_pr"] for r in runs
            if "auc_pr" in r["full"] and "auc_pr" in r["sampled"]]
    full = [r["full"]["auc_pr"] for r in runs if "auc_pr" in r["full"]]
    summary = {"gap_mean": statistics.fmean(gaps) if gaps else None,
               "gap_max": max(gaps) if gaps else None,
               "full_spread": (max(full) - min(full)) if len(full) > 1 else None,
               "within_0_01": bool(gaps) and statistics.fmean(gaps) <= 0.01}
    print(f"\nAUC-PR full minus sampled: mean {summary['gap_mean']}, largest {summary['gap_max']}; spread of the full "
          f"model over seeds {summary['full_spread']}; within 0.01: {summary['within_0_01']}")
    write_json(args.json, {"world": world, "epochs": args.epochs, "labelled_share": args.labelled_share, "fanout": args.fanout,
                           "unlabelled_share": float(UNLABELLED_SHARE),
                           "runs": runs, **summary})
    return 0


if __name__ == "__main__":
    sys.exit(main())
