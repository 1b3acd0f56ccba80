"""The report's calibration section: the reliability diagram and the Brier/ECE figures, or a note."""

from __future__ import annotations

import base64
import dataclasses
import re

import numpy as np
import pytest
from scipy.special import expit

from graphrisk.model.calibration import calibration_statistics
from graphrisk.report import SECTION_IDS, ReportContent, reliability_figure, render_report
from graphrisk.report.figures import PNG_SIGNATURE


@pytest.fixture(scope="module")
def statistics():
    """What ``RiskDetector.validation_["calibration"]`` holds, for logits whose sigmoid overstates risk."""
    rng = np.random.default_rng(3)
    logits = rng.normal(-1.0, 2.0, size=600)
    truth = (rng.random(600) < expit(logits - 2.0)).astype(int)
    return calibration_statistics(logits, truth, method="platt", seed=0)


@pytest.fixture(scope="module")
def content(report_inputs, statistics):
    return ReportContent(title="Run", summary={"users": 1_000}, graph=report_inputs["graph"],
                         scores=report_inputs["scores"], rings=report_inputs["rings"], drawn_rings=1,
                         calibration=statistics)


def _section(page: str) -> str:
    start = page.index('<section id="calibration">')
    return page[start:page.index("</section>", start)]


def test_calibration_section_shows_the_reliability_diagram(content, statistics):
    page = render_report(content)
    assert list(SECTION_IDS).index("calibration") == list(SECTION_IDS).index("score-distributions") + 1
    assert page.count('id="calibration"') == 1 and 'href="#calibration"' in page
    section = _section(page)
    images = re.findall(r'<img src="([^"]+)" class="figure" alt="([^"]+)"', section)
    assert len(images) == 1 and "Reliability diagram" in images[0][1]
    prefix, _, data = images[0][0].partition(",")
    assert prefix == "data:image/png;base64" and base64.b64decode(data, validate=True)[:8] == PNG_SIGNATURE
    before, after = statistics["before"], statistics["after"]
    assert after["ece"] < before["ece"]
    assert f"expected calibration error {before['ece']:.4f} → {after['ece']:.4f}" in section
    assert f"<td class=\"num\">{after['brier']:.4f}</td>" in section
    assert "Platt" in section and "cross-fitted" in section and "600 validation users" in section


def test_without_statistics_the_section_says_so(content):
    section = _section(render_report(dataclasses.replace(content, calibration=None)))
    assert "no calibration statistics" in section and "<img" not in section


def test_calibration_statistics_are_checked(content, statistics):
    with pytest.raises(TypeError, match="calibration must be a mapping"):
        dataclasses.replace(content, calibration=[statistics])
    with pytest.raises(ValueError, match="needs brier, ece and bins"):
        dataclasses.replace(content, calibration={"before": statistics["before"]})


def test_reliability_figure_has_both_curves(statistics):
    figure = reliability_figure(statistics)
    top = figure.axes[0]
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert labels[0] == "perfectly calibrated"
    assert any(label.startswith("plain sigmoid") for label in labels)
    assert any(label.startswith("calibrated") for label in labels)
