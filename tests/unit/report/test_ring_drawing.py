"""Ring drawings: what is drawn (members, shared entities, transfers), capped, seeded, without pyplot."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from graphrisk import build_graph
from graphrisk.report import draw_ring, figure_png, ring_network
from graphrisk.report.figures import PNG_SIGNATURE
from graphrisk.report.ring_detail import DRAWING_DPI

#: Issue 18: the smallest readable text in the report's drawings, in pixels of the embedded PNG.
MIN_PIXELS = 11


def _texts(figure: Figure) -> list[Text]:
    """Every visible, non-empty text of the figure, tick labels included (laid out without rendering)."""
    figure.draw_without_rendering()
    return [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture(scope="module")
def graph():
    """a, b, c share device d1 and merchant m; a and b share card k; a sent to b; e and f share nothing."""
    rows = [
        ("1", "a", "m", "d1", "k", None),
        ("2", "b", "m", "d1", "k", None),
        ("3", "c", "m", "d1", None, None),
        ("4", "a", None, None, None, "b"),
        ("5", "e", "n", "d2", None, None),
        ("6", "f", "p", "d3", None, None),
        ("7", "g", "m", None, None, None),
    ]
    tx = pd.DataFrame(rows, columns=["transaction_id", "user_id", "merchant_id", "device_id", "card_id",
                                     "counterparty_id"])
    tx["timestamp"] = "2024-01-01"
    tx["amount"] = 10.0
    return build_graph(tx)[0]


def test_network_has_members_shared_entities_and_transfers(graph):
    network = ring_network(graph, ["c", "b", "a"])
    assert sorted(n for n, k in network.nodes(data="kind") if k == "user") == ["user:a", "user:b", "user:c"]
    assert network.nodes["device:d1"] == {"kind": "device", "label": "d1", "members": 3}
    assert network.nodes["card:k"]["members"] == 2
    assert network.nodes["merchant:m"]["members"] == 3
    assert network.edges["user:a", "user:b"]["kind"] == "sent"
    assert not network.has_edge("user:b", "user:a")  # transfers keep their direction
    assert network.graph["entities_total"] == 3


def test_network_keeps_only_the_given_shared_entities_and_caps_them(graph):
    shared = ring_network(graph, ["a", "b", "c"], shared=["device:d1", "sent:a->b"])
    assert sorted(n for n, k in shared.nodes(data="kind") if k != "user") == ["device:d1"]
    assert shared.has_edge("user:a", "user:b")  # transfers between members are always drawn
    capped = ring_network(graph, ["a", "b", "c"], max_entities=1)
    entities = [n for n, k in capped.nodes(data="kind") if k != "user"]
    assert entities == ["device:d1"]  # most-shared first, ties by type then id
    assert capped.graph["entities_total"] == 3


def test_drawing_is_a_figure_with_counts_in_the_title(graph):
    figure = draw_ring(graph, ["a", "b", "c"], {"a": 0.9, "b": 0.5, "c": 0.1}, fraud={"a"}, title="ring-x",
                       max_entities=2)
    assert isinstance(figure, Figure)
    assert figure.axes[0].get_title().splitlines() == [
        "ring-x", "3 members, 2 shared entities (of 3), 1 transfer"]
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["member (fill = risk)", "labelled fraud", "device", "merchant", "SENT"]
    assert len(figure.axes) == 2  # the drawing and the risk colorbar
    png = figure_png(figure)
    assert png[:8] == PNG_SIGNATURE and len(png) < 200_000


def test_a_ring_that_shares_nothing_is_still_drawn(graph):
    figure = draw_ring(graph, ["e", "f", "unknown-user"], pd.Series({"e": 0.7, "f": 0.8}))
    assert figure.axes[0].get_title() == "3 members, 0 shared entities, 0 transfers"
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["member (fill = risk)"]
    assert figure_png(figure)[:8] == PNG_SIGNATURE


def test_the_same_seed_draws_the_same_picture(graph):
    first = figure_png(draw_ring(graph, ["a", "b", "c"], {"a": 0.9}, seed=3))
    again = figure_png(draw_ring(graph, ["c", "a", "b"], {"a": 0.9}, seed=3))
    assert first == again


def test_bad_arguments(graph):
    with pytest.raises(ValueError, match="members is empty"):
        draw_ring(graph, [], {})
    with pytest.raises(ValueError, match="max_entities must be an integer >= 0"):
        ring_network(graph, ["a"], max_entities=-1)


def test_drawing_does_not_use_pyplot(graph):
    if "matplotlib.pyplot" in sys.modules:
        pytest.skip("pyplot was imported by something else in this process")
    figure_png(draw_ring(graph, ["a", "b"], {"a": 0.2}))
    assert "matplotlib.pyplot" not in sys.modules


def test_every_text_is_readable_at_the_size_the_report_embeds(graph):
    figure = draw_ring(graph, ["a", "b", "c"], {"a": 0.9, "b": 0.5, "c": 0.1}, fraud={"a"}, title="ring-x")
    texts = _texts(figure)
    assert {"a", "b", "c", "d1", "k", "m"} <= {t.get_text() for t in texts}  # every node is labelled
    for text in texts:
        pixels = text.get_fontsize() * DRAWING_DPI / 72
        assert pixels >= MIN_PIXELS, (text.get_text(), pixels)


def test_transfers_carry_their_amount_and_date(graph):
    figure = draw_ring(graph, ["a", "b", "c"], {"a": 0.9})
    assert "10.00\n2024-01-01" in [t.get_text() for t in _texts(figure)]
    assert ring_network(graph, ["a", "b"]).edges["user:a", "user:b"]["first_seen"].year == 2024


def test_a_generated_ring_draws_every_transfer_with_its_amount(report_inputs):
    """The ring with the most transfers between members of the generated world, drawn as the report does."""
    graph, table = report_inputs["graph"], report_inputs["rings"].table
    sent = graph.sent[graph.sent["src"] != graph.sent["dst"]]
    inside = [sent[sent["src"].isin(m) & sent["dst"].isin(m)] for m in table["members"]]
    best = max(range(len(table)), key=lambda i: len(inside[i]))
    transfers = inside[best]
    assert len(transfers) >= 3
    risk = report_inputs["scores"].set_index("user_id")["risk_score"]
    figure = draw_ring(graph, table.loc[best, "members"], risk, shared=table.loc[best, "shared_entities"])
    texts = _texts(figure)
    labels = [t.get_text() for t in texts if "\n20" in t.get_text()]  # amount, then the date
    assert len(labels) == len(transfers)
    for row in transfers.itertuples():
        amount = f"{row.amount:,.2f}" if row.count == 1 else f"{row.count}× {row.amount:,.2f}"
        assert any(label.startswith(f"{amount}\n{row.first_seen:%Y-%m-%d}") for label in labels), row
    assert min(t.get_fontsize() for t in texts) * DRAWING_DPI / 72 >= MIN_PIXELS
    assert set(table.loc[best, "members"]) <= {t.get_text() for t in texts}
