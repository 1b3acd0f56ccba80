"""Shared by the benchmark scripts."""

from __future__ import annotations

import subprocess

__all__ = ["commit"]


def commit() -> str:
    """The short hash of the checked-out commit, or ``unknown``."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
