"""Collect the doctests of ``loaders/`` and ``queries/`` under the names they are installed as.

``loaders/`` and ``queries/`` sit at the top of the repository but are installed as
``graphrisk.loaders`` and ``graphrisk.queries`` (``package-dir`` in pyproject.toml). Collected
by path, pytest would import them a second time as ``loaders``/``queries`` (in every import
mode), with their own classes and registries; here their doctest modules import the
installed module instead, so an example runs against the same objects the package uses.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
#: Top-level folder -> the package it is installed as.
INSTALLED_AS = {"loaders": "graphrisk.loaders", "queries": "graphrisk.queries"}


def installed_name(path: Path) -> str | None:
    """``graphrisk.loaders.paysim`` for ``loaders/paysim.py``; None for a file outside those folders."""
    try:
        relative = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    if path.suffix != ".py" or len(relative.parts) < 2 or relative.parts[0] not in INSTALLED_AS:
        return None
    parts = [INSTALLED_AS[relative.parts[0]], *relative.with_suffix("").parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class InstalledDoctestModule(DoctestModule):
    """The doctests of one module, imported under its installed name."""

    def _getobj(self):
        name = installed_name(self.path)
        module = importlib.import_module(name)
        if Path(module.__file__).resolve() != self.path.resolve():
            raise self.CollectError(f"{name} is {module.__file__}, not {self.path} (reinstall: pip install -e .)")
        return module


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    collected = yield
    if installed_name(file_path) is None:
        return collected
    return [InstalledDoctestModule.from_parent(parent, path=file_path) if type(node) is DoctestModule else node
            for node in collected]
