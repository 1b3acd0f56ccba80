"""The stacked head: LightGBM over the GNN's embeddings, chosen by the validation users, saved without pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from graphrisk.errors import ModelError
from graphrisk.model import RiskDetector
from graphrisk.model.settings import HEAD_MARGIN, DetectorSettings
from graphrisk.model.stacking import StackedHead


@pytest.fixture(scope="module")
def stacked(world_graph, train_labels):
    return RiskDetector(epochs=12, min_epochs=5, patience=5, seed=0, head="stacked").fit(world_graph, train_labels)


def _separable(n: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return x, (x[:, 1] - x[:, 2] > 1.5).astype(int)


def test_head_learns_and_round_trips_through_text():
    x, y = _separable()
    head = StackedHead(seed=3).fit(x, y)
    margin = head.margin(x)
    assert margin[y == 1].min() > np.median(margin[y == 0])
    state = json.loads(json.dumps(head.to_dict()))  # what model.json holds
    assert state["kind"] == "lightgbm" and isinstance(state["booster"], str)
    np.testing.assert_allclose(StackedHead.from_dict(state).margin(x), margin)


def test_head_refuses_damaged_or_foreign_state():
    x, y = _separable()
    state = StackedHead().fit(x, y).to_dict()
    with pytest.raises(ValueError, match="cannot be read"):
        StackedHead.from_dict({**state, "booster": state["booster"][:200]})
    with pytest.raises(ValueError, match="unknown stacked head kind"):
        StackedHead.from_dict({**state, "kind": "pickle"})
    with pytest.raises(RuntimeError, match="not fitted"):
        StackedHead().margin(x)


def test_unknown_head_is_refused():
    with pytest.raises(ValueError, match="unknown head 'mlp'"):
        DetectorSettings(head="mlp")


def test_stacked_detector_scores_through_its_head(stacked, world_graph):
    record = stacked.validation_["head"]
    assert record["asked"] == "stacked" and record["chosen"] == "stacked" and stacked.head_ is not None
    assert set(record) >= {"gnn_auc_pr", "stacked_auc_pr"}
    encoded = stacked.encoder_.transform(world_graph)
    nodes = np.arange(encoded.pyg.data["user"].num_nodes)
    network_logits = stacked._network_logits(encoded, None, nodes)
    head_logits = stacked._logits(encoded, None, nodes)
    assert not np.allclose(head_logits, network_logits)  # the head, not the network, scores
    risk = stacked.predict_proba(world_graph)[:, 1]
    np.testing.assert_allclose(risk, stacked.risk_from_logits(head_logits))


def test_readout_from_rounds_matches_batch_scores(stacked, world_graph):
    """The service and Spark score through readout(rounds): the same logits as the batch path."""
    encoded = stacked.encoder_.transform(world_graph)
    data = encoded.pyg.data
    with torch.no_grad():
        rounds = stacked.network_.user_rounds(data.x_dict, data.edge_index_dict, data.edge_attr_dict)
    nodes = np.arange(data["user"].num_nodes)
    np.testing.assert_allclose(stacked.readout(rounds), stacked._logits(encoded, None, nodes), rtol=1e-5, atol=1e-5)


def test_stacked_model_saves_and_loads_the_same_scores(stacked, world_graph, tmp_path):
    stacked.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "model.json").read_text())
    assert manifest["head"]["kind"] == "lightgbm" and manifest["params"]["head"] == "stacked"
    loaded = RiskDetector.load(tmp_path / "m", device="cpu")
    assert loaded.head_ is not None
    np.testing.assert_allclose(loaded.predict_proba(world_graph), stacked.predict_proba(world_graph), atol=1e-6)


def test_damaged_head_in_model_json_is_one_model_error(stacked, tmp_path):
    stacked.save(tmp_path / "m")
    path = tmp_path / "m" / "model.json"
    manifest = json.loads(path.read_text())
    manifest["head"]["booster"] = "tree\nnot a booster"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="model.json is incomplete or invalid"):
        RiskDetector.load(tmp_path / "m", device="cpu")


def test_gnn_head_fits_no_booster(world_graph, train_labels, tmp_path):
    detector = RiskDetector(epochs=5, seed=0, head="gnn").fit(world_graph, train_labels)
    assert detector.head_ is None
    record = detector.validation_["head"]
    assert (record["asked"], record["chosen"], "stacked_auc_pr" in record) == ("gnn", "gnn", False)
    assert record["compared_on"] == detector.validation_["users"]
    detector.save(tmp_path / "m")
    assert "head" not in json.loads((tmp_path / "m" / "model.json").read_text())
    assert RiskDetector.load(tmp_path / "m", device="cpu").head_ is None


def test_auto_keeps_the_stacked_head_only_past_the_margin(world_graph, train_labels):
    detector = RiskDetector(epochs=8, min_epochs=4, patience=4, seed=0, head="auto").fit(world_graph, train_labels)
    record = detector.validation_["head"]
    # compared on the half of the validation users that early stopping did not watch
    assert 0 < record["compared_on"] < detector.validation_["users"]
    prefers = record["stacked_auc_pr"] >= record["gnn_auc_pr"] + HEAD_MARGIN
    assert record["chosen"] == ("stacked" if prefers else "gnn")
    assert (detector.head_ is not None) == prefers
