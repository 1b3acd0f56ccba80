"""Scoring on Spark: each shard's users with a halo as deep as the model's receptive field.

A network of ``L`` rounds reads, for a user, the inputs of the nodes up to ``L`` hops away,
through the edges of the nodes up to ``L - 1`` hops away. So a shard gets every row
(transaction or identifier link) that touches a node within ``L - 1`` hops of its users:
the graph built from those rows holds every edge the network reads for them, with the same
aggregates, and the node inputs (computed on the whole graph, :func:`node_input_tables`)
are joined in. The saved model directory is broadcast, and each worker loads it once and
scores its shards with :meth:`~graphrisk.model.RiskDetector.score_users`, the local
engine's own code; only the shard's own users and the rings made of them are kept.

The reasons are the gradient of the sum of all logits (:mod:`graphrisk.model.reasons`): they
need the users within ``L`` hops to score exactly as well, so with reasons the halo is
``2 L`` hops deep (``--reasons 0`` for the cheaper ``L``). A shard's scores and reasons
equal the whole graph's computed from the same node inputs (tested at 1e-5) as long as
neither graph is above the model's ``minibatch_edges``: past it the
network reads sampled neighbourhoods, on the whole graph as on a shard. Rings never span
shards (:mod:`~graphrisk.engines.spark.shards`), so a shard finds its rings whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import arrow_udfs
from graphrisk.engines.spark.shards import Shards
from graphrisk.errors import InputError
from graphrisk.features.node_inputs import ID_COLUMNS, LABEL_LIKE
from graphrisk.io.schema import TRANSACTION_ENTITY_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["node_input_tables", "score_shards", "SparkScores", "halo_rows", "model_files", "worker_detector"]

_NUMERIC = ("double", "float", "int", "bigint", "smallint", "tinyint")


def node_input_tables(features: DataFrame, users: DataFrame, entities: dict[str, DataFrame]) -> dict[str, DataFrame]:
    """The detector's raw node inputs, as :func:`graphrisk.features.node_inputs.node_inputs` makes them.

    Parameters
    ----------
    features
        Every user's features (:func:`~graphrisk.engines.spark.spark_features`).
    users
        The users table: its numeric attributes become ``attr_`` inputs.
    entities
        :func:`~graphrisk.engines.spark.entities.entity_family`.

    Returns
    -------
    dict
        Per node type, ``node_id`` then the input columns.

    Raises
    ------
    InputError
        The users table holds a label column.
    """
    from pyspark.sql import functions as F

    numeric = [name for name, kind in users.dtypes if name != "user_id" and kind in _NUMERIC]
    leaking = sorted(c for c in numeric if c in LABEL_LIKE or c.startswith("label_"))
    if leaking:
        raise InputError(f"the users table has label columns {leaking}: labels go in the labels table, "
                         "never among the model inputs")
    kept = [c for c in features.columns if c != "user_id" and c not in ID_COLUMNS]
    attributes = [c for c in numeric if c not in kept]
    user = features.select(F.col("user_id").alias("node_id"), *kept)
    if attributes:
        user = user.join(users.select(F.col("user_id").alias("node_id"),
                                      *(F.col(c).cast("double").alias(f"attr_{c}") for c in attributes)), "node_id", "left")
    return {"user": user, **entities}


def _row_nodes(transactions: DataFrame, links: DataFrame | None) -> DataFrame:
    """``row, node`` for every node a row touches (``u:`` users, ``merchant:``/``<type>:`` entities)."""
    from pyspark.sql import functions as F

    ends = [F.concat(F.lit("u:"), "user_id"), F.concat(F.lit("u:"), "counterparty_id"),
            F.concat(F.lit("merchant:"), "merchant_id"),
            *(F.concat(F.lit(f"{kind}:"), column) for column, kind in TRANSACTION_ENTITY_COLUMNS.items())]
    nodes = transactions.select(F.concat(F.lit("t:"), "transaction_id").alias("row"), F.explode(F.array(*ends)).alias("node"))
    if links is not None:
        nodes = nodes.unionByName(links.select(F.concat(F.lit("l:"), "link_row").alias("row"), F.explode(F.array(
            F.concat(F.lit("u:"), "user_id"), F.concat_ws(":", "entity_type", "entity_id"))).alias("node")))
    return nodes.where(F.col("node").isNotNull())


def halo_rows(row_nodes: DataFrame, shard_users: DataFrame, hops: int) -> tuple[DataFrame, DataFrame]:
    """Per shard, the rows that hold every edge within ``hops - 1`` hops of its users, and their nodes.

    Parameters
    ----------
    row_nodes
        ``row, node``: the nodes each row touches.
    shard_users
        ``user_id, shard``.
    hops
        The receptive field: the rounds of message passing for scores, twice as many for
        reasons (:func:`score_shards`).

    Returns
    -------
    rows, nodes
        ``shard, row`` and ``shard, node`` (distinct).
    """
    from pyspark.sql import functions as F

    complete = shard_users.select("shard", F.concat(F.lit("u:"), "user_id").alias("node"))
    for _ in range(hops - 1):  # the nodes whose every edge is read: within hops - 1 hops
        rows = complete.join(row_nodes, "node").select("shard", "row").distinct()
        # materialised each hop: the plan would double with every hop (complete is read twice)
        complete = rows.join(row_nodes, "row").select("shard", "node").unionByName(complete).distinct() \
            .localCheckpoint()
    rows = complete.join(row_nodes, "node").select("shard", "row").distinct().localCheckpoint()
    nodes = rows.join(row_nodes, "row").select("shard", "node").unionByName(complete).distinct().localCheckpoint()
    return rows, nodes


@dataclass
class SparkScores:
    """What the Spark engine scored (lazy DataFrames, cached once computed).

    Attributes
    ----------
    scores
        ``graphrisk score``'s table: ``user_id, risk_score, flagged, ring_id, reason_1..``.
    rings
        One row per ring: ``ring_id, size, score, members, shared_entities, exposure``.
    shard_rows
        Rows (transactions and links) per shard, own and halo: ``shard, rows`` (shard
        scoring only; ``None`` for layer-wise inference).
    """

    scores: DataFrame
    rings: DataFrame
    shard_rows: DataFrame | None = None


def model_files(folder: Path) -> dict[str, bytes]:
    """The files of a model directory, to broadcast (:func:`worker_detector` loads them)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


