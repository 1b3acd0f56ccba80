"""The HTML report: one self-contained file with every section, embedded PNGs and escaped text."""

from __future__ import annotations

import base64
import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from graphrisk.report import SECTION_IDS, ReportContent, match_rings, render_report, write_report
from graphrisk.report.figures import PNG_SIGNATURE

EVIL = '<script>alert("x")</script>'
#: compare_systems order: the detector, then the baselines.
SYSTEMS = ["graphrisk_gnn", "tabular_gb", "neighbour_gb", "graph_features_gb"]
STEP = "MATCH (u:User {user_id: $id})-[:USED]->(d:Device)<-[:USED]-(v:User)\nRETURN v.user_id"


class _Page(HTMLParser):
    """Tags, attributes and the text of every element with an id (plus the rows of each table)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}">')
    return page[start:page.index("</section>", start)]


@pytest.fixture(scope="module")
def content(report_inputs):
    rings = report_inputs["rings"].table.copy()
    rings.loc[len(rings) - 1, "ring_id"] = EVIL  # the lowest-scoring ring: malicious id
    rings.loc[0, "shared_entities"] = [*rings.loc[0, "shared_entities"], f"device:{EVIL}"]
    return ReportContent(
        title=f"Run {EVIL}",
        summary={"world users": 1_000, "seconds (scoring)": 1.25, EVIL: EVIL},
        graph=report_inputs["graph"],
        scores=report_inputs["scores"],
        rings=rings,
        comparison=report_inputs["comparison"],
        labels=report_inputs["labels"],
        next_steps=[STEP, EVIL],
    )


@pytest.fixture(scope="module")
def written(content, tmp_path_factory):
    path = write_report(tmp_path_factory.mktemp("report") / "nested" / "report.html", content)
    return path, path.read_text(encoding="utf-8")


def test_one_file_with_every_section(written):
    path, page = written
    assert path.name == "report.html" and path.is_file()
    assert page.startswith("<!DOCTYPE html>")
    ids = _parse(page).ids
    for section_id in SECTION_IDS:
        assert ids.count(section_id) == 1, section_id
    assert [i for i in ids if i in SECTION_IDS] == list(SECTION_IDS)  # in page order
    assert path.stat().st_size < 3_000_000


def test_images_are_embedded_pngs(written, content):
    _, page = written
    images = [attrs for tag, attrs in _parse(page).tags if tag == "img"]
    # PR curves, score distributions, one drawing per ring up to drawn_rings
    assert len(images) == 2 + min(content.drawn_rings, len(content.rings))
    for attrs in images:
        prefix, _, data = attrs["src"].partition(",")
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(data, validate=True)[:8] == PNG_SIGNATURE
        assert attrs["alt"]


def test_nothing_is_fetched_or_run(written):
    _, page = written
    tags = _parse(page).tags
    for tag, attrs in tags:
        for name in ("src", "href"):
            if name in attrs:
                value = attrs[name] or ""
                assert not value.startswith(("http:", "https:", "//")), (tag, value)
                assert value.startswith("#" if name == "href" else "data:"), value  # nothing outside the page
    assert "http://" not in page and "https://" not in page
    assert not any(tag in ("script", "link", "iframe", "object") for tag, _ in tags)


def test_user_text_is_escaped(written):
    _, page = written
    assert "<script" not in page.lower()
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert f"<title>Run {escaped}</title>" in page
    assert escaped in _section(page, "summary")
    assert escaped in _section(page, "rings")  # the shared entity of ring 1
    assert escaped in _section(page, "next-steps")


def test_malicious_ring_id_is_escaped_when_shown(content):
    last = content.rings.tail(1).reset_index(drop=True)  # the ring with the malicious id, now first
    page = render_report(dataclasses.replace(content, rings=last, drawn_rings=1, comparison=None))
    assert "<script" not in page.lower()
    assert 'Drawing of ring &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in page


def test_ring_table_matches_ground_truth(written, content):
    _, page = written
    rings = _section(page, "rings")
    largest = content.rings.sort_values("exposure", ascending=False).head(1)
    match = match_rings(largest, content.labels).iloc[0]
    assert match["true_ring"]  # the best hand-made ring is a planted one
    assert f"{match['true_ring']}: {match['overlap']} of {match['size']} members" in rings
    assert 'class="fraud"' in _section(page, "ring-details")  # labelled fraudsters are marked in the member lists


def test_metrics_table_has_every_system_detector_first(written, report_inputs):
    _, page = written
    metrics = _section(page, "metrics")
    rows = re.findall(r"<tr><td>(?:<strong>)?([a-z_]+)", metrics)
    assert rows == SYSTEMS
    auc_pr = report_inputs["comparison"].metrics["auc_pr"]
    best = auc_pr.idxmax()
    assert best == "graphrisk_gnn"
    assert f'<td class="num best">{auc_pr.max():.3f}</td>' in metrics
    baseline = auc_pr.drop(index="graphrisk_gnn")
    assert (f"graphrisk_gnn reaches AUC-PR {auc_pr.max():.3f}, {auc_pr.max() - baseline.max():.3f} above "
            f"the best baseline, {baseline.idxmax()} ({baseline.max():.3f}") in metrics
    assert "n_users" not in metrics  # counts go to the note, not the table


def test_next_steps_keep_their_lines(written):
    _, page = written
    steps = _section(page, "next-steps")
    assert "MATCH (u:User {user_id: $id})-[:USED]-&gt;(d:Device)&lt;-[:USED]-(v:User)\nRETURN v.user_id" in steps


def test_optional_sections(content):
    page = render_report(dataclasses.replace(content, next_steps=[], comparison=None, labels=None, drawn_rings=0))
    ids = _parse(page).ids
    assert "next-steps" not in ids and 'href="#next-steps"' not in page
    assert {"summary", "metrics", "pr-curves", "score-distributions", "rings", "ring-details"} <= set(ids)
    assert "No comparison with the baselines was run" in _section(page, "metrics")
    assert "<img" not in page
    assert "best true ring" not in page


def test_no_rings_found(content):
    empty = content.rings.iloc[0:0]
    page = render_report(dataclasses.replace(content, rings=empty, comparison=None))
    assert "No rings were found." in _section(page, "rings")
    assert "No rings to show." in _section(page, "ring-details")


def test_content_is_checked(content):
    with pytest.raises(ValueError, match="scores lacks the columns"):
        dataclasses.replace(content, scores=content.scores.drop(columns="risk_score"))
    with pytest.raises(TypeError, match="next_steps must be a list of strings"):
        dataclasses.replace(content, next_steps="MATCH (n) RETURN n")
    with pytest.raises(ValueError, match="drawn_rings must be an integer >= 0"):
        dataclasses.replace(content, drawn_rings=-1)
    with pytest.raises(TypeError, match="comparison must be a Comparison"):
        dataclasses.replace(content, comparison=content.comparison.metrics)
    with pytest.raises(TypeError, match="content must be a ReportContent"):
        render_report({"title": "x"})


def test_rings_object_is_accepted(content, report_inputs):
    rebuilt = dataclasses.replace(content, rings=report_inputs["rings"])
    assert isinstance(rebuilt.rings, pd.DataFrame)
    assert rebuilt.rings["ring_id"].tolist() == report_inputs["rings"].table["ring_id"].tolist()


def test_match_rings_without_true_ring_ids():
    rings = pd.DataFrame({"ring_id": ["r1"], "members": [["a", "b", "z"]]})
    labels = pd.DataFrame({"user_id": ["a", "b", "c"], "is_fraud": [1, 0, 1]})
    match = match_rings(rings, labels).iloc[0]
    assert (match["fraud_members"], match["true_ring"], match["overlap"], match["purity"]) == (1, "", 0, 0.0)
