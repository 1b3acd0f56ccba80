"""Node input tables of the detector: graph and behaviour features per node type, and their files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from graphrisk.errors import InputError
from graphrisk.features.compute import compute_features
from graphrisk.features.entities import entity_features
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["node_inputs", "write_node_inputs", "read_node_inputs", "ID_COLUMNS", "LABEL_LIKE"]

#: Feature columns that are identifiers, not quantities: never model inputs.
ID_COLUMNS = ("louvain_community", "merchant_louvain_community")

#: User attributes that are answers, not inputs: a users table holding one is refused.
LABEL_LIKE = frozenset({"is_fraud", "fraud", "fraud_count", "ring_id", "ring", "label", "target", "verdict"})


def node_inputs(graph: TransactionGraph, *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Raw (unscaled) input tables for every node type of the graph.

    Users get :func:`graphrisk.compute_features` (structure, flow, community, centrality and,
    when the transactions were kept, temporal features) plus the numeric columns of the
    users table; merchants and identifiers get :func:`graphrisk.features.entity_features`.
    No label enters here: label-aware features are left out on purpose, so scoring needs
    nothing but the graph.

    Raises
    ------
    InputError
        The users table holds a label column (see :data:`LABEL_LIKE`).

    Returns
    -------
    dict
        ``{"user": DataFrame indexed by user_id, "merchant": ..., "device": ...}``.
    """
    families = ["structure", "flow", "community", "centrality"]
    if graph.transactions is not None:
        families.append("temporal")
    users = compute_features(graph, families=families, seed=seed)
    users = users.drop(columns=[c for c in ID_COLUMNS if c in users.columns])
    attributes = graph.users.set_index("user_id").select_dtypes("number")
    leaking = sorted(c for c in attributes.columns if c in LABEL_LIKE or c.startswith("label_"))
    if leaking:
        raise InputError(f"the users table has label columns {leaking}: labels go in the labels table, "
                         "never among the model inputs")
    attributes = attributes.drop(columns=[c for c in attributes.columns if c in users.columns])
    users = users.join(attributes.add_prefix("attr_"))
    return {"user": users, **entity_features(graph)}


def write_node_inputs(inputs: Mapping[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write raw node inputs as one Parquet file per node type (``user.parquet``, ``device.parquet``...).

    What :func:`read_node_inputs` reads back, for scoring later transactions with the
    inputs of this graph (``graphrisk score --save-node-inputs DIR``, then ``--node-inputs DIR``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()  # a type that is gone must not come back from an earlier run
    for kind, table in inputs.items():
        frame = table.copy()
        frame.index = frame.index.astype(str).rename("node_id")
        frame.to_parquet(folder / f"{kind}.parquet", index=True)
    return folder


def read_node_inputs(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Node inputs written by :func:`write_node_inputs`: per node type, a table indexed by node id.

    Raises
    ------
    InputError
        The folder does not exist, holds no ``*.parquet``, or a file cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--node-inputs {folder}: no such folder (write one with graphrisk score --save-node-inputs)")
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise InputError(f"--node-inputs {folder}: no node input files (*.parquet) in it")
    out = {}
    for path in files:
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as e:
            raise InputError(f"{path}: cannot be read as node inputs: {str(e).splitlines()[0]}") from None
        table.index = table.index.astype(str)
        out[path.stem] = table
    return out
