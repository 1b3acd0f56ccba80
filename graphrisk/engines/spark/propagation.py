"""Scores on Spark by layer-wise inference: one round of message passing at a time, over the whole graph.

Shard scoring (:mod:`~graphrisk.engines.spark.scoring`) gathers each shard's neighbourhood, and
busy merchants pull nearly the whole graph into every shard. Layer-wise inference never
gathers a neighbourhood: each node's embedding after round ``k + 1`` only needs its own
embedding and its in-neighbours' after round ``k``, so a round is a join of the edges with the
previous round's embeddings, grouped by destination node. Each group runs the network's own
code on the workers (:meth:`~graphrisk.model.network.HeteroRiskNet.encode`,
:meth:`~graphrisk.model.network.HeteroRiskNet.propagate`,
:meth:`~graphrisk.model.network.HeteroRiskNet.readout`, the encoder's scalers and edge
inputs), with the model directory broadcast. A user's risk equals the whole-graph risk from the
same node inputs (tested at 1e-5).

The cost of a round is one shuffle of the edges with a ``hidden``-wide vector each; memory
per task is that of its destination nodes' in-edges (a merchant with a million payers is a
million rows in one task).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import arrow_udfs, bucket_of
from graphrisk.engines.spark.scoring import model_files, worker_detector

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["layerwise_risk"]

_SEP = "|"  # in relation names: source|relation|target


def _relation_name(edge_type: tuple[str, str, str]) -> str:
    return _SEP.join(edge_type)


def graph_edges(paid: DataFrame, sent: DataFrame, used: DataFrame) -> DataFrame:
    """Every relation of the graph both ways: ``relation, src, dst, count, amount, span`` (node keys ``type:id``).

    As :func:`graphrisk.graph.pyg.to_pyg` makes them: ``user-paid-merchant``,
    ``user-sent-user``, ``user-used-<identifier type>`` and each one's ``rev_`` relation.
    """
    from pyspark.sql import functions as F

    span = (F.unix_micros("last_seen") - F.unix_micros("first_seen")) / 1e6
    parts = [(paid, "paid", F.lit("merchant")), (sent, "sent", F.lit("user")), (used, "used", F.col("entity_type"))]
    out = None
    for table, relation, target in parts:
        rows = table.select(F.concat(F.lit("user:"), "src").alias("src"), F.concat(target, F.lit(":"), "dst").alias("dst"),
                            target.alias("target"), F.col("count").cast("double").alias("count"),
                            F.col("amount").cast("double").alias("amount"), span.alias("span"))
        forward = rows.select(F.concat(F.lit(f"user{_SEP}{relation}{_SEP}"), "target").alias("relation"),
                              "src", "dst", "count", "amount", "span")
        backward = rows.select(F.concat("target", F.lit(f"{_SEP}rev_{relation}{_SEP}user")).alias("relation"),
                               F.col("dst").alias("src"), F.col("src").alias("dst"), "count", "amount", "span")
        both = forward.unionByName(backward)
        out = both if out is None else out.unionByName(both)
    return out


def _node_rows(users: DataFrame, paid: DataFrame, used: DataFrame, inputs: dict[str, DataFrame]) -> DataFrame:
    """``key, node_type, values``: every node of the graph with its raw inputs (null where it has none)."""
    from pyspark.sql import functions as F

    nodes = users.select(F.lit("user").alias("node_type"), F.col("user_id").alias("node_id")) \
        .unionByName(paid.select(F.lit("merchant").alias("node_type"), F.col("dst").alias("node_id"))) \
        .unionByName(used.select(F.col("entity_type").alias("node_type"), F.col("dst").alias("node_id"))).distinct()
    values = None
    for kind, table in inputs.items():
        names = [c for c in table.columns if c != "node_id"]
        part = table.select(F.lit(kind).alias("node_type"), "node_id",
                            F.array(*(F.col(c).cast("double") for c in names)).alias("values"))
        values = part if values is None else values.unionByName(part)
    rows = nodes.join(values, ["node_type", "node_id"], "left") if values is not None else \
        nodes.withColumn("values", F.lit(None).cast("array<double>"))
    return rows.select(F.concat("node_type", F.lit(":"), "node_id").alias("key"), "node_type", "node_id", "values")


def _encode(model, columns: dict[str, list[str]]):
    """Round 0 on a worker: scaled inputs through each type's encoder."""

    def run(batches):
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import torch

        from graphrisk.graph.pyg import node_matrix

        detector = worker_detector(model.value)
        encoder, network = detector.encoder_, detector.network_
        for batch in batches:
            frame = batch.to_pandas()
            for kind, part in frame.groupby("node_type"):
                if kind not in encoder.scalers_:
                    continue  # a type the model never saw: nothing reads it
                names = columns.get(kind, [])
                known = part["values"].notna().to_numpy()
                raw = np.full((len(part), len(names)), np.nan)
                if known.any() and names:
                    raw[known] = np.array(part.loc[known, "values"].tolist(), dtype=float)
                table = pd.DataFrame(raw, index=pd.Index(part["key"]), columns=names)
                scaled = encoder.scale(kind, table)
                scaled = scaled[known]  # a node without inputs gets 0: the training mean, as locally
                x = node_matrix(pd.Index(part["key"]), scaled)
                with torch.no_grad():
                    h = network.encode({kind: x})[kind].numpy()
                yield pa.record_batch({"key": pa.array(part["key"].tolist(), pa.string()),
                                       "node_type": pa.array([kind] * len(part), pa.string()),
                                       "h": pa.array(list(h), pa.list_(pa.float32()))})

    return run


