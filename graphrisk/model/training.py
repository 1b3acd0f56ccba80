"""Training loop: weighted loss, early stopping on validation AUC-PR, full or mini-batch."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.metrics import average_precision_score
from torch_geometric.data import HeteroData

from graphrisk.model.network import HeteroRiskNet
from graphrisk.model.sampling import NeighbourSampler
from graphrisk.model.settings import DetectorSettings

__all__ = ["TrainingResult", "train_network", "predict_logits", "predict_user_rounds"]


@dataclass
class TrainingResult:
    """Best weights (by validation AUC-PR) and the per-epoch history."""

    state: dict
    best_epoch: int
    best_auc_pr: float
    history: list[dict] = field(default_factory=list)


def _forward(network: HeteroRiskNet, data: HeteroData) -> torch.Tensor:
    return network(data.x_dict, data.edge_index_dict, data.edge_attr_dict)


def predict_logits(
    network: HeteroRiskNet, data: HeteroData, nodes: np.ndarray, sampler: NeighbourSampler | None, batch_size: int
) -> np.ndarray:
    """Logits of the user nodes ``nodes`` (full graph when ``sampler`` is None)."""
    return _predict(network, data, nodes, sampler, batch_size, _forward)


def predict_user_rounds(
    network: HeteroRiskNet, data: HeteroData, nodes: np.ndarray, sampler: NeighbourSampler | None, batch_size: int
) -> np.ndarray:
    """The user embeddings of every round side by side (rows of ``nodes``), as the readout reads them."""
    def embed(net: HeteroRiskNet, batch: HeteroData) -> torch.Tensor:
        return torch.cat(net.user_rounds(batch.x_dict, batch.edge_index_dict, batch.edge_attr_dict), dim=1)

    return _predict(network, data, nodes, sampler, batch_size, embed)


def _predict(network: HeteroRiskNet, data: HeteroData, nodes: np.ndarray, sampler: NeighbourSampler | None,
             batch_size: int, output: Callable[[HeteroRiskNet, HeteroData], torch.Tensor]) -> np.ndarray:
    """``output`` for the user nodes ``nodes``: one full-graph pass, or sampled mini-batches."""
    network.eval()
    with torch.no_grad():
        if sampler is None:
            return output(network, data)[torch.from_numpy(nodes)].cpu().numpy()
        device = next(network.parameters()).device
        parts = []
        for start in range(0, len(nodes), batch_size):
            seeds = nodes[start:start + batch_size]
            parts.append(output(network, sampler.sample(seeds).to(device))[: len(seeds)].cpu().numpy())
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.float32)


def _auc_pr(truth: np.ndarray, logits: np.ndarray) -> float:
    if truth.min() == truth.max():
        return float("nan")
    return float(average_precision_score(truth, logits))


def train_network(
    network: HeteroRiskNet,
    data: HeteroData,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    settings: DetectorSettings,
    *,
    sampler: NeighbourSampler | None = None,
    progress: Callable[[int, dict], None] | None = None,
) -> TrainingResult:
    """Fit ``network`` on user nodes ``train = (indices, 0/1 labels)``.

    The loss is binary cross-entropy with the positive class weighted by the negative to
    positive ratio (capped by ``max_pos_weight``), so rare fraud is not ignored. After each
    epoch the validation AUC-PR is measured; training stops when it has not improved for
    ``patience`` epochs (and at least ``min_epochs`` have run; ``minibatch_patience`` and
    ``minibatch_min_epochs`` with a ``sampler``) and the best weights are returned. With a ``sampler`` each epoch
    walks the shuffled training users (at most ``settings.epoch_users`` of them) in
    mini-batches of sampled neighbourhoods, and early stopping watches at most
    ``settings.epoch_validation_users`` validation users; without one, each epoch is one
    full-graph step.
    """
    device = next(network.parameters()).device
    train_nodes, train_y = train
    val_nodes, val_y = validation
    positives = max(float(train_y.sum()), 1.0)
    pos_weight = torch.tensor(min((len(train_y) - positives) / positives, settings.max_pos_weight), device=device)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    patience = settings.patience if sampler is None else settings.minibatch_patience
    min_epochs = min(settings.min_epochs if sampler is None else settings.minibatch_min_epochs, settings.epochs)
    optimiser = torch.optim.Adam(network.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    order_rng = np.random.default_rng(settings.seed)
    labels = torch.from_numpy(train_y.astype(np.float32)).to(device)
    if sampler is not None and len(val_nodes) > settings.epoch_validation_users:
        watched = np.sort(np.random.default_rng(settings.seed + 1).choice(
            len(val_nodes), settings.epoch_validation_users, replace=False))
        val_nodes, val_y = val_nodes[watched], val_y[watched]
    best = TrainingResult(state=copy.deepcopy(network.state_dict()), best_epoch=0, best_auc_pr=-1.0)
    for epoch in range(1, settings.epochs + 1):
        network.train()
        losses = []
        if sampler is None:
            optimiser.zero_grad()
            loss = loss_fn(_forward(network, data)[torch.from_numpy(train_nodes).to(device)], labels)
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
        else:
            order = order_rng.permutation(len(train_nodes))[: settings.epoch_users]
            for start in range(0, len(order), settings.batch_size):
                chosen = order[start:start + settings.batch_size]
                batch = sampler.sample(train_nodes[chosen]).to(device)
                optimiser.zero_grad()
                loss = loss_fn(_forward(network, batch)[: len(chosen)], labels[torch.from_numpy(chosen).to(device)])
                loss.backward()
                optimiser.step()
                losses.append(float(loss.detach()))
        val_logits = predict_logits(network, data, val_nodes, sampler, settings.batch_size)
        auc_pr = _auc_pr(val_y, val_logits)
        record = {"epoch": epoch, "loss": float(np.mean(losses)), "val_auc_pr": auc_pr}
        best.history.append(record)
        if progress is not None:
            progress(epoch, record)
        # ties go to the later epoch: a small validation set saturates (AUC-PR 1.0) long
        # before the model stops improving
        if np.isnan(auc_pr) or auc_pr >= best.best_auc_pr:
            best.state = copy.deepcopy(network.state_dict())
            best.best_epoch, best.best_auc_pr = epoch, (auc_pr if not np.isnan(auc_pr) else best.best_auc_pr)
        elif epoch - best.best_epoch >= patience and epoch >= min_epochs:
            break
    return best
