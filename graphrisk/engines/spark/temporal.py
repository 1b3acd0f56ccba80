"""The temporal family on Spark, with the local engine's own functions run per bucket.

* behaviour (counts, amounts, velocity, burstiness, age at first payment) only depends on a
  user's own payments: users are hashed into buckets and each bucket runs
  :func:`~graphrisk.features.temporal.behaviour_features`;
* co-activity only depends on each merchant's payments: merchants are hashed into buckets
  running :func:`~graphrisk.features.temporal.coactivity_parts`, whose parts are added up
  before :func:`~graphrisk.features.temporal.coactivity_summary`'s rule is applied;
* the quick-forward share of a user needs the transfers it sent and received: every
  transfer goes to its sender's bucket and to its receiver's, and each bucket keeps the
  shares of its own users.

So the numbers equal the local engine's (tested at 1e-9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import apply_by_group, bucket_of
from graphrisk.features.temporal import (
    COACTIVITY_COLUMNS,
    FORWARD_WINDOW_SECONDS,
    behaviour_features,
    coactivity_parts,
    quick_forward_share,
)
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

__all__ = ["temporal_family", "BEHAVIOUR_COLUMNS"]

#: The behaviour columns, in the local engine's order (``age_at_first_tx_days`` with account ages).
BEHAVIOUR_COLUMNS = ("tx_count", "amount_sum", "amount_mean", "amount_max", "amount_std", "active_days",
                     "velocity_per_day", "burstiness")


def _behaviour(transactions: DataFrame, users: DataFrame, buckets: int, with_age: bool) -> DataFrame:
    from pyspark.sql import functions as F

    end = transactions.agg(F.max(F.unix_micros("timestamp"))).first()[0]
    end_seconds = float(end) / 1e6 if end is not None else 0.0
    rows = transactions.select("user_id", "amount", "timestamp")
    columns = list(BEHAVIOUR_COLUMNS) + (["age_at_first_tx_days"] if with_age else [])
    if with_age:
        rows = rows.join(users.select("user_id", F.col("account_age_days").cast("double")), "user_id", "left")

    def per_bucket(tx: pd.DataFrame) -> pd.DataFrame:
        ages = tx.groupby("user_id")["account_age_days"].first() if with_age else None
        out = behaviour_features(tx, tx["user_id"].unique(), end_seconds=end_seconds, account_age_days=ages)
        return out.rename_axis("user_id").reset_index()

    return apply_by_group(rows, bucket_of("user_id", buckets=buckets), per_bucket,
                          [("user_id", "string"), *((c, "double") for c in columns)])


def _coactivity(transactions: DataFrame, buckets: int, window_seconds: float, hub_cap: int) -> DataFrame:
    from pyspark.sql import functions as F

    paid = transactions.where(F.col("merchant_id").isNotNull()).select(
        "user_id", "merchant_id", (F.unix_micros("timestamp") / 1e6).alias("t"))

    def per_bucket(rows: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        nearby, pairs = coactivity_parts(rows, window_seconds, hub_cap)
        return pd.concat([pd.DataFrame({"user": nearby.index.astype(str), "partner": None, "n": nearby.to_numpy()}),
                          pairs.assign(n=pairs["n"].astype(float))], ignore_index=True)

    parts = apply_by_group(paid, bucket_of("merchant_id", buckets=buckets), per_bucket,
                           [("user", "string"), ("partner", "string"), ("n", "double")])
    nearby = parts.where(F.col("partner").isNull()).groupBy("user").agg(F.sum("n").alias("coactive_payments"))
    pairs = parts.where(F.col("partner").isNotNull()).groupBy("user", "partner").agg(F.sum("n").alias("n"))
    partners = pairs.groupBy("user").agg(F.count(F.lit(1)).cast("double").alias("coactive_partners"),
                                         (F.max("n") / F.sum("n")).alias("coactivity_concentration"))
    return nearby.join(partners, "user", "left").withColumnRenamed("user", "user_id")


def _quick_forward(transactions: DataFrame, buckets: int) -> DataFrame:
    from pyspark.sql import functions as F

    transfers = transactions.where(F.col("counterparty_id").isNotNull()).select(
        "user_id", "counterparty_id", "timestamp")
    sender = bucket_of("user_id", buckets=buckets)
    owners = F.array_distinct(F.array(sender, bucket_of("counterparty_id", buckets=buckets)))
    spread = transfers.withColumn("sender_bucket", sender).withColumn("bucket", F.explode(owners))

    def per_bucket(rows: pd.DataFrame) -> pd.DataFrame:
        # a bucket holds every transfer its own senders sent or received: keep their shares only
        own = rows.loc[rows["sender_bucket"] == rows["bucket"], "user_id"].unique()
        share = quick_forward_share(rows, FORWARD_WINDOW_SECONDS)
        return share[share.index.isin(own)].rename("quick_forward_share").rename_axis("user_id").reset_index()

    return apply_by_group(spread, F.col("bucket"), per_bucket, [("user_id", "string"), ("quick_forward_share", "double")])


def temporal_family(transactions: DataFrame, users: DataFrame, *, buckets: int, hub_cap: int = DEFAULT_HUB_CAP,
                    window_seconds: float = 3600.0) -> DataFrame:
    """Per user, the local engine's temporal columns (see :func:`graphrisk.features.temporal.temporal_features`).

    Parameters
    ----------
    transactions
        Validated canonical transactions (``timestamp`` a timestamp).
    users
        Every user (``user_id``), with ``account_age_days`` when the users table has it.
    buckets
        How many groups the rows are hashed into (a few per core of the cluster).
    hub_cap
        Merchants with more distinct payers are left out of partner counts.
    window_seconds
        The co-activity window.

    Returns
    -------
    pyspark.sql.DataFrame
        ``user_id`` and the temporal columns in the local engine's order (users without
        payments: 0).
    """
    from pyspark.sql import functions as F

    with_age = "account_age_days" in users.columns
    columns = list(BEHAVIOUR_COLUMNS) + (["age_at_first_tx_days"] if with_age else []) \
        + list(COACTIVITY_COLUMNS) + ["quick_forward_share"]
    out = users.select("user_id")
    for part in (_behaviour(transactions, users, buckets, with_age),
                 _coactivity(transactions, buckets, window_seconds, hub_cap),
                 _quick_forward(transactions, buckets)):
        out = out.join(part, "user_id", "left")
    # NaN (burstiness of a user with under three payments) and missing both become 0, as locally
    return out.select("user_id", *(F.coalesce(F.nanvl(F.col(c), F.lit(0.0)), F.lit(0.0)).alias(c) for c in columns))
