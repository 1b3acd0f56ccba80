"""Neighbour sampling for mini-batches on graphs too large for one full-batch pass.

PyG's ``NeighborLoader`` needs ``pyg-lib`` or ``torch-sparse``, compiled extensions that
have no build for the torch used here, so graphrisk samples the same way itself: from the
seed users, each hop keeps at most ``fanout`` incoming edges per node and relation (all
of them when there are fewer, a uniform draw otherwise), and the batch is the union of the
sampled edges. Memory per batch is bounded by ``batch_size * prod(fanouts)`` per relation,
whatever the size of the graph or of its hubs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch_geometric.data import HeteroData

__all__ = ["NeighbourSampler"]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for every pair, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - offsets + np.repeat(starts, lengths)


class NeighbourSampler:
    """Samples seed-centred subgraphs of a ``HeteroData``.

    Parameters
    ----------
    data
        The full graph (``x`` per node type, ``edge_index`` and ``edge_attr`` per relation).
    fanouts
        Edges kept per node, relation and hop (one entry per GNN layer).
    seed
        Seed of the draws.

    Examples
    --------
    >>> data = HeteroData()
    >>> data["user"].x = torch.eye(4)
    >>> data["device"].x = torch.ones(1, 1)
    >>> data["user", "used", "device"].edge_index = torch.tensor([[0, 1, 2, 3], [0, 0, 0, 0]])
    >>> data["device", "rev_used", "user"].edge_index = torch.tensor([[0, 0, 0, 0], [0, 1, 2, 3]])
    >>> batch = NeighbourSampler(data, fanouts=[1, 2], seed=0).sample(np.array([2]))
    >>> batch["user"].n_id[0].item(), batch["device"].num_nodes
    (2, 1)
    """

    def __init__(self, data: HeteroData, fanouts: Sequence[int], *, seed: int = 0) -> None:
        self.data = data
        self.fanouts = [int(f) for f in fanouts]
        self.rng = np.random.default_rng(seed)
        self._csr: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for edge_type in data.edge_types:
            src, dst = data[edge_type].edge_index.numpy()
            order = np.argsort(dst, kind="stable")
            ptr = np.zeros(data[edge_type[2]].num_nodes + 1, dtype=np.int64)
            np.cumsum(np.bincount(dst, minlength=data[edge_type[2]].num_nodes), out=ptr[1:])
            self._csr[edge_type] = (ptr, order, src)

    def _in_edges(self, edge_type: tuple, nodes: np.ndarray, fanout: int) -> np.ndarray:
        ptr, order, _ = self._csr[edge_type]
        starts, degree = ptr[nodes], ptr[nodes + 1] - ptr[nodes]
        small = degree <= fanout
        taken = [_ranges(starts[small], degree[small])]
        if (~small).any():
            draws = self.rng.random((int((~small).sum()), fanout))
            taken.append((starts[~small, None] + (draws * degree[~small, None]).astype(np.int64)).ravel())
        return np.unique(order[np.concatenate(taken)])

    def sample(self, seeds: np.ndarray) -> HeteroData:
        """The sampled subgraph; its first ``len(seeds)`` users are the seeds, in order.

        Every node type carries ``n_id`` (global node indices).
        """
        data = self.data
        seeds = np.asarray(seeds, dtype=np.int64)
        position = {t: np.full(data[t].num_nodes, -1, dtype=np.int64) for t in data.node_types}
        members: dict[str, list[np.ndarray]] = {t: [] for t in data.node_types}
        counts = dict.fromkeys(data.node_types, 0)

        def admit(kind: str, nodes: np.ndarray) -> np.ndarray:
            fresh = nodes[position[kind][nodes] < 0]
            position[kind][fresh] = np.arange(counts[kind], counts[kind] + len(fresh))
            counts[kind] += len(fresh)
            members[kind].append(fresh)
            return fresh

        frontier = {"user": admit("user", seeds)}
        sampled: dict[tuple, list[np.ndarray]] = {et: [] for et in data.edge_types}
        for fanout in self.fanouts:
            reached: dict[str, list[np.ndarray]] = {}
            for edge_type in data.edge_types:
                src_type, _, dst_type = edge_type
                if dst_type not in frontier or not len(frontier[dst_type]):
                    continue
                edges = self._in_edges(edge_type, frontier[dst_type], fanout)
                sampled[edge_type].append(edges)
                sources = np.unique(self._csr[edge_type][2][edges])
                reached.setdefault(src_type, []).append(admit(src_type, sources))
            frontier = {t: np.unique(np.concatenate(parts)) for t, parts in reached.items()}

        batch = HeteroData()
        for kind in data.node_types:
            ids = np.concatenate(members[kind]) if members[kind] else np.empty(0, dtype=np.int64)
            n_id = torch.from_numpy(ids)
            batch[kind].x = data[kind].x[n_id]
            batch[kind].n_id = n_id
        for edge_type, parts in sampled.items():
            if not parts:
                continue
            edges = np.unique(np.concatenate(parts))
            src, dst = data[edge_type].edge_index.numpy()[:, edges]
            batch[edge_type].edge_index = torch.from_numpy(
                np.vstack([position[edge_type[0]][src], position[edge_type[2]][dst]])
            )
            if "edge_attr" in data[edge_type]:
                batch[edge_type].edge_attr = data[edge_type].edge_attr[torch.from_numpy(edges)]
        return batch
