"""The local and Spark engines side by side: ``graphrisk features`` and ``graphrisk score`` (issue 16).

For each size in ``--transactions`` one world is generated (about 10.8 transactions per
user, so ``users = N / 10.8``) and written as CSV into a temporary folder, with its known
labels. Then, each command in its own process (so that its memory is its own), on the same
files:

1. ``graphrisk features`` with ``--engine local``, then with ``--engine spark --spark-master local[2]``;
2. ``graphrisk train`` once, local, on the known labels (timed and reported, not compared);
3. ``graphrisk score --reasons 0`` with each engine and that model.

Every run is sampled every 0.2 s with psutil: the resident memory of its whole process tree,
and for Spark apart the driver side (the ``graphrisk`` Python process and the JVM, driver
and executor in one in local mode) and the Python workers (the processes ``pyspark.daemon``
forks: the largest single one, and their sum). Resident sizes are summed as they are, so
pages a forked worker shares with the daemon count in both (a small overcount). A run
stopped at ``--timeout`` is reported as ``timeout``; one the kernel killed for memory
(SIGKILL with the OOM killer's trace in the kernel log or its counter up), or whose JVM
threw ``OutOfMemoryError``, as ``out of memory``. The Spark runs' lines ``shards: ...`` and
``shard rows with their halo: largest R`` are parsed from their output. Afterwards the two
engines' tables are compared (users, columns, largest difference), in a subprocess.

Usage::

    .venv/bin/python bench/engines.py [--transactions 1000000,3000000] [--timeout 3600] [--epochs 30]
        [--model DIR --model-note TEXT] [--engines local,spark]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import commit, write_json  # bench/ is the script folder, so on sys.path
from results_page import _engines_verdict

#: Transactions per user of :func:`graphrisk.synth.generate_world` (108,298 for 10,000 users, seed 1).
TRANSACTIONS_PER_USER = 10.83
SAMPLE_SECONDS = 0.2
_MB = 1024 * 1024
#: A run left out with ``--engines``.
_NOT_RUN = {"status": "not run", "seconds": 0.0, "peak_mb": {"tree": 0.0}}


def _generate(transactions: int, folder: str, seed: int, queue) -> None:
    from graphrisk.synth import generate_world

    started = time.perf_counter()
    world = generate_world(max(100, round(transactions / TRANSACTIONS_PER_USER)), seed=seed)
    world.write(folder)
    queue.put({"users": len(world.users), "transactions": len(world.transactions), "links": len(world.links),
               "fraud": int(world.labels["is_fraud"].sum()), "known_fraud": int(world.known_labels["is_fraud"].sum()),
               "seconds": time.perf_counter() - started})


def generate(transactions: int, folder: Path, seed: int) -> dict:
    """Write a world of about ``transactions`` transactions into ``folder`` (in a child process: its memory goes)."""
    queue = mp.Queue()
    process = mp.Process(target=_generate, args=(transactions, str(folder), seed, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def _oom_kills() -> int | None:
    """The kernel's OOM-kill counter of this machine's memory cgroup (v1 or v2), or ``None``."""
    for path, key in (("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"), ("/sys/fs/cgroup/memory.events", "oom_kill")):
        try:
            for line in Path(path).read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
        except (OSError, ValueError):
            continue
    return None


def _killed_by_kernel(pids: set[int]) -> list[int]:
    """The pids among ``pids`` that the kernel log says the OOM killer killed (empty when the log is unreadable)."""
    try:
        log = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({int(p) for p in re.findall(r"Killed process (\d+)", log) if int(p) in pids})


def _role(process, root_pid: int, pyspark: set[int]) -> str:
    """``driver`` (the graphrisk process), ``jvm``, ``daemon``, ``worker`` (a daemon's fork) or ``other``."""
    if process.pid == root_pid:
        return "driver"
    command = " ".join(process.cmdline())
    if "pyspark.daemon" in command or "pyspark.worker" in command:
        return "worker" if process.ppid() in pyspark else "daemon"
    if Path(process.cmdline()[0] if process.cmdline() else "").name == "java":
        return "jvm"
    return "other"


def measure(command: list[str], cwd: Path, name: str, timeout: float) -> dict:
    """Run ``command``, sample its process tree's memory, stop it at ``timeout``; what happened."""
    import psutil

    stdout, stderr = cwd / f"{name}.stdout", cwd / f"{name}.stderr"
    kills_before = _oom_kills()
    peaks = {"tree": 0.0, "driver_side": 0.0, "driver": 0.0, "jvm": 0.0, "daemon": 0.0, "largest_worker": 0.0,
             "workers": 0.0}
    roles: dict[int, str] = {}
    seen: set[int] = set()
    most_workers, heap = 0, None
    with open(stdout, "w") as out, open(stderr, "w") as err:
        started = time.perf_counter()
        root = psutil.Popen(command, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        timed_out = False
        while root.poll() is None:
            if time.perf_counter() - started > timeout:
                timed_out = True
                break
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = [root]
            sizes = {"driver": 0.0, "jvm": 0.0, "daemon": 0.0, "worker": 0.0, "other": 0.0}
            largest, workers = 0.0, 0
            for process in tree:
                try:
                    role = roles.get(process.pid) or _role(process, root.pid, {p for p, r in roles.items()
                                                                                if r in ("daemon", "worker")})
                    if role != "other":  # a shell that execs java changes: look again next time
                        roles[process.pid] = role
                    line = " ".join(process.cmdline())  # the JVM itself, not Spark's launcher before it
                    if role == "jvm" and heap is None and "SparkSubmit" in line and "launcher.Main" not in line:
                        heap = next((a for a in process.cmdline() if a.startswith("-Xmx")), "no -Xmx")
                    rss = process.memory_info().rss / _MB
                except psutil.Error:
                    continue
                seen.add(process.pid)
                sizes[role] += rss
                if role == "worker":
                    largest, workers = max(largest, rss), workers + 1
            most_workers = max(most_workers, workers)
            for key, value in (("tree", sum(sizes.values())), ("driver_side", sizes["driver"] + sizes["jvm"] + sizes["other"]),
                               ("driver", sizes["driver"]), ("jvm", sizes["jvm"]), ("daemon", sizes["daemon"]),
                               ("largest_worker", largest), ("workers", sizes["worker"])):
                peaks[key] = max(peaks[key], value)
            time.sleep(SAMPLE_SECONDS)
        if timed_out:
            _stop(root)
        returncode = root.wait()
        seconds = time.perf_counter() - started
    kills_after = _oom_kills()
    text, errors = stdout.read_text(errors="replace"), stderr.read_text(errors="replace")
    kernel = kills_before is not None and kills_after is not None and kills_after > kills_before
    killed = _killed_by_kernel(seen) if returncode != 0 and not timed_out else []
    if timed_out:
        status = "timeout"
    elif returncode == 0:
        status = "ok"
    elif killed or (returncode == -signal.SIGKILL and kernel):
        status = "out of memory (killed by the kernel)"
    elif "OutOfMemoryError" in errors or "OutOfMemoryError" in text:
        status = "out of memory (JVM: java.lang.OutOfMemoryError)"
    elif returncode == -signal.SIGKILL:
        status = "killed (SIGKILL)"
    else:
        status = f"failed (exit status {returncode})"
    result = {"command": command, "status": status, "exit_status": returncode, "seconds": seconds,
              "peak_mb": {k: round(v, 1) for k, v in peaks.items()}, "most_workers_at_once": most_workers,
              **({"jvm_heap": heap} if heap else {}),
              "oom_kills_during_run": None if kills_before is None or kills_after is None else kills_after - kills_before,
              "killed_by_kernel": killed, **_parsed(text)}
    if status != "ok":
        result["stderr_tail"] = errors[-3000:]
    return result


def _stop(root) -> None:
    """SIGKILL ``root`` and every process under it (the JVM and the workers too)."""
    import psutil

    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        tree = [root]
    for process in tree:
        try:
            process.kill()
        except psutil.Error:
            pass


_SHARDS = re.compile(r"shards: ([\d,]+) \(largest ([\d,]+) users; largest component ([\d,]+) users[;)]")
_HALO = re.compile(r"shard rows with their halo: largest ([\d,]+)")


def _parsed(stdout: str) -> dict:
    """The shard and halo figures of a Spark run's output (nothing for a local run)."""
    found: dict = {}
    if match := _SHARDS.search(stdout):
        found["shards"], found["largest_shard_users"], found["largest_component_users"] = (
            int(g.replace(",", "")) for g in match.groups())
    if match := _HALO.search(stdout):
        found["largest_shard_halo_rows"] = int(match.group(1).replace(",", ""))
    return found


_COMPARE = """\
import json, sys
import numpy as np, pandas as pd
kind, local, spark = sys.argv[1:4]
a, b = (t if "user_id" in t.columns else t.reset_index() for t in (pd.read_parquet(local), pd.read_parquet(spark)))
out = {"local_rows": len(a), "spark_rows": len(b)}
a["user_id"], b["user_id"] = a["user_id"].astype(str), b["user_id"].astype(str)
both = a.merge(b, on="user_id", suffixes=("_local", "_spark"))
out["users_in_both"] = len(both)
ids = [c for c in a.columns if c.endswith("_community")]  # arbitrary labels of the communities: not compared
shared = [c for c in a.columns if c in b.columns and c != "user_id" and c not in ids]
out["not_compared"] = ids
out["only_local"] = [c for c in a.columns if c not in b.columns]
out["only_spark"] = [c for c in b.columns if c not in a.columns]
differences, shares = {}, {}
for c in shared:
    x, y = both[c + "_local"], both[c + "_spark"]
    if pd.api.types.is_bool_dtype(x) or pd.api.types.is_bool_dtype(y):
        differences[c] = float((x.astype(bool) != y.astype(bool)).mean())
    elif pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
        x, y = x.astype(float).to_numpy(), y.astype(float).to_numpy()
        gap = np.abs(x - y)
        gap[np.isnan(x) & np.isnan(y)] = 0
        gap[np.isnan(x) ^ np.isnan(y)] = np.inf
        differences[c] = float(np.max(gap)) if len(gap) else 0.0
        shares[c] = float(np.mean(gap > 1e-6)) if len(gap) else 0.0
        if c == "risk_score":
            out["risk_score_mean_difference"] = float(np.mean(gap))
            out["risk_score_share_over_0.01"] = float(np.mean(gap > 0.01))
if kind == "features":
    out["columns_compared"] = len(differences)
    out["columns_differing"] = sorted(c for c, d in differences.items() if d > 1e-6)
    worst = sorted(differences.items(), key=lambda item: -item[1])[:5]
    out["largest_differences"] = {c: d for c, d in worst if d > 0}
    out["share_of_users_differing"] = {c: shares[c] for c in out["columns_differing"]}
else:
    out["risk_score_max_difference"] = differences.get("risk_score")
    out["flagged_disagreement_share"] = differences.get("flagged")
    out["flagged_local"] = int(a["flagged"].sum())
    out["flagged_spark"] = int(b["flagged"].sum())
print(json.dumps(out))
"""


def compare(kind: str, local: Path, spark: Path, timeout: float) -> dict:
    """The two engines' tables side by side (users, columns, largest differences), in a child process."""
    try:
        done = subprocess.run([sys.executable, "-c", _COMPARE, kind, str(local), str(spark)], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-1000:]}
    return json.loads(done.stdout.splitlines()[-1])


def _ratios(local: dict, spark: dict) -> dict:
    if local["status"] != "ok" or spark["status"] != "ok":
        return {}
    return {"wall": spark["seconds"] / local["seconds"],
            "peak_memory": spark["peak_mb"]["tree"] / local["peak_mb"]["tree"] if local["peak_mb"]["tree"] else None}


def _line(name: str, run: dict) -> str:
    p = run["peak_mb"]
    spark = (f", driver side {p['driver_side']:,.0f} MB (python {p['driver']:,.0f} + JVM {p['jvm']:,.0f}), "
             f"largest worker {p['largest_worker']:,.0f} MB, workers {p['workers']:,.0f} MB"
             if p["jvm"] else "")
    shards = (f"; shards {run['shards']}, largest {run['largest_shard_users']:,} users, largest component "
              f"{run['largest_component_users']:,}" if "shards" in run else "")
    halo = f", halo rows {run['largest_shard_halo_rows']:,}" if "largest_shard_halo_rows" in run else ""
    return f"  {name:14s} {run['status']:>6s} {run['seconds']:7.1f} s, peak {p['tree']:,.0f} MB{spark}{shards}{halo}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", default="100000", help="comma-separated world sizes, in transactions")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run before it is stopped")
    parser.add_argument("--epochs", type=int, default=30, help="epochs of the model the scoring runs use")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--shards", type=int, help="--shards of the Spark runs (default: graphrisk's)")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="passed on to the Spark runs (repeatable), e.g. spark.driver.memory=8g")
    parser.add_argument("--seed", type=int, default=1, help="of the generated worlds")
    parser.add_argument("--model-note", default="", help="how the --model was trained, for RESULTS.md")
    parser.add_argument("--model", metavar="DIR",
                        help="score with this model directory instead of training one on each world (local training "
                        "past ~2M transactions is mini-batch and takes over 30 minutes on 2 cores)")
    parser.add_argument("--engines", default="local,spark",
                        help="comma-separated engines to run (e.g. local alone, to find where it runs out of memory)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (worlds, outputs, logs)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.transactions.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    if not engines or set(engines) - {"local", "spark"}:
        parser.error(f"--engines: local, spark or both, not {args.engines!r}")
    graphrisk = str(Path(sys.executable).with_name("graphrisk"))
    if not Path(graphrisk).exists():
        graphrisk = shutil.which("graphrisk") or "graphrisk"
    spark_options = ["--engine", "spark", "--spark-master", args.spark_master,
                     *(["--shards", str(args.shards)] if args.shards else []),
                     *(option for setting in args.spark_conf for option in ("--spark-conf", setting))]
    print(f"commit {commit()}  python {sys.version.split()[0]}  timeout {args.timeout:.0f} s per run  "
          f"spark: {' '.join(spark_options)}", flush=True)
    results = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"graphrisk-engines-{size}-"))
        try:
            world = generate(size, folder / "world", args.seed)
            print(f"\n{size:,}: world of {world['users']:,} users, {world['transactions']:,} transactions, "
                  f"{world['links']:,} links in {world['seconds']:.0f} s -> {folder}", flush=True)
            w = folder / "world"
            inputs = ["--transactions", str(w / "transactions.csv"), "--links", str(w / "links.csv"),
                      "--users", str(w / "users.csv")]
            entry: dict = {"world": world, "features": {}, "score": {}}
            for engine in ("local", "spark"):
                if engine not in engines:
                    entry["features"][engine] = _NOT_RUN
                    continue
                suffix = ".csv" if engine == "local" else ".parquet"
                command = [graphrisk, "features", *inputs, "--out", str(folder / f"features-{engine}.parquet"),
                           "--rejects", str(folder / f"rejects-features-{engine}{suffix}"), "--no-progress",
                           *(spark_options if engine == "spark" else [])]
                entry["features"][engine] = measure(command, folder, f"features-{engine}", args.timeout)
                print(_line(f"features {engine}", entry["features"][engine]), flush=True)
            entry["features"]["ratios"] = _ratios(entry["features"]["local"], entry["features"]["spark"])
            if entry["features"]["ratios"]:
                entry["features"]["agreement"] = compare("features", folder / "features-local.parquet",
                                                         folder / "features-spark.parquet", args.timeout)
            if args.model:
                model = Path(args.model).resolve()
                entry["train"] = {"status": "ok", "given": str(model), "given_note": args.model_note, "seconds": 0.0,
                                  "peak_mb": {"tree": 0.0}}
                print(f"  model given: {model}", flush=True)
            else:
                model = folder / "model"
                entry["train"] = measure([graphrisk, "train", *inputs, "--labels", str(w / "known_labels.csv"),
                                          "--model", str(model), "--epochs", str(args.epochs), "--device", "cpu",
                                          "--no-progress", "--rejects", str(folder / "rejects-train.csv")],
                                         folder, "train", args.timeout)
                entry["train"]["epochs"] = args.epochs
                print(_line("train (local)", entry["train"]), flush=True)
            for engine in ("local", "spark"):
                if engine not in engines:
                    entry["score"][engine] = _NOT_RUN
                    continue
                if entry["train"]["status"] != "ok":
                    entry["score"][engine] = {"status": "not run (no model)", "seconds": 0.0, "peak_mb": {"tree": 0.0}}
                    continue
                suffix = ".csv" if engine == "local" else ".parquet"
                command = [graphrisk, "score", *inputs, "--model", str(model), "--reasons", "0",
                           "--out", str(folder / f"scores-{engine}.parquet"), "--rings", str(folder / f"rings-{engine}.parquet"),
                           "--rejects", str(folder / f"rejects-score-{engine}{suffix}"), "--no-progress",
                           *(["--device", "cpu"] if engine == "local" else spark_options)]
                entry["score"][engine] = measure(command, folder, f"score-{engine}", args.timeout)
                print(_line(f"score {engine}", entry["score"][engine]), flush=True)
            entry["score"]["reasons"] = 0
            entry["score"]["ratios"] = _ratios(entry["score"]["local"], entry["score"]["spark"])
            if entry["score"]["ratios"]:
                entry["score"]["agreement"] = compare("score", folder / "scores-local.parquet",
                                                      folder / "scores-spark.parquet", args.timeout)
            for step in ("features", "score"):
                ratios = entry[step]["ratios"]
                if ratios:
                    print(f"  {step}: spark / local wall {ratios['wall']:.2f}x, peak memory {ratios['peak_memory']:.2f}x; "
                          f"agreement {json.dumps(entry[step].get('agreement'))}", flush=True)
            results.append(entry)
            _write(args.json, args, spark_options, engines, results)  # a size done is kept if a later one is stopped
        finally:
            if args.keep:
                print(f"  kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    print("", *_engines_verdict(_write(args.json, args, spark_options, engines, results)), sep="\n")
    return 0


def _write(path: str | None, args: argparse.Namespace, spark_options: list[str], engines: list[str],
           results: list[dict]) -> dict:
    """Write the sizes measured so far (``--json``), with this machine's memory; return what was written."""
    import psutil

    area = {"timeout": args.timeout, "spark_master": args.spark_master, "spark_options": spark_options,
            "engines": engines, "sample_seconds": SAMPLE_SECONDS, "machine_memory_mb": psutil.virtual_memory().total / _MB,
            "sizes": results}
    write_json(path, area)
    return area


if __name__ == "__main__":
    sys.exit(main())
