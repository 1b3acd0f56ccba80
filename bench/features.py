"""Feature computation cost: graphrisk's compute_features beside "call networkx on the whole graph".

For each input (generated worlds of about 100k and 1M transactions, and the 1.75M-row
Fraud Detection Handbook data when ``../shared/data`` is there), each approach runs in its
own process so that peak memory is its own:

* graphrisk: ``compute_features`` (all families), wall time per family and in total;
* plain networkx: the user-user projection of the whole user-merchant-identifier graph
  (``networkx.bipartite.weighted_projected_graph``, no hub cap), then Louvain, PageRank and
  sampled betweenness on it: what a first script does. It is stopped at ``--timeout``.

Usage::

    .venv/bin/python bench/features.py [--sizes 10000,100000] [--timeout 300] [--no-handbook]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

from _common import commit, write_json  # bench/ is the script folder, so on sys.path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _graph(source: str):
    from graphrisk import build_graph

    if source == "handbook":
        from graphrisk.loaders import load

        return build_graph(**load(SHARED / "fraud_handbook" / "transactions.parquet").as_kwargs())[0]
    from graphrisk.synth import generate_world

    world = generate_world(int(source), seed=1)
    return build_graph(world.transactions, world.links, world.users)[0]


def _graphrisk(source: str, queue) -> None:
    from graphrisk import compute_features

    graph = _graph(source)
    stages, last = {}, [time.perf_counter(), None]

    def progress(stage, _):
        now = time.perf_counter()
        if last[1] is not None:
            stages[last[1]] = now - last[0]
        last[0], last[1] = now, stage

    started = time.perf_counter()
    features = compute_features(graph, seed=0, progress=progress)
    total = time.perf_counter() - started
    stages[last[1]] = time.perf_counter() - last[0]
    queue.put({"seconds": total, "stages": stages, "columns": features.shape[1], "users": features.shape[0],
               "transactions": 0 if graph.transactions is None else len(graph.transactions),
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _plain(source: str, queue) -> None:
    import networkx as nx

    graph = _graph(source)
    started = time.perf_counter()
    bipartite = nx.Graph()
    users = [("u", u) for u in graph.users["user_id"]]
    bipartite.add_nodes_from(users)
    bipartite.add_edges_from((("u", s), ("m", d)) for s, d in zip(graph.paid["src"], graph.paid["dst"]))
    bipartite.add_edges_from((("u", s), (t, d)) for t, s, d in zip(graph.used["entity_type"], graph.used["src"], graph.used["dst"]))
    projection = nx.bipartite.weighted_projected_graph(bipartite, users)
    queue.put({"stage": "projection", "edges": projection.number_of_edges(), "at": time.perf_counter() - started})
    nx.community.louvain_communities(projection, weight="weight", seed=0)
    nx.pagerank(projection, weight="weight")
    nx.betweenness_centrality(projection, k=min(256, projection.number_of_nodes()), seed=0)
    queue.put({"seconds": time.perf_counter() - started, "edges": projection.number_of_edges(),
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _run(target, source: str, timeout: float) -> dict:
    queue = mp.Queue()
    process = mp.Process(target=target, args=(source, queue))
    started = time.perf_counter()
    process.start()
    result: dict = {}
    while process.is_alive() and time.perf_counter() - started < timeout:
        process.join(1)
        while not queue.empty():
            result.update(queue.get())
    if process.is_alive():
        process.kill()
        process.join()
        result["timed_out"] = True
    while not queue.empty():
        result.update(queue.get())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="generated worlds, in users (~11 transactions each)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--no-handbook", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    sources = [s for s in args.sizes.split(",") if s]
    if not args.no_handbook and (SHARED / "fraud_handbook").exists():
        sources.append("handbook")
    print(f"commit {commit()}  python {sys.version.split()[0]}  timeout {args.timeout:.0f} s")
    results = []
    for source in sources:
        ours = _run(_graphrisk, source, args.timeout)
        plain = _run(_plain, source, args.timeout)
        results.append({"input": source, "graphrisk": ours, "plain_networkx": plain})
        print(f"\n{source}: {ours.get('transactions', 0):,} transactions, {ours.get('users', 0):,} users")
        print(f"  graphrisk : {ours.get('seconds', float('nan')):7.1f} s, peak {ours.get('peak_mib', 0):,.0f} MiB, "
              f"{ours.get('columns', 0)} columns; per family: " + json.dumps({k: round(v, 1) for k, v in ours.get("stages", {}).items()}))
        if plain.get("timed_out"):
            built = f", built in {plain['at']:.0f} s" if "at" in plain else ""
            print(f"  plain nx  : stopped after {args.timeout:.0f} s (projection: {plain.get('edges', 'not built')} edges"
                  f"{built})")
        else:
            ratio = plain["seconds"] / ours["seconds"] if ours.get("seconds") else float("nan")
            print(f"  plain nx  : {plain['seconds']:7.1f} s, peak {plain['peak_mib']:,.0f} MiB, projection {plain['edges']:,} edges;"
                  f" {ratio:.1f}x graphrisk's time")
    write_json(args.json, {"timeout": args.timeout, "inputs": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
