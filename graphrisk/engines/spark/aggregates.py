"""The per-user feature families that are aggregations, on Spark DataFrames.

The same numbers as the local engine's :func:`~graphrisk.features.structure.structure_features`
(its counts and identifier sharing; the component, core and clustering columns need the
projection and come per component) and :func:`~graphrisk.features.flow.flow_features` (all of
it; the transfer network's components by :func:`~graphrisk.engines.spark.connected_components`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.engines.spark.components import connected_components
from graphrisk.graph.model import IDENTIFIER_TYPES

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

__all__ = ["aggregate_features", "AGGREGATE_COLUMNS", "STRUCTURE_COUNTS", "FLOW_COLUMNS"]

_PLURAL = {"address": "addresses"}

#: The structure columns that are aggregations, in the local engine's order.
STRUCTURE_COUNTS = ("merchants", "payments", "sent_to", "received_from",
                    *(_PLURAL.get(kind, f"{kind}s") for kind in IDENTIFIER_TYPES),
                    "users_per_identifier_max", "users_per_identifier_mean")

#: The flow family, in the local engine's order.
FLOW_COLUMNS = ("transfers_out", "transfers_in", "amount_out", "amount_in", "pass_through",
                "repeat_transfer_share", "transfer_component_size")

#: Every column :func:`aggregate_features` computes.
AGGREGATE_COLUMNS = STRUCTURE_COUNTS + FLOW_COLUMNS


def _per_user(users: DataFrame, parts: list[tuple[DataFrame, str]], columns: list[str]) -> DataFrame:
    """``users`` with each part's columns joined on ``user_id`` (missing: 0)."""
    from pyspark.sql import functions as F

    out = users
    for part, key in parts:
        out = out.join(part.withColumnRenamed(key, "user_id"), "user_id", "left")
    return out.select("user_id", *(F.coalesce(F.col(c).cast("double"), F.lit(0.0)).alias(c) for c in columns))


def _structure(users: DataFrame, paid: DataFrame, sent: DataFrame, used: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    kinds: list[Column] = [F.sum(F.when(F.col("entity_type") == kind, 1).otherwise(0)).alias(_PLURAL.get(kind, f"{kind}s"))
                           for kind in IDENTIFIER_TYPES]
    users_on = used.withColumn("users_on", F.count(F.lit(1)).over(Window.partitionBy("entity_type", "dst")))
    identifiers = users_on.groupBy("src").agg(*kinds, F.max("users_on").alias("users_per_identifier_max"),
                                              F.avg("users_on").alias("users_per_identifier_mean"))
    parts = [(paid.groupBy("src").agg(F.count(F.lit(1)).alias("merchants"), F.sum("count").alias("payments")), "src"),
             (sent.groupBy("src").agg(F.count(F.lit(1)).alias("sent_to")), "src"),
             (sent.groupBy("dst").agg(F.count(F.lit(1)).alias("received_from")), "dst"),
             (identifiers, "src")]
    return _per_user(users, parts, list(STRUCTURE_COUNTS))


def _flow(users: DataFrame, sent: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    ends = sent.select(F.col("src").alias("user"), "count").unionByName(sent.select(F.col("dst").alias("user"), "count"))
    repeat = ends.groupBy("user").agg(F.avg((F.col("count") > 1).cast("double")).alias("repeat_transfer_share"))
    components = connected_components(sent.select("src", "dst"))
    sizes = components.groupBy("component").agg(F.count(F.lit(1)).alias("size"))
    component_size = components.join(sizes, "component").select(F.col("id").alias("user"),
                                                                  F.col("size").alias("transfer_component_size"))
    parts = [(sent.groupBy("src").agg(F.sum("count").alias("transfers_out"), F.sum("amount").alias("amount_out")), "src"),
             (sent.groupBy("dst").agg(F.sum("count").alias("transfers_in"), F.sum("amount").alias("amount_in")), "dst"),
             (repeat, "user"), (component_size, "user")]
    columns = ["transfers_out", "transfers_in", "amount_out", "amount_in", "repeat_transfer_share",
               "transfer_component_size"]
    out = _per_user(users, parts, columns)
    high = F.greatest("amount_in", "amount_out")
    through = F.when(high > 0, F.least("amount_in", "amount_out") / high).otherwise(F.lit(0.0))
    # a user in no transfer is a component of one
    size = F.when(F.col("transfer_component_size") == 0, F.lit(1.0)).otherwise(F.col("transfer_component_size"))
    return out.withColumn("pass_through", through).withColumn("transfer_component_size", size) \
        .select("user_id", *FLOW_COLUMNS)


def aggregate_features(users: DataFrame, paid: DataFrame, sent: DataFrame, used: DataFrame) -> DataFrame:
    """Per user, every column of :data:`AGGREGATE_COLUMNS`.

    Parameters
    ----------
    users
        ``user_id`` of every user (one row each).
    paid, sent
        The graph's ``PAID`` and ``SENT`` relationships: ``src, dst, count, amount`` (one row
        per pair, as in :class:`~graphrisk.TransactionGraph`).
    used
        The ``USED`` relationships: ``src, dst, entity_type``.

    Returns
    -------
    pyspark.sql.DataFrame
        ``user_id`` then the columns, as doubles.
    """
    users = users.select("user_id").distinct()
    structure = _structure(users, paid, sent, used)
    return structure.join(_flow(users, sent), "user_id").select("user_id", *AGGREGATE_COLUMNS)
