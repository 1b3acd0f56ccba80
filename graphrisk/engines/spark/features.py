"""Every user feature on Spark: :func:`graphrisk.compute_features`' table, family by family.

========================  ==================================================  ==================
family                    how                                                 against local
========================  ==================================================  ==================
structure, flow           DataFrame aggregations; components by large-star/   equal (1e-9)
                          small-star; core number and clustering per
                          projection component (NetworkX)
temporal                  the local functions per bucket of users/merchants   equal (1e-9)
community, centrality     NetworkX per shard (:mod:`.communities`)             see there
========================  ==================================================  ==================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from graphrisk.engines.spark.aggregates import FLOW_COLUMNS, STRUCTURE_COUNTS, aggregate_features
from graphrisk.engines.spark.communities import community_centrality
from graphrisk.engines.spark.per_component import PROJECTION_COLUMNS, projection_structure
from graphrisk.engines.spark.projection import identifier_pairs
from graphrisk.engines.spark.shards import Shards
from graphrisk.engines.spark.temporal import temporal_family
from graphrisk.features.compute import FAMILIES
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["spark_features"]


def spark_features(
    tables: dict[str, DataFrame],
    shards: Shards,
    *,
    transactions: DataFrame | None = None,
    families: Sequence[str] = FAMILIES,
    hub_cap: int = DEFAULT_HUB_CAP,
    seed: int = 0,
    betweenness_k: int = 256,
    buckets: int = 8,
) -> DataFrame:
    """The features of every user, in the local engine's column order.

    Parameters
    ----------
    tables
        ``users`` (``user_id`` and any attributes), ``paid``, ``sent`` and ``used``
        (:func:`~graphrisk.engines.spark.relationships`).
    shards
        From :func:`~graphrisk.engines.spark.assign_shards` with this ``hub_cap``.
    transactions
        The validated transactions (needed by the temporal family).
    families, hub_cap, seed, betweenness_k
        As in :func:`graphrisk.compute_features` (its default co-activity window, one hour,
        and merchant hub cap, 20).
    buckets
        Groups the temporal family's rows are hashed into.

    Raises
    ------
    ValueError
        An unknown family, or the temporal family without transactions.
    """
    from pyspark.sql import functions as F

    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown feature families {unknown}; choose from {', '.join(FAMILIES)}")
    if "temporal" in families and transactions is None:
        raise ValueError("temporal features need the transactions")
    users = tables["users"].select("user_id").distinct()
    out, columns = users, []
    if {"structure", "flow"} & set(families):
        aggregates = aggregate_features(users, tables["paid"], tables["sent"], tables["used"])
        if "structure" in families:
            aggregates = aggregates.join(projection_structure(users, identifier_pairs(tables["used"], hub_cap=hub_cap)),
                                         "user_id")
            columns += [*STRUCTURE_COUNTS, *PROJECTION_COLUMNS]
        columns += list(FLOW_COLUMNS) if "flow" in families else []
        out = out.join(aggregates, "user_id", "left")
    graph_families = tuple(f for f in ("community", "centrality") if f in families)
    if graph_families:
        part = community_centrality(shards.users, tables["paid"], tables["used"], families=graph_families,
                                    hub_cap=hub_cap, seed=seed, betweenness_k=betweenness_k)
        columns += [c for c in part.columns if c != "user_id"]
        out = out.join(part, "user_id", "left")
    if "temporal" in families:
        part = temporal_family(transactions, tables["users"], buckets=buckets, hub_cap=hub_cap)
        columns += [c for c in part.columns if c != "user_id"]
        out = out.join(part, "user_id", "left")
    return out.select("user_id", *(F.col(c).cast("double") for c in columns))
