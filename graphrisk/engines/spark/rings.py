"""Rings of the flagged users on the driver, from the few relationships that can tie them.

Flagged users are a small share of all users, and a tie (:mod:`graphrisk.rings.ties`) is made
only by an identifier or merchant with at most ``max_entity_users`` users, at least two of them
flagged, or by a transfer between two flagged users. So the driver collects exactly those
relationships, plus the flagged users' payments for the rings' exposure, and runs the local
engine's :func:`~graphrisk.rings.group_rings` on them: the same rings as on the whole graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.projection import DEFAULT_HUB_CAP
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.rings import Rings, group_rings

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

__all__ = ["rings_of_flagged"]

#: Stands for a busy entity in the collected payments: each row its own entity, tying nobody.
_UNTIED = "\u0000untied:"


def _collected(frame: DataFrame) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([row.asDict() for row in frame.toLocalIterator()], columns=frame.columns)


def _tying(edges: DataFrame, keys: list[str], flagged: DataFrame, max_entity_users: int) -> DataFrame:
    """Every row of the entities (``keys``) with at most ``max_entity_users`` users, two or more flagged."""
    from pyspark.sql import functions as F

    marked = edges.join(flagged.select(F.col("user_id").alias("src"), F.lit(1).alias("is_flagged")), "src", "left")
    counts = marked.groupBy(*keys).agg(F.countDistinct("src").alias("users"),
                                       F.countDistinct(F.when(F.col("is_flagged") == 1, F.col("src"))).alias("flagged"))
    small = counts.where((F.col("users") <= max_entity_users) & (F.col("flagged") >= 2)).select(*keys)
    return edges.join(small, keys)


def rings_of_flagged(tables: dict[str, DataFrame], flagged: DataFrame, *, seed: int = 0,
                     max_entity_users: int = DEFAULT_HUB_CAP) -> Rings:
    """The rings of the flagged users, as :func:`graphrisk.rings.group_rings` finds them on the whole graph.

    Parameters
    ----------
    tables
        ``paid``, ``sent``, ``used`` (:func:`~graphrisk.engines.spark.relationships`).
    flagged
        ``user_id, risk_score`` of the flagged users only.
    seed
        Seed of the Louvain split of oversized groups (the model's seed, as locally).
    max_entity_users
        The rings' hub cap.
    """
    import pandas as pd
    from pyspark.sql import functions as F

    from graphrisk.graph.transaction_graph import EDGE_COLUMNS

    paid, sent, used = tables["paid"], tables["sent"], tables["used"]
    candidates = _collected(flagged)
    ids = flagged.select(F.col("user_id").alias("src"))
    tying_paid = _tying(paid, ["dst"], flagged, max_entity_users).select(*EDGE_COLUMNS)
    # the flagged users' other payments count in their ring's exposure but tie nobody
    other_paid = paid.join(ids, "src").join(tying_paid.select("src", "dst"), ["src", "dst"], "left_anti") \
        .withColumn("dst", F.concat(F.lit(_UNTIED), "src", F.lit("->"), "dst")).select(*EDGE_COLUMNS)
    paid_rows = _collected(tying_paid.unionByName(other_paid))
    used_rows = _collected(_tying(used, ["entity_type", "dst"], flagged, max_entity_users)
                           .select(*EDGE_COLUMNS, "entity_type", "link_count"))
    both = ids.join(sent, "src").join(flagged.select(F.col("user_id").alias("dst")), "dst").select(*EDGE_COLUMNS)
    sent_rows = _collected(both)
    users = pd.Index(pd.concat([candidates["user_id"], paid_rows["src"], used_rows["src"]]).astype("string").unique())
    graph = TransactionGraph(
        users=pd.DataFrame({"user_id": users.sort_values()}),
        merchants=pd.DataFrame({"merchant_id": paid_rows["dst"].astype("string").unique()}),
        identifiers={kind: pd.DataFrame({"entity_id": used_rows.loc[used_rows["entity_type"] == kind, "dst"].unique()})
                     for kind in IDENTIFIER_TYPES},
        paid=paid_rows, sent=sent_rows, used=used_rows)
    scores = pd.Series(candidates["risk_score"].to_numpy(dtype=float), index=candidates["user_id"].astype(str))
    return group_rings(graph, scores, pd.Series(True, index=scores.index), seed=seed,
                       max_entity_users=max_entity_users)
