"""The real-regime and xFraud areas (issue 19): their spreads, their pages and their places in the suite.

Pages are rendered from small hand-made results, as ``bench/_seeds.py`` stores them; no
benchmark runs here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

SYSTEMS = ("graphrisk_gnn", "tabular_gb", "neighbour_gb", "graph_features_gb")


@pytest.fixture(scope="module")
def bench() -> SimpleNamespace:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        return SimpleNamespace(suite=importlib.import_module("suite"), page=importlib.import_module("results_page"),
                               seeds=importlib.import_module("_seeds"))


def _results(bench, auc: dict[str, list[float]], **extra) -> dict:
    """What ``compare_over_seeds`` returns for these AUC-PR per system and seed (other metrics derived)."""
    seeds = list(range(len(auc["graphrisk_gnn"])))
    rows = [{"seed": seed, "system": system, "auc_pr": values[seed], "auc_roc": 0.8, "precision_at_k": values[seed] / 2,
             "ring_recall": 0.5, "ring_recall_flagged": 0.25 if system == "graphrisk_gnn" else None, "seconds": 1.0}
            for system, values in auc.items() for seed in seeds]
    summary = {system: {c: bench.seeds.spread([r[c] for r in rows if r["system"] == system])
                        for c in bench.seeds.COLUMNS} for system in auc}
    best = [max(auc[s][seed] for s in auc if s != "graphrisk_gnn") for seed in seeds]
    ratios = [auc["graphrisk_gnn"][seed] / best[seed] for seed in seeds]
    splits = [{"seed": seed, "users": 30000, "transactions": 300000, "fraud": 210, "fraud_share": 0.007,
               "solo_fraud": 73, "rings": 24, "merchant_share": 0.15, "communities": 41, "train_users": 700,
               "test_users": 300, "train_fraud": 140, "train_fraud_labelled": 60, "test_fraud": 60, "test_rings": 7,
               "threshold": 0.5, "detector_validation": {}, "seconds": 60.0} for seed in seeds]
    return {"date": "2025-01-01 00:00 UTC", "commit": "abc1234", "wall_seconds": 200.0, "seeds": seeds,
            "variants": {"graphrisk_gnn": {}}, "per_seed": rows, "summary": summary,
            "ratio": {"graphrisk_gnn": {"per_seed": ratios, "best_baseline": ["neighbour_gb"] * len(seeds),
                                        **bench.seeds.spread(ratios)}},
            "splits": splits, "failed_seeds": {}, "plots": [], **extra}


AUC = {"graphrisk_gnn": [0.30, 0.20, 0.25], "tabular_gb": [0.10, 0.10, 0.11], "neighbour_gb": [0.15, 0.10, 0.125],
       "graph_features_gb": [0.05, 0.08, 0.10]}


def test_spread_gives_mean_sample_std_and_range(bench):
    s = bench.seeds.spread([0.1, 0.3, float("nan"), None, 0.2])
    assert s["n"] == 3 and s["mean"] == pytest.approx(0.2) and s["std"] == pytest.approx(0.1)
    assert (s["min"], s["max"]) == (0.1, 0.3)
    assert bench.seeds.spread([0.5])["std"] is None and bench.seeds.spread([])["mean"] is None


def test_the_regime_page_sets_the_detector_beside_every_baseline_with_the_spread(bench, tmp_path):
    area = _results(bench, AUC, users=30000, regime="p2p", settings={"missing_label_share": 0.4, "label_delay_days": 30})
    page = bench.page.render_page({"machine": {}, "areas": {"real_regime": area}}, plots=tmp_path / "plots")
    section = page[page.index("## The peer-to-peer regime, generated"):]
    assert "**Generated data**, not the real sample" in section
    # the detector's row: AUC-PR mean ± sample std (min..max) and its ratio to the best baseline, seed by seed
    assert ("| **graphrisk GNN, its own head** | 0.250 ± 0.050 (0.200..0.300) | 0.800 ± 0.000 (0.800..0.800) | "
            "0.125 ± 0.025 (0.100..0.150) | 0.500 ± 0.000 (0.500..0.500) | 0.250 ± 0.000 (0.250..0.250) | "
            "2.00x ± 0.00 (2.00x..2.00x) |") in section
    for name in ("tabular gradient boosting", "neighbour-aggregate GB", "graph features + gradient boosting"):
        assert f"| {name}" in section
    assert "| 1 | 300 (60 fraud, 20.0%; 7 rings) | 60 of 140 | 0.200 | 0.100 | 0.100 | 0.080 | 2.00x |" in section
    assert "**reached** on the generated world (mean ratio 2.00x)" in section
    assert bench.page._headline("real_regime", area)["graphrisk_gnn: AUC-PR (mean)"][2] == pytest.approx(0.25)


def test_a_detector_behind_a_baseline_is_shown_as_such(bench, tmp_path):
    behind = dict(AUC, graphrisk_gnn=[0.12, 0.09, 0.10])
    area = _results(bench, behind, users=30000, regime="p2p", settings={})
    page = bench.page.render_page({"machine": {}, "areas": {"real_regime": area}}, plots=tmp_path / "plots")
    assert "**not reached** on the generated world (mean ratio 0.83x)" in page


def test_the_xfraud_page_says_it_is_real_data_with_communities_held_out(bench, tmp_path):
    area = _results(bench, AUC, data="xFraud eBay sample (real)", protocol={"hidden_fraud_labels": 0.0})
    area["failed_seeds"] = {"3": "each side of the split needs fraud and legitimate users"}
    page = bench.page.render_page({"machine": {}, "areas": {"xfraud": area}}, plots=tmp_path / "plots")
    section = page[page.index("## xFraud, real data"):]
    assert "**Real data**" in section and "41 annotated communities" in section
    assert "no time and no amounts" in section
    assert "| **graphrisk GNN, its own head** | 0.250 ± 0.050 (0.200..0.300) |" in section
    assert "Seeds without a comparison: 3: each side of the split needs fraud and legitimate users." in section
    assert "xFraud (real): graphrisk_gnn vs best baseline" in str(bench.page._xfraud(area)[1])


def test_both_areas_are_in_the_suite_with_a_smoke_size_and_xfraud_needs_its_data(bench, monkeypatch, tmp_path):
    areas = {a.name: a for a in bench.suite.AREAS}
    regime, xfraud = areas["real_regime"], areas["xfraud"]
    assert regime.smoke and xfraud.smoke and not regime.by_hand and not xfraud.by_hand
    assert "--seeds" in regime.arguments and len(regime.arguments[regime.arguments.index("--seeds") + 1].split(",")) >= 3
    assert len(xfraud.arguments[xfraud.arguments.index("--seeds") + 1].split(",")) >= 3
    assert xfraud.needs == "xfraud data"
    if (bench.suite.SHARED_DATA / "xfraud_ebay").exists():
        assert bench.suite._missing(xfraud, smoke=False) is None
    monkeypatch.setattr(bench.suite, "SHARED_DATA", tmp_path)
    assert bench.suite._missing(xfraud, smoke=True) == f"{tmp_path / 'xfraud_ebay'} is absent"
    assert bench.suite._missing(regime, smoke=True) is None
