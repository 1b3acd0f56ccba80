"""The comparison figures are written as PNG files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graphrisk.evaluate import plot_pr_curves, plot_score_distributions


@pytest.fixture
def truth_and_scores():
    rng = np.random.default_rng(0)
    users = [f"u{i}" for i in range(200)]
    truth = pd.Series((np.arange(200) % 10 == 0).astype(int), index=users)
    good = pd.Series(truth * 0.5 + rng.random(200) * 0.5, index=users)
    noise = pd.Series(rng.random(200), index=users)
    return truth, {"good": good, "noise": noise}


@pytest.mark.parametrize("plot", [plot_pr_curves, plot_score_distributions])
def test_plot_writes_a_png(plot, truth_and_scores, tmp_path):
    truth, scores = truth_and_scores
    path = plot(truth, scores, tmp_path / "figures" / "out.png")
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("plot", [plot_pr_curves, plot_score_distributions])
def test_plot_rejects_one_class_truth_and_no_systems(plot, truth_and_scores, tmp_path):
    truth, scores = truth_and_scores
    with pytest.raises(ValueError, match="both classes"):
        plot(truth * 0, scores, tmp_path / "x.png")
    with pytest.raises(ValueError, match="empty"):
        plot(truth, {}, tmp_path / "x.png")
