"""Node input tables of the detector: graph and behaviour features per node type, and their files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from graphrisk.errors import InputError
from graphrisk.features.compute import compute_features
from graphrisk.features.entities import entity_features
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = ["node_inputs", "write_node_inputs", "read_node_inputs", "check_node_inputs_folder", "ID_COLUMNS",
           "LABEL_LIKE", "NODE_INPUTS_MANIFEST"]

#: The file of a node inputs folder that lists its tables (and marks the folder as graphrisk's).
NODE_INPUTS_MANIFEST = "node-inputs.json"
NODE_INPUTS_FORMAT = "graphrisk-node-inputs"

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
    """Write raw node inputs as one Parquet file per node type, listed in ``node-inputs.json``.

    What :func:`read_node_inputs` reads back, for scoring later transactions with the
    inputs of this graph (``graphrisk score --save-node-inputs DIR``, then ``--node-inputs DIR``).
    The folder must be new, empty, or one written here before (its listed files are replaced;
    nothing else in it is touched).

    Raises
    ------
    InputError
        ``folder`` is a file, or a folder holding other things than node inputs.
    """
    folder = Path(folder)
    listed = check_node_inputs_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in (listed or {}).values():
        (folder / name).unlink(missing_ok=True)  # a type that is gone must not come back from an earlier run
    files = {}
    for kind, table in inputs.items():
        frame = table.copy()
        frame.index = frame.index.astype(str).rename("node_id")
        files[kind] = f"{kind}.parquet"
        frame.to_parquet(folder / files[kind], index=True)
    manifest = {"format": NODE_INPUTS_FORMAT, "files": files}
    (folder / NODE_INPUTS_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def check_node_inputs_folder(folder: str | Path) -> dict[str, str] | None:
    """Check that :func:`write_node_inputs` may write into ``folder``; the files it wrote there before, if any.

    Raises
    ------
    InputError
        ``folder`` is a file, or a folder holding other things than node inputs.
    """
    folder = Path(folder)
    listed = _listed_files(folder) if (folder / NODE_INPUTS_MANIFEST).is_file() else None
    if folder.exists() and (not folder.is_dir() or (listed is None and any(folder.iterdir()))):
        raise InputError(f"{folder}: not an empty folder nor one holding graphrisk node inputs "
                         "(choose a new folder: nothing in it is overwritten)")
    return listed


def read_node_inputs(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Node inputs written by :func:`write_node_inputs`: per node type, a table indexed by node id.

    Raises
    ------
    InputError
        The folder does not exist or holds no ``node-inputs.json``, or a listed file cannot
        be read or holds a column that is not numeric.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (write one with graphrisk score --save-node-inputs)")
    if not (folder / NODE_INPUTS_MANIFEST).is_file():
        raise InputError(f"{folder}: no {NODE_INPUTS_MANIFEST} in it: not written by graphrisk score --save-node-inputs")
    out = {}
    for kind, name in _listed_files(folder).items():
        path = folder / name
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as e:
            raise InputError(f"{path}: cannot be read as node inputs: {str(e).splitlines()[0]}") from None
        text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
        if text:
            raise InputError(f"{path}: node inputs must be numbers; columns {text[:5]} are not")
        table.index = table.index.astype(str)
        out[kind] = table
    return out


def _listed_files(folder: Path) -> dict[str, str]:
    """Node type -> file name, from a folder's ``node-inputs.json``."""
    path = folder / NODE_INPUTS_MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"] if manifest.get("format") == NODE_INPUTS_FORMAT else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError):
        files = None
    if not isinstance(files, dict) or not all(isinstance(n, str) and Path(n).name == n for n in files.values()):
        raise InputError(f"{path}: not a graphrisk node inputs list")
    return files