_LOADED: dict[str, object] = {}  # per worker process: model digest -> detector


def worker_detector(files: dict[str, bytes]):
    """The detector of a broadcast model directory, loaded once per worker process."""
    import tempfile

    from graphrisk.model.detector import RiskDetector

    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(files.items()))).hexdigest()
    if digest not in _LOADED:
        folder = Path(tempfile.mkdtemp(prefix="graphrisk-model-"))
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        _LOADED[digest] = RiskDetector.load(folder, device="cpu")
    return _LOADED[digest]


def _output_fields(reasons: int) -> list[tuple[str, str]]:
    return [("kind", "string"), ("user_id", "string"), ("risk_score", "double"), ("flagged", "boolean"),
            ("ring_id", "string"), *((f"reason_{i + 1}", "string") for i in range(reasons)),
            ("size", "long"), ("score", "double"), ("members", "array<string>"),
            ("shared_entities", "array<string>"), ("exposure", "double")]


def _score_one_shard(model, input_columns: dict[str, list[str]], reasons: int):
    fields = _output_fields(reasons)

    def run(rows, inputs):
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        from graphrisk import build_graph

        rows, inputs = rows.to_pandas(), inputs.to_pandas()
        own = rows.loc[rows["part"] == "user", "user_id"].astype(str)
        transactions = rows[rows["part"] == "transaction"].drop(columns=["part", "shard", "entity_type", "entity_id",
                                                                         "link_row"])
        links = rows.loc[rows["part"] == "link", ["user_id", "entity_type", "entity_id", "timestamp"]]
        users = pd.DataFrame({"user_id": own})
        graph, _ = build_graph(transactions, links if len(links) else None, users)
        tables = {}
        for kind, columns in input_columns.items():
            part = inputs[inputs["node_type"] == kind]
            values = np.array(part["values"].tolist(), dtype=float).reshape(len(part), len(columns))
            tables[kind] = pd.DataFrame(values, index=pd.Index(part["node_id"].astype(str)), columns=columns)
        detector = worker_detector(model.value)
        result = detector.score_users(graph, reasons=reasons, inputs=tables, drift=False)
        scores = result.scores[result.scores["user_id"].astype(str).isin(set(own))]
        rings = result.rings.table
        rings = rings[[set(m) <= set(own) for m in rings["members"]]] if len(rings) else rings
        out = {name: [] for name, _ in fields}
        for record in scores.to_dict("records"):
            for name, _ in fields:
                out[name].append(record.get(name))
            out["kind"][-1] = "score"
        for record in rings.to_dict("records"):
            for name, _ in fields:
                value = record.get(name)
                out[name].append(list(value) if name in ("members", "shared_entities") else value)
            out["kind"][-1] = "ring"
        types = {"string": pa.string(), "double": pa.float64(), "boolean": pa.bool_(), "long": pa.int64(),
                 "array<string>": pa.list_(pa.string())}
        schema = pa.schema([(name, types[kind]) for name, kind in fields])
        return pa.Table.from_pydict({name: pa.array(out[name], type=schema.field(name).type) for name, _ in fields},
                                    schema=schema)

    return run


