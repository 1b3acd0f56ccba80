"""Users grouped into shards: whole components of an evidence graph, packed by hashing.

The evidence graph joins two users when they share an identifier with at most ``hub_cap``
users or a merchant with at most ``merchant_hub_cap`` users, and (``transfers=True``) when
one sent money to the other. What a shard computes for its users then needs no other shard:

* for features, ``hub_cap`` and ``merchant_hub_cap`` are the projections' caps (50 and 20
  by default): a shard holds whole components of both projections;
* for rings, both caps are the rings' ``max_entity_users`` (50) and transfers count:
  candidate ties are made of exactly these entities and transfers.

A component is never split: the largest shard is reported, and is the limit of one
worker's memory. On generated worlds the rings' evidence graph has a giant component
(merchants with 21 to 50 payers join half of the users of a 10,000-user world), the
features' one does not (its largest component is under a tenth of the users).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import bucket_of
from graphrisk.engines.spark.components import connected_components
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["assign_shards", "Shards"]


@dataclass
class Shards:
    """The shard of every user, and their sizes.

    Attributes
    ----------
    users
        ``user_id, component, shard``.
    count
        Shards holding at least one user.
    largest
        Users in the largest shard.
    largest_component
        Users in the largest component.
    """

    users: DataFrame
    count: int
    largest: int
    largest_component: int

    def summary(self) -> str:
        """One line: shards, the largest shard and the largest component."""
        return (f"shards: {self.count:,} (largest {self.largest:,} users; largest component "
                f"{self.largest_component:,} users)")


def _evidence_edges(paid: DataFrame, sent: DataFrame, used: DataFrame, hub_cap: int, merchant_hub_cap: int,
                    transfers: bool) -> DataFrame:
    """``src, dst`` node pairs: users ``u:id``, entities ``e:type:id``; entities over their cap left out."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    incidence = paid.select(F.col("src").alias("user"), F.concat(F.lit("merchant:"), "dst").alias("entity"),
                            F.lit(merchant_hub_cap).alias("cap")) \
        .unionByName(used.select(F.col("src").alias("user"), F.concat_ws(":", "entity_type", "dst").alias("entity"),
                                 F.lit(hub_cap).alias("cap"))).distinct()
    degree = F.count(F.lit(1)).over(Window.partitionBy("entity"))
    small = incidence.withColumn("degree", degree).where(F.col("degree") <= F.col("cap"))
    edges = small.select(F.concat(F.lit("u:"), "user").alias("src"), F.concat(F.lit("e:"), "entity").alias("dst"))
    if transfers:
        edges = edges.unionByName(
            sent.select(F.concat(F.lit("u:"), "src").alias("src"), F.concat(F.lit("u:"), "dst").alias("dst")))
    return edges


def assign_shards(users: DataFrame, paid: DataFrame, sent: DataFrame, used: DataFrame, *, shards: int,
                  hub_cap: int = DEFAULT_HUB_CAP, merchant_hub_cap: int = DEFAULT_HUB_CAP,
                  transfers: bool = True) -> Shards:
    """Put every user in one of ``shards`` shards, never splitting a component of the evidence graph.

    Parameters
    ----------
    users
        ``user_id`` of every user.
    paid, sent, used
        The graph's relationships (:func:`~graphrisk.engines.spark.relationships`).
    shards
        How many shards to hash the components into.
    hub_cap, merchant_hub_cap
        Identifiers, merchants with more users join nobody.
    transfers
        Whether transfers join their two users (rings: yes; features: not needed).
    """
    from pyspark.sql import functions as F

    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    components = connected_components(_evidence_edges(paid, sent, used, hub_cap, merchant_hub_cap, transfers))
    members = components.where(F.col("id").startswith("u:")).select(
        F.expr("substring(id, 3)").alias("user_id"), "component")
    table = users.select("user_id").distinct().join(members, "user_id", "left") \
        .withColumn("component", F.coalesce("component", F.concat(F.lit("u:"), "user_id"))) \
        .withColumn("shard", bucket_of("component", buckets=shards).cast("int")).cache()
    sizes = table.groupBy("shard").count().agg(F.count(F.lit(1)), F.max("count")).first()
    largest_component = table.groupBy("component").count().agg(F.max("count")).first()[0]
    return Shards(users=table, count=int(sizes[0]), largest=int(sizes[1] or 0),
                  largest_component=int(largest_component or 0))
