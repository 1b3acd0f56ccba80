"""Shared by the benchmark scripts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["commit", "write_json"]


def commit() -> str:
    """The short hash of the checked-out commit, or ``unknown``.

    ``+dirty`` when tracked files differ from it, leaving out the suite's own outputs (plots, results).
    """
    repo = Path(__file__).resolve().parent.parent  # the suite runs each script from bench/: paths are the repo's
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=repo).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/plots", ":!bench/results.json", ":!bench/RESULTS.md"], capture_output=True, text=True,
                               check=True, cwd=repo).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def write_json(path: str | Path | None, results: dict[str, Any]) -> None:
    """Write one benchmark's results for ``bench/suite.py`` (nothing when ``path`` is ``None``)."""
    if path is not None:
        Path(path).write_text(json.dumps({"commit": commit(), **results}, indent=2, default=float), encoding="utf-8")
