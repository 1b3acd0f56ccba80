"""Every benchmark in one run: ``make bench``.

Runs each area's script in its own process at a size that finishes within about 20
minutes on a 2-core machine, collects the JSON each one writes, stores them (with the
machine, the date and the commit of every area) in ``bench/results.json``, and writes
``bench/RESULTS.md`` and ``bench/plots/*.png`` from them. Every peer comparison comes from
the same run as the figure it is compared with.

Usage::

    tools/with-neo4j .venv/bin/python bench/suite.py              # everything (make bench)
    tools/with-neo4j .venv/bin/python bench/suite.py --only load  # one area, the others kept
    .venv/bin/python bench/suite.py --only scale                  # 1M to 10M transactions: by hand (about an hour)
    .venv/bin/python bench/suite.py --render-only                 # rewrite RESULTS.md from results.json
    tools/with-neo4j .venv/bin/python bench/suite.py --baseline REF  # each area at REF, then here, back to back

With ``--baseline REF`` (any git revision) each chosen area runs twice in a row: first the
area's script as it was at REF, from a temporary ``git worktree`` of REF with ``PYTHONPATH``
pointing at it (so ``import graphrisk`` is REF's code, not the editable install of the
working tree), then the working tree's. REF's results go into the area's ``baseline``
entry, and RESULTS.md and the output end with the headline figures of both, side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from _common import commit
from machine import machine_facts
from results_page import before_after_text, render_page

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
SHARED = REPOSITORY.parent / "shared"
SHARED_DATA = SHARED / "data"


@dataclass(frozen=True)
class Area:
    """One benchmark script and the arguments the suite runs it with."""

    name: str
    script: str
    arguments: tuple[str, ...]
    smoke: tuple[str, ...] | None  # tiny sizes that check the pipeline in seconds (None: no small version)
    needs: str = ""  # "neo4j", "handbook data" or "xfraud data": skipped with a reason when missing
    writes_plots: bool = False  # takes --plots DIR
    by_hand: bool = False  # too long for make bench: runs only when named in --only (or with --smoke); results kept


AREAS = (
    Area("generator", "generator.py", ("--users", "100000", "--seeds", "3"),
         smoke=("--users", "500", "--default-users", "600", "--seeds", "1")),
    Area("load", "load_throughput.py", ("--world-users", "45000", "--bulk", "--naive-rows", "3000",
                                        "--naive-score-rows", "1000", "--warmup", "50000"),
         smoke=("--world-users", "150", "--bulk", "--naive-rows", "50", "--naive-score-rows", "50", "--warmup", "0"),
         needs="neo4j"),
    Area("features", "features.py", ("--sizes", "10000,100000", "--timeout", "30"),
         smoke=("--sizes", "400", "--timeout", "30", "--no-handbook")),
    Area("detector_quality", "detector.py", ("--quality", "--seeds", "0,1,2", "--convs", "sage,gat",
                                             "--heads", "stacked,auto"),
         smoke=("--quality", "--seeds", "0", "--convs", "sage", "--heads", "stacked", "--users", "1500"),
         writes_plots=True),
    Area("detector_cost", "detector.py", ("--cost", "--cost-users", "20000", "--cost-convs", "sage"),
         smoke=("--cost", "--cost-users", "2000", "--cost-convs", "sage")),
    Area("handbook", "handbook.py", (), smoke=None, needs="handbook data"),
    Area("serve", "serve.py", ("--users", "20000", "--rate", "200", "--requests", "3000", "--closed-requests", "2000",
                               "--epochs", "20", "--rescore", "3"),
         smoke=("--users", "1500", "--requests", "300", "--closed-requests", "200", "--closed-seconds", "10",
                "--epochs", "5", "--rescore", "2")),
    # issue 16 asks for 1M and 3M transactions (hours on 2 cores): bench/engines.py --transactions 1000000,3000000
    Area("scale", "scale.py", ("--sizes", "1083000,3249000,10830000"), smoke=("--sizes", "12000"), by_hand=True,
         writes_plots=True),
    Area("engines", "engines.py", ("--transactions", "100000", "--timeout", "900", "--epochs", "30"),
         smoke=("--transactions", "3000", "--timeout", "600", "--epochs", "2")),
    Area("component_split", "component_split.py", ("--users", "20000", "--share", "0.25"),
         smoke=("--users", "600", "--share", "0.5")),
    Area("sampled_training", "sampled_training.py", ("--users", "10000", "--seeds", "0,1,2"),
         smoke=("--users", "600", "--seeds", "0", "--epochs", "3")),
    Area("real_regime", "real_regime.py", ("--users", "20000", "--seeds", "0,1,2"),
         smoke=("--users", "3000", "--seeds", "0"), writes_plots=True),
    Area("xfraud", "xfraud.py", ("--seeds", "0,1,2,3,4"), smoke=("--seeds", "0"), needs="xfraud data",
         writes_plots=True),
)


def _missing(area: Area, smoke: bool) -> str | None:
    """Why ``area`` cannot run here, or ``None``."""
    if smoke and area.smoke is None:
        return "no small version for --smoke"
    if area.needs == "neo4j" and not os.environ.get("NEO4J_URI"):
        return "NEO4J_URI is not set (make bench starts the local Neo4j)"
    if area.needs == "handbook data" and not (SHARED_DATA / "fraud_handbook").exists():
        return f"{SHARED_DATA / 'fraud_handbook'} is absent"
    if area.needs == "xfraud data" and not (SHARED_DATA / "xfraud_ebay").exists():
        return f"{SHARED_DATA / 'xfraud_ebay'} is absent"
    return None


def areas_summary(stored: dict, chosen: list[Area]) -> str:
    """One line: how many areas ran, and each one skipped or failed with why (a skip is never a pass)."""
    entries = {a.name: stored["areas"].get(a.name, {}) for a in chosen}
    skipped = [f"{name} ({entry['skipped']})" for name, entry in entries.items() if "skipped" in entry]
    failed = [f"{name} ({entry['failed']})" for name, entry in entries.items() if "failed" in entry]
    ran = len(entries) - len(skipped) - len(failed)
    return (f"areas: {ran} ran, {len(skipped)} skipped" + (f": {'; '.join(skipped)}" if skipped else "")
            + (f", {len(failed)} failed: {'; '.join(failed)}" if failed else ""))


class BaselineError(RuntimeError):
    """REF cannot be checked out, or its code cannot be imported apart from the working tree's."""


