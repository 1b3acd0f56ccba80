"""Cached node representations of every message-passing round, refreshed where a change reaches.

After a full forward pass the cache holds, for every node and round ``l``, the embedding
``h[l]`` the network computed. When a transaction adds or updates edges, only the
embeddings that depend on them are stale: round 1 of the edge's two ends, round 2 of
those ends and of every node they send messages to, and so on. Stale entries are marked
(cheap: index writes) and recomputed only when a score needs them, from the cached
embeddings of the round before, with the network's own :meth:`~HeteroRiskNet.propagate`
on the small subgraph of their incoming edges. So a score from the cache is the score a
full forward pass over the updated graph would give (tested to float precision).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from graphrisk.model.network import HeteroRiskNet
from graphrisk.serve.live_graph import Change, EdgeType, LiveGraph

__all__ = ["RepresentationCache"]


class _Rows:
    """A tensor whose rows grow by doubling."""

    def __init__(self, values: torch.Tensor) -> None:
        self.data = values
        self.size = values.shape[0]

    def grow(self, size: int) -> None:
        if size <= self.data.shape[0]:
            self.size = max(self.size, size)
            return
        grown = torch.zeros((max(size, 2 * self.data.shape[0], 16), self.data.shape[1]), dtype=self.data.dtype)
        grown[: self.size] = self.data[: self.size]
        self.data, self.size = grown, size

    @property
    def values(self) -> torch.Tensor:
        return self.data[: self.size]


class RepresentationCache:
    """Embeddings of every node in every round, with lazy, exact incremental updates.

    Parameters
    ----------
    network
        The trained network (put in evaluation mode here).
    live
        The graph it reads; the cache follows its growth through :meth:`apply`.
    inputs
        Scaled inputs per node type, rows in the order of ``live``.
    blank_inputs
        ``blank_inputs(kind, rows)``: the scaled inputs of new nodes whose features are not
        known yet (:meth:`graphrisk.model.encoding.GraphEncoder.blank_inputs`).
    readout
        Logits from the user embeddings of every round (:meth:`graphrisk.model.RiskDetector.readout`,
        which goes through the stacked head when the model has one); the network's readout when ``None``.
    """

    def __init__(self, network: HeteroRiskNet, live: LiveGraph, inputs: dict[str, torch.Tensor],
                 *, blank_inputs: Callable[[str, int], torch.Tensor],
                 readout: Callable[[list[torch.Tensor]], np.ndarray] | None = None) -> None:
        self.network = network.eval()
        self.readout = readout or (lambda rounds: network.readout(rounds).numpy())
        self.blank_inputs = blank_inputs
        self.live = live
        self.rounds = network.rounds
        self.x = {kind: _Rows(inputs[kind].float()) for kind in live.names}
        with torch.inference_mode():
            h = network.encode({k: rows.values for k, rows in self.x.items()})
            self.h = [{k: _Rows(v.clone()) for k, v in h.items()}]
            edges, attrs = live.full_edges()
            for round_index in range(self.rounds):
                h = network.propagate(round_index, h, edges, attrs)
                self.h.append({k: _Rows(v.clone()) for k, v in h.items()})
        self.stale = [{k: np.zeros(live.num_nodes(k), dtype=bool) for k in live.names} for _ in range(self.rounds + 1)]
        self._set_relations()

    # ---------------------------------------------------------------- changes
    def apply(self, change: Change) -> None:
        """Take in what one transaction changed (new nodes, touched edge ends).

        New nodes get the encoder's blank inputs (the training mean of every input) until
        the next full scoring computes theirs.
        """
        with torch.inference_mode():
            for kind, nodes in change.new_nodes.items():
                self._grow(kind)
                self.x[kind].data[nodes] = self.blank_inputs(kind, len(nodes))
                self.h[0][kind].data[nodes] = self.network.encode({kind: self.x[kind].data[nodes]})[kind]
        if change.new_relation:
            # a relation got its first edge: a full pass would now update every node it reaches
            self._set_relations()
            for level in range(1, self.rounds + 1):
                for stale in self.stale[level].values():
                    stale[:] = True
            return
        touched = {kind: np.fromiter(nodes, dtype=np.int64) for kind, nodes in change.touched.items()}
        self._mark(1, touched)

    def _grow(self, kind: str) -> None:
        size = self.live.num_nodes(kind)
        self.x[kind].grow(size)
        for level in range(self.rounds + 1):
            self.h[level][kind].grow(size)
            old = self.stale[level][kind]
            grown = np.ones(size, dtype=bool)
            grown[: len(old)] = old
            self.stale[level][kind] = grown
        self.stale[0][kind][:] = False  # round 0 is the encoder: computed on arrival

    def _mark(self, level: int, nodes: dict[str, np.ndarray]) -> None:
        """Embeddings of ``nodes`` from round ``level`` on are stale, and so are their receivers'."""
        current = nodes
        while level <= self.rounds:
            for kind, ids in current.items():
                self.stale[level][kind][ids] = True
            if level == self.rounds:
                return
            reached: dict[str, list[np.ndarray]] = {k: [v] for k, v in current.items()}
            for kind, ids in current.items():
                for target, receivers in self.live.receivers(kind, ids).items():
                    reached.setdefault(target, []).append(receivers)
            current = {k: np.unique(np.concatenate(v)) for k, v in reached.items()}
            level += 1

    # ---------------------------------------------------------------- reads
    def _set_relations(self) -> None:
        """Each round's relations present now and their weights folded where the network allows it."""
        self._round_relations = self._present_relations()
        self._folded = self.network.fold([relations for relations, _ in self._round_relations])

    def _present_relations(self) -> list[tuple[list[EdgeType], set[str]]]:
        """Per round: its relations present in the graph now (as a full pass would see them), and their targets."""
        out = []
        present = self.live.edge_types()
        for round_index in range(self.rounds):
            learned = set(self.network.round_relations(round_index))
            relations = [et for et in present if et in learned]
            out.append((relations, {et[2] for et in relations}))
        return out

    def _relations(self, round_index: int) -> list[EdgeType]:
        return self._round_relations[round_index][0]

    def _ensure(self, level: int, nodes: dict[str, np.ndarray]) -> None:
        """Recompute the stale embeddings of round ``level`` that ``nodes`` need."""
        if level == 0:
            return
        relations = self._relations(level - 1)
        updated = {et[2] for et in relations}
        passed = {k: v for k, v in nodes.items() if k not in updated and len(v)}
        if passed:  # a type no relation of this round reaches keeps its embedding of the round before
            self._ensure(level - 1, passed)
        targets = {k: v[self.stale[level][k][v]] for k, v in nodes.items() if k in updated}
        targets = {k: np.unique(v) for k, v in targets.items() if len(v)}
        if not targets:
            return
        relations = [et for et in relations if et[2] in targets]
        incoming = {et: self.live.incoming(et, targets[et[2]]) for et in relations}
        members: dict[str, list[np.ndarray]] = {k: [v] for k, v in targets.items()}
        for (src_type, _, _), (_, sources, _) in incoming.items():
            members.setdefault(src_type, []).append(sources)
        local = {k: np.unique(np.concatenate(v)) for k, v in members.items()}
        self._ensure(level - 1, local)
        with torch.inference_mode():
            h = {k: self.read(level - 1, k, v) for k, v in local.items()}
            # local rows are sorted node ids: a node's row is where it sorts in
            rows = {et: (np.searchsorted(local[et[0]], sources), np.searchsorted(local[et[2]], ends))
                    for et, (_, sources, ends) in incoming.items()}
            if self._folded is not None:
                out = self._folded.propagate(level - 1, h, rows, list(targets))
            else:
                edges = {et: torch.from_numpy(np.vstack(pair)) for et, pair in rows.items()}
                attrs = {et: torch.from_numpy(self.live.edge_attr(et, edge_ids))
                         for et, (edge_ids, _, _) in incoming.items()}
                out = self.network.propagate(level - 1, h, edges, attrs)
            for kind, ids in targets.items():
                fresh = out[kind][torch.from_numpy(np.searchsorted(local[kind], ids))]
                self.h[level][kind].data[torch.from_numpy(ids)] = fresh
                self.stale[level][kind][ids] = False

    def read(self, level: int, kind: str, ids: np.ndarray) -> torch.Tensor:
        """Embeddings of round ``level`` (fresh only after :meth:`_ensure`)."""
        if level > 0 and kind not in self._round_relations[level - 1][1]:
            return self.read(level - 1, kind, ids)
        return self.h[level][kind].data[torch.from_numpy(np.asarray(ids, dtype=np.int64))]

    def user_logits(self, users: np.ndarray) -> np.ndarray:
        """Logits of ``users`` (node indices) on the graph as it is now."""
        users = np.asarray(users, dtype=np.int64)
        for level in range(1, self.rounds + 1):
            self._ensure(level, {"user": users})
        with torch.inference_mode():
            rounds = [self.read(level, "user", users) for level in range(self.rounds + 1)]
            return np.asarray(self.readout(rounds), dtype=np.float64)

    def all_user_logits(self) -> np.ndarray:
        """Logits of every user, refreshing every stale embedding first."""
        return self.user_logits(np.arange(self.live.num_nodes("user")))
