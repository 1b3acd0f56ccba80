"""Large-star/small-star components on DataFrames equal SciPy's on the same edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from graphrisk.engines.spark import connected_components


def _expected(edges: pd.DataFrame) -> dict:
    """Node -> smallest node of its component, for the nodes that have an edge to another node."""
    nodes = np.unique(edges[["src", "dst"]].to_numpy().ravel())
    position = {node: i for i, node in enumerate(nodes)}
    src, dst = edges["src"].map(position), edges["dst"].map(position)
    _, label = scipy_components(coo_matrix((np.ones(len(src)), (src, dst)), shape=(len(nodes), len(nodes))),
                                directed=False)
    smallest = pd.Series(nodes).groupby(label).transform("min").to_numpy()
    linked = set(edges.loc[edges["src"] != edges["dst"], ["src", "dst"]].to_numpy().ravel())
    return {node: root for node, root in zip(nodes, smallest) if node in linked}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_components_of_random_graphs_with_long_paths(spark, convert, seed):
    to_spark, to_pandas = convert
    rng = np.random.default_rng(seed)
    n = 300
    edges = pd.DataFrame({"src": rng.integers(0, n, 220), "dst": rng.integers(0, n, 220)})
    path = rng.permutation(n)[:60]  # a long chain: many rounds for a naive label propagation
    edges = pd.concat([edges, pd.DataFrame({"src": path[:-1], "dst": path[1:]})], ignore_index=True)
    edges = pd.concat([edges, pd.DataFrame({"src": [5, 7], "dst": [5, 7]})], ignore_index=True)  # self-loops
    edges = edges.astype("int64")
    got = to_pandas(connected_components(to_spark(spark, edges)))
    assert got["id"].is_unique
    assert dict(zip(got["id"], got["component"])) == _expected(edges)


def test_string_ids_and_repeated_edges(spark, convert):
    to_spark, to_pandas = convert
    edges = pd.DataFrame({"a": ["u3", "u2", "u2", "u9", "x1", "u1"], "b": ["u2", "u3", "u1", "x1", "x2", "u1"]})
    got = to_pandas(connected_components(to_spark(spark, edges), src="a", dst="b"))
    assert dict(zip(got["id"], got["component"])) == {"u1": "u1", "u2": "u1", "u3": "u1",
                                                      "u9": "u9", "x1": "u9", "x2": "u9"}
