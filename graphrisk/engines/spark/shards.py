"""Users grouped into shards: whole components of an evidence graph, packed by hashing.

The evidence graph joins two users when they share an identifier with at most ``hub_cap``
users or a merchant with at most ``merchant_hub_cap`` users, and (``transfers=True``) when
one sent money to the other. What a shard computes for its users then needs no other shard:

* for features, ``hub_cap`` and ``merchant_hub_cap`` are the projections' caps (50 and 20
  by default): a shard holds whole components of both projections;
* for rings, both caps are the rings' ``max_entity_users`` (50) and transfers count:
  candidate ties are made of exactly these entities and transfers.

The largest shard is reported, and is the limit of one worker's memory. On generated worlds
the rings' evidence graph has a giant component (merchants with 21 to 50 payers join half of
the users of a 10,000-user world), the features' one does not (its largest component is under
a sixth of the users, 44,296 of 277,008 at 3M transactions).

**Splitting a giant component** (``max_component_users``). A component with more users is cut
again with both caps halved (identifiers 50 -> 25 -> 12 ..., merchants 20 -> 10 -> 5 ...),
over and over until every piece fits or both caps are down to 1 (no shared entity ties
anyone; what is left stays whole and is reported). The busiest shared entities go first:
they are the weakest evidence (a device of 40 users says less than a device of 3). A piece is
then a component of its own: the community and centrality families run on it alone, so ties
to the rest of its old component are not seen (the effect is measured in bench/RESULTS.md,
area ``component_split``); the other families do not depend on shards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import bucket_of
from graphrisk.engines.spark.components import connected_components
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["assign_shards", "Shards", "DEFAULT_MAX_COMPONENT_USERS"]

#: The features' default ``max_component_users``: at 3M transactions a shard of 160,731 users
#: peaked at 1,251 MB in its Python worker (bench/RESULTS.md, area ``engines``), so about 4 GB.
DEFAULT_MAX_COMPONENT_USERS = 500_000


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
        Users in the largest component (after any split).
    split
        Components cut by the giant-component rule, the users they held, and the caps the
        last cut used (``{}`` when nothing was cut).
    """

    users: DataFrame
    count: int
    largest: int
    largest_component: int
    split: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: shards, the largest shard and the largest component (and what was split)."""
        cut = ""
        if self.split:
            s = self.split
            cut = (f"; {s['components']:,} components of over {s['limit']:,} users split ({s['users']:,} users, "
                   f"caps down to {s['hub_cap']} and {s['merchant_hub_cap']})")
        return (f"shards: {self.count:,} (largest {self.largest:,} users; largest component "
                f"{self.largest_component:,} users{cut})")


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
                  transfers: bool = True, max_component_users: int | None = None) -> Shards:
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
    max_component_users
        A component with more users is split by the rule above (``None``: never split).
    """
    from pyspark.sql import functions as F

    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    components = connected_components(_evidence_edges(paid, sent, used, hub_cap, merchant_hub_cap, transfers))
    members = components.where(F.col("id").startswith("u:")).select(
        F.expr("substring(id, 3)").alias("user_id"), "component")
    members = users.select("user_id").distinct().join(members, "user_id", "left") \
        .withColumn("component", F.coalesce("component", F.concat(F.lit("u:"), "user_id")))
    split: dict = {}
    if max_component_users is not None:
        members, split = _split_giants(members, paid, sent, used, limit=max_component_users, hub_cap=hub_cap,
                                       merchant_hub_cap=merchant_hub_cap, transfers=transfers)
    table = members.withColumn("shard", bucket_of("component", buckets=shards).cast("int")).cache()
    sizes = table.groupBy("shard").count().agg(F.count(F.lit(1)), F.max("count")).first()
    largest_component = table.groupBy("component").count().agg(F.max("count")).first()[0]
    return Shards(users=table, count=int(sizes[0]), largest=int(sizes[1] or 0),
                  largest_component=int(largest_component or 0), split=split)


def _split_giants(members: DataFrame, paid: DataFrame, sent: DataFrame, used: DataFrame, *, limit: int, hub_cap: int,
                  merchant_hub_cap: int, transfers: bool) -> tuple[DataFrame, dict]:
    """``members`` (``user_id, component``) with every component over ``limit`` users cut by halving the caps."""
    from pyspark.sql import functions as F

    if limit < 1:
        raise ValueError(f"max_component_users must be >= 1, got {limit}")
    def over_limit(members: DataFrame) -> DataFrame:
        return members.groupBy("component").count().where(F.col("count") > limit)

    members = members.localCheckpoint()
    over = over_limit(members).localCheckpoint()
    found = over.agg(F.count(F.lit(1)), F.sum("count")).first()
    if not found[0]:
        return members, {}
    split = {"limit": limit, "components": int(found[0]), "users": int(found[1])}
    over, level = over.select("component"), 0
    while True:
        if level:  # what the last cut left over the limit
            over = over_limit(members).select("component")
            if over.isEmpty():
                break
        level += 1
        cap, merchant_cap = max(1, hub_cap >> level), max(1, merchant_hub_cap >> level)
        split.update(hub_cap=cap, merchant_hub_cap=merchant_cap)
        inside = members.join(over, "component")
        nodes = inside.select(F.concat(F.lit("u:"), "user_id").alias("src"))
        edges = _evidence_edges(paid, sent, used, cap, merchant_cap, transfers).join(nodes, "src", "left_semi")
        pieces = connected_components(edges).where(F.col("id").startswith("u:")).select(
            F.expr("substring(id, 3)").alias("user_id"), F.col("component").alias("piece"))
        cut = inside.join(pieces, "user_id", "left").select(
            "user_id", F.concat_ws("/", "component", F.lit(str(level)),
                                   F.coalesce("piece", F.concat(F.lit("u:"), "user_id"))).alias("component"))
        members = members.join(over, "component", "left_anti").select("user_id", "component") \
            .unionByName(cut).localCheckpoint()
        if cap == 1 and merchant_cap == 1:
            break  # no shared entity ties anyone now: what is still over the limit stays whole
    return members, split
