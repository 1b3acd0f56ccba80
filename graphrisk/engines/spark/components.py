"""Connected components of an edge DataFrame: large-star / small-star (Kiveris et al., 2014).

The algorithm GraphFrames uses, written on plain DataFrames (the GraphFrames jar is not
needed). Each round applies the two operations to the undirected edge set:

* **large-star**: every node ``u`` links each neighbour ``v > u`` to ``m(u)``, the smallest
  of ``u`` and its neighbours;
* **small-star**: every node ``u`` links itself and each neighbour ``v < u`` to the smallest
  of those.

Both keep the components and shrink their diameter; when a round changes nothing, every
component is a star around its smallest node, which labels it. Node ids only need an order
(integers or strings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.errors import GraphRiskError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["connected_components"]


def _canonical(edges: DataFrame, a: str, b: str) -> DataFrame:
    """Undirected edges as ``(small, large)`` pairs, without self-loops or repeats."""
    from pyspark.sql import functions as F

    return (edges.where(F.col(a) != F.col(b))
            .select(F.least(a, b).alias("small"), F.greatest(a, b).alias("large")).distinct())


def _large_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    both = edges.select(F.col("small").alias("u"), F.col("large").alias("v")).unionByName(
        edges.select(F.col("large").alias("u"), F.col("small").alias("v")))
    smallest = both.groupBy("u").agg(F.min("v").alias("m")).select("u", F.least("u", "m").alias("m"))
    linked = both.join(smallest, "u").where(F.col("v") > F.col("u")).select("v", "m")
    return _canonical(linked, "v", "m")


def _small_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    down = edges.select(F.col("large").alias("u"), F.col("small").alias("v"))  # every neighbour v < u
    smallest = down.groupBy("u").agg(F.min("v").alias("m"))
    members = down.join(smallest, "u").select("v", "m").unionByName(smallest.select(F.col("u").alias("v"), "m"))
    return _canonical(members, "v", "m")


def _fingerprint(edges: DataFrame) -> tuple:
    """The edge set's size and two sums of 64-bit hashes of its edges: one job on the checkpointed rows.

    Two edge sets of distinct ``(small, large)`` pairs with equal fingerprints are equal but
    with a probability of about 2^-128 (the rounds only ever change edges, never add copies).
    """
    from pyspark.sql import functions as F

    row = edges.agg(F.count(F.lit(1)), F.sum(F.xxhash64("small", "large").cast("decimal(38,0)")),
                    F.sum(F.xxhash64("large", "small", F.lit(1)).cast("decimal(38,0)"))).first()
    return tuple(row)


def connected_components(
    edges: DataFrame, *, src: str = "src", dst: str = "dst", max_rounds: int = 100
) -> DataFrame:
    """The component of every node that has an edge: ``(id, component)``, the component named by its smallest id.

    Parameters
    ----------
    edges
        One row per edge; direction, repeats and self-loops do not matter.
    src, dst
        The columns holding the two ends (the same orderable type).
    max_rounds
        A bound on the rounds (each at least halves the work left on real graphs; the
        number grows with the log of the largest component's diameter).

    Returns
    -------
    pyspark.sql.DataFrame
        ``id``, ``component``; nodes without an edge (but a self-loop) are absent: they are
        components of their own.

    Raises
    ------
    GraphRiskError
        ``max_rounds`` passed without convergence.
    """
    from pyspark.sql import functions as F

    current = _canonical(edges, src, dst).localCheckpoint()
    seen = _fingerprint(current)
    for _ in range(max_rounds):
        following = _small_star(_large_star(current)).localCheckpoint()
        reached = _fingerprint(following)
        if reached == seen:  # the edge set did not change: every component is a star
            roots = following.select(F.col("small").alias("id"), F.col("small").alias("component"))
            members = following.select(F.col("large").alias("id"), F.col("small").alias("component"))
            return roots.unionByName(members).distinct()
        current, seen = following, reached
    raise GraphRiskError(f"connected components did not converge in {max_rounds} rounds")
