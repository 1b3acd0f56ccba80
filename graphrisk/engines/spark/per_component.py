"""Graph features computed with NetworkX one connected component at a time, on Spark workers.

Components come from :func:`~graphrisk.engines.spark.connected_components`; each one's edges
go to a worker as an Arrow table (``applyInArrow``: no pandas round trip), where NetworkX
computes what only depends on the component. Core numbers and clustering coefficients are
such measures, so they equal the whole-graph NetworkX values exactly.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from graphrisk.engines.spark.components import connected_components

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

__all__ = ["projection_structure", "PROJECTION_COLUMNS"]

#: The structure columns computed on the identifier projection, in the local engine's order.
PROJECTION_COLUMNS = ("component_size", "core_number", "clustering")


def _component_measures(edges: pa.Table) -> pa.Table:
    """Core number and clustering of every node of one component (runs on a worker)."""
    import networkx as nx
    import pyarrow as pa

    graph = nx.Graph()
    graph.add_edges_from(zip(edges.column("a").to_pylist(), edges.column("b").to_pylist()))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    cores, clustering = nx.core_number(graph), nx.clustering(graph)
    nodes = sorted(graph.nodes)
    return pa.table({"user_id": nodes, "component_size": [float(len(nodes))] * len(nodes),
                     "core_number": [float(cores[n]) for n in nodes],
                     "clustering": [float(clustering[n]) for n in nodes]})


def projection_structure(users: DataFrame, pairs: DataFrame) -> DataFrame:
    """Per user, the size of its projection component, its core number and clustering coefficient.

    Parameters
    ----------
    users
        ``user_id`` of every user.
    pairs
        The projection's edges, ``a, b`` (:func:`~graphrisk.engines.spark.projection.identifier_pairs`).

    Returns
    -------
    pyspark.sql.DataFrame
        ``user_id`` and :data:`PROJECTION_COLUMNS`; a user sharing nothing is a component of
        one with core number and clustering 0, as in the local engine.
    """
    from pyspark.sql import functions as F

    component = connected_components(pairs, src="a", dst="b")
    edges = pairs.join(component.select(F.col("id").alias("a"), "component"), "a")
    schema = "user_id string, component_size double, core_number double, clustering double"
    with warnings.catch_warnings():
        # PySpark checks the pandas version even for Arrow UDFs, which never touch pandas
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        measures = edges.select("component", "a", "b").groupBy("component").applyInArrow(_component_measures, schema)
    out = users.select("user_id").join(measures, "user_id", "left")
    return out.select("user_id", F.coalesce("component_size", F.lit(1.0)).alias("component_size"),
                      F.coalesce("core_number", F.lit(0.0)).alias("core_number"),
                      F.coalesce("clustering", F.lit(0.0)).alias("clustering"))
