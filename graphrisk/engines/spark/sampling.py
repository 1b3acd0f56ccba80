"""A training sample of a graph too big for one machine: the labelled users' neighbourhoods.

The detector learns from the labelled users only, and a network of ``L`` rounds reads, for
a user, nothing beyond ``L`` hops. So training needs the labelled users' ``L``-hop
neighbourhoods, not the whole graph. :func:`training_sample` gathers them on Spark:

1. **Seeds**: every labelled user, plus a share of the unlabelled users drawn by a hash of
   ``(seed, user_id)``. The unlabelled ones keep the sample's mix of users close to the
   whole graph's (the scalers and the drift profile are fitted on the sample).
2. **Hops**: from the seeds, ``hops`` times, each node keeps at most ``fanout`` of its
   relationships per relation (``paid``, ``sent``, ``used`` per identifier type, and their
   reverses), drawn by a hash of ``(seed, pair)``; the far ends are the next hop's nodes.
   This is the trainer's own neighbour sampling (:mod:`graphrisk.model.sampling`) done
   once, on the cluster, so that a merchant with a million payers brings ``fanout`` of them.
3. **Rows**: every transaction and identifier link of a kept relationship, so a kept
   relationship has the whole graph's aggregates. A kept transaction also brings the
   other identifiers it names (its device, say); those extra relationships are partial.
4. **Inputs**: every node of those rows gets the node inputs of the **whole** graph
   (:func:`~graphrisk.engines.spark.scoring.node_input_tables`), so degrees, components,
   communities and centralities are those the model will see when it scores.

With ``fanout`` at least every node's degree, the seeds read exactly what they read in the
whole graph: their scores on the sample equal their scores on the whole graph (tested at
1e-5). With a smaller ``fanout`` training sees sampled neighbourhoods, as mini-batch
training does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphrisk.io.schema import TRANSACTION_ENTITY_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame

__all__ = ["TrainingSample", "training_sample", "relationship_ends", "seed_users"]

#: The hash range the unlabelled share is drawn from.
_DRAW_RANGE = 1_000_000


@dataclass
class TrainingSample:
    """A training sample, collected on the driver as the local engine's tables.

    Attributes
    ----------
    transactions, links, users, labels
        The canonical tables of the sample (``links``/``users`` ``None`` when not given).
    inputs
        Per node type, the whole graph's raw node inputs of the sample's nodes (indexed by id).
    counts
        What was sampled: ``seeds``, ``labelled``, ``unlabelled_seeds``, ``relationships``,
        ``transactions``, ``links``, ``users`` and ``nodes``.
    """

    transactions: pd.DataFrame
    links: pd.DataFrame | None
    users: pd.DataFrame | None
    labels: pd.DataFrame
    inputs: dict[str, pd.DataFrame]
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self, whole: dict[str, int] | None = None) -> str:
        """One line: seeds, relationships and rows sampled (out of ``whole``'s, when given)."""
        c = self.counts

        def of(name: str) -> str:
            return f"{c[name]:,}" + (f" of {whole[name]:,}" if whole and name in whole else "")

        return (f"training sample: {c['seeds']:,} seed users ({c['labelled']:,} labelled, {c['unlabelled_seeds']:,} "
                f"unlabelled drawn), {c['relationships']:,} relationships kept; {of('transactions')} transactions, "
                f"{of('links')} links, {c['nodes']:,} nodes")


def _hash_rank(seed: int, *columns: str) -> Column:
    from pyspark.sql import functions as F

    return F.xxhash64(F.lit(seed), *columns)


def relationship_ends(tables: dict[str, DataFrame]) -> DataFrame:
    """``node, other, relation, pair``: both directions of every relationship.

    ``node``/``other`` are ``u:<user>``, ``merchant:<id>`` or ``<identifier type>:<id>``;
    ``pair`` names the relationship the same way from either end (``u:a|merchant:m``,
    ``u:a|u:b`` for a transfer from ``a`` to ``b``).
    """
    from pyspark.sql import functions as F

    def both(frame: DataFrame, src: Column, dst: Column, relation: Column, pair: Column) -> DataFrame:
        ends = frame.select(src.alias("a"), dst.alias("b"), relation.alias("relation"), pair.alias("pair"))
        return ends.select(F.col("a").alias("node"), F.col("b").alias("other"), "relation", "pair").unionByName(
            ends.select(F.col("b").alias("node"), F.col("a").alias("other"),
                        F.concat(F.lit("rev_"), "relation").alias("relation"), "pair"))

    user = F.concat(F.lit("u:"), "src")
    paid = F.concat(F.lit("merchant:"), "dst")
    sent = F.concat(F.lit("u:"), "dst")
    used = F.concat_ws(":", "entity_type", "dst")
    parts = [both(tables["paid"], user, paid, F.lit("paid"), F.concat_ws("|", user, paid)),
             both(tables["sent"], user, sent, F.lit("sent"), F.concat_ws("|", user, sent)),
             both(tables["used"], user, used, F.concat(F.lit("used_"), "entity_type"), F.concat_ws("|", user, used))]
    return parts[0].unionByName(parts[1]).unionByName(parts[2])


def seed_users(users: DataFrame, labels: DataFrame, *, unlabelled_share: float, seed: int) -> DataFrame:
    """``user_id, labelled``: every labelled user, and the unlabelled users a hash of ``(seed, user_id)`` draws.

    Raises
    ------
    ValueError
        ``unlabelled_share`` is not in [0, 1].
    """
    from pyspark.sql import functions as F

    if not 0.0 <= unlabelled_share <= 1.0:
        raise ValueError(f"unlabelled_share must be between 0 and 1, got {unlabelled_share}")
    labelled = labels.select("user_id", F.lit(True).alias("labelled")).distinct()
    drawn = F.pmod(_hash_rank(seed, "user_id"), F.lit(_DRAW_RANGE)) < F.lit(int(round(unlabelled_share * _DRAW_RANGE)))
    others = users.select("user_id").distinct().join(labelled, "user_id", "left_anti").where(drawn) \
        .select("user_id", F.lit(False).alias("labelled"))
    return labelled.unionByName(others)


def _expand(ends: DataFrame, seeds: DataFrame, *, hops: int, fanout: int, seed: int) -> DataFrame:
    """The pairs kept by ``hops`` rounds of capped expansion from ``seeds`` (``node``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    frontier = seeds.select("node").distinct()
    visited = frontier
    kept = None
    for hop in range(hops):
        reached = frontier.join(ends, "node")
        order = Window.partitionBy("node", "relation").orderBy(_hash_rank(seed + hop, "pair"), "pair")
        chosen = reached.withColumn("_rank", F.row_number().over(order)).where(F.col("_rank") <= fanout)
        chosen = chosen.select("pair", "other").localCheckpoint()  # the plan would grow with every hop
        pairs = chosen.select("pair")
        kept = pairs if kept is None else kept.unionByName(pairs)
        frontier = chosen.select(F.col("other").alias("node")).distinct().join(visited, "node", "left_anti") \
            .localCheckpoint()
        visited = visited.unionByName(frontier)
    return kept.distinct()


def _transaction_pairs(transactions: DataFrame) -> DataFrame:
    """``transaction_id, pair``: every relationship a transaction row makes."""
    from pyspark.sql import functions as F

    user = F.concat(F.lit("u:"), "user_id")
    ends = [F.concat(F.lit("merchant:"), "merchant_id"), F.concat(F.lit("u:"), "counterparty_id"),
            *(F.concat(F.lit(f"{kind}:"), column) for column, kind in TRANSACTION_ENTITY_COLUMNS.items()
              if column in transactions.columns)]
    pairs = F.array(*(F.when(end.isNotNull(), F.concat_ws("|", user, end)) for end in ends))
    return transactions.select("transaction_id", F.explode(pairs).alias("pair")).where(F.col("pair").isNotNull())


def _local(frame: DataFrame) -> pd.DataFrame:
    """A DataFrame collected on the driver through Arrow."""
    return frame.toArrow().to_pandas()


def training_sample(transactions: DataFrame, links: DataFrame | None, users: DataFrame | None,
                    labels: DataFrame, tables: dict[str, DataFrame], inputs: dict[str, DataFrame], *,
                    hops: int, fanout: int, unlabelled_share: float, seed: int = 0) -> TrainingSample:
    """The labelled users' ``hops``-hop neighbourhoods and a drawn share of the others, collected on the driver.

    Parameters
    ----------
    transactions, links, users, labels
        Validated tables (:func:`~graphrisk.engines.spark.read_validated`); ``labels`` names
        known users only.
    tables
        :func:`~graphrisk.engines.spark.relationships` of the whole graph.
    inputs
        Raw node inputs of the whole graph (:func:`~graphrisk.engines.spark.scoring.node_input_tables`).
    hops
        The model's rounds of message passing.
    fanout
        Relationships kept per node and relation at each hop.
    unlabelled_share
        Share of the unlabelled users that join the seeds.
    seed
        Seed of the draws.

    Raises
    ------
    ValueError
        ``hops`` or ``fanout`` below 1, or ``unlabelled_share`` outside [0, 1].
    """
    from pyspark.sql import functions as F

    if hops < 1 or fanout < 1:
        raise ValueError(f"hops and fanout must be at least 1, got {hops} and {fanout}")
    seeds = seed_users(tables["users"], labels, unlabelled_share=unlabelled_share, seed=seed).cache()
    kept = _expand(relationship_ends(tables), seeds.select(F.concat(F.lit("u:"), "user_id").alias("node")),
                   hops=hops, fanout=fanout, seed=seed).cache()
    rows = _transaction_pairs(transactions).join(kept, "pair", "left_semi").select("transaction_id").distinct()
    sampled_tx = transactions.join(rows, "transaction_id", "left_semi").drop("source", "line").cache()
    sampled_links = None
    if links is not None:
        pair = F.concat_ws("|", F.concat(F.lit("u:"), "user_id"), F.concat_ws(":", "entity_type", "entity_id"))
        sampled_links = links.withColumn("pair", pair).join(kept, "pair", "left_semi").drop("pair", "source", "line")
    node_parts = [sampled_tx.select(F.concat(F.lit("u:"), c).alias("node")) for c in ("user_id", "counterparty_id")]
    node_parts.append(sampled_tx.select(F.concat(F.lit("merchant:"), "merchant_id").alias("node")))
    node_parts += [sampled_tx.select(F.concat(F.lit(f"{kind}:"), column).alias("node"))
                   for column, kind in TRANSACTION_ENTITY_COLUMNS.items() if column in sampled_tx.columns]
    if sampled_links is not None:
        node_parts.append(sampled_links.select(F.concat_ws(":", "entity_type", "entity_id").alias("node")))
        node_parts.append(sampled_links.select(F.concat(F.lit("u:"), "user_id").alias("node")))
    node_parts.append(seeds.select(F.concat(F.lit("u:"), "user_id").alias("node")))  # a seed known from users only
    nodes = node_parts[0]
    for part in node_parts[1:]:
        nodes = nodes.unionByName(part)
    nodes = nodes.where(F.col("node").isNotNull()).distinct().cache()
    sampled_users = nodes.where(F.col("node").startswith("u:")).select(F.expr("substring(node, 3)").alias("user_id"))
    collected_inputs = {}
    for kind, table in inputs.items():
        prefix = "u:" if kind == "user" else f"{kind}:"
        part = table.join(nodes.where(F.col("node").startswith(prefix))
                          .select(F.expr(f"substring(node, {len(prefix) + 1})").alias("node_id")), "node_id", "left_semi")
        local = _local(part)
        local.index = local.pop("node_id").astype(str)
        collected_inputs[kind] = local.astype("float64")
    sample = TrainingSample(
        transactions=_local(sampled_tx),
        links=_local(sampled_links) if sampled_links is not None else None,
        users=_local(users.join(sampled_users, "user_id", "left_semi").drop("source", "line"))
        if users is not None else None,
        labels=_local(labels.drop("source", "line")),
        inputs=collected_inputs,
    )
    seeds_count = seeds.groupBy().agg(F.count(F.lit(1)), F.count(F.when(F.col("labelled"), 1))).first()
    sample.counts = {"seeds": int(seeds_count[0]), "labelled": int(seeds_count[1]),
                     "unlabelled_seeds": int(seeds_count[0] - seeds_count[1]), "relationships": kept.count(),
                     "transactions": len(sample.transactions),
                     "links": len(sample.links) if sample.links is not None else 0,
                     "users": len(collected_inputs.get("user", ())), "nodes": int(nodes.count())}
    for frame in (seeds, kept, sampled_tx, nodes):
        frame.unpersist()
    return sample