def _round(model, round_index: int):
    """Round ``round_index + 1`` of the nodes of one group, from their in-edges and the sources' embeddings."""

    def run(edges, nodes):
        import numpy as np
        import pyarrow as pa
        import torch

        detector = worker_detector(model.value)
        encoder, network = detector.encoder_, detector.network_
        edges, nodes = edges.to_pandas(), nodes.to_pandas()
        relations = network.round_relations(round_index)
        out_keys, out_h = [], []
        for target, dst in nodes.groupby("node_type"):
            into = [et for et in relations if et[2] == target]
            keys = {t: list(dst["key"]) if t == target else [] for t in {et[0] for et in into} | {target}}
            states = {t: [np.stack(dst["h"].to_numpy())] if t == target else [] for t in keys}
            position = {t: {k: i for i, k in enumerate(v)} for t, v in keys.items()}
            edge_index, edge_attr = {}, {}
            for edge_type in into:
                source = edge_type[0]
                rows = edges[edges["relation"] == _relation_name(edge_type)]
                for key, h in zip(rows["src"], rows["h_src"]):
                    if key not in position[source]:
                        position[source][key] = len(keys[source])
                        keys[source].append(key)
                        states[source].append(np.asarray(h, dtype=np.float32)[None, :])
                src = [position[source][k] for k in rows["src"]]
                dst_index = [position[target][k] for k in rows["dst"]]
                edge_index[edge_type] = torch.tensor([src, dst_index], dtype=torch.int64).reshape(2, -1)
                aggregates = torch.from_numpy(rows[["count", "amount", "span"]].to_numpy(dtype=np.float64))
                edge_attr[edge_type] = encoder.encode_edges(aggregates.reshape(-1, 3))
            hidden = len(dst["h"].iloc[0])
            h = {t: torch.from_numpy(np.concatenate(v).astype(np.float32)) if v else torch.zeros((0, hidden))
                 for t, v in states.items()}
            with torch.no_grad():
                updated = network.propagate(round_index, h, edge_index, edge_attr)[target][: len(dst)]
            out_keys += list(dst["key"])
            out_h += list(updated.numpy())
        return pa.table({"key": pa.array(out_keys, pa.string()), "h": pa.array(out_h, pa.list_(pa.float32()))})

    return run


def _risk(model, rounds: int):
    """Users' risk from their embeddings after every round (the model's readout, then calibration)."""

    def run(batches):
        import numpy as np
        import pyarrow as pa
        import torch

        detector = worker_detector(model.value)
        for batch in batches:
            frame = batch.to_pandas()
            states = [torch.from_numpy(np.stack(frame[f"h{k}"].to_numpy()).astype(np.float32)) for k in range(rounds + 1)]
            risk = detector.risk_from_logits(detector.readout(states))  # the stacked head's, when it has one
            yield pa.record_batch({"user_id": pa.array([k[len("user:"):] for k in frame["key"]], pa.string()),
                                   "risk_score": pa.array(np.asarray(risk, dtype=np.float64), pa.float64())})

    return run


def layerwise_risk(model_dir: str | Path, tables: dict[str, DataFrame], inputs: dict[str, DataFrame], *,
                   buckets: int) -> DataFrame:
    """Every user's calibrated risk, one round of message passing at a time over the whole graph.

    Parameters
    ----------
    model_dir
        A model directory (``graphrisk train``), broadcast to the workers.
    tables
        ``users``, ``paid``, ``sent``, ``used`` (:func:`~graphrisk.engines.spark.relationships`).
    inputs
        Raw node inputs per node type, ``node_id`` then the columns
        (:func:`~graphrisk.engines.spark.scoring.node_input_tables`).
    buckets
        Groups the destination nodes of a round are hashed into.

    Returns
    -------
    pyspark.sql.DataFrame
        ``user_id, risk_score``.
    """
    from pyspark.sql import functions as F

    from graphrisk.model.detector import RiskDetector

    detector = RiskDetector.load(model_dir, device="cpu")
    network = detector.network_
    spark = tables["paid"].sparkSession
    model = spark.sparkContext.broadcast(model_files(Path(model_dir)))
    columns = {kind: [c for c in table.columns if c != "node_id"] for kind, table in inputs.items()}
    nodes = _node_rows(tables["users"], tables["paid"], tables["used"], inputs)
    with arrow_udfs():
        state = nodes.mapInArrow(_encode(model, columns), "key string, node_type string, h array<float>") \
            .localCheckpoint()
    edges = graph_edges(tables["paid"], tables["sent"], tables["used"]).cache()
    users = [state.where(F.col("node_type") == "user").select("key", F.col("h").alias("h0"))]
    for round_index in range(network.rounds):
        relations = network.round_relations(round_index)
        targets = sorted({et[2] for et in relations})
        names = [_relation_name(et) for et in relations]
        round_edges = edges.where(F.col("relation").isin(names)).join(
            state.select(F.col("key").alias("src"), F.col("h").alias("h_src")), "src")
        round_edges = round_edges.withColumn("group", bucket_of("dst", buckets=buckets))
        receivers = state.where(F.col("node_type").isin(targets)).withColumn("group", bucket_of("key", buckets=buckets))
        with arrow_udfs():
            updated = round_edges.groupBy("group").cogroup(receivers.groupBy("group")).applyInArrow(
                _round(model, round_index), "key string, h array<float>")
        updated = updated.join(state.select("key", "node_type"), "key")
        state = state.where(~F.col("node_type").isin(targets)).unionByName(updated.select("key", "node_type", "h")) \
            .localCheckpoint()
        users.append(state.where(F.col("node_type") == "user").select("key", F.col("h").alias(f"h{round_index + 1}")))
    joined = users[0]
    for part in users[1:]:
        joined = joined.join(part, "key")
    with arrow_udfs():
        return joined.mapInArrow(_risk(model, network.rounds), "user_id string, risk_score double")

