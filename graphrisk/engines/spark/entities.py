"""Merchant and identifier features on Spark: the local engine's function, run per bucket of entities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.engines.spark.buckets import apply_by_group, bucket_of
from graphrisk.features.entities import entity_statistics
from graphrisk.graph.model import IDENTIFIER_TYPES

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

__all__ = ["entity_family", "ENTITY_COLUMNS"]

#: The columns of every entity table (identifiers add ``links``).
ENTITY_COLUMNS = ("users", "transactions", "amount_sum", "amount_per_transaction", "max_user_share", "span_days",
                  "user_amount_cv", "synchronous_first_share")


def _statistics(edges: DataFrame, buckets: int, links: bool) -> DataFrame:
    columns = list(ENTITY_COLUMNS) + (["links"] if links else [])
    keys = ["entity_type", "dst"] if links else ["dst"]
    rows = edges.select(*keys, "count", "amount", "first_seen", "last_seen", *(["link_count"] if links else []))

    def per_bucket(part: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        tables = []
        for kind, group in (part.groupby("entity_type") if links else [("merchant", part)]):
            table = entity_statistics(group, pd.Index(group["dst"].unique(), name="node_id"), links=links)
            tables.append(table.reset_index().assign(node_type=kind))
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
            columns=["node_type", "node_id", *columns])

    return apply_by_group(rows, bucket_of(*keys, buckets=buckets), per_bucket,
                          [("node_type", "string"), ("node_id", "string"), *((c, "double") for c in columns)])


def entity_family(paid: DataFrame, used: DataFrame, *, buckets: int) -> dict[str, DataFrame]:
    """Per merchant and per identifier type, :func:`graphrisk.features.entities.entity_features`' columns.

    Parameters
    ----------
    paid, used
        The graph's ``PAID`` and ``USED`` relationships
        (:func:`~graphrisk.engines.spark.relationships`).
    buckets
        How many groups the entities are hashed into.

    Returns
    -------
    dict
        ``{"merchant": DataFrame, "device": ..., ...}``: ``node_id`` then the columns, one
        table for the merchants and one per identifier type (empty when none is used).
    """
    from pyspark.sql import functions as F

    merchants = _statistics(paid, buckets, links=False)
    identifiers = _statistics(used, buckets, links=True)
    out = {"merchant": merchants.drop("node_type")}
    for kind in IDENTIFIER_TYPES:
        out[kind] = identifiers.where(F.col("node_type") == kind).drop("node_type")
    return out
