"""Write bench/RESULTS.md (and the summary plot) from the suite's stored results.

Every figure on the page comes from ``bench/results.json``, which ``bench/suite.py``
fills; each area carries the date and commit it was measured at.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import mean, median

__all__ = ["render_page", "TARGETS", "Comparison", "before_after", "before_after_text"]

#: The figures the issues ask for, checked on every run.
TARGETS = {
    "generator": "1M transactions in ≤ 30 s; tabular baseline AUC-PR ≤ 0.6 at the default size",
    "load": "≥ 33,000 transactions/s (1M in ≤ 30 s) and ≥ 20x the naive loader",
    "features": "1M transactions in ≤ 60 s and ≤ 4 GiB",
    "detector_quality": "GNN AUC-PR ≥ best baseline + 0.05; ring recall ≥ 0.9",
    "detector_cost": "at 1M transactions: train ≤ 10 min, score ≤ 60 s",
    "handbook": "beat the handbook's published baselines on its own protocol",
    "serve": "p99 ≤ 50 ms at 200 requests/s on loopback, every answer 200",
    "real_regime": "GNN AUC-PR ≥ 2x the best baseline's (issue 19's target for the real P2P sample this world stands for)",
}

SYSTEM_NAMES = {
    "graphrisk_gnn_sage": "graphrisk GNN, GraphSAGE (default)",
    "graphrisk_gnn_gat": "graphrisk GNN, GATv2 with edge features",
    "graph_features_gb": "graph features + gradient boosting",
    "neighbour_gb": "neighbour-aggregate GB (RF-Graph / XGBGraph, GADBench)",
    "tabular_gb": "tabular gradient boosting",
    "graphrisk_gnn": "graphrisk GNN, its own head",
    "graphrisk_no_pseudo": "graphrisk GNN, its own head, no pseudo-labels",
    "graphrisk_stacked": "graphrisk GNN + stacked head (LightGBM on its embeddings)",
    "graphrisk_auto": "graphrisk GNN, head chosen on validation (auto)",
    "graphrisk_gnn_sage_stacked": "graphrisk GNN, GraphSAGE + stacked head",
    "graphrisk_gnn_sage_auto": "graphrisk GNN, GraphSAGE, head chosen on validation (auto)",
    "graphrisk_unsupervised": "graphrisk cold start (no labels: shared identifiers, synchrony, outliers)",
    "graphrisk_blend": "graphrisk GNN and cold start, percentile ranks averaged",
}
#: graphrisk's rows that are not the detector: never a peer (as graphrisk.evaluate.compare.OWN_ROWS).
OWN_ROWS = ("graphrisk_unsupervised", "graphrisk_blend")


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _s(value: float) -> str:
    return f"{value:.1f} s"


def _verdict(ok: bool) -> str:
    return "**reached**" if ok else "**not reached**"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def _stamp(area: dict) -> str:
    return f"measured {area['date']} at commit `{area['commit']}`, {area.get('wall_seconds', 0):.0f} s in all"


def _generator(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    speed, hard = a["speed"], a["difficulty"]
    rate = speed["transactions"] / speed["seconds"]
    lines = _table(
        ["world", "time", "transactions/s", "peak RSS", "pandas `to_csv` of the transactions alone"],
        [[f"{_n(speed['users'])} users, {_n(speed['transactions'])} transactions, {_n(speed['links'])} links",
          f"{_s(speed['seconds'])} ({speed['generating_seconds']:.1f} generating, {speed['writing_seconds']:.1f} writing)",
          _n(rate), f"{_n(speed['peak_mib'])} MiB", _s(speed["pandas_to_csv_seconds"])]])
    auc = hard["tabular_auc_pr"]
    lines += ["", f"Difficulty at {_n(hard['users'])} users, seeds {hard['seeds']}: tabular gradient boosting "
              f"AUC-PR mean {mean(auc):.3f} (max {max(auc):.3f}), AUC-ROC mean {mean(hard['tabular_auc_roc']):.3f}; "
              f"rings recoverable from the evidence graph {mean(hard['rings_recoverable']):.2f}.", "",
              f"Target ({TARGETS['generator']}): {_verdict(rate >= 1e6 / 30 and max(auc) <= 0.6)} "
              f"({_n(rate)} transactions/s; best tabular AUC-PR {max(auc):.3f})."]
    return lines, [("generator vs pandas to_csv alone (time)", speed["pandas_to_csv_seconds"] / speed["seconds"])]


def _load(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    load, naive = a["load"], a["naive_load"]
    wb, naive_wb = a["writeback"], a["naive_writeback"]
    ours, theirs = load["transactions"] / load["seconds"], naive["transactions"] / naive["seconds"]
    wb_rate, naive_wb_rate = wb["users"] / wb["seconds"], naive_wb["users"] / naive_wb["seconds"]
    lines = [f"Server: {a['server']}. {_n(load['transactions'])} transactions ({_n(load['users'])} users, "
             f"{_n(load['nodes'])} nodes, {_n(load['relationships'])} relationships) from CSV into an empty database, "
             f"batches of {_n(load['batch_size'])}, {load['workers']} writers, after a {_n(load['warmup'])}-transaction "
             "warm-up; the naive loader runs one `MERGE` transaction per row on a slice, against the same server.", "",
             *_table(["what", "graphrisk", "naive, same server", "ratio"], [
                 ["load", f"{_s(load['seconds'])} ({load['build_seconds']:.1f} read + validate + aggregate, "
                  f"{load['write_seconds']:.1f} Neo4j writes) = **{_n(ours)} tx/s**",
                  f"{_s(naive['seconds'])} for {_n(naive['transactions'])} rows = {_n(theirs)} tx/s",
                  f"**{ours / theirs:.1f}x**"],
                 *([["load, against the afternoon peer (pandas group-by, `UNWIND … MERGE` in batches, same file)",
                     f"{_s(load['seconds'])}", f"{_s(a['peer_load']['seconds'])} "
                     f"({a['peer_load']['read_seconds']:.1f} pandas) = "
                     f"{_n(a['peer_load']['transactions'] / a['peer_load']['seconds'])} tx/s",
                     f"**{a['peer_load']['seconds'] / load['seconds']:.2f}x**"]] if "peer_load" in a else []),
                 ["score write-back", f"{_s(wb['seconds'])} for {_n(wb['users'])} users = **{_n(wb_rate)} users/s**",
                  f"{_s(naive_wb['seconds'])} for {_n(naive_wb['users'])} users = {_n(naive_wb_rate)} users/s",
                  f"**{wb_rate / naive_wb_rate:.1f}x**"]]),
             *(["", f"`graphrisk load --bulk` (Neo4j's importer; docs/bulk-load.md), the same transactions with "
                 f"{_n(a['bulk_load']['links'])} links, into an empty database: **{_s(a['bulk_load']['seconds'])} end to "
                 f"end** (the command's wall time: read, validate, importer files, the importer, the server's restart, "
                 f"constraints, the count check); issue 17 asks for at most 30 s at 1M transactions: "
                 f"{_verdict(a['bulk_load']['seconds'] <= 30)}."] if "bulk_load" in a else []),
             *(["", f"World: {a['world']}."] if "world" in a else []),
             *(["", "Issue 17 asks that graphrisk's load be no slower than the peer loader in the same run: "
                f"{_verdict(a['peer_load']['seconds'] >= load['seconds'])}."] if "peer_load" in a else []),
             "", f"Target ({TARGETS['load']}): speed {_verdict(ours >= 1e6 / 30)}, ratio {_verdict(ours / theirs >= 20)}. "
             "What limits the speed is Neo4j Community's transactional write path on 2 cores "
             "(see HISTORY.md for the measurements and what would get further)."]
    ratios = [("load vs naive MERGE per row", ours / theirs), ("write-back vs naive SET per user", wb_rate / naive_wb_rate)]
    if "peer_load" in a:
        ratios.insert(1, ("load vs the afternoon peer loader", a["peer_load"]["seconds"] / load["seconds"]))
    return lines, ratios


def _features(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    rows, ratios, target_ok = [], [], None
    for item in a["inputs"]:
        ours, plain = item["graphrisk"], item["plain_networkx"]
        families = ", ".join(f"{k} {v:.1f}" for k, v in ours.get("stages", {}).items())
        if plain.get("timed_out"):
            built = f"projection ({_n(plain['edges'])} edges) built in {plain['at']:.0f} s, " if "at" in plain else "projection not built, "
            peer = f"{built}stopped at {a['timeout']:.0f} s"
            ratios.append((f"features vs plain networkx, {item['input']} (at least)", a["timeout"] / ours["seconds"]))
            ratio = f"> {a['timeout'] / ours['seconds']:.0f}x"
        else:
            peer = f"{_s(plain['seconds'])}, peak {_n(plain['peak_mib'])} MiB"
            ratio = f"{plain['seconds'] / ours['seconds']:.1f}x"
            ratios.append((f"features vs plain networkx, {item['input']}", plain["seconds"] / ours["seconds"]))
        name = "Fraud Detection Handbook" if item["input"] == "handbook" else f"generated, {_n(int(item['input']))} users"
        rows.append([f"{name}, {_n(ours['transactions'])} tx", f"**{_s(ours['seconds'])}**", families,
                     f"{_n(ours['peak_mib'])} MiB", peer, ratio])
        if item["input"] != "handbook" and ours["transactions"] >= 1_000_000:
            target_ok = ours["seconds"] <= 60 and ours["peak_mib"] <= 4096
    lines = ["`compute_features` (every family) beside plain networkx on the whole graph (the weighted user "
             "projection of the user–merchant–identifier graph, then Louvain, PageRank and sampled betweenness), "
             "each in its own process; peak memory includes building the input graph.", "",
             *_table(["input", "graphrisk", "per family (s)", "peak", "plain networkx", "speed-up"], rows), "",
             f"Target ({TARGETS['features']}): "
             + ("not measured at 1M here" if target_ok is None else _verdict(target_ok)) + "."]
    return lines, ratios


def _own_flags_recall(m: dict) -> str:
    """Issue 19's ring-recall verdict, on the model's own flags; top k (k the true number of fraudsters) is an oracle."""
    own = m.get("ring_recall_flagged")
    if own is None or own != own:
        return f"ring recall {m['ring_recall']:.3f} at top k (an oracle cut: no verdict without the model's own flags)"
    return (f"ring recall {own:.3f} at the model's own flags (target 0.9: {_verdict(own >= 0.9)}; "
            f"{m['ring_recall']:.3f} at top k, an oracle cut shown for comparison)")


def _detector_quality(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    a = a["quality"]
    columns = ["auc_pr", "auc_roc", "precision_at_k", "ring_recall", "ring_recall_flagged", "seconds"]
    rows = []
    for system, m in a["mean"].items():
        rows.append([SYSTEM_NAMES.get(system, system)] + [
            "" if m.get(c) is None or m.get(c) != m.get(c) else (f"{m[c]:.1f}" if c == "seconds" else f"{m[c]:.3f}")
            for c in columns])
    gnn = {s: m for s, m in a["mean"].items() if s.startswith("graphrisk_gnn")}
    baselines = {s: m for s, m in a["mean"].items() if s not in gnn and s not in OWN_ROWS}  # peers only
    best_name = max(baselines, key=lambda s: baselines[s]["auc_pr"])
    best = baselines[best_name]["auc_pr"]
    splits = "; ".join(f"seed {d['seed']}: {d['test_users']} test users, {d['test_fraud']} fraud in {d['test_rings']} rings"
                       for d in a["splits"])
    lines = [f"The default world ({_n(a['users'])} users, 2% fraud in rings) for seeds {a['seeds']}: a ring-aware split "
             "(whole rings on one side), 15% of the training fraud labels hidden; every system trains on the same users "
             "with the same labels and scores the same test users. Mean over the seeds:", "",
             *_table(["system", "AUC-PR", "AUC-ROC", "precision@k", "ring recall (top k)",
                      "ring recall (own threshold)", "seconds"], rows), "", f"Test sets: {splits}.", ""]
    for system, m in gnn.items():
        lines.append(f"- {SYSTEM_NAMES.get(system, system)}: AUC-PR {m['auc_pr'] - best:+.3f} over the best baseline "
                     f"({SYSTEM_NAMES.get(best_name, best_name)}); target {_verdict(m['auc_pr'] >= best + 0.05)}; "
                     f"{_own_flags_recall(m)}.")
    lines += ["", "PR curves and score distributions of the first seed: "
              "![PR curves](plots/detector_pr_curves.png) ![scores](plots/detector_score_distributions.png)"]
    ratios = [(f"{SYSTEM_NAMES.get(s, s).split(',')[0]} {s.rsplit('_', 1)[-1].upper()} vs best baseline (AUC-PR)",
               m["auc_pr"] / best) for s, m in gnn.items()]
    return lines, ratios


def _detector_cost(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    rows = []
    for run in a["cost"]:
        train, score = run["train"], run["score"]
        rows.append([run["conv"], f"{_n(train['transactions'])} tx", f"**{_s(train['seconds'])}**", str(train["epochs"]),
                     f"{train['peak_mb'] / 1024:.1f} GiB", f"**{_s(score['seconds'])}** for {_n(score['users'])} users",
                     f"{score['peak_mb'] / 1024:.1f} GiB"])
    first = a["cost"][0]
    per_million = 1e6 / first["train"]["transactions"]
    lines = [f"A generated world of {_n(first['users'])} users: one process trains (features included) and saves the "
             "model, another loads it and scores every user with rings and reasons.", "",
             *_table(["operator", "world", "train", "epochs", "train peak", "score", "score peak"], rows), "",
             f"Target ({TARGETS['detector_cost']}): the suite runs a smaller world to stay within 20 minutes; scaled "
             f"linearly to 1M transactions this is about {first['train']['seconds'] * per_million / 60:.1f} min to train "
             f"and {first['score']['seconds'] * per_million:.0f} s to score (the full-size run is in HISTORY.md)."]
    return lines, []


def _handbook(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    rows = [[name if not name.startswith("graphrisk") else f"**{name}**", f"{m['auc_roc']:.3f}", f"{m['average_precision']:.3f}",
             f"{m['card_precision_at_100']:.3f}", f"{m['terminal_ap']:.3f}", f"{m['seconds']:.1f}"] for name, m in a["systems"].items()]
    rows += [[f"*{name}*", f"*{m['auc_roc']:.3f}*", f"*{m['average_precision']:.3f}*", f"*{m['card_precision_at_100']:.3f}*", "", ""]
             for name, m in a["published"].items()]
    ours = next(m for name, m in a["systems"].items() if name.startswith("graphrisk"))
    best_published = {k: max(m[k] for m in a["published"].values()) for k in ("auc_roc", "average_precision", "card_precision_at_100")}
    beaten = all(ours[k] > v for k, v in best_published.items())
    recipe = next(m for name, m in a["systems"].items() if "recipe" in name)
    lines = [f"{_n(a['transactions'])} transactions; train on 7 days ({_n(a['train']['transactions'])} tx, "
             f"{_n(a['train']['fraud'])} fraud), 7-day label delay, test on the next 7 days without known compromised "
             f"cards ({_n(a['test']['transactions'])} tx, {_n(a['test']['fraud'])} fraud). Window features in "
             f"{a['feature_seconds']:.1f} s.", "",
             *_table(["system (same run; published in italics)", "AUC-ROC", "average precision", "card precision@100",
                      "terminal AP", "seconds"], rows), "",
             f"The handbook's own recipe reproduces its published random forest ({recipe['auc_roc']:.3f} / "
             f"{recipe['average_precision']:.3f} / {recipe['card_precision_at_100']:.3f} against 0.867 / 0.658 / 0.287). "
             f"Target ({TARGETS['handbook']}): {_verdict(beaten)} on all three published metrics."]
    return lines, [("handbook: graphrisk GB vs published RF (average precision)",
                    ours["average_precision"] / a["published"]["random forest (published)"]["average_precision"])]


def _serve(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    world, service, opened, closed, peer = a["world"], a["service"], a["open_loop"], a["closed_loop"], a["full_rescoring"]

    def row(name: str, phase: dict) -> list[str]:
        ms = phase["latency_ms"]
        return [name, f"{_n(phase['completed'])} of {_n(phase['requests'])}",
                f"**{_n(phase['completed'] / phase['seconds'])} req/s**", f"{ms['p50']:.1f} ms", f"{ms['p95']:.1f} ms",
                f"**{ms['p99']:.1f} ms**", f"{ms['max']:.1f} ms", str(phase["failures"])]

    p50, p99 = opened["latency_ms"]["p50"], opened["latency_ms"]["p99"]
    target = a["target"]
    complete = service["transactions_added"] == service["transactions_sent"] and service["log_errors"] == 0
    reached = p99 <= target["p99_ms"] and opened["failures"] == 0 and opened["rate"] >= target["rate"] and complete
    lines = [f"A generated world of {_n(world['users'])} users: the service starts from {_n(world['transactions'])} "
             f"transactions (a model trained on them, {world['epochs']} epochs) and the next {_n(world['arriving'])} arrive "
             f"as `POST /score` requests, from one asyncio client on the same machine after {a['warmup']} warm-up "
             f"requests. `graphrisk serve` started in {service['startup_seconds']:.1f} s (full scoring "
             f"{service['full_scoring_seconds']:.1f} s), peak RSS {_n(service['server_peak_mib'])} MiB. Open loop: "
             "request i leaves at i / rate whatever came before and its latency counts from then (queueing included); "
             "closed loop: back to back, the ceiling. A failure is an answer other than 200 or one that does not "
             "name the new transaction sent.", "",
             *_table(["phase", "answered 200", "throughput", "p50", "p95", "p99", "max", "failures"], [
                 row(f"open loop at {opened['rate']:.0f} req/s, {opened['connections']} connections", opened),
                 row(f"closed loop, {closed['connections']} connection" + "s" * (closed["connections"] > 1), closed)]),
             "",
             f"Full rescoring per transaction (what `graphrisk score` does on the whole graph with one arrival added: "
             f"build it, node inputs, scores with rings and reasons; one torch thread, as the service), median of "
             f"{peer['transactions']}: "
             f"{_s(peer['median_ms'] / 1000)} (medians: {median(peer['build_seconds']):.1f} s build, "
             f"{median(peer['score_seconds']):.1f} s score) = **{peer['median_ms'] / p50:,.0f}x** the service's open-loop p50 "
             f"({peer['median_ms'] / closed['latency_ms']['p50']:,.0f}x its closed-loop p50).", "",
             f"Target ({TARGETS['serve']}): {_verdict(reached)} (p99 {p99:.1f} ms at {opened['rate']:.0f} req/s, "
             f"{opened['failures']} failures; {service['transactions_added']} of {service['transactions_sent']} sent "
             f"transactions in the service's graph, {service['log_errors']} errors in its log; client lateness p99 "
             f"{opened['client_lag_ms']['p99']:.1f} ms)."]
    return lines, [("serve: one transaction vs full rescoring (p50 latency)", peer["median_ms"] / p50)]


def _spark_label(options: list[str]) -> str:
    """``spark``, with the JVM's memory settings of ``options`` (``--spark-conf`` pairs) where set."""
    settings = [options[i + 1] for i, option in enumerate(options[:-1]) if option == "--spark-conf"]
    parts = [f"heap {c.split('=', 1)[1]}" for c in settings if c.startswith("spark.driver.memory=")]
    parts += [f"direct {c.split('MaxDirectMemorySize=', 1)[1].split()[0]}" for c in settings if "MaxDirectMemorySize=" in c]
    return f"spark ({', '.join(parts)})" if parts else "spark"


