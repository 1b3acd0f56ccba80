"""The hub-capped identifier and merchant projections as DataFrames of weighted user pairs.

The same pairs and weights as :func:`graphrisk.graph.projection.identifier_projection`:
entities used by more than ``hub_cap`` users are left out, and a pair made through an
entity of degree ``d`` weighs ``1 / (d - 1)``, summed over the entities the two share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["identifier_pairs", "merchant_pairs"]


def _pairs(incidence: DataFrame, hub_cap: int) -> DataFrame:
    """Weighted user pairs from distinct ``entity, user`` rows (entities over the cap left out)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if hub_cap < 2:
        raise ValueError(f"hub_cap must be >= 2, got {hub_cap}")
    degree = incidence.withColumn("degree", F.count(F.lit(1)).over(Window.partitionBy("entity")))
    kept = degree.where((F.col("degree") > 1) & (F.col("degree") <= hub_cap)) \
        .withColumn("weight", 1.0 / (F.col("degree") - 1))
    left = kept.select("entity", F.col("user").alias("a"), "weight")
    right = kept.select("entity", F.col("user").alias("b"))
    return left.join(right, "entity").where(F.col("a") < F.col("b")).groupBy("a", "b").agg(F.sum("weight").alias("weight"))


def identifier_pairs(used: DataFrame, *, hub_cap: int = DEFAULT_HUB_CAP) -> DataFrame:
    """User pairs sharing identifiers: ``a, b, weight`` with ``a < b``.

    Parameters
    ----------
    used
        The ``USED`` relationships: ``src`` (user), ``dst`` (identifier), ``entity_type``.
    hub_cap
        Identifiers used by more users join nobody.

    Raises
    ------
    ValueError
        ``hub_cap`` below 2.
    """
    from pyspark.sql import functions as F

    return _pairs(used.select(F.concat_ws(":", "entity_type", "dst").alias("entity"), F.col("src").alias("user"))
                  .distinct(), hub_cap)


def merchant_pairs(paid: DataFrame, *, hub_cap: int) -> DataFrame:
    """User pairs that paid the same small merchants (:func:`graphrisk.graph.projection.merchant_projection`)."""
    from pyspark.sql import functions as F

    return _pairs(paid.select(F.col("dst").alias("entity"), F.col("src").alias("user")).distinct(), hub_cap)
