"""One ring's part of the report: facts, drawing, every member, what they share, transfers, queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.report.drawing import draw_ring
from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.markup import Safe, element, format_value, join, table
from graphrisk.report.ring_facts import date_span
from graphrisk.report.ring_queries import RING_QUERIES, ring_query_commands

__all__ = ["RingView", "ring_detail", "ring_anchor", "match_text", "shared_by_type", "DRAWING_DPI"]

#: Pixels per inch of the embedded drawings: shown at this size, a 9-point label is 12.5 px high.
DRAWING_DPI = 100


@dataclass(frozen=True)
class RingView:
    """What every ring's part reads from the run, gathered once for all rings.

    Attributes
    ----------
    graph
        The transaction graph (for the drawings).
    risk
        ``user_id`` -> risk score.
    flagged
        ``user_id`` -> flagged by the detector.
    paid
        ``user_id`` -> amount the member paid to merchants.
    fraud
        Users labelled fraud (empty without labels).
    labelled
        Whether ground truth was given (adds the "labelled fraud" column).
    max_entities, seed
        Drawing options (see :func:`~graphrisk.report.drawing.draw_ring`).
    """

    graph: TransactionGraph
    risk: pd.Series
    flagged: pd.Series
    paid: pd.Series
    fraud: frozenset[str]
    labelled: bool
    max_entities: int
    seed: int


def ring_anchor(rank: int) -> str:
    """The ``id`` of the ring at ``rank`` (1 = largest exposure) on the page."""
    return f"ring-{rank}"


def match_text(match: pd.Series) -> str:
    """The ground-truth match of a ring in one phrase."""
    if not match["true_ring"]:
        return "no true ring"
    return (f"{match['true_ring']}: {match['overlap']} of {match['size']} members "
            f"({match['purity']:.0%}), {match['coverage']:.0%} of the true ring")


def shared_by_type(shared: Iterable[str]) -> dict[str, list[str]]:
    """``"type:id"`` strings grouped by type, in first-seen order (``sent:a->b`` under ``transfer``).

    Examples
    --------
    >>> shared_by_type(["device:d1", "sent:a->b", "device:d2", "merchant:m"])
    {'device': ['d1', 'd2'], 'transfer': ['a->b'], 'merchant': ['m']}
    """
    groups: dict[str, list[str]] = {}
    for item in shared:
        kind, _, name = str(item).partition(":")
        kind, name = ("entity", kind) if not name else ("transfer" if kind == "sent" else kind, name)
        groups.setdefault(kind, []).append(name)
    return groups


def ring_detail(rank: int, ring: pd.Series, transfers: pd.DataFrame, view: RingView, *,
                match: pd.Series | None = None, drawn: bool = True) -> Safe:
    """The part of the page about one ring: ``<article id="ring-<rank>">``.

    Parameters
    ----------
    rank
        1 for the largest exposure.
    ring
        The ring's row of :attr:`~graphrisk.report.ring_facts.RingFacts.rings`.
    transfers
        Its transfers between members (:meth:`~graphrisk.report.ring_facts.RingFacts.transfers_of`).
    view
        What the run says about users.
    match
        Its ground-truth match (:func:`~graphrisk.report.match_rings`), or ``None``.
    drawn
        Embed a drawing; otherwise a note says why there is none.
    """
    ring_id = str(ring["ring_id"])
    members = list(dict.fromkeys(str(m) for m in ring["members"]))
    heading = element("h3", f"#{rank} {ring_id}", element("span", f" exposure {float(ring['exposure']):,.2f}",
                                                                   class_="exposure"))
    parts = [heading, element("p", _facts(ring, match), class_="facts")]
    if drawn and members:
        parts.append(_drawing(rank, ring, view))
    elif not drawn:
        parts.append(element("p", "Not drawn: drawings are made for the rings with the largest exposure only "
                                  "(see the note at the top of the rings).", class_="note"))
    parts += [
        element("details", element("summary", f"Members ({len(members)})"), _members(members, view), open=True),
        _shared(ring["shared_entities"]),
        _transfers(transfers),
        _queries(ring_id),
    ]
    return element("article", *parts, class_="ring", id=ring_anchor(rank))


def _facts(ring: pd.Series, match: pd.Series | None) -> str:
    size = int(ring["size"])
    text = (f"{size} {'member' if size == 1 else 'members'} · mean risk {float(ring['score']):.3f} · "
            f"{int(ring['transfers'])} {'transfer' if int(ring['transfers']) == 1 else 'transfers'} between "
            f"members ({float(ring['transferred']):,.2f}) · active {date_span(ring['first_seen'], ring['last_seen'])}")
    if match is not None:
        text += f" · {match['fraud_members']} of {match['size']} labelled fraud · best true ring {match_text(match)}"
    return text


def _drawing(rank: int, ring: pd.Series, view: RingView) -> Safe:
    figure = draw_ring(view.graph, ring["members"], view.risk, shared=ring["shared_entities"], fraud=view.fraud,
                       title=f"#{rank} {ring['ring_id']}", max_entities=view.max_entities, seed=view.seed)
    width, height = (round(x * DRAWING_DPI) for x in figure.get_size_inches())
    image = element("img", src=png_data_uri(figure_png(figure, dpi=DRAWING_DPI)), width=str(width),
                    height=str(height), alt=f"Drawing of ring {ring['ring_id']}")
    return element("figure", image)


def _members(members: list[str], view: RingView) -> Safe:
    risk = view.risk.reindex(members)
    order = sorted(members, key=lambda m: (-risk[m] if pd.notna(risk[m]) else 1.0, m))
    header = ["member", "risk", "flagged", "paid to merchants"]
    numeric = [False, True, False, True]
    if view.labelled:
        header.append("labelled fraud")
        numeric.append(False)
    rows = []
    for member in order:
        name = element("span", member, class_="fraud", title="labelled fraud") if member in view.fraud else member
        flagged = view.flagged.get(member)
        row = [name, "-" if pd.isna(risk[member]) else f"{float(risk[member]):.3f}",
               "-" if flagged is None else format_value(bool(flagged)), f"{float(view.paid.get(member, 0.0)):,.2f}"]
        if view.labelled:
            row.append("yes" if member in view.fraud else "no")
        rows.append(row)
    return table(header, rows, numeric=numeric, class_="members")


def _shared(shared: Iterable[str]) -> Safe:
    groups = shared_by_type(shared)
    total = sum(len(names) for names in groups.values())
    if not total:
        return element("p", "The members share no entity; they are tied by transfers only or by the split of a "
                            "larger group.", class_="note")
    items = (element("li", element("strong", kind), f" ({len(names)}): ", join(names, ", "))
             for kind, names in groups.items())
    return element("details", element("summary", f"What ties them ({total})"), element("ul", *items, class_="shared"),
                   open=True)


def _transfers(transfers: pd.DataFrame) -> Safe:
    if not len(transfers):
        return element("p", "No money was sent between members.", class_="note")
    rows = [[src, dst, f"{int(count):,}", f"{float(amount):,.2f}", date_span(first, last)]
            for src, dst, count, amount, first, last in zip(transfers["src"], transfers["dst"], transfers["count"],
                                                             transfers["amount"], transfers["first_seen"],
                                                             transfers["last_seen"])]
    grid = table(["from", "to", "transfers", "amount", "dates"], rows, numeric=[False, False, True, True, False],
                 class_="transfers")
    return element("details", element("summary", f"Transfers between members ({len(transfers)})"), grid)


def _queries(ring_id: str) -> Safe:
    commands = ring_query_commands(ring_id)
    items = (element("li", f"{what}:", element("pre", element("code", command), class_="command"))
             for command, what in zip(commands, RING_QUERIES.values()))
    return element("div", element("p", "Open it in Neo4j (once the results are loaded there):", class_="note"),
                   element("ul", *items, class_="queries"), class_="queries")
