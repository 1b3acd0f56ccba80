"""Model directories from earlier graphrisk versions: a real format-1 model scores as it did when saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphrisk import build_graph
from graphrisk.model import RiskDetector

FORMAT_1 = Path(__file__).parent / "data" / "format-1"


def test_a_model_saved_before_the_encoder_loads_with_a_note_and_gives_its_scores_again(tmp_path):
    detector = RiskDetector.load(FORMAT_1 / "model", device="cpu")
    assert len(detector.notes_) == 1 and "format 1 (saved by graphrisk 0.1.0)" in detector.notes_[0]
    assert detector.get_params()["conv"] == "gat" and detector.encoder_.profile_ is not None
    graph = build_graph(FORMAT_1 / "transactions.csv", FORMAT_1 / "links.csv", FORMAT_1 / "users.csv")[0]
    then = pd.read_csv(FORMAT_1 / "scores.csv", dtype={"user_id": str}).set_index("user_id")["risk_score"]
    now = pd.Series(detector.predict_proba(graph)[:, 1], index=graph.users["user_id"].astype(str))
    assert sorted(now.index) == sorted(then.index)
    np.testing.assert_allclose(now.reindex(then.index), then, atol=1e-6)
    upgraded = RiskDetector.load(detector.save(tmp_path / "model"), device="cpu")
    assert upgraded.notes_ == []
    np.testing.assert_array_equal(upgraded.predict_proba(graph), detector.predict_proba(graph))