@dataclass(frozen=True)
class RefTree:
    """A ``git worktree`` of REF, and how to run REF's code from it."""

    ref: str  # as given on the command line
    commit: str  # its short hash
    root: Path

    @property
    def bench(self) -> Path:
        return self.root / "bench"

    def environment(self) -> dict[str, str]:
        """This process's environment with ``root`` first on ``PYTHONPATH`` (inherited by every subprocess)."""
        paths = [str(self.root), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])]
        return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _git(*arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=REPOSITORY, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BaselineError(f"git {' '.join(arguments)}: {done.stderr.strip() or f'exit status {done.returncode}'}")
    return done.stdout.strip()


def _link_package_dirs(root: Path) -> list[Path]:
    """Symlink each folder that REF's ``package-dir`` installs inside the package (``graphrisk.loaders`` ->
    ``loaders/``) to where a plain import from ``root`` looks for it (``graphrisk/loaders``); the links made.

    Without them a ``PYTHONPATH`` import of REF's ``graphrisk`` finds no ``graphrisk.loaders`` in its folder,
    and the editable install's finder would serve the working tree's.
    """
    pyproject = root / "pyproject.toml"
    settings = tomllib.loads(pyproject.read_text(encoding="utf-8")) if pyproject.exists() else {}
    mapping = settings.get("tool", {}).get("setuptools", {}).get("package-dir", {})
    links = []
    for package, folder in mapping.items():
        link, target = root.joinpath(*package.split(".")), root / folder
        if link == target or link.exists() or link.is_symlink() or not target.is_dir():
            continue
        link.symlink_to(os.path.relpath(target, link.parent), target_is_directory=True)
        links.append(link)
    return links


_WHERE_FROM = """\
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
where = {name: getattr(module, "__file__", None) or next(iter(getattr(module, "__path__", None) or []), None)
         for name, module in sys.modules.items() if name.split(".")[0] == "graphrisk"}
print(json.dumps({name: path for name, path in where.items() if path}))
"""


def check_isolated(tree: RefTree, packages: tuple[str, ...] = ("graphrisk", "graphrisk.loaders", "graphrisk.queries"),
                   ) -> dict[str, str]:
    """Import ``packages`` the way REF's scripts will (a subprocess with :meth:`RefTree.environment`, from its
    ``bench/``); the file (a namespace package's folder) of every ``graphrisk`` module that got loaded, by name.

    Raises :class:`BaselineError` unless each of them was loaded and every file lies under ``tree.root``.
    """
    done = subprocess.run([sys.executable, "-c", _WHERE_FROM, *packages], cwd=tree.bench if tree.bench.is_dir()
                          else tree.root, env=tree.environment(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BaselineError(f"importing {', '.join(packages)} from the worktree of {tree.ref} failed:\n"
                            + done.stderr.strip()[-2000:])
    files = json.loads(done.stdout.splitlines()[-1])
    root = tree.root.resolve()
    missing = [name for name in packages if name not in files]
    outside = {name: path for name, path in files.items() if not Path(path).resolve().is_relative_to(root)}
    if missing or outside:
        raise BaselineError(f"with PYTHONPATH={tree.root}, REF's code is not isolated from the working tree: "
                            + "; ".join([*(f"{name} not loaded from a file" for name in missing),
                                         *(f"{name} comes from {path}" for name, path in outside.items())]))
    return files


@contextmanager
def ref_tree(ref: str) -> Iterator[RefTree]:
    """A worktree of ``ref`` in a temporary folder, checked by :func:`check_isolated`; removed on leaving.

    The folder beside it links to ``../shared`` as the repository's does, so REF's scripts find the data.
    """
    try:
        full = _git("rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except BaselineError as e:
        raise BaselineError(f"{ref!r} names no commit of {REPOSITORY} ({e})") from e
    tree = RefTree(ref, _git("rev-parse", "--short", full), Path(tempfile.mkdtemp(prefix="graphrisk-baseline-")) / "tree")
    added = False
    try:
        if SHARED.exists():
            (tree.root.parent / "shared").symlink_to(SHARED, target_is_directory=True)
        _git("worktree", "add", "--detach", str(tree.root), full)
        added = True
        _link_package_dirs(tree.root)
        check_isolated(tree)
        yield tree
    finally:
        if added:
            removed = subprocess.run(["git", "worktree", "remove", "--force", str(tree.root)], cwd=REPOSITORY,
                                     capture_output=True, text=True, check=False)
            if removed.returncode != 0:
                print(f"bench: warning: could not remove the worktree {tree.root} ({removed.stderr.strip()}); "
                      "`git worktree prune` forgets it once its folder is gone", file=sys.stderr)
        shutil.rmtree(tree.root.parent, ignore_errors=True)


def run_area(area: Area, folder: Path, plots: Path, *, smoke: bool = False, tree: RefTree | None = None) -> dict:
    """Run one area's script; its JSON results plus wall time, or the reason it did not run.

    With ``tree``, REF's own script runs from REF's worktree on REF's code (same arguments).
    """
    stamp = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
             "commit": tree.commit if tree else commit(), **({"ref": tree.ref} if tree else {})}
    label = f"{area.name} at {tree.commit}" if tree else area.name
    reason = _missing(area, smoke)
    bench = tree.bench if tree else BENCH
    if not reason and not (bench / area.script).exists():
        reason = f"bench/{area.script} does not exist at {tree.ref if tree else 'the working tree'}"
    if reason:
        print(f"== {label}: skipped, {reason}", flush=True)
        return {**stamp, "skipped": reason}
    output = folder / f"{area.name}{'.baseline' if tree else ''}.json"
    arguments = (area.smoke or ()) if smoke else area.arguments
    extra = ["--plots", str(plots)] if area.writes_plots else []
    command = [sys.executable, str(bench / area.script), *arguments, *extra, "--json", str(output)]
    print(f"== {label}: {' '.join(command[1:])}" + (f"  (PYTHONPATH={tree.root})" if tree else ""), flush=True)
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=bench, env=tree.environment() if tree else None, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0 or not output.exists():
        return {**stamp, "failed": f"exit status {finished.returncode}", "wall_seconds": seconds}
    print(f"== {label}: {seconds:.0f} s", flush=True)
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
    parser.add_argument("--baseline", metavar="REF",
                        help="run each area first as it was at the git revision REF, then here; the page compares them")
    args = parser.parse_args()
    if args.baseline and args.render_only:
        parser.error("--baseline runs the areas; it does not go with --render-only")
    named = args.only.split(",") if args.only else None
    chosen = [a for a in AREAS if (a.name in named if named else args.smoke or not a.by_hand)]
    unknown = set(args.only.split(",")) - {a.name for a in AREAS} if args.only else set()
    if unknown:
        print(f"bench: error: unknown areas {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    stored = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {"areas": {}}
    failed = []
    if not args.render_only:
        stored["machine"] = machine_facts()
        started = time.perf_counter()
        try:
            with ExitStack() as stack:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                tree = stack.enter_context(ref_tree(args.baseline)) if args.baseline else None
                if tree:
                    print(f"== baseline: {args.baseline} = {tree.commit}, its worktree in {tree.root}", flush=True)
                for area in chosen:
                    # REF first, then the working tree, back to back: whatever the machine does hits both alike
                    before = run_area(area, folder, folder / "baseline-plots", smoke=args.smoke, tree=tree) if tree else None
                    entry = run_area(area, folder, args.page.parent / "plots", smoke=args.smoke)
                    stored["areas"][area.name] = entry if before is None else {**entry, "baseline": before}
                    if "failed" in entry:
                        failed.append(area.name)
        except BaselineError as e:
            print(f"bench: error: --baseline {args.baseline}: {e}", file=sys.stderr)
            return 2
        stored["suite_seconds"] = time.perf_counter() - started
        stored["suite_areas"] = [a.name for a in chosen]
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(stored, indent=2, default=float) + "\n", encoding="utf-8")
    args.page.write_text(render_page(stored, plots=args.page.parent / "plots"), encoding="utf-8")
    print(f"wrote {args.results.name} and {args.page.name}"
          + (f" in {stored['suite_seconds'] / 60:.1f} min" if not args.render_only else ""))
    if not args.render_only:
        print(areas_summary(stored, chosen))
    if args.baseline and not args.render_only:
        print("\nbefore and after, same run (quality: worse when lower by more than 0.01; time, memory: when higher "
              "by more than 10%; rates: when lower by more than 10%):")
        for area in chosen:
            print(before_after_text(area.name, stored["areas"][area.name]))
    if failed:
        print(f"bench: error: {', '.join(failed)} failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