def _engines(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    def mb(value: float | None) -> str:
        return _n(value) if value else "—"

    def count(run: dict, key: str) -> str:
        return _n(run[key]) if key in run else "—"

    # a size's Spark run is compared with the local run of the same world, from whichever run measured it
    local = {(size["world"]["transactions"], step): size[step]["local"] for size in a.get("sizes", [])
             for step in ("features", "score") if size[step]["local"]["status"] == "ok"}
    rows, notes = [], []
    for size in a.get("sizes", []):
        world = size["world"]
        graph_rows = world["transactions"] + world["links"]
        at = f"`{size.get('commit', a.get('commit', '?'))}`"
        for step in ("features", "score"):
            mine = local.get((world["transactions"], step))
            for engine in ("local", "spark"):
                run = size[step][engine]
                if run["status"] == "not run":
                    continue
                peak = run.get("peak_mb", {})
                spark = engine == "spark"
                halo = count(run, "largest_shard_halo_rows")
                if "largest_shard_halo_rows" in run:
                    halo += f" ({run['largest_shard_halo_rows'] / graph_rows:.0%} of the rows)"
                ratio = (f"{run['seconds'] / mine['seconds']:.1f}x time, "
                         f"{peak['tree'] / mine['peak_mb']['tree']:.1f}x memory"
                         if spark and mine and run["status"] == "ok" else "")
                label = _spark_label(size.get("spark_options", a.get("spark_options", []))) if spark else engine
                rows.append([f"{_n(world['transactions'])} tx, {_n(world['users'])} users", f"`{step}`", label, at,
                             f"{run.get('seconds', 0):.1f}", mb(peak.get("tree")),
                             mb(peak.get("driver_side") if spark else peak.get("tree")),
                             mb(peak.get("jvm")) if spark else "—",
                             mb(peak.get("largest_worker")) if spark else "—", mb(peak.get("workers")) if spark else "—",
                             count(run, "shards"), count(run, "largest_shard_users"),
                             count(run, "largest_component_users"), halo,
                             run["status"] if run["status"] == "ok" else f"**{run['status']}**", ratio])
        train = size.get("train", {})
        trained = (f"was given (`--model`, trained beforehand: {train['given_note']})" if "given" in train else
                   f"was trained once, local, on the known labels in {train.get('seconds', 0):.0f} s "
                   f"({train.get('epochs', '?')} epochs, peak {mb(train.get('peak_mb', {}).get('tree'))} MB, "
                   f"{train.get('status', '?')})")
        notes.append(f"- {_n(world['transactions'])} transactions: the model the scoring runs use {trained}." +
                     "".join(f" {step.capitalize()}, the two tables: {_agreement(step, size[step]['agreement'])}."
                             for step in ("features", "score") if size[step].get("agreement")) +
                     (f" Figures taken from {size['source']}." if "source" in size else ""))
    verdict = _engines_verdict(a)
    timeouts = " or ".join(f"{t:,.0f}" for t in sorted({s.get("timeout", a.get("timeout", 0)) for s in a.get("sizes", [])}))
    lines = [f"Each command in its own process on the same CSV files, one after the other; Spark as "
             f"`{' '.join(o for o in a.get('spark_options', []) if o != '--spark-conf' and '=' not in o)}`, with the "
             "JVM's heap (`spark.driver.memory`) and direct memory (`-XX:MaxDirectMemorySize`) of each run in its "
             "engine column; scoring with `--reasons 0` on both "
             f"engines (on Spark: layer-wise inference, rings on the driver; the shards are the feature job's). "
             f"Memory is the peak resident size, sampled every {a.get('sample_seconds', 0.2)} s, of the whole "
             "process tree, and for Spark of its driver side (the `graphrisk` process and the JVM, driver and executor "
             "in one in local mode) and of the Python workers (largest single one, sum); a run is stopped after "
             f"{timeouts} s. A Spark run is compared with the local run of the same world. Ratios are Spark / local.",
             "",
             *_table(["size", "command", "engine", "commit", "wall s", "peak MB (all)", "peak MB driver",
                      "peak MB JVM", "peak MB largest worker", "peak MB workers", "shards", "largest shard",
                      "largest component", "halo rows", "status", "Spark / local"], rows), "", *notes, "", *verdict]
    return lines, []


def _engines_verdict(a: dict) -> list[str]:
    """Per engine (and Spark memory setting) and command: its peaks by size, and where its line meets the machine's memory."""
    memory = a.get("machine_memory_mb")
    curves: dict[tuple[str, str], list[tuple[int, float, str]]] = {}
    for size in a.get("sizes", []):
        for step in ("features", "score"):
            for engine in ("local", "spark"):
                run = size[step][engine]
                if run["status"] == "not run":
                    continue
                # Spark's runs of different code are different lines; the local engine did not change between them
                label = engine if engine == "local" else (
                    f"{_spark_label(size.get('spark_options', a.get('spark_options', [])))} at "
                    f"`{size.get('code', size.get('commit', a.get('commit', '?')))}`")
                curves.setdefault((label, step), []).append(
                    (size["world"]["transactions"], run.get("peak_mb", {}).get("tree", 0.0), run["status"]))
    out_of_memory = [(n, label) for (label, _), points in curves.items() for n, _, status in points
                     if status.startswith("out of memory")]
    largest = max((n for points in curves.values() for n, _, _ in points), default=0)
    lines = [("; ".join(sorted({f"{label} ran out of memory from {_n(min(n for n, name in out_of_memory if name == label))} "
                                "transactions" for _, label in out_of_memory})) if out_of_memory else
              f"No run ran out of memory up to {_n(largest)} transactions") + ". Peak memory (whole process tree) by size:", ""]
    lines_of: dict[tuple[str, str], tuple[int, float, float]] = {}  # (last size, its peak, MB per transaction)
    for (label, step), points in sorted(curves.items()):
        points.sort()
        ok = [(n, peak) for n, peak, status in points if status == "ok"]
        failed = [(n, status) for n, _, status in points if status != "ok"]
        text = f"- {label} `{step}`: " + ", ".join(f"{_n(peak)} MB at {_n(n)}" for n, peak in ok)
        text += "".join(f"; **{status}** at {_n(n)}" for n, status in failed)
        if len(ok) >= 2:
            (n0, m0), (n1, m1) = ok[-2], ok[-1]
            slope = (m1 - m0) / ((n1 - n0) / 1e6)
            text += f"; {slope:,.0f} MB more per million transactions from {_n(n0)} to {_n(n1)}"
            if memory and slope > 0 and not failed:
                lines_of[(label, step)] = (n1, m1, slope / 1e6)
                text += (f", a line that reaches this machine's {memory / 1024:.0f} GiB at about "
                         f"{(n1 + (memory - m1) / slope * 1e6) / 1e6:.0f}M transactions")
        lines.append(text + ".")
    local = [(n + (memory - m) / per, step) for (label, step), (n, m, per) in lines_of.items() if label == "local"]
    if local and not out_of_memory:
        point, step = min(local)
        others = [f"{label} `{other}` {(m + (point - n) * per) / 1024:.1f} GiB" for (label, other), (n, m, per)
                  in lines_of.items() if label != "local"]
        lines += ["", f"So, on these lines (measured sizes only up to {_n(largest)} transactions), the local engine runs "
                  f"out of this machine's memory first in `{step}`, at about {point / 1e6:.0f}M transactions; there "
                  + ("the Spark lines stand at " + ", ".join(others) if others else "no Spark line was measured") + "."]
    return lines


def _sampled_training(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    world = a["world"]
    rows = []
    for run in a.get("runs", []):
        for kind in ("full", "sampled"):
            r = run[kind]
            auc = f"{r['auc_pr']:.4f}" if "auc_pr" in r else f"**{r.get('score_status', r['status'])}**"
            rows.append([str(run["seed"]), kind, f"{r['seconds']:.1f}", _n(r["peak_mb"]["tree"]), auc,
                         r.get("sample", "").removeprefix("training sample: ") or "whole graph"])
    gap, spread = a.get("gap_mean"), a.get("full_spread")
    reached = gap is not None and gap <= 0.01
    lines = [f"A world of {_n(world['users'])} users ({_n(world['transactions'])} transactions, {_n(world['links'])} "
             f"links); whole rings on one side of a 70/30 split; the known labels of {a['labelled_share']:.0%} of the "
             f"training side ({_n(world['train_labels'])} users, {_n(world['train_fraud'])} fraud) train both models, "
             f"{a['epochs']} epochs at most. `full`: `graphrisk train` on the whole graph; `sampled`: `graphrisk train "
             f"--engine spark` (local[2]), the labelled users' 2-hop neighbourhoods at {a.get('fanout', 25)} relationships per "
             f"node and relation, plus {a['unlabelled_share']:.0%} of the unlabelled users, with the whole graph's node inputs. "
             f"Each model scores the whole graph (local, `--reasons 0`); AUC-PR on the {_n(world['test_users'])} test "
             f"users ({_n(world['test_fraud'])} fraud), whose labels no model saw. Train time and peak memory are the "
             "whole process tree's (Spark's JVM included).", "",
             *_table(["model seed", "training", "train s", "peak MB", "test AUC-PR", "sample"], rows), "",
             f"Target (issue 16: within 0.01 AUC-PR of full training): {_verdict(reached)} (full minus sampled: mean "
             f"{gap if gap is not None else float('nan'):+.4f}, largest {a.get('gap_max') or 0:+.4f}; the full model's "
             f"spread over seeds {spread if spread is not None else float('nan'):.4f})."]
    return lines, []


def _spread(s: dict | None, digits: int = 3, unit: str = "") -> str:
    """``mean ± std (min..max)`` of :func:`_seeds.spread`'s figures; ``—`` when there are none."""
    if not s or s.get("mean") is None:
        return "—"
    if s.get("std") is None:
        return f"{s['mean']:.{digits}f}{unit}"
    return (f"{s['mean']:.{digits}f}{unit} ± {s['std']:.{digits}f} "
            f"({s['min']:.{digits}f}{unit}..{s['max']:.{digits}f}{unit})")


def _over_seeds(a: dict, what: str, intro: str) -> list[str]:
    """The table of an area that runs the detector beside every baseline on several seeds (``bench/_seeds.py``)."""
    variants, summary, ratio = list(a["variants"]), a["summary"], a["ratio"]
    rows = []
    for system, m in summary.items():
        name = SYSTEM_NAMES.get(system, system)
        rows.append([f"**{name}**" if system in variants else name, _spread(m["auc_pr"]), _spread(m["auc_roc"]),
                     _spread(m["precision_at_k"]), _spread(m["ring_recall"]), _spread(m.get("ring_recall_flagged")),
                     _spread(ratio[system], 2, "x") if system in variants else ""])
    seeds = a["seeds"]
    order = list(summary)
    per_seed = []
    for split in a["splits"]:
        auc = {r["system"]: r["auc_pr"] for r in a["per_seed"] if r["seed"] == split["seed"]}
        ratios = [f"{ratio[v]['per_seed'][len(per_seed)]:.2f}x" for v in variants]
        per_seed.append([str(split["seed"]), f"{_n(split['test_users'])} ({split['test_fraud']} fraud, "
                         f"{split['test_fraud'] / split['test_users']:.1%}; {split['test_rings']} rings)",
                         f"{split['train_fraud_labelled']} of {split['train_fraud']}",
                         *[f"{auc[s]:.3f}" if auc.get(s) is not None else "—" for s in order], *ratios])
    lines = [intro, "",
             f"Mean ± standard deviation over {len(a['splits'])} seeds ({', '.join(map(str, seeds))}), min..max in "
             "brackets; k = the test fraudsters; the ratio is the detector's AUC-PR over the best baseline's, seed by "
             "seed:", "",
             *_table(["system", "AUC-PR", "AUC-ROC", "precision@k", "ring recall (top k)", "ring recall (own flags)",
                      "AUC-PR / best baseline"], rows), "",
             f"Per seed ({what}; AUC-PR of a system that ranks at random is the test fraud share):", "",
             *_table(["seed", "test users", "training fraud labelled", *[SYSTEM_NAMES.get(s, s).split(" (")[0]
                                                                         for s in order],
                      *[f"{v} / best" for v in variants]], per_seed)]
    if a.get("failed_seeds"):
        lines += ["", "Seeds without a comparison: " + "; ".join(f"{k}: {v}" for k, v in a["failed_seeds"].items()) + "."]
    if a.get("plots"):
        lines += ["", "PR curves and score distributions of the first seed: "
                  + " ".join(f"![{Path(p).stem}]({p})" for p in a["plots"])]
    return lines


def _regime_ratios(a: dict, label: str) -> list[tuple[str, float]]:
    return [(f"{label}: {v} vs best baseline (AUC-PR)", r["mean"]) for v, r in a["ratio"].items() if r["mean"]]


def _real_regime(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    world = a["splits"][0] if a["splits"] else {}
    settings = a.get("settings", {})
    intro = (f"**Generated data**, not the real sample: the `{a.get('regime', 'p2p')}` regime of the generator "
             f"(`WorldConfig.preset(\"{a.get('regime', 'p2p')}\")`, `graphrisk generate --regime p2p`), "
             f"{_n(a['users'])} users per world, one world per seed (the first: {_n(world.get('transactions', 0))} "
             f"transactions, {world.get('fraud_share', 0):.2%} fraud, {world.get('solo_fraud', 0)} of its "
             f"{world.get('fraud', 0)} fraudsters alone and the rest in {world.get('rings', 0)} rings, "
             f"{world.get('merchant_share', 0):.0%} of the transactions to merchants). Every system learns from the "
             f"chargeback labels of the training side only ({settings.get('missing_label_share', '?')} of fraudsters "
             f"never charge back, none in the last {settings.get('label_delay_days', '?')} days; no ring ids) and is "
             "judged on the ground truth of the test users; whole rings held out (30% of the groups).")
    lines = _over_seeds(a, "test users from the ground truth; training fraud labelled = chargebacks of the "
                              "training side's fraudsters", intro)
    best = [r for r in a["ratio"].values() if r["mean"] is not None]
    if best:
        lines += ["", f"Target ({TARGETS['real_regime']}): {_verdict(best[0]['mean'] >= 2)} on the generated "
                  f"world (mean ratio {best[0]['mean']:.2f}x). The real sample's figure stays where issue 19 "
                  "put it (1.5x with groups held out); this world is the stand-in that can be rerun."]
    return lines, _regime_ratios(a, "P2P regime (generated)")


def _xfraud(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    world = a["splits"][0] if a["splits"] else {}
    intro = (f"**Real data**: the xFraud sample (eBay, VLDB 2022), {_n(world.get('users', 0))} payers "
             f"({world.get('fraud', 0)} fraud) in {world.get('communities', 0)} annotated communities, "
             f"{_n(world.get('transactions', 0))} transactions. 30% of the communities held out whole, fraud and "
             "legitimate payers alike; a community's fraud payers are its ring. Training labels: the annotations of "
             f"the training side ({a['protocol'].get('hidden_fraud_labels', 0):.0%} of its fraud hidden). The features "
             "see the shared identifiers (masked cards, emails, addresses) and each payer's number of transactions; "
             "the sample has no time and no amounts, so temporal and amount features are constant. Test sets are "
             "small and differ in size and fraud share from seed to seed: read the spread.")
    lines = _over_seeds(a, "test communities held out whole", intro)
    return lines, _regime_ratios(a, "xFraud (real)")


def _component_split(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    world, runs, agreement = a["world"], a.get("runs", {}), a.get("agreement", {})
    rows = [[name, _n(r["limit"]), r["status"], f"{r['seconds']:.1f}", _n(r["peak_mb"]["tree"]),
             r.get("split_line", "").removeprefix("shards: ")] for name, r in runs.items()]
    differing = agreement.get("columns_differing", [])
    shares = agreement.get("share_of_users_differing", {})
    largest = agreement.get("largest_differences", {})
    lines = [f"A world of {_n(world['users'])} users ({_n(world['transactions'])} transactions); `graphrisk features "
             "--engine spark` (local[2]) with no split, then with `--max-component-users` at "
             f"{a['share']:.0%} of the largest component, so that the rule cuts it (both caps halved until every "
             "piece fits).", "",
             *_table(["run", "limit (users)", "status", "wall s", "peak MB", "shards"], rows), ""]
    if agreement and "error" not in agreement:
        lines.append(f"Effect of the split on the features ({_n(agreement['users_in_both'])} users): "
                     f"{len(differing)} of {agreement.get('columns_compared', 0)} columns differ by more than 1e-6 "
                     "(community labels not compared)" + (": " + ", ".join(
                         f"{c} for {shares.get(c, 0):.1%} of the users (at most {largest[c]:.3g})" if c in largest
                         else f"{c} for {shares.get(c, 0):.1%} of the users" for c in differing) if differing else "")
                     + ". Every other column is unchanged: only the community and centrality families run per piece.")
    else:
        lines.append(f"Not compared: {agreement.get('error', 'a run did not finish')}.")
    return lines, []


#: Issue 17: the largest run's peak, per step, must stay under this (MB), on a 24 GiB machine.
SCALE_PEAK_LIMIT_MB = 20 * 1024


def _scale(a: dict) -> tuple[list[str], list[tuple[str, float]]]:
    steps = ("load", "features", "train", "score")
    rows = []
    for size in a["sizes"]:
        world = size["world"]
        cells = []
        for step in steps:
            run = size["steps"].get(step)
            cells.append("not run" if run is None else
                         f"{_s(run['seconds'])}, {_n(run['peak_mb']['tree'])} MB" + ("" if run["status"] == "ok"
                                                                                     else f" **{run['status']}**"))
        rows.append([f"{_n(world['transactions'])} ({_n(world['users'])} users, {_n(world['links'])} links)", *cells])
    lines = ["Each size: `graphrisk generate` (about 10.8 transactions per user), a fresh local Neo4j, then each "
             "command as a user types it: `load --bulk` (transactions, links, users; the importer's JVM and the "
             "restarted server are in the tree while the launcher runs), `features`, `train` on the known labels "
             "(CPU), `score --reasons 0`. Time is wall time; memory is the peak of the command's process tree, "
             "sampled every 0.5 s (the Neo4j server, 1 GB heap and 128 MB page cache, runs beside it). `train` and "
             "`score` compute the features again; a graph over 4M relationships (both directions) trains and scores in "
             "mini-batches (an epoch: at most 100,000 training users), a smaller one on the whole graph, so the "
             "smallest size's `train` is a different regime from the others.", "",
             *_table(["transactions", *steps], rows), ""]
    if "plot" in a:
        lines += [f"![time and peak memory per step against transactions]({a['plot']})", ""]
    growth = a.get("growth", {})
    for step, figures in growth.items():
        t, m = figures["seconds_per_million"], figures["peak_mb_per_million"]
        lines.append(f"- `{step}` per million transactions, smallest to largest size: {t[0]:.0f} s → {t[1]:.0f} s, "
                     f"{_n(m[0])} MB → {_n(m[1])} MB.")
    largest = a["sizes"][-1]
    done = all(largest["steps"].get(step, {}).get("status") == "ok" for step in steps)
    peak = max((r["peak_mb"]["tree"] for r in largest["steps"].values()), default=0.0)
    linear = bool(growth) and all(f["seconds_per_million"][1] <= 1.1 * f["seconds_per_million"][0]
                                  and f["peak_mb_per_million"][1] <= 1.1 * f["peak_mb_per_million"][0]
                                  for f in growth.values())
    lines += ["", f"Target (issue 17): the largest run ({_n(largest['world']['transactions'])} transactions) completes "
              f"every step with each peak under {_n(SCALE_PEAK_LIMIT_MB)} MB: {_verdict(done and peak < SCALE_PEAK_LIMIT_MB)} "
              f"(largest peak {_n(peak)} MB); time and memory per million transactions no higher at the largest size "
              f"than at the smallest (10% allowance): {_verdict(linear)}."]
    return lines, []


def _agreement(step: str, agreement: dict) -> str:
    if "error" in agreement:
        return f"not compared ({agreement['error'].splitlines()[-1]})"
    users = f"{_n(agreement['users_in_both'])} users in both of {_n(agreement['local_rows'])} / {_n(agreement['spark_rows'])}"
    if step == "features":
        differing = agreement.get("columns_differing", [])
        shares = agreement.get("share_of_users_differing", {})
        return (f"{users}; {len(differing)} of {agreement.get('columns_compared', 0)} columns differ by more than 1e-6 "
                "(community labels not compared)"
                + (f": {', '.join(f'{c} for {shares.get(c, 0):.1%} of the users' for c in differing)}; largest "
                   f"differences {', '.join(f'{c} {d:.3g}' for c, d in agreement.get('largest_differences', {}).items())}"
                   if differing else ""))
    return (f"{users}; risk score differs by {agreement.get('risk_score_mean_difference') or 0:.2g} on average, by more "
            f"than 0.01 for {agreement.get('risk_score_share_over_0.01') or 0:.2%} of the users, at most "
            f"{agreement.get('risk_score_max_difference') or 0:.2g}; flagged {_n(agreement.get('flagged_local', 0))} "
            f"local / {_n(agreement.get('flagged_spark', 0))} Spark")


SECTIONS: dict[str, tuple[str, str, Callable[[dict], tuple[list[str], list[tuple[str, float]]]]]] = {
    "generator": ("Generator (issue 3)", "bench/generator.py", _generator),
    "load": ("Load and write-back into Neo4j (issues 2 and 6)", "bench/load_throughput.py", _load),
    "features": ("Features (issue 4)", "bench/features.py", _features),
    "detector_quality": ("Detector quality beside the baselines (issue 5)", "bench/detector.py --quality", _detector_quality),
    "detector_cost": ("Training and scoring cost (issue 5)", "bench/detector.py --cost", _detector_cost),
    "handbook": ("Fraud Detection Handbook, its own protocol (issue 5)", "bench/handbook.py", _handbook),
    "serve": ("Real-time scoring service (issue 8)", "bench/serve.py", _serve),
    "scale": ("Scale on one machine: 1M to 10M transactions (issue 17)", "bench/scale.py", _scale),
    "engines": ("Engines: local and Spark side by side (issue 16)", "bench/engines.py", _engines),
    "component_split": ("Splitting a giant component: its effect on the features (issue 16)",
                        "bench/component_split.py", _component_split),
    "sampled_training": ("Training on a sample against the whole graph (issue 16)", "bench/sampled_training.py",
                         _sampled_training),
    "real_regime": ("The peer-to-peer regime, generated: chargeback labels, groups held out (issue 19)",
                    "bench/real_regime.py", _real_regime),
    "xfraud": ("xFraud, real data: communities held out (issue 19)", "bench/xfraud.py", _xfraud),
}


#: Noise allowances of the before/after comparison (``bench/suite.py --baseline REF``): a quality figure (higher
#: is better) is worse when it drops by more than this, absolute ...
QUALITY_TOLERANCE = 0.01
#: ... and a time, memory or rate figure when it moves the wrong way by more than this share.
RELATIVE_TOLERANCE = 0.10


@dataclass(frozen=True)
class Comparison:
    """One headline figure of an area at REF (``before``) and in the working tree (``after``), same run.

    ``kind`` says which way is better: ``"quality"`` (higher; worse when lower by more than
    :data:`QUALITY_TOLERANCE`), ``"cost"`` (time or memory, lower; worse when higher by more than
    :data:`RELATIVE_TOLERANCE`) or ``"rate"`` (throughput, higher; worse when lower by more than it).
    """

    name: str
    unit: str
    kind: str
    before: float | None
    after: float | None

    @property
    def ratio(self) -> float | None:
        """``after / before``, or ``None`` where either is missing or ``before`` is 0."""
        if self.before is None or self.after is None or self.before == 0:
            return None
        return self.after / self.before

    @property
    def verdict(self) -> str:
        """``"no worse"``, ``"worse"``, or ``"not compared"`` where one side lacks the figure."""
        if self.before is None or self.after is None:
            return "not compared"
        if self.kind == "quality":
            worse = self.after < self.before - QUALITY_TOLERANCE
        elif self.kind == "cost":
            worse = self.after > self.before * (1 + RELATIVE_TOLERANCE)
        else:
            worse = self.after < self.before * (1 - RELATIVE_TOLERANCE)
        return "worse" if worse else "no worse"


def _headline(key: str, a: dict) -> dict[str, tuple[str, str, float]]:
    """The headline figures of one area's results: name -> ``(unit, kind, value)``; a figure it lacks is left out."""
    figures: dict[str, tuple[str, str, float]] = {}

    def add(name: str, unit: str, kind: str, get: Callable[[], float]) -> None:
        try:
            value = float(get())
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
            return
        if math.isfinite(value):
            figures[name] = (unit, kind, value)

    if key == "generator":
        add("transactions/s", "tx/s", "rate", lambda: a["speed"]["transactions"] / a["speed"]["seconds"])
        add("peak RSS", "MiB", "cost", lambda: a["speed"]["peak_mib"])
    elif key == "load":
        add("load", "tx/s", "rate", lambda: a["load"]["transactions"] / a["load"]["seconds"])
        add("score write-back", "users/s", "rate", lambda: a["writeback"]["users"] / a["writeback"]["seconds"])
    elif key == "features":
        for item in a.get("inputs", []):
            name = "handbook" if item.get("input") == "handbook" else f"{item.get('input')} users"
            add(f"{name}: transactions/s", "tx/s", "rate",
                lambda item=item: item["graphrisk"]["transactions"] / item["graphrisk"]["seconds"])
            add(f"{name}: peak", "MiB", "cost", lambda item=item: item["graphrisk"]["peak_mib"])
    elif key == "detector_quality":
        for system, m in a.get("quality", {}).get("mean", {}).items():
            if system.startswith("graphrisk_gnn"):
                label = SYSTEM_NAMES.get(system, system).split(" (")[0]
                add(f"{label}: AUC-PR", "", "quality", lambda m=m: m["auc_pr"])
                add(f"{label}: ring recall (top k)", "", "quality", lambda m=m: m["ring_recall"])
                add(f"{label}: seconds", "s", "cost", lambda m=m: m["seconds"])
    elif key == "detector_cost":
        for run in a.get("cost", []):
            conv = run.get("conv", "?")
            add(f"{conv}: train", "s", "cost", lambda run=run: run["train"]["seconds"])
            add(f"{conv}: train peak", "MB", "cost", lambda run=run: run["train"]["peak_mb"])
            add(f"{conv}: score", "s", "cost", lambda run=run: run["score"]["seconds"])
            add(f"{conv}: score peak", "MB", "cost", lambda run=run: run["score"]["peak_mb"])
    elif key == "handbook":
        ours = next((m for name, m in a.get("systems", {}).items() if name.startswith("graphrisk")), {})
        add("graphrisk average precision", "", "quality", lambda: ours["average_precision"])
        add("graphrisk AUC-ROC", "", "quality", lambda: ours["auc_roc"])
        add("graphrisk card precision@100", "", "quality", lambda: ours["card_precision_at_100"])
    elif key == "serve":
        add("open loop p50", "ms", "cost", lambda: a["open_loop"]["latency_ms"]["p50"])
        add("open loop p99", "ms", "cost", lambda: a["open_loop"]["latency_ms"]["p99"])
        add("closed loop throughput", "req/s", "rate",
            lambda: a["closed_loop"]["completed"] / a["closed_loop"]["seconds"])
        add("startup", "s", "cost", lambda: a["service"]["startup_seconds"])
        add("full scoring at startup", "s", "cost", lambda: a["service"]["full_scoring_seconds"])
    elif key == "engines":
        for size in a.get("sizes", []):
            for step in ("features", "score"):
                for engine in ("local", "spark"):
                    run = size.get(step, {}).get(engine, {})
                    if run.get("status") == "ok":
                        label = engine if engine == "local" else _spark_label(size.get("spark_options",
                                                                                        a.get("spark_options", [])))
                        name = f"{size['world']['transactions']:,} tx {step} {label} at {size.get('commit', a.get('commit', '?'))}"
                        add(f"{name}: wall", "s", "cost", lambda run=run: run["seconds"])
                        add(f"{name}: peak", "MB", "cost", lambda run=run: run["peak_mb"]["tree"])
    elif key in ("real_regime", "xfraud"):
        for system, m in a.get("summary", {}).items():
            if system in a.get("variants", {}):
                add(f"{system}: AUC-PR (mean)", "", "quality", lambda m=m: m["auc_pr"]["mean"])
                add(f"{system}: AUC-PR / best baseline (mean)", "x", "rate",
                    lambda system=system: a["ratio"][system]["mean"])
    if key in ("generator", "load", "features", "handbook"):
        add("wall time of the script", "s", "cost", lambda: a["wall_seconds"])
    return figures


def _ran(area: dict | None) -> bool:
    return area is not None and "skipped" not in area and "failed" not in area


def before_after(key: str, area: dict) -> list[Comparison]:
    """The headline figures of area ``key`` at REF (``area["baseline"]``) beside the working tree's, same run.

    Empty when the area has no baseline, or when either run did not happen.
    """
    baseline = area.get("baseline")
    if not (_ran(area) and _ran(baseline)):
        return []
    before, after = _headline(key, baseline), _headline(key, area)
    rows = []
    for name in [*after, *(name for name in before if name not in after)]:
        unit, kind, _ = after.get(name) or before[name]
        rows.append(Comparison(name, unit, kind, before=before[name][2] if name in before else None,
                               after=after[name][2] if name in after else None))
    return rows


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if not unit:
        return f"{value:.3f}"
    digits = ",.0f" if abs(value) >= 100 else ".1f" if abs(value) >= 10 else ".2f"
    return f"{value:{digits}} {unit}"


def _ratio(comparison: Comparison) -> str:
    return "—" if comparison.ratio is None else f"{comparison.ratio:.2f}x"


def _before_after_lines(key: str, area: dict) -> list[str]:
    """The page's "Before and after, same run" paragraph and table of one area; nothing without a baseline."""
    baseline = area.get("baseline")
    if baseline is None:
        return []
    at = f"`{baseline.get('commit', '?')}`" + (f" (`--baseline {baseline['ref']}`)" if baseline.get("ref") else "")
    if not _ran(baseline):
        return [f"Before and after, same run: the run at {at} did not happen: "
                f"{baseline.get('skipped') or baseline.get('failed')}.", ""]
    rows = before_after(key, area)
    return [f"Before and after, same run: the script as it was at {at}, {baseline.get('wall_seconds', 0):.0f} s, then "
            f"the working tree (`{area.get('commit', '?')}`), back to back, same arguments. A quality figure (higher is "
            f"better) counts as worse when it is lower by more than {QUALITY_TOLERANCE}; a time or memory figure (lower "
            f"is better) when it is higher by more than {RELATIVE_TOLERANCE:.0%}, a rate when it is lower by more than "
            f"{RELATIVE_TOLERANCE:.0%} (run-to-run noise).", "",
            *_table(["figure", f"before (`{baseline.get('commit', '?')}`)", f"after (`{area.get('commit', '?')}`)",
                     "after / before", "verdict"],
                    [[c.name, _value(c.before, c.unit), _value(c.after, c.unit), _ratio(c),
                      f"**{c.verdict}**" if c.verdict == "worse" else c.verdict] for c in rows]), ""]


def before_after_text(key: str, area: dict) -> str:
    """The comparison of :func:`before_after` as plain text, for the suite's own output."""
    baseline = area.get("baseline")
    if baseline is None:
        return ""
    title = f"{key}: {baseline.get('commit', '?')} -> {area.get('commit', '?')}"
    if not _ran(area):
        return f"{title}: not compared, the working tree's run did not happen"
    if not _ran(baseline):
        return f"{title}: not compared, the run at {baseline.get('commit', '?')} did not happen " \
               f"({baseline.get('skipped') or baseline.get('failed')})"
    rows = [[c.name, _value(c.before, c.unit), _value(c.after, c.unit), _ratio(c), c.verdict]
            for c in before_after(key, area)]
    rows.insert(0, ["figure", "before", "after", "ratio", "verdict"])
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join([title] + ["  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                                 for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows])


def _plot_ratios(ratios: list[tuple[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 0.45 * len(ratios) + 1.2))
    names, values = [r[0] for r in ratios][::-1], [r[1] for r in ratios][::-1]
    axis.barh(names, values, color=["#2a7ab0" if v >= 1 else "#c0392b" for v in values])
    axis.axvline(1, color="black", linewidth=0.8)
    axis.set_xscale("log")
    axis.set_xlabel("graphrisk / peer, same run (log scale; > 1 means graphrisk is faster or better)")
    for y, v in enumerate(values):
        axis.text(v, y, f" {v:.1f}x" if v >= 2 else f" {v:.2f}x", va="center", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def render_page(stored: dict, *, plots: Path) -> str:
    """The Markdown of RESULTS.md; also writes ``plots/peer_ratios.png``."""
    m = stored.get("machine", {})
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`bench/suite.py`) from `bench/results.json`; do not edit by hand. Every "
             "comparison is measured in the same run as the figure it is compared with. Earlier, full-size runs "
             "(with their commits) are kept in [HISTORY.md](HISTORY.md).", "",
             f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gib', '?')} GiB, GPU: {m.get('gpu', '?')}; "
             f"{m.get('os', '?')}; Python {m.get('python', '?')}, torch {m.get('torch', '?')}, torch_geometric "
             f"{m.get('torch-geometric', '?')}, networkx {m.get('networkx', '?')}, pandas {m.get('pandas', '?')}, "
             f"scikit-learn {m.get('scikit-learn', '?')}, neo4j driver {m.get('neo4j', '?')}; {m.get('java', '?')}.", ""]
    if "suite_seconds" in stored:
        lines += [f"Last suite run: {', '.join(stored.get('suite_areas', []))} in {stored['suite_seconds'] / 60:.1f} min.", ""]
    compared = {key: before_after(key, area) for key, area in stored.get("areas", {}).items() if key in SECTIONS}
    compared = {key: rows for key, rows in compared.items() if rows}
    if compared:
        worse = [f"{key}: {c.name}" for key, rows in compared.items() for c in rows if c.verdict == "worse"]
        counted = sum(c.verdict != "not compared" for rows in compared.values() for c in rows)
        lines += [f"Before and after, same run ({', '.join(compared)}): {counted - len(worse)} of {counted} headline "
                  "figures no worse than at the earlier commit" + (f"; worse: {'; '.join(worse)}." if worse else "."), ""]
    sections: list[str] = []
    ratios: list[tuple[str, float]] = []
    for key, (title, command, section) in SECTIONS.items():
        area = stored.get("areas", {}).get(key)
        sections += [f"## {title}", ""]
        if area is None:
            sections += ["Not measured yet.", ""]
            continue
        sections += [f"`{command}`, {_stamp(area)}.", ""]
        if "skipped" in area or "failed" in area:
            sections += [f"Did not run: {area.get('skipped') or area.get('failed')}.", ""]
            continue
        body, found = section(area)
        sections += [*body, "", *_before_after_lines(key, area)]
        ratios += found
    if ratios:
        _plot_ratios(ratios, plots / "peer_ratios.png")
        lines += ["![graphrisk beside its peers, same run](plots/peer_ratios.png)", ""]
    return "\n".join(lines + sections).rstrip() + "\n"
