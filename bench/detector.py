"""Detector quality beside its peers, and training / scoring cost at scale.

Quality (``--quality``): on the Data issue's default world (10,000 users) for several
seeds, :func:`graphrisk.evaluate.compare.compare_systems` trains the GNN and the three
gradient-boosting baselines on the same ring-aware split (15% of training fraud labels
hidden) and scores the same test users; the table gives each seed and the mean, and the
GNN's margin over the best baseline. PR curves and score distributions of the first seed
are written as PNG.

Cost (``--cost``): on a world of about 1M transactions (100,000 users), one process trains
the detector (features included) and another scores the whole graph with the saved model;
each reports wall time and peak resident memory.

Usage::

    .venv/bin/python bench/detector.py [--quality] [--cost] [--seeds 0,1,2] [--cost-users 100000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import tempfile
import time
import warnings
from pathlib import Path

from _common import commit, write_json  # bench/ is the script folder, so on sys.path

PLOTS = Path(__file__).resolve().parent / "plots"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quality(seeds: list[int], users: int, convs: list[str], plots: Path = PLOTS, heads: tuple[str, ...] = ()) -> dict:
    import pandas as pd

    from graphrisk import build_graph
    from graphrisk.evaluate import plot_pr_curves, plot_score_distributions
    from graphrisk.evaluate.compare import OWN_ROWS, compare_systems
    from graphrisk.synth import generate_world

    tables, details = [], []
    for seed in seeds:
        world = generate_world(users, seed=seed)
        graph = build_graph(world.transactions, world.links, world.users)[0]
        columns = ["auc_pr", "auc_roc", "precision_at_k", "ring_recall", "ring_recall_flagged", "seconds"]
        rows, scores = [], {}
        # same seed, so the same split and hidden labels for every architecture and head
        variants = [(conv, "gnn", f"graphrisk_gnn_{conv}") for conv in convs]
        variants += [(convs[0], head, f"graphrisk_gnn_{convs[0]}_{head}") for head in heads]
        for conv, head, name in variants:
            result = compare_systems(graph, world.labels, seed=seed, missing_label_share=0.15,
                                     detector_options={"conv": conv, "head": head}, unsupervised=not rows)
            metrics = result.metrics.reindex(columns=columns)
            if not rows:
                first, baselines = result, metrics.drop(index="graphrisk_gnn")
            rows.append(metrics.loc[["graphrisk_gnn"]].rename(index={"graphrisk_gnn": name}))
            scores[name] = result.scores["graphrisk_gnn"]
        result = first
        scores.update({name: result.scores[name] for name in baselines.index})
        table = pd.concat([*rows, baselines])
        table["seed"] = seed
        tables.append(table)
        d = result.details
        details.append({"seed": seed, "test_users": d["test_users"], "test_fraud": d["test_fraud"],
                        "test_rings": d["test_rings"]})
        print(f"seed {seed}: {d['test_users']} test users, {d['test_fraud']} fraud in {d['test_rings']} rings; "
              f"GNN best epoch {d['detector_validation']['best_epoch']}, threshold {d['threshold']:.3f}", flush=True)
        print(table.round(3).to_string(), flush=True)
        if seed == seeds[0]:
            plots.mkdir(parents=True, exist_ok=True)
            plot_pr_curves(result.truth, scores, plots / "detector_pr_curves.png")
            plot_score_distributions(result.truth, scores, plots / "detector_score_distributions.png")
    every = pd.concat(tables)
    mean = every.groupby(level=0).mean(numeric_only=True).drop(columns="seed")
    mean = mean.loc[[s for s in every.index.unique()]]
    gnn = [name for name in mean.index if name.startswith("graphrisk_gnn")]
    best_baseline = mean.drop(index=[*gnn, *OWN_ROWS], errors="ignore")["auc_pr"].max()
    print(f"\nmean over seeds {seeds} (commit {commit()}):")
    print(mean.round(3).to_string())
    for name in gnn:
        print(f"{name} AUC-PR minus best baseline: {mean.loc[name, 'auc_pr'] - best_baseline:+.3f} "
              f"(ratio {mean.loc[name, 'auc_pr'] / best_baseline:.2f}x)")
    return {"users": users, "seeds": seeds, "convs": convs, "heads": list(heads), "splits": details,
            "per_seed": every.reset_index(names="system").to_dict(orient="records"),
            "mean": mean.to_dict(orient="index"),
            "plots": ["plots/detector_pr_curves.png", "plots/detector_score_distributions.png"]}


def _train(users: int, conv: str, folder: str, queue) -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    from graphrisk import build_graph
    from graphrisk.model import RiskDetector
    from graphrisk.synth import generate_world

    world = generate_world(users, seed=1)
    graph = build_graph(world.transactions, world.links, world.users)[0]
    started = time.perf_counter()
    detector = RiskDetector(conv=conv).fit(graph, world.known_labels)
    seconds = time.perf_counter() - started
    detector.save(folder)
    queue.put({"transactions": len(world.transactions), "seconds": seconds, "epochs": detector.validation_["epochs_run"],
               "minibatch": detector.validation_["minibatch"], "peak_mb": _peak_mb()})


def _score(users: int, conv: str, folder: str, queue) -> None:
    warnings.filterwarnings("ignore", category=FutureWarning)
    from graphrisk import build_graph
    from graphrisk.model import RiskDetector
    from graphrisk.synth import generate_world

    world = generate_world(users, seed=1)
    graph = build_graph(world.transactions, world.links, world.users)[0]
    started = time.perf_counter()
    scores = RiskDetector.load(folder).score_users(graph).scores
    queue.put({"users": len(scores), "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()})


def _result_of(process, queue) -> dict:
    """The result ``process`` puts on ``queue``; raises when it dies without one (instead of waiting forever)."""
    import queue as queues

    while True:
        try:
            result = queue.get(timeout=5)
        except queues.Empty:
            if not process.is_alive():
                raise RuntimeError(f"{process.name} died with exit status {process.exitcode}") from None
            continue
        process.join()
        return result


def cost(users: int, conv: str) -> dict:
    context = mp.get_context("spawn")
    results: dict = {"users": users, "conv": conv}
    with tempfile.TemporaryDirectory() as folder:
        for name, target in (("train", _train), ("score", _score)):
            queue = context.Queue()
            process = context.Process(target=target, args=(users, conv, folder, queue))
            process.start()
            result = _result_of(process, queue)
            results[name] = result
            print(f"{name} ({conv}): {json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in result.items()})}",
                  flush=True)
    print(f"commit {commit()}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--cost", action="store_true")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--users", type=int, default=10_000, help="world size of the quality runs")
    parser.add_argument("--convs", default="sage,gat", help="GNN relation operators to compare")
    parser.add_argument("--heads", default="", help="heads also tried on the first operator, e.g. stacked,auto")
    parser.add_argument("--cost-users", type=int, default=100_000)
    parser.add_argument("--cost-convs", default=None, help="operators timed by --cost (default: --convs)")
    parser.add_argument("--plots", type=Path, default=PLOTS, help="folder of the PNG plots (default: bench/plots)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    if not (args.quality or args.cost):
        args.quality = args.cost = True
    results: dict = {}
    if args.quality:
        results["quality"] = quality([int(s) for s in args.seeds.split(",")], args.users, args.convs.split(","), args.plots,
                                     tuple(h for h in args.heads.split(",") if h))
    if args.cost:
        results["cost"] = [cost(args.cost_users, conv) for conv in (args.cost_convs or args.convs).split(",")]
    write_json(args.json, results)


if __name__ == "__main__":
    main()
