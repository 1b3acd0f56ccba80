"""One message-passing round of the SAGE network on a small subgraph, in two matrix products per node type.

The real-time service recomputes a few dozen embeddings per transaction. Through
:class:`~torch_geometric.nn.HeteroConv` that is one ``SAGEConv`` call per relation, each
with far more Python overhead than arithmetic. SAGE is linear before its activation, so
the relations into one node type fold together: for target type ``t`` with relations
``r = 1..R``,

    sum_r (W_l[r] mean_r(h_src) + b_l[r] + W_r[r] h_t)
        = [mean_1 | ... | mean_R] W_l^T + h_t (sum_r W_r[r])^T + sum_r b_l[r]

which is what :meth:`FoldedSageRounds.propagate` computes, followed by the network's own
activation, residual and layer norm. Same numbers as
:meth:`~graphrisk.model.network.HeteroRiskNet.propagate` up to float rounding (tested).
Built by :meth:`~graphrisk.model.network.HeteroRiskNet.fold`: callers see only the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["FoldedSageRounds"]

EdgeType = tuple[str, str, str]


@dataclass(frozen=True)
class _Folded:
    """The relations into one node type in one round, with their weights stacked."""

    relations: list[EdgeType]
    neighbour_weight: torch.Tensor  # (hidden, R * hidden): every relation's W_l side by side
    root_weight: torch.Tensor  # (hidden, hidden): the sum of the relations' W_r
    bias: torch.Tensor  # (hidden,): the sum of the relations' b_l


class FoldedSageRounds:
    """Every round of a SAGE network with the relations into each type folded.

    Parameters
    ----------
    convs
        The network's ``HeteroConv`` of each round (``SAGEConv`` per relation).
    norms
        The network's layer norms of each round, per node type.
    round_relations
        Per round, the relations present in the graph (a full pass over the graph uses
        exactly these: a relation without edges adds no root term).
    """

    def __init__(self, convs: Sequence[nn.Module], norms: Sequence[nn.ModuleDict],
                 round_relations: Sequence[Sequence[EdgeType]]) -> None:
        self.norms = norms
        self.rounds: list[dict[str, _Folded]] = []
        with torch.inference_mode():
            for conv, relations in zip(convs, round_relations):
                folded = {}
                for target in sorted({et[2] for et in relations}):
                    into = [et for et in relations if et[2] == target]
                    sages = [conv.convs[et] for et in into]
                    for sage in sages:  # the folding holds for this form of SAGEConv only
                        if (sage.project or sage.normalize or not sage.root_weight
                                or type(sage.aggr_module).__name__ != "MeanAggregation"):
                            raise ValueError("folding needs SAGEConv with mean aggregation, a root weight, "
                                             "no projection and no normalisation")
                    folded[target] = _Folded(
                        relations=into,
                        neighbour_weight=torch.cat([s.lin_l.weight for s in sages], dim=1).clone(),
                        root_weight=torch.stack([s.lin_r.weight for s in sages]).sum(0),
                        bias=torch.stack([s.lin_l.bias for s in sages]).sum(0),
                    )
                self.rounds.append(folded)

    def propagate(
        self,
        round_index: int,
        h: dict[str, torch.Tensor],
        edges: dict[EdgeType, tuple[np.ndarray, np.ndarray]],
        targets: Sequence[str],
    ) -> dict[str, torch.Tensor]:
        """Embeddings after round ``round_index + 1`` of every node of ``h[t]`` for each ``t`` in ``targets``.

        Parameters
        ----------
        round_index
            The round (0-based).
        h
            Embeddings of the round before, per node type, rows of the local subgraph.
        edges
            Per relation, ``(source rows, target rows)`` into ``h``: every incoming edge of
            the target rows (a missing relation counts as no edges).
        targets
            The node types to update; each must be a target of the round.
        """
        norms = self.norms[round_index]
        out = {}
        for target in targets:
            folded = self.rounds[round_index][target]
            x = h[target]
            means = []
            for relation in folded.relations:
                sources, ends = edges.get(relation, (_NONE, _NONE))
                mean = torch.zeros_like(x)
                if len(ends):
                    ends_t = torch.from_numpy(ends)
                    mean.index_add_(0, ends_t, h[relation[0]][torch.from_numpy(sources)])
                    counts = torch.bincount(ends_t, minlength=x.shape[0]).clamp_(min=1)
                    mean /= counts.unsqueeze(1).to(mean.dtype)
                means.append(mean)
            y = torch.cat(means, dim=1) @ folded.neighbour_weight.T + x @ folded.root_weight.T + folded.bias
            out[target] = norms[target](torch.relu(y) + x)
        return out


_NONE = np.zeros(0, dtype=np.int64)
