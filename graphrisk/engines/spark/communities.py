"""Community and centrality features with NetworkX, one shard at a time on the workers.

Each shard (whole components of the evidence graph, :mod:`~graphrisk.engines.spark.shards`)
gets its users and its projection edges; the local engine's
:func:`~graphrisk.features.community.community_features` and
:func:`~graphrisk.features.centrality.centrality_features` run on them. What this gives,
against the local engine on the whole graph:

* **eigenvector** centrality is computed per projection component in both: equal up to
  the power iteration's tolerance;
* **PageRank** restricted to a component is PageRank computed on that component alone
  times a constant: with damping ``a``, every isolated user holds ``c`` and every other
  user ``c / (1 - a)`` on average, ``c`` set by the total of 1. So a shard's values are
  scaled by ``(isolated + linked / (1 - a))`` of the shard over the same of all users
  (:func:`pagerank_scale`): equal up to NetworkX's convergence tolerance;
* **PageRank** of NetworkX stops when the changes sum to under ``n * 1e-6``: on
  10,000 users that leaves about 1% per user, in either engine;
* **sampled betweenness** is rescaled to the whole graph's normalisation
  (:func:`betweenness_scale`): an estimate of the same value from other samples;
* **Louvain** and label propagation are seeded random algorithms: run per shard they find
  communities of their own, not the ones a whole-graph run finds (same seed, same rules;
  not comparable value by value).
  Community numbers are made unique across shards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import apply_by_group
from graphrisk.engines.spark.projection import identifier_pairs, merchant_pairs
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

__all__ = ["community_centrality", "pagerank_scale", "betweenness_scale", "COMMUNITY_COLUMNS", "CENTRALITY_COLUMNS"]

#: The community family, in the local engine's order.
COMMUNITY_COLUMNS = ("louvain_community", "louvain_size", "louvain_density", "louvain_weight_share",
                     "label_propagation_size", "merchant_louvain_community", "merchant_louvain_size",
                     "merchant_louvain_density", "merchant_louvain_weight_share")
#: The centrality family, in the local engine's order.
CENTRALITY_COLUMNS = ("pagerank", "betweenness", "eigenvector", "merchant_pagerank")


#: NetworkX's PageRank damping (its default, which the local engine uses).
DAMPING = 0.85


def pagerank_scale(graph, linked: int, total: int) -> float:
    """What a shard's PageRank (``graph`` alone) is multiplied by to equal the whole graph's.

    ``linked`` and ``total``: users with an edge, and all users, of the whole projection.
    """
    shard_linked = sum(1 for _, degree in graph.degree() if degree > 0)
    shard_isolated = graph.number_of_nodes() - shard_linked

    def mass(isolated: int, with_edges: int) -> float:
        return isolated + with_edges / (1 - DAMPING)

    return mass(shard_isolated, shard_linked) / mass(total - linked, linked)


def betweenness_scale(graph, linked: int) -> float:
    """What a shard's normalised betweenness is multiplied by to estimate the whole graph's.

    Shortest paths stay inside components, so a user's raw betweenness is the same in its
    shard as in the whole graph; NetworkX divides it by ``(n - 1)(n - 2)``, ``n`` the users
    with an edge (of the shard, of the whole projection). With sampled sources both are
    estimates of that value (equal in expectation, not value by value).
    """
    shard_linked = sum(1 for _, degree in graph.degree() if degree > 0)
    if linked < 3 or shard_linked < 3:
        return 1.0
    return (shard_linked - 1) * (shard_linked - 2) / ((linked - 1) * (linked - 2))


def _per_shard(counts: dict[str, tuple[int, int]], seed: int, betweenness_k: int, families: tuple[str, ...]):
    def run(rows: pd.DataFrame) -> pd.DataFrame:
        import networkx as nx
        import pandas as pd

        from graphrisk.features.centrality import centrality_features
        from graphrisk.features.community import community_features

        users = sorted(rows.loc[rows["kind"] == "user", "a"])
        graphs = {}
        for kind in ("identifier", "merchant"):
            graph = nx.Graph()
            graph.add_nodes_from(users)
            edges = rows[rows["kind"] == kind]
            graph.add_weighted_edges_from(zip(edges["a"], edges["b"], edges["weight"].astype(float)))
            graphs[kind] = graph
        parts = []
        if "community" in families:
            parts.append(community_features(graphs["identifier"], seed=seed))
            parts.append(community_features(graphs["merchant"], seed=seed, prefix="merchant_", label_propagation=False))
        if "centrality" in families:
            centrality = centrality_features(graphs["identifier"], seed=seed, betweenness_k=betweenness_k)
            centrality["pagerank"] *= pagerank_scale(graphs["identifier"], *counts["identifier"])
            centrality["betweenness"] *= betweenness_scale(graphs["identifier"], counts["identifier"][0])
            merchant = pd.Series(nx.pagerank(graphs["merchant"], weight="weight")) \
                * pagerank_scale(graphs["merchant"], *counts["merchant"])
            parts.append(centrality.assign(merchant_pagerank=merchant.reindex(centrality.index)))
        out = pd.concat(parts, axis=1).rename_axis("user_id").reset_index()
        return out.assign(shard=int(rows["shard"].iloc[0]))

    return run


def community_centrality(shard_users: DataFrame, paid: DataFrame, used: DataFrame, *, families: tuple[str, ...],
                         hub_cap: int = DEFAULT_HUB_CAP, merchant_hub_cap: int = 20, seed: int = 0,
                         betweenness_k: int = 256) -> DataFrame:
    """Per user, the community and/or centrality families, computed shard by shard.

    Parameters
    ----------
    shard_users
        ``user_id, component, shard`` (:func:`~graphrisk.engines.spark.shards.assign_shards`,
        made with a cap at least ``hub_cap`` and ``merchant_hub_cap``, so projection components
        stay whole unless a giant was split: edges between its pieces are left out).
    paid, used
        The graph's relationships.
    families
        ``community`` and/or ``centrality``.
    hub_cap, merchant_hub_cap, seed, betweenness_k
        As in :func:`graphrisk.compute_features`.

    Returns
    -------
    pyspark.sql.DataFrame
        ``user_id`` and the families' columns in the local engine's order.
    """
    from pyspark.sql import functions as F

    columns = (list(COMMUNITY_COLUMNS) if "community" in families else []) + \
        (list(CENTRALITY_COLUMNS) if "centrality" in families else [])
    total = shard_users.count()
    # an edge between two components (pieces of a split giant, :mod:`.shards`) is left out: a piece runs alone
    shard_of = shard_users.select(F.col("user_id").alias("a"), "shard", "component")
    component_of = shard_users.select(F.col("user_id").alias("b"), F.col("component").alias("b_component"))
    edges = [identifier_pairs(used, hub_cap=hub_cap).withColumn("kind", F.lit("identifier")).cache(),
             merchant_pairs(paid, hub_cap=merchant_hub_cap).withColumn("kind", F.lit("merchant")).cache()]
    counts = {}  # per projection: users with an edge, all users (PageRank's scale)
    for part in edges:
        ends = part.select(F.col("a").alias("u")).unionByName(part.select(F.col("b").alias("u")))
        counts[part.first()["kind"] if part.head(1) else "none"] = (ends.distinct().count(), total)
    counts = {kind: counts.get(kind, (0, total)) for kind in ("identifier", "merchant")}
    rows = shard_users.select("shard", F.lit("user").alias("kind"), F.col("user_id").alias("a"),
                              F.lit(None).cast("string").alias("b"), F.lit(None).cast("double").alias("weight"))
    for part in edges:
        inside = part.join(shard_of, "a").join(component_of, "b").where(F.col("component") == F.col("b_component"))
        rows = rows.unionByName(inside.select("shard", "kind", "a", "b", "weight"))
    fields = [("user_id", "string"), ("shard", "long"), *((c, "double") for c in columns)]
    out = apply_by_group(rows, F.col("shard"), _per_shard(counts, seed, betweenness_k, tuple(families)), fields)
    if "community" not in families:
        return out.select("user_id", *columns)
    return _unique_communities(out.cache(), columns)


def _unique_communities(out: DataFrame, columns: list[str]) -> DataFrame:
    """Community numbers made unique across shards: each shard's numbers shifted past the shards before it."""
    from pyspark.sql import functions as F

    numbered = []
    for column in ("louvain_community", "merchant_louvain_community"):
        counts = out.groupBy("shard").agg((F.max(column) + 1).alias("n")).orderBy("shard").collect()
        offsets, start = [], 0.0
        for row in counts:
            offsets.append((row["shard"], start))
            start += row["n"]
        shift = out.sparkSession.createDataFrame(offsets, f"shard long, {column}_offset double")
        numbered.append((column, F.broadcast(shift)))
    for column, shift in numbered:
        out = out.join(shift, "shard").withColumn(column, F.col(column) + F.col(f"{column}_offset"))
    return out.select("user_id", *columns)
