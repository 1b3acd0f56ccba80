"""Shared fixtures: the built-in sample and small helpers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

SAMPLES = Path(str(files("graphrisk") / "samples"))


@pytest.fixture
def sample_paths() -> dict[str, Path]:
    """The built-in hand-made sample (with deliberately bad rows), by table."""
    return {name: SAMPLES / f"{name}.csv" for name in ("transactions", "links", "users", "labels")}
