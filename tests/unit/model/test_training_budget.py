"""Mini-batch training's budget: users per epoch, validation users watched, patience in epochs of many steps."""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphrisk.model.network import HeteroRiskNet
from graphrisk.model.sampling import NeighbourSampler
from graphrisk.model.settings import DetectorSettings
from graphrisk.model.training import train_network


class CountingSampler(NeighbourSampler):
    """A real sampler that records the seeds of every batch it samples."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[np.ndarray] = []

    def sample(self, seeds):
        self.batches.append(np.asarray(seeds))
        return super().sample(seeds)


def _graph(users: int = 120) -> HeteroData:
    rng = np.random.default_rng(0)
    data = HeteroData()
    data["user"].x = torch.from_numpy(rng.random((users, 4)).astype(np.float32))
    data["device"].x = torch.ones(30, 1)
    used = np.vstack([np.arange(users), rng.integers(0, 30, users)])
    for edge_type, index in ((("user", "used", "device"), used), (("device", "rev_used", "user"), used[::-1])):
        data[edge_type].edge_index = torch.from_numpy(np.ascontiguousarray(index))
        data[edge_type].edge_attr = torch.ones(users, 3)
    return data


def test_an_epoch_visits_at_most_epoch_users_and_watches_at_most_epoch_validation_users():
    data = _graph()
    settings = DetectorSettings(epochs=4, batch_size=8, fanouts=(3, 2), epoch_users=20, epoch_validation_users=10,
                                minibatch_patience=100, minibatch_min_epochs=1)
    network = HeteroRiskNet({"user": 4, "device": 1}, data.edge_types, hidden=8)
    sampler = CountingSampler(data, settings.fanouts, seed=0)
    labels = (np.arange(100) % 5 == 0).astype(np.int64)
    train = (np.arange(100), labels)
    validation = (np.arange(100, 120), (np.arange(20) % 4 == 0).astype(np.int64))
    result = train_network(network, data, train, validation, settings, sampler=sampler)
    assert len(result.history) == 4
    per_epoch = len(sampler.batches) // 4
    training = [b for i, b in enumerate(sampler.batches) if i % per_epoch < 3]  # 20 users in batches of 8: 3 batches
    watched = [b for i, b in enumerate(sampler.batches) if i % per_epoch >= 3]  # 10 validation users: 2 batches
    assert per_epoch == 5
    assert all(len(np.concatenate(training[e * 3:(e + 1) * 3])) == 20 for e in range(4))
    assert len({tuple(np.concatenate(training[e * 3:(e + 1) * 3])) for e in range(4)}) == 4  # a fresh draw each epoch
    seen = [np.concatenate(watched[e * 2:(e + 1) * 2]) for e in range(4)]
    assert all(len(s) == 10 and set(s) <= set(range(100, 120)) for s in seen)
    assert all(np.array_equal(s, seen[0]) for s in seen)  # one fixed draw of validation users


def test_minibatch_patience_stops_in_epochs_of_many_steps(monkeypatch):
    # the validation AUC-PR is best at epoch 1 and never improves after it
    scores = iter([0.9] + [0.5] * 100)
    monkeypatch.setattr("graphrisk.model.training._auc_pr", lambda truth, logits: next(scores))
    data = _graph()
    settings = DetectorSettings(epochs=50, batch_size=8, fanouts=(3, 2), patience=40, min_epochs=40,
                                minibatch_patience=2, minibatch_min_epochs=4)
    network = HeteroRiskNet({"user": 4, "device": 1}, data.edge_types, hidden=8)
    train = (np.arange(100), (np.arange(100) % 5 == 0).astype(np.int64))
    validation = (np.arange(100, 120), (np.arange(20) % 4 == 0).astype(np.int64))
    result = train_network(network, data, train, validation, settings, sampler=NeighbourSampler(data, (3, 2)))
    assert len(result.history) == 4 and result.best_epoch == 1  # not 41, as the full-graph patience would give
