"""Issue 18, the static report for investigators: every ring by exposure first, in full, with queries.

Each test is one observation made on the demo world's report: AUC tables came before the
rings, only 5 of 18 rings were shown (sorted by mean risk, not exposure), member lists
stopped at "+8 more", drawings had 6-point labels shown at a size that made them about 6 px,
and there was no query to open a ring.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import shlex
import struct

import pytest

from graphrisk.report import ReportContent, render_report

EVIL = "<b>'x' && rm -rf /</b>"


def _section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}">')
    return page[start:page.index("</section>", start)]


def _article(page: str, rank: int) -> str:
    start = page.index(f'<article class="ring" id="ring-{rank}">')
    return page[start:page.index("</article>", start)]


@pytest.fixture(scope="module")
def rings(report_inputs):
    table = report_inputs["rings"].table
    return table.sort_values("exposure", ascending=False, kind="mergesort", ignore_index=True)


@pytest.fixture(scope="module")
def content(report_inputs):
    return ReportContent(title="Run", summary={"users": 1_000}, graph=report_inputs["graph"],
                         scores=report_inputs["scores"], rings=report_inputs["rings"],
                         comparison=report_inputs["comparison"], labels=report_inputs["labels"])


@pytest.fixture(scope="module")
def page(content):
    return render_report(content)


def test_the_world_is_a_fair_test(report_inputs, rings):
    """More rings than the old 5, a big one, transfers, and an exposure order unlike the mean-risk order."""
    found = report_inputs["rings"].table
    assert len(found) >= 8
    assert found["ring_id"].tolist() != rings["ring_id"].tolist()  # group_rings orders by mean risk
    assert rings["size"].max() > 8
    assert rings["exposure"].is_unique


def test_every_ring_is_listed_largest_exposure_first(page, rings):
    overview = _section(page, "rings")
    listed = re.findall(r'<td class="num">(\d+)</td><td><a href="#ring-(\d+)">([^<]+)</a></td><td class="num">'
                        r"([\d,.]+)</td>", overview)
    assert [ring_id for *_, ring_id, _ in listed] == rings["ring_id"].tolist()
    assert [(int(rank), int(anchor)) for rank, anchor, *_ in listed] == [(i, i) for i in range(1, len(rings) + 1)]
    assert [exposure for *_, exposure in listed] == [f"{x:,.2f}" for x in rings["exposure"]]
    assert "Exposure: the sum of the members' payments to merchants" in html.unescape(overview)

    details = _section(page, "ring-details")
    articles = re.findall(r'<article class="ring" id="ring-(\d+)"><h3>#(\d+) ([^<]+)<', details)
    assert articles == [(str(i), str(i), ring_id) for i, ring_id in enumerate(rings["ring_id"], start=1)]


def test_member_lists_are_complete_with_each_members_risk(page, rings, report_inputs):
    assert not re.search(r"\+\d+ more", page) and 'class="more"' not in page
    scores = report_inputs["scores"].set_index("user_id")["risk_score"]
    for rank, ring in enumerate(rings.itertuples(), start=1):
        article = _article(page, rank)
        rows = re.findall(r'<tr><td>(?:<span class="fraud"[^>]*>)?([^<]+)(?:</span>)?</td><td class="num">([\d.]+)</td>',
                          article)
        assert sorted(user for user, _ in rows) == sorted(ring.members), ring.ring_id
        assert [risk for _, risk in rows] == sorted((risk for _, risk in rows), reverse=True)  # riskiest first
        for user, risk in rows:
            assert risk == f"{scores[user]:.3f}"


def test_the_model_metrics_come_after_every_ring(page):
    assert page.index('<section id="metrics">') > page.index('<section id="rings">')
    last_ring = page.rindex('<article class="ring"')
    assert page.index('<section id="rings">') < page.index('<section id="ring-details">') < last_ring
    for section_id in ("summary", "metrics", "pr-curves", "score-distributions", "calibration"):
        assert page.index(f'<section id="{section_id}">') > last_ring, section_id
    nav = page[page.index("<nav>"):page.index("</nav>")]
    assert nav.index('href="#rings"') < nav.index('href="#metrics"')


def test_every_ring_has_its_queries_ready_to_copy(page, rings):
    for rank, ring_id in enumerate(rings["ring_id"], start=1):
        commands = re.findall(r'<pre class="command"><code>([^<]*)</code></pre>', _article(page, rank))
        assert commands == [f"graphrisk query ring_members --param ring_id={ring_id}",
                            f"graphrisk query ring_money_flow --param ring_id={ring_id}"]


def test_a_hostile_ring_id_is_quoted_for_the_shell_and_escaped_for_the_page(content):
    table = content.rings.copy()
    table.loc[0, "ring_id"] = EVIL
    page = render_report(dataclasses.replace(content, rings=table, comparison=None, drawn_rings=0))
    assert "<b>" not in page
    rank = 1 + table.sort_values("exposure", ascending=False, ignore_index=True)["ring_id"].tolist().index(EVIL)
    commands = re.findall(r'<pre class="command"><code>([^<]*)</code></pre>', _article(page, rank))
    assert [shlex.split(html.unescape(c)) for c in commands] == [
        ["graphrisk", "query", name, "--param", f"ring_id={EVIL}"] for name in ("ring_members", "ring_money_flow")]


def test_drawings_are_shown_at_the_size_they_were_drawn(page):
    """The labels' pixel size holds on the page only if the browser does not shrink the PNG."""
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)"',
                        _section(page, "ring-details"))
    assert images
    for data, width, height in images:
        png = base64.b64decode(data)
        assert struct.unpack(">II", png[16:24]) == (int(width), int(height))
        assert int(width) >= 700


def test_transfers_between_members_are_listed_with_amount_and_date(page, rings, report_inputs):
    sent = report_inputs["graph"].sent
    checked = 0
    for rank, ring in enumerate(rings.itertuples(), start=1):
        members = set(ring.members)
        inside = sent[sent["src"].isin(members) & sent["dst"].isin(members)]
        article = _article(page, rank)
        for row in inside.itertuples():
            assert (f"<tr><td>{row.src}</td><td>{row.dst}</td><td class=\"num\">{row.count:,}</td>"
                    f"<td class=\"num\">{row.amount:,.2f}</td><td>{row.first_seen:%Y-%m-%d}") in article
            checked += 1
    assert checked >= 5


def test_rings_beyond_drawn_rings_are_listed_in_full_but_not_drawn(content, rings):
    page = render_report(dataclasses.replace(content, drawn_rings=3, comparison=None))
    details = _section(page, "ring-details")
    assert details.count("<img") == 3
    assert details.count('<article class="ring"') == len(rings)
    for rank in range(1, len(rings) + 1):
        assert ("<img" in _article(page, rank)) == (rank <= 3)
        assert ("Not drawn" in _article(page, rank)) == (rank > 3)
    assert f"the other {len(rings) - 3} are listed in full but not drawn" in _section(page, "rings")
