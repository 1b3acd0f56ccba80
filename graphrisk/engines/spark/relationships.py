"""The graph's relationship tables from validated canonical rows, on Spark DataFrames.

The same tables as :func:`graphrisk.build_graph` makes: ``PAID`` (user -> merchant) and
``SENT`` (user -> counterparty) with ``count``, ``amount``, ``first_seen``, ``last_seen`` and
``fraud_count`` per pair; ``USED`` (user -> device, card, IP from the transactions, and any
identifier from the links) with ``link_count`` besides; and every user id that appears.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.io.schema import TRANSACTION_ENTITY_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["relationships"]


def _pairs(rows: DataFrame, target: str) -> DataFrame:
    """Per (user, target) pair of the rows where ``target`` is set: the edge aggregates."""
    from pyspark.sql import functions as F

    return (rows.where(F.col(target).isNotNull())
            .groupBy(F.col("user_id").alias("src"), F.col(target).alias("dst"))
            .agg(F.count(F.lit(1)).alias("count"), F.sum("amount").alias("amount"),
                 F.min("timestamp").alias("first_seen"), F.max("timestamp").alias("last_seen"),
                 F.sum("is_fraud").alias("fraud_count")))


def relationships(
    transactions: DataFrame, links: DataFrame | None = None, users: DataFrame | None = None
) -> dict[str, DataFrame]:
    """``users``, ``paid``, ``sent`` and ``used`` of the graph the rows make.

    Parameters
    ----------
    transactions
        Validated canonical transactions (``timestamp`` a timestamp, ``amount`` a double,
        ``is_fraud`` an integer or null; empty fields null).
    links
        Validated identifier links: ``user_id, entity_type, entity_id, timestamp``.
    users
        The users table (only its ``user_id`` is read here).

    Returns
    -------
    dict
        ``users`` (``user_id``), ``paid`` and ``sent`` (``src, dst, count, amount, first_seen,
        last_seen, fraud_count``), ``used`` (``entity_type, src, dst``, the same aggregates and
        ``link_count``).
    """
    from pyspark.sql import functions as F

    rows = transactions
    if "is_fraud" not in rows.columns:
        rows = rows.withColumn("is_fraud", F.lit(None).cast("int"))
    paid, sent = _pairs(rows, "merchant_id"), _pairs(rows, "counterparty_id")
    used = None
    for column, kind in TRANSACTION_ENTITY_COLUMNS.items():
        if column in rows.columns:
            part = _pairs(rows, column).select(F.lit(kind).alias("entity_type"), "*", F.lit(0).alias("link_count"))
            used = part if used is None else used.unionByName(part)
    if links is not None:
        linked = links.groupBy("entity_type", F.col("user_id").alias("src"), F.col("entity_id").alias("dst")).agg(
            F.count(F.lit(1)).alias("link_count"), F.min("timestamp").alias("first_seen"),
            F.max("timestamp").alias("last_seen"))
        linked = linked.select("entity_type", "src", "dst", F.lit(0).alias("count"), F.lit(0.0).alias("amount"),
                               "first_seen", "last_seen", F.lit(None).cast("long").alias("fraud_count"), "link_count")
        used = linked if used is None else used.unionByName(linked)
    if used is not None:  # a user may use an identifier in transactions and be linked to it as well
        used = used.groupBy("entity_type", "src", "dst").agg(
            F.sum("count").alias("count"), F.sum("amount").alias("amount"), F.min("first_seen").alias("first_seen"),
            F.max("last_seen").alias("last_seen"), F.sum("fraud_count").alias("fraud_count"),
            F.sum("link_count").alias("link_count"))
    if used is None:  # no identifier column and no links: no USED relationship
        used = rows.sparkSession.createDataFrame([], "entity_type string, src string, dst string, count long, "
                                                 "amount double, first_seen timestamp, last_seen timestamp, "
                                                 "fraud_count long, link_count long")
    ids = [rows.select("user_id"), rows.where(F.col("counterparty_id").isNotNull())
           .select(F.col("counterparty_id").alias("user_id"))]
    ids += [links.select("user_id")] if links is not None else []
    ids += [users.select("user_id")] if users is not None else []
    every = ids[0]
    for more in ids[1:]:
        every = every.unionByName(more)
    return {"users": every.distinct(), "paid": paid, "sent": sent, "used": used}
