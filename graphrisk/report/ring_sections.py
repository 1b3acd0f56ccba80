"""The report's ring sections: the table of the top rings and one drawing per ring."""

from __future__ import annotations

import pandas as pd

from graphrisk.report.content import ReportContent
from graphrisk.report.drawing import draw_ring
from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.markup import Safe, element, format_value, join, table
from graphrisk.report.matching import match_rings
from graphrisk.report.sections import section

__all__ = ["rings_section", "ring_drawings_section", "top_rings"]

#: How many shared entities and members a table cell lists before "+N more".
SHOWN_ENTITIES = 4
SHOWN_MEMBERS = 6


def top_rings(content: ReportContent) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The first ``content.top_rings`` rings (best first) and their ground-truth match, if labels are given."""
    top = content.rings.head(content.top_rings).reset_index(drop=True)
    matches = match_rings(top, content.labels) if content.labels is not None else None
    return top, matches


def _listed(items: list[str], shown: int, marked: frozenset[str] = frozenset()) -> Safe:
    """The first ``shown`` items, comma separated (``marked`` ones in a ``fraud`` span), then ``+N more``."""
    parts = [element("span", i, class_="fraud", title="labelled fraud") if i in marked else i for i in items[:shown]]
    text = join(parts, ", ")
    if len(items) > shown:
        text = Safe(text + element("span", f" +{len(items) - shown} more", class_="more"))
    return text


def _match_text(match: pd.Series) -> str:
    if not match["true_ring"]:
        return "no true ring"
    return (f"{match['true_ring']}: {match['overlap']} of {match['size']} members "
            f"({match['purity']:.0%}), {match['coverage']:.0%} of the true ring")


def rings_section(content: ReportContent) -> Safe:
    """The top rings: id, size, mean risk, exposure, shared entities, members, ground-truth match."""
    top, matches = top_rings(content)
    total = len(content.rings)
    if not len(top):
        note = "No rings were found." if not total else "No ring is shown (top_rings is 0)."
        return section("rings", element("p", note))
    fraud = content.fraudsters
    header = ["#", "ring", "size", "mean risk", "exposure", "shared entities", "members"]
    numeric = [True, False, True, True, True, False, False]
    if matches is not None:
        header += ["labelled fraud", "best true ring"]
        numeric += [True, False]
    rows = []
    for i, ring in top.iterrows():
        members = [str(m) for m in ring["members"]]
        row = [
            str(i + 1),
            element("a", ring["ring_id"], href=f"#ring-drawing-{i + 1}"),
            format_value(int(ring["size"])),
            f"{float(ring['score']):.3f}",
            f"{float(ring['exposure']):,.2f}",
            _listed([str(e) for e in ring["shared_entities"]], SHOWN_ENTITIES),
            _listed(members, SHOWN_MEMBERS, fraud),
        ]
        if matches is not None:
            match = matches.iloc[i]
            row += [f"{match['fraud_members']} of {match['size']}", _match_text(match)]
        rows.append(row)
    intro = (f"The {len(top)} highest-scoring of {total:,} {'ring' if total == 1 else 'rings'} found "
             "(mean member risk, then size). Exposure: the members' payments, summed.")
    if matches is not None:
        intro += (" Labelled fraudsters are marked in the member lists; the best true ring is the one "
                  "holding most members (share of the found ring, then of the true ring).")
    return section("rings", element("p", intro), table(header, rows, numeric=numeric, class_="rings"))


def ring_drawings_section(content: ReportContent) -> Safe:
    """One drawing per top ring (embedded PNG): members by risk, the entities they share, transfers."""
    top, matches = top_rings(content)
    if not len(top):
        return section("ring-drawings", element("p", "No rings to draw."))
    risk = content.risk
    fraud = content.fraudsters
    figures = []
    for i, ring in top.iterrows():
        figure = draw_ring(content.graph, ring["members"], risk, shared=ring["shared_entities"], fraud=fraud,
                           title=f"#{i + 1} {ring['ring_id']}", max_entities=content.max_entities,
                           seed=content.seed)
        caption = f"#{i + 1} {ring['ring_id']}: {int(ring['size'])} members, mean risk {float(ring['score']):.3f}"
        if matches is not None:
            caption += f"; {_match_text(matches.iloc[i])}"
        figures.append(element(
            "figure",
            element("img", src=png_data_uri(figure_png(figure)), alt=f"Drawing of ring {ring['ring_id']}"),
            element("figcaption", caption),
            id=f"ring-drawing-{i + 1}",
        ))
    legend = element("p", "Circles: members, filled by risk score; black outline: labelled fraud (when known). "
                          "Other shapes: the entities that tie two or more members (honest hubs left out), "
                          f"at most {content.max_entities} per ring; arrows: money SENT between members.",
                     class_="note")
    return section("ring-drawings", legend, element("div", *figures, class_="drawings"))

