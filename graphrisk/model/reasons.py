"""Why a user scored high: the inputs that pushed the risk up most (input times gradient)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from graphrisk.graph.pyg import PygGraph
from graphrisk.model.network import HeteroRiskNet
from graphrisk.model.sampling import NeighbourSampler

__all__ = ["feature_reasons", "input_attribution"]


def input_attribution(
    network: HeteroRiskNet, pyg: PygGraph, sampler: NeighbourSampler | None, batch_size: int
) -> np.ndarray:
    """Per user and input feature: scaled input times the gradient of the summed logits.

    Scaled inputs are 0 at the training mean, so the product estimates how far each of a
    user's own features moved risk away from an average user's (a first-order
    attribution). One backward pass serves every user, so the gradient is that of the sum
    of all logits: mostly the user's own score, plus its pull on the users it shares
    entities with (for ring members, their ring mates). Neighbours' features act through
    the graph and are not split out here.
    """
    network.eval()
    device = next(network.parameters()).device
    batches = [(np.arange(pyg.data["user"].num_nodes), pyg.data.to(device))] if sampler is None else []
    if sampler is not None:
        nodes = np.arange(pyg.data["user"].num_nodes)
        batches = ((nodes[s:s + batch_size], None) for s in range(0, len(nodes), batch_size))
    parts = []
    for seeds, data in batches:
        if data is None:
            data = sampler.sample(seeds).to(device)
        x_dict = dict(data.x_dict)
        users = x_dict["user"].detach().clone().requires_grad_(True)
        x_dict["user"] = users
        logits = network(x_dict, data.edge_index_dict, data.edge_attr_dict)[: len(seeds)]
        (grad,) = torch.autograd.grad(logits.sum(), users)
        parts.append((grad * users).detach()[: len(seeds)].cpu().numpy())
    return np.concatenate(parts) if parts else np.empty((0, 0), dtype=np.float32)


def feature_reasons(
    network: HeteroRiskNet,
    pyg: PygGraph,
    raw_users: pd.DataFrame,
    sampler: NeighbourSampler | None,
    batch_size: int,
    *,
    top: int = 3,
) -> list[pd.Series]:
    """The ``top`` reasons per user as text, e.g. ``"users_per_identifier_max=12"``.

    Returns one Series per rank (indexed by ``user_id``); a rank is ``""`` when fewer
    inputs raised the user's risk.
    """
    attribution = input_attribution(network, pyg, sampler, batch_size)
    columns = np.asarray(raw_users.columns)
    values = raw_users.reindex(pyg.ids["user"]).to_numpy(dtype=np.float64, na_value=np.nan)
    order = np.argsort(-attribution, axis=1, kind="stable")[:, :top]
    out = []
    for rank in range(min(top, attribution.shape[1])):
        column = order[:, rank]
        rows = np.arange(len(column))
        raised = attribution[rows, column] > 0
        text = [
            f"{name}={value:.4g}" if ok else ""
            for name, value, ok in zip(columns[column], values[rows, column], raised)
        ]
        out.append(pd.Series(text, index=pyg.ids["user"], name=f"reason_{rank + 1}"))
    return out