def score_shards(model_dir: str | Path, transactions: DataFrame, links: DataFrame | None, inputs: dict[str, DataFrame],
                 shards: Shards, *, rounds: int, reasons: int = 3) -> SparkScores:
    """Score every user shard by shard with the model in ``model_dir``.

    Parameters
    ----------
    model_dir
        A model directory (``graphrisk train``), broadcast to the workers.
    transactions, links
        The validated rows (links may be ``None``).
    inputs
        Raw node inputs of the whole graph (:func:`node_input_tables`).
    shards
        :func:`~graphrisk.engines.spark.assign_shards`.
    rounds
        The model's rounds of message passing (``detector.network_.rounds``).
    reasons
        Reason columns per user.
    """
    from pyspark.sql import functions as F

    spark = transactions.sparkSession
    model = spark.sparkContext.broadcast(model_files(Path(model_dir)))
    if links is not None:  # a key from the content: the same on every evaluation (identical rows share it, harmlessly)
        fields = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000")) for c in links.columns]
        links = links.withColumn("link_row", F.sha2(F.concat_ws("\u0001", *fields), 256))
    row_nodes = _row_nodes(transactions, links).cache()
    # a reason is the gradient of every logit, so the users within `rounds` hops must score exactly too
    rows_of, nodes_of = halo_rows(row_nodes, shards.users, 2 * rounds if reasons else rounds)
    keyed = transactions.select("*", F.concat(F.lit("t:"), "transaction_id").alias("row"))
    parts = [rows_of.join(keyed, "row").drop("row").withColumn("part", F.lit("transaction"))]
    if links is not None:
        parts.append(rows_of.join(links.withColumn("row", F.concat(F.lit("l:"), "link_row")), "row").drop("row")
                     .withColumn("part", F.lit("link")))
    parts.append(shards.users.select("shard", "user_id", F.lit("user").alias("part")))
    packed = parts[0]
    for part in parts[1:]:
        packed = packed.unionByName(part, allowMissingColumns=True)
    for column in ("entity_type", "entity_id", "link_row"):
        if column not in packed.columns:
            packed = packed.withColumn(column, F.lit(None).cast("string"))
    columns = {}
    packed_inputs = None
    for kind, table in inputs.items():
        names = [c for c in table.columns if c != "node_id"]
        columns[kind] = names
        prefix = "u:" if kind == "user" else f"{kind}:"
        long = table.select(F.concat(F.lit(prefix), "node_id").alias("node"), F.lit(kind).alias("node_type"),
                            F.col("node_id"), F.array(*(F.col(c).cast("double") for c in names)).alias("values"))
        part = nodes_of.join(long, "node").drop("node")
        packed_inputs = part if packed_inputs is None else packed_inputs.unionByName(part)
    fields = _output_fields(reasons)
    schema = ", ".join(f"{name} {kind}" for name, kind in fields)
    with arrow_udfs():
        # both sides descend from the shard table: a fresh column on one side keeps the analyser from calling it ambiguous
        packed_inputs = packed_inputs.select(F.col("shard").alias("input_shard"), "node_type", "node_id", "values")
        out = packed.groupBy("shard").cogroup(packed_inputs.groupBy("input_shard")).applyInArrow(
            _score_one_shard(model, columns, reasons), schema).cache()
    score_columns = ["user_id", "risk_score", "flagged", "ring_id", *(f"reason_{i + 1}" for i in range(reasons))]
    ring_columns = ["ring_id", "size", "score", "members", "shared_entities", "exposure"]
    return SparkScores(scores=out.where(F.col("kind") == "score").select(*score_columns),
                       rings=out.where(F.col("kind") == "ring").select(*ring_columns),
                       shard_rows=rows_of.groupBy("shard").agg(F.count(F.lit(1)).alias("rows")))

