"""Shared fixtures: the built-in sample, and the real third-party data beside the checkout when it is there."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

SAMPLES = Path(str(files("graphrisk") / "samples"))


@pytest.fixture
def sample_paths() -> dict[str, Path]:
    """The built-in hand-made sample (with deliberately bad rows), by table."""
    return {name: SAMPLES / f"{name}.csv" for name in ("transactions", "links", "users", "labels")}


#: ``../shared/data`` beside the checkout (read-only, never copied into the repository).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _real(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"real data not found: {path} (expected ../shared/data/{relative} beside the checkout)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def handbook_path() -> Path:
    """The Fraud Detection Handbook transactions (Parquet)."""
    return _real("fraud_handbook/transactions.parquet")


@pytest.fixture(scope="session")
def xfraud_path() -> Path:
    """The xFraud eBay sample folder."""
    return _real("xfraud_ebay")
