"""A small world split into what the service starts from and what arrives later, and a model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.synth import WorldConfig, generate_world

#: Transactions held back from the starting files and sent to the service one by one.
ARRIVING = 60


@dataclass
class ServeWorld:
    folder: Path
    base: pd.DataFrame
    arriving: pd.DataFrame
    links: pd.DataFrame
    users: pd.DataFrame

    def files(self, transactions: str) -> list[str]:
        """``graphrisk`` input flags for ``transactions`` (``base.csv`` or ``all.csv``) with the links and users."""
        return ["--transactions", str(self.folder / transactions), "--links", str(self.folder / "links.csv"),
                "--users", str(self.folder / "users.csv"), "--rejects", str(self.folder / "rejects.csv")]


@pytest.fixture(scope="session")
def serve_world(tmp_path_factory) -> ServeWorld:
    world = generate_world(1500, seed=11, config=WorldConfig(fraud_share=0.05))
    folder = tmp_path_factory.mktemp("serve-world")
    transactions = world.transactions.sort_values("timestamp", kind="stable", ignore_index=True)
    base, arriving = transactions.iloc[:-ARRIVING], transactions.iloc[-ARRIVING:]
    base.to_csv(folder / "base.csv", index=False)
    transactions.to_csv(folder / "all.csv", index=False)
    world.links.to_csv(folder / "links.csv", index=False)
    world.users.to_csv(folder / "users.csv", index=False)
    world.known_labels.to_csv(folder / "labels.csv", index=False)
    return ServeWorld(folder, base, arriving.reset_index(drop=True), world.links, world.users)


@pytest.fixture(scope="session")
def model_dir(serve_world, tmp_path_factory) -> Path:
    from graphrisk.model import RiskDetector

    graph = build_graph(serve_world.folder / "base.csv", serve_world.links, serve_world.users,
                        serve_world.folder / "labels.csv")[0]
    folder = tmp_path_factory.mktemp("serve-model") / "model"
    RiskDetector(epochs=15, seed=0).fit(graph, graph.labels).save(folder)
    return folder


@pytest.fixture(scope="session")
def request_body():
    """A function making the JSON body for ``POST /score`` from a canonical transaction row."""
    return _request_body


def _request_body(row: pd.Series | dict) -> dict:
    """A JSON body for ``POST /score`` from a canonical transaction row."""
    body = {}
    for key, value in dict(row).items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if isinstance(value, pd.Timestamp):
            value = value.isoformat()
        body[key] = value.item() if isinstance(value, np.generic) else value
    return body
