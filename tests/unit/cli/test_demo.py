"""``graphrisk demo`` end to end on a small generated world, without a server."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from graphrisk.cli.main import main
from graphrisk.report import SECTION_IDS

#: Small and quick, with enough rings for a ring-aware split.
DEMO_ARGS = ["--world-users", "1200", "--fraud-share", "0.06", "--epochs", "40", "--patience", "10"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEO4J_URI", raising=False)
        status = main(["demo", "--out", str(out), *DEMO_ARGS])
    return status, out


def test_demo_writes_every_output_and_a_report_with_every_section(demo_run):
    status, out = demo_run
    assert status == 0
    for name in ("scores.csv", "rings.csv", "metrics.csv", "metrics.json", "report.html", "model/model.json",
                 "world/transactions.csv", "world/labels.csv"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'id="{section}"' in html, section
    assert len(re.findall(r'src="data:image/png;base64,', html)) >= 3  # PR curves, distributions, a ring
    assert not re.search(r'(src|href)="https?://', html)


def test_demo_outputs_agree_with_each_other(demo_run):
    _, out = demo_run
    scores = pd.read_csv(out / "scores.csv", keep_default_na=False)
    rings = pd.read_csv(out / "rings.csv", keep_default_na=False)
    metrics = pd.read_csv(out / "metrics.csv").set_index("system")
    world_users = pd.read_csv(out / "world/users.csv")
    assert len(scores) == len(world_users) == 1200
    assert set(scores.loc[scores["ring_id"] != "", "ring_id"]) == set(rings["ring_id"])
    assert int(rings["size"].sum()) == int((scores["ring_id"] != "").sum())
    assert list(metrics.index) == ["graphrisk_gnn", "tabular_gb", "neighbour_gb", "graph_features_gb"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(rings) > 0 and rings["ring_id"].iloc[0] in html
    # the detector is far above chance on this world (chance = the fraud rate, about 0.06)
    assert metrics.loc["graphrisk_gnn", "auc_pr"] > 0.3


def test_demo_on_files_needs_the_ground_truth(sample_paths, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    status = main(["demo", "--out", str(tmp_path), "--transactions", str(sample_paths["transactions"])])
    assert status == 1
    assert "--labels FILE is needed" in capsys.readouterr().err
