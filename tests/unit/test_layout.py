"""``tests/unit`` mirrors the package: every test file sits in the folder of the package it tests.

The folders allowed are the package's own (``graphrisk/<name>/``) and the two installed
inside it from the top of the repository, ``loaders/`` and ``queries/``. Only this file and
``conftest.py`` sit directly in ``tests/unit``.

And the examples in the docstrings of ``loaders/`` and ``queries/`` run with the suite: those
folders are on the pytest paths, and the repository's ``conftest.py`` imports them under their
installed names (``graphrisk.loaders``, ``graphrisk.queries``), never as a second copy.

And no package folder imports a folder that imports it back (deferred imports inside
functions count too).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import networkx as nx

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "tests" / "unit"
TOP_LEVEL = frozenset({"conftest.py", Path(__file__).name})


def package_folders(root: Path) -> set[str]:
    """``graphrisk/<name>`` for every subpackage, plus ``loaders`` and ``queries`` (``graphrisk.loaders``/``.queries``)."""
    inside = {p.parent.name for p in (root / "graphrisk").glob("*/__init__.py")}
    return inside | {"loaders", "queries"}


def misplaced(unit: Path, packages: set[str]) -> list[str]:
    """Test files of ``unit`` that sit at its top or in a folder named after no package, relative to ``unit``."""
    bad = []
    for path in sorted(unit.rglob("*.py")):
        relative = path.relative_to(unit)
        is_test = path.name.startswith("test_") or path.name.endswith("_test.py")
        if len(relative.parts) == 1:
            if path.name not in TOP_LEVEL and is_test:
                bad.append(str(relative))
        elif is_test and relative.parts[0] not in packages:
            bad.append(str(relative))
    return bad


def test_every_unit_test_sits_in_the_folder_of_its_package():
    packages = package_folders(ROOT)
    assert {"io", "graph", "cli", "loaders", "queries"} <= packages
    assert misplaced(UNIT, packages) == [], "move these under tests/unit/<package>/ (graphrisk/<package> or loaders, queries)"


def test_the_layout_check_finds_planted_files(tmp_path):
    for name in ("conftest.py", "test_layout.py", "test_loose.py", "io/test_readers.py", "io/conftest.py",
                 "misc/test_things.py", "misc/helpers.py", "queries/write/test_write.py", "graph/pyg_test.py",
                 "nowhere/deep/test_deep.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert misplaced(tmp_path, {"io", "graph", "queries"}) == [
        "misc/test_things.py", "nowhere/deep/test_deep.py", "test_loose.py"]


def test_the_doctests_of_loaders_and_queries_are_collected_under_their_installed_names():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert {"loaders", "queries"} <= set(settings["testpaths"]) and "--doctest-modules" in settings["addopts"]
    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "loaders", "queries"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    items = [line for line in listed.stdout.splitlines() if "::" in line]
    for folder in ("loaders", "queries"):
        mine = [item for item in items if item.startswith(f"{folder}/")]
        assert len(mine) >= 5, f"too few doctests collected from {folder}/: {mine}"
        assert all(f"::graphrisk.{folder}." in item or item.endswith(f"::graphrisk.{folder}") for item in mine), mine


def _folder_imports() -> dict[str, dict[str, list[str]]]:
    """``{folder: {imported folder: [files importing it]}}`` for the subpackages of graphrisk."""
    folders = {p.name for p in (ROOT / "graphrisk").iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in (ROOT / "graphrisk").rglob("*.py"):
        parts = path.relative_to(ROOT / "graphrisk").parts
        if len(parts) < 2:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                pieces = name.split(".")
                if pieces[0] == "graphrisk" and len(pieces) > 1 and pieces[1] in folders and pieces[1] != parts[0]:
                    found[parts[0]][pieces[1]].append(str(path.relative_to(ROOT / "graphrisk")))
    return {folder: dict(targets) for folder, targets in found.items()}


def folder_cycles(imports: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Groups of folders that import each other, directly or round a longer loop (sorted names)."""
    graph = nx.DiGraph([(a, b) for a, targets in imports.items() for b in targets])
    return sorted(sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1)


def test_folder_cycles_are_found_at_any_length():
    assert folder_cycles({"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}) == [
        ["a", "b", "c"]]
    assert folder_cycles({"a": {"b": ["x"]}, "b": {}}) == []


def test_no_folder_imports_a_folder_that_imports_it_back():
    imports = _folder_imports()
    assert imports["model"] and imports["serve"], "the walk found no imports: the test itself is broken"
    assert "model" in imports["serve"] and "graph" in imports["model"]
    assert folder_cycles(imports) == []


def unlisted_packages(root: Path) -> list[str]:
    """Import names of the package folders under ``graphrisk/``, ``loaders/`` and ``queries/`` the wheel leaves out.

    ``pyproject.toml`` lists the packages by hand (``loaders`` and ``queries`` are installed
    under ``graphrisk``); an editable install maps the whole folder, so only this check sees a
    package missing from the list before a user's ``pip install`` does.
    """
    listed = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = set()
    for top, name in (("graphrisk", "graphrisk"), ("loaders", "graphrisk.loaders"), ("queries", "graphrisk.queries")):
        for init in (root / top).rglob("__init__.py"):
            found.add(".".join([name, *init.parent.relative_to(root / top).parts]))
    return sorted(found - listed)


def test_every_package_folder_is_in_the_wheel():
    assert unlisted_packages(ROOT) == []


def test_the_wheel_check_finds_a_package_left_out(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools]\npackages = ["graphrisk", "graphrisk.loaders"]\n')
    for folder in ("graphrisk", "graphrisk/policy", "loaders", "queries/write"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    assert unlisted_packages(tmp_path) == ["graphrisk.policy", "graphrisk.queries.write"]
