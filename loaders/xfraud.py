"""xFraud (eBay, VLDB 2022) published sample: the 41 annotated fraud communities.

A folder with ``annotation_publish.csv`` (``node_id, community_id, node_type_mask, label,
is_target, ...``) and ``masked_df_e.csv`` (``source, target, community_id``). Node ids are
local to each community, so every id below is prefixed with its community: ``"<community>:<node>"``.
Every edge joins a transaction node (``link``) to one other node.

Mapping
-------
``link`` nodes (transactions)
    ``transactions``: ``transaction_id = "<c>:<node>"``, ``is_fraud = label``; the extra
    columns ``community_id`` and ``is_seed`` (``is_target``: the 41 seed transactions that
    ``data-seed.txt`` scores) are kept, :func:`graphrisk.build_graph` ignores them.
``node`` nodes (buyers)
    The paying ``user_id`` of the transactions they are joined to. 242 of the 1,075
    transactions have no buyer node; each gets its own stand-in payer
    ``"<c>:buyer-of-<node>"`` so that its identifiers still attach to someone. ``users``
    records which is which: ``buyer_known`` is 1 for buyer nodes and 0 for stand-ins.
``entity_0``, ``entity_1``, ``entity_2``
    ``links`` of the transaction's payer, one row per transaction-entity edge, with entity
    types :data:`ENTITY_TYPE_OF_MASK`: card, email, address. xFraud's graph joins a
    transaction to its buyer, payment token, email and shipping address, and the sample
    masks which entity type is which; ring detection only needs the three kinds to stay
    apart, so they take the canonical types of those three in mask order. The assignment is a
    convention, not knowledge: do not read "card" as "payment token" in this data.
Time and money
    The sample has neither: every timestamp is :data:`XFRAUD_TIMESTAMP` (the Unix epoch,
    meaning "unknown") and every amount 0.0. Temporal and amount features are meaningless here.
Labels
    One per payer: ``is_fraud = 1`` when any of its transactions is fraud; ``ring_id`` = the
    community id for fraud payers and empty for legitimate ones (they sit in an annotated
    community but are not part of the ring; their ids still carry the community).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk.errors import InputError
from graphrisk.loaders._read import as_flags, as_ids, check_limit, read_source
from graphrisk.loaders.tables import CanonicalTables, payer_labels

__all__ = ["load_xfraud", "XFRAUD_FILES", "ENTITY_TYPE_OF_MASK", "XFRAUD_TIMESTAMP"]

#: The two files that make an xFraud sample folder: nodes, then edges.
XFRAUD_FILES: tuple[str, str] = ("annotation_publish.csv", "masked_df_e.csv")

#: Canonical identifier type of each masked entity type (a documented convention, see above).
ENTITY_TYPE_OF_MASK: dict[str, str] = {"entity_0": "card", "entity_1": "email", "entity_2": "address"}

#: The timestamp of every transaction and link: unknown, so the Unix epoch.
XFRAUD_TIMESTAMP = pd.Timestamp(0, tz="UTC")

_TRANSACTION, _BUYER = "link", "node"


def _sample_folder(path: str | Path) -> Path:
    """The sample folder for ``path``: the folder itself, or the folder of one of its two files."""
    path = Path(path)
    if path.is_file() and path.name in XFRAUD_FILES:
        path = path.parent
    if not path.is_dir():
        raise InputError(f"{path}: xfraud input must be a folder with {' and '.join(XFRAUD_FILES)}")
    missing = [name for name in XFRAUD_FILES if not (path / name).is_file()]
    if missing:
        raise InputError(f"{path}: not an xfraud folder: missing {', '.join(missing)}")
    return path


def load_xfraud(path: str | Path, *, limit: int | None = None) -> CanonicalTables:
    """Map the xFraud sample folder to canonical tables.

    Parameters
    ----------
    path
        The folder holding :data:`XFRAUD_FILES` (or one of those two files).
    limit
        Keep only the first ``limit`` transactions in file order, with their buyers and entities.

    Returns
    -------
    CanonicalTables
        ``transactions``, ``links``, ``users`` (``buyer_known``) and ``labels``.

    Raises
    ------
    InputError
        A file is missing or lacks a column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "annotation_publish.csv").write_text(
    ...     "node_id,community_id,node_type_mask,label\\n0,7,link,1\\n1,7,node,\\n2,7,entity_0,\\n3,7,link,0\\n")
    >>> _ = (d / "masked_df_e.csv").write_text("source,target,community_id\\n0,1,7\\n0,2,7\\n3,2,7\\n")
    >>> tables = load_xfraud(d)
    >>> tables.transactions[["transaction_id", "user_id", "is_fraud"]].to_dict("list")
    {'transaction_id': ['7:0', '7:3'], 'user_id': ['7:1', '7:buyer-of-3'], 'is_fraud': [1, 0]}
    >>> tables.links[["user_id", "entity_type", "entity_id"]].to_dict("list")
    {'user_id': ['7:1', '7:buyer-of-3'], 'entity_type': ['card', 'card'], 'entity_id': ['7:2', '7:2']}
    >>> tables.labels.to_dict("list")
    {'user_id': ['7:1', '7:buyer-of-3'], 'is_fraud': [1, 0], 'ring_id': ['7', None]}
    """
    limit = check_limit(limit)
    folder = _sample_folder(path)
    nodes = read_source(folder / XFRAUD_FILES[0], format_name="xfraud",
                        required=("node_id", "community_id", "node_type_mask", "label"), optional=("is_target",))
    edges = read_source(folder / XFRAUD_FILES[1], format_name="xfraud", required=("source", "target", "community_id"))

    community = as_ids(nodes["community_id"])
    seed = nodes["is_target"] if "is_target" in nodes.columns else pd.Series(pd.NA, index=nodes.index, dtype="Int8")
    nodes = pd.DataFrame({
        "key": community + ":" + as_ids(nodes["node_id"]),
        "community_id": community,
        "kind": nodes["node_type_mask"].astype("string").str.strip(),
        "label": as_flags(nodes["label"]),
        "is_seed": as_flags(seed),
    })
    kind_of = pd.Series(nodes["kind"].to_numpy(), index=nodes["key"].to_numpy())
    kind_of = kind_of[~kind_of.index.duplicated()]  # a repeated node is rejected later as a duplicate id
    pairs = _transaction_pairs(edges, kind_of)

    txns = nodes[nodes["kind"] == _TRANSACTION]
    if limit is not None:
        txns = txns.iloc[:limit]
    txn_keys = txns["key"].to_numpy()
    local = txns["key"].str.split(":", n=1).str[1]
    # the sample joins a transaction to at most one buyer; were there more, the first id (as text) would pay
    buyers = pairs[pairs["kind"] == _BUYER].sort_values("other").drop_duplicates("txn").set_index("txn")["other"]
    buyer = pd.Series(txn_keys, dtype="string").map(buyers).astype("string")
    stand_in = buyer.isna().to_numpy()
    payer = buyer.fillna(pd.Series((txns["community_id"] + ":buyer-of-" + local).to_numpy(), dtype="string"))

    transactions = pd.DataFrame({
        "transaction_id": pd.Series(txn_keys, dtype="string"),
        "timestamp": pd.Series(XFRAUD_TIMESTAMP, index=range(len(txns)), dtype="datetime64[ns, UTC]"),
        "user_id": payer,
        "amount": 0.0,
        "is_fraud": txns["label"].reset_index(drop=True),
        "community_id": pd.Series(txns["community_id"].to_numpy(), dtype="string"),
        "is_seed": txns["is_seed"].reset_index(drop=True),
    })

    payer_of = pd.Series(payer.to_numpy(), index=txn_keys)
    entities = pairs[pairs["kind"].isin(ENTITY_TYPE_OF_MASK) & pairs["txn"].isin(txn_keys)]
    order = pd.Series(np.arange(len(txn_keys)), index=txn_keys)
    entities = entities.assign(order=entities["txn"].map(order)).sort_values(["order", "other"], kind="stable")
    links = pd.DataFrame({
        "user_id": pd.Series(entities["txn"].map(payer_of).to_numpy(), dtype="string"),
        "entity_type": pd.Series(entities["kind"].map(ENTITY_TYPE_OF_MASK).to_numpy(), dtype="string"),
        "entity_id": pd.Series(entities["other"].to_numpy(), dtype="string"),
        "timestamp": pd.Series(XFRAUD_TIMESTAMP, index=range(len(entities)), dtype="datetime64[ns, UTC]"),
    })

    users = pd.DataFrame({"user_id": payer, "buyer_known": (~stand_in).astype("int8")})
    users = users.drop_duplicates("user_id").sort_values("user_id", ignore_index=True)

    labels = payer_labels(transactions)
    ring = transactions.drop_duplicates("user_id").set_index("user_id")["community_id"]
    labels["ring_id"] = labels["user_id"].map(ring).astype("string").where(labels["is_fraud"] == 1)
    return CanonicalTables(transactions, links=links, users=users, labels=labels)


def _transaction_pairs(edges: pd.DataFrame, kind_of: pd.Series) -> pd.DataFrame:
    """Each edge as ``(txn, other, kind)``: the transaction end, the other end and its node type."""
    community = as_ids(edges["community_id"]) + ":"
    source = (community + as_ids(edges["source"])).to_numpy()
    target = (community + as_ids(edges["target"])).to_numpy()
    source_kind = pd.Series(source).map(kind_of).to_numpy()
    target_kind = pd.Series(target).map(kind_of).to_numpy()
    from_source = source_kind == _TRANSACTION
    from_target = (target_kind == _TRANSACTION) & ~from_source
    txn = np.where(from_source, source, target)
    other = np.where(from_source, target, source)
    kind = np.where(from_source, target_kind, source_kind)
    keep = from_source | from_target
    return pd.DataFrame({"txn": txn[keep], "other": other[keep], "kind": kind[keep]}).astype("string")
