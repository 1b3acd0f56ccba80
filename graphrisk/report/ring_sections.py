"""The report's ring sections, first on the page: every ring by exposure, then one part per ring.

* ``rings``: a compact table of **all** rings, largest exposure first, each linking to its part;
* ``ring-details``: one ``<article>`` per ring, in the same order, with its facts, every member
  with its risk, what ties them by type, the transfers between them with amounts and dates, and
  the ``graphrisk query`` commands that open it in Neo4j. The first
  :attr:`~graphrisk.report.ReportContent.drawn_rings` rings also get a drawing; the others say
  they are not drawn, so a world with hundreds of rings keeps a page of reasonable size while
  no ring is left out.
"""

from __future__ import annotations

import pandas as pd

from graphrisk.report.content import ReportContent
from graphrisk.report.markup import Safe, element, format_value, table
from graphrisk.report.matching import match_rings
from graphrisk.report.ring_detail import RingView, match_text, ring_anchor, ring_detail
from graphrisk.report.ring_facts import EXPOSURE_MEANING, RingFacts, date_span, ring_facts
from graphrisk.report.sections import section

__all__ = ["ring_sections"]


def ring_sections(content: ReportContent) -> list[Safe]:
    """The ``rings`` and ``ring-details`` sections of the page.

    Parameters
    ----------
    content
        What the report shows.

    Returns
    -------
    list of Safe
        Two ``<section>`` elements: the table of every ring, then one part per ring.
    """
    rings = content.rings
    if not len(rings):
        return [section("rings", element("p", "No rings were found.")),
                section("ring-details", element("p", "No rings to show."))]
    facts = ring_facts(content.graph, rings)
    matches = match_rings(facts.rings, content.labels) if content.labels is not None else None
    return [_overview(content, facts, matches), _details(content, facts, matches)]


def _overview(content: ReportContent, facts: RingFacts, matches: pd.DataFrame | None) -> Safe:
    table_ = facts.rings
    total = len(table_)
    drawn = min(content.drawn_rings, total)
    scores = content.scores
    flagged = int(scores["flagged"].fillna(False).astype(bool).sum())
    intro = (f"{total:,} {'ring' if total == 1 else 'rings'} found among the {flagged:,} flagged of "
             f"{len(scores):,} scored users, largest exposure first. Every ring is listed here and has its "
             "own part below: every member with its risk, what ties them, the money they sent each other, "
             f"and the commands that open it in Neo4j. {EXPOSURE_MEANING}")
    if drawn == total:
        drawings = "Every ring is drawn."
    elif drawn == 0:
        drawings = "No ring is drawn (drawn_rings is 0); each ring's part lists it in full."
    else:
        drawings = (f"The {drawn:,} rings with the largest exposure are drawn; the other {total - drawn:,} are "
                    "listed in full but not drawn, to keep the page light (drawn_rings).")
    header = ["#", "ring", "exposure", "size", "mean risk", "transfers between members", "active"]
    numeric = [True, False, True, True, True, True, False]
    if matches is not None:
        header += ["labelled fraud", "best true ring"]
        numeric += [True, False]
    rows = []
    for position, ring in table_.iterrows():
        rank = position + 1
        row = [
            str(rank),
            element("a", ring["ring_id"], href=f"#{ring_anchor(rank)}"),
            f"{float(ring['exposure']):,.2f}",
            format_value(int(ring["size"])),
            f"{float(ring['score']):.3f}",
            f"{int(ring['transfers']):,} ({float(ring['transferred']):,.2f})",
            date_span(ring["first_seen"], ring["last_seen"]),
        ]
        if matches is not None:
            match = matches.iloc[position]
            row += [f"{match['fraud_members']} of {match['size']}", match_text(match)]
        rows.append(row)
    notes = [element("p", intro), element("p", drawings, class_="note")]
    if matches is not None:
        notes.append(element("p", "Labelled fraudsters are marked in the member lists; the best true ring is the one "
                                  "holding most members (share of the found ring, then of the true ring).",
                             class_="note"))
    return section("rings", *notes, table(header, rows, numeric=numeric, class_="rings"))


def _details(content: ReportContent, facts: RingFacts, matches: pd.DataFrame | None) -> Safe:
    risk = content.risk
    scores = content.scores
    flagged = pd.Series(scores["flagged"].fillna(False).astype(bool).to_numpy(),
                        index=scores["user_id"].astype(str).to_numpy())
    view = RingView(
        graph=content.graph,
        risk=risk[~risk.index.duplicated()],
        flagged=flagged[~flagged.index.duplicated()],
        paid=facts.member_paid,
        fraud=content.fraudsters,
        labelled=content.labels is not None,
        max_entities=content.max_entities,
        seed=content.seed,
    )
    legend = element("p", "Drawings: circles are members, filled by risk score, with a black outline when labelled "
                          "fraud (when known); other shapes are the entities that tie two or more members, one shape "
                          f"per type (honest hubs left out, at most {content.max_entities} per ring); arrows are "
                          "money SENT between members, labelled with the amount and date (count and date span "
                          "when a pair transferred several times).", class_="note")
    parts = [
        ring_detail(position + 1, ring, facts.transfers_of(position), view,
                    match=None if matches is None else matches.iloc[position], drawn=position < content.drawn_rings)
        for position, ring in facts.rings.iterrows()
    ]
    return section("ring-details", legend, *parts)
