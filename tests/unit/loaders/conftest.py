"""Fixtures for the loader tests: the real third-party data beside the checkout, when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: ``../shared/data`` beside the checkout (read-only, never copied into the repository).
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"


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
