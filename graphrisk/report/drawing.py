"""Drawings of one ring: its members, what they share, and the money they sent each other.

:func:`ring_network` picks what to draw (a small NetworkX graph); :func:`draw_ring` lays it
out with a seeded spring layout and draws it on a :class:`matplotlib.figure.Figure` without
pyplot (no backend is selected, nothing needs closing).

What a drawing shows
--------------------
* **members**: circles filled by risk score (colorbar); labelled fraudsters, when known,
  get a thick black outline;
* **shared entities**: the devices, cards, IPs, emails, phones, addresses and merchants
  that two or more members used or paid, one shape and colour per type, most-shared
  first and capped (``max_entities``); a thin grey line joins each to its members;
* **transfers**: black arrows for ``SENT`` money between two members, each labelled with its
  amount and date (count and date span when the pair transferred several times).

Every text is at least :data:`LABEL_POINTS` points: 12.5 pixels in the report's 100-dpi
PNGs. The figure grows with the number of nodes and transfers (:func:`drawing_size`), so
labels keep their size instead of shrinking with the ring.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from graphrisk.graph.model import IDENTIFIER_TYPES
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.report.ring_facts import transfer_label

__all__ = ["ring_network", "draw_ring", "drawing_size", "ENTITY_STYLES", "LABEL_POINTS", "TITLE_POINTS"]

#: Entity type -> (matplotlib marker, colour). No reds, oranges or yellows: those are risk.
ENTITY_STYLES: dict[str, tuple[str, str]] = {
    "device": ("s", "tab:blue"),
    "card": ("D", "tab:purple"),
    "ip": ("^", "tab:cyan"),
    "email": ("v", "tab:green"),
    "phone": ("p", "tab:pink"),
    "address": ("h", "tab:brown"),
    "merchant": ("*", "tab:gray"),
}

#: Size in points of every label, legend and tick text (12.5 px at 100 dpi).
LABEL_POINTS = 9.0
#: Size in points of the title.
TITLE_POINTS = 11.0

_RISK_MAP = "YlOrRd"
_LABEL_ALL_NODES = 45  # label every node up to this many nodes, else the members only


def ring_network(
    graph: TransactionGraph,
    members: Iterable[str],
    *,
    shared: Iterable[str] | None = None,
    max_entities: int = 30,
) -> nx.DiGraph:
    """The members of a ring, the entities they share and their transfers, as a graph.

    Parameters
    ----------
    graph
        The transaction graph.
    members
        User ids of the ring.
    shared
        ``"type:id"`` strings of the entities to consider (a ring's ``shared_entities``:
        the entities that tie the ring, honest hubs left out); ``"sent:..."`` items are
        ignored. ``None``: every entity used or paid by two or more members.
    max_entities
        Most entity nodes kept: those with the most members first (then by type and id).

    Returns
    -------
    networkx.DiGraph
        Nodes ``"user:<id>"`` and ``"<type>:<id>"`` with attributes ``kind`` (``user`` or
        the entity type), ``label`` (the id) and, for entities, ``members``. Edges
        member -> entity with ``kind="shares"`` and sender -> receiver with
        ``kind="sent"`` (``count``, ``amount``, ``first_seen``, ``last_seen``).
        ``graph.graph["entities_total"]`` is the number of entities before the cap.

    Raises
    ------
    ValueError
        No members, or a negative ``max_entities``.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("1234"), "timestamp": ["2024-01-01"] * 4,
    ...                    "user_id": ["a", "b", "c", "a"], "amount": [1.0, 1.0, 1.0, 5.0],
    ...                    "device_id": ["d", "d", "e", None], "counterparty_id": [None, None, None, "b"]})
    >>> network = ring_network(build_graph(tx)[0], ["a", "b"])
    >>> sorted(network.nodes)
    ['device:d', 'user:a', 'user:b']
    >>> sorted((u, v, k) for u, v, k in network.edges(data="kind"))
    [('user:a', 'device:d', 'shares'), ('user:a', 'user:b', 'sent'), ('user:b', 'device:d', 'shares')]
    """
    members = sorted({str(m) for m in members})
    if not members:
        raise ValueError("members is empty; a ring drawing needs at least one user id")
    if isinstance(max_entities, bool) or not isinstance(max_entities, int) or max_entities < 0:
        raise ValueError(f"max_entities must be an integer >= 0, got {max_entities!r}")

    links = _member_links(graph, members)
    per_entity = links.groupby(["entity_type", "dst"]).size().rename("members").reset_index()
    per_entity = per_entity[per_entity["members"] >= 2]
    if shared is not None:
        keep = {str(s) for s in shared if not str(s).startswith("sent:")}
        per_entity = per_entity[(per_entity["entity_type"] + ":" + per_entity["dst"]).isin(keep)]
    per_entity = per_entity.sort_values(["members", "entity_type", "dst"], ascending=[False, True, True])

    network = nx.DiGraph(entities_total=len(per_entity))
    for user in members:
        network.add_node(f"user:{user}", kind="user", label=user)
    kept = per_entity.head(max_entities)
    for kind, entity, count in zip(kept["entity_type"], kept["dst"], kept["members"]):
        network.add_node(f"{kind}:{entity}", kind=kind, label=entity, members=int(count))
    kept_links = links.merge(kept[["entity_type", "dst"]], on=["entity_type", "dst"])
    for kind, entity, user in sorted(zip(kept_links["entity_type"], kept_links["dst"], kept_links["src"])):
        network.add_edge(f"user:{user}", f"{kind}:{entity}", kind="shares")

    sent = graph.sent
    inside = sent[sent["src"].isin(members) & sent["dst"].isin(members) & (sent["src"] != sent["dst"])]
    inside = inside.assign(src=inside["src"].astype(str), dst=inside["dst"].astype(str)).sort_values(["src", "dst"])
    for src, dst, count, amount, first, last in zip(inside["src"], inside["dst"], inside["count"],
                                                    inside["amount"], inside["first_seen"], inside["last_seen"]):
        network.add_edge(f"user:{src}", f"user:{dst}", kind="sent", count=int(count), amount=float(amount),
                         first_seen=first, last_seen=last)
    return network


def drawing_size(nodes: int, transfers: int = 0) -> tuple[float, float]:
    """Figure size in inches for ``nodes`` nodes and ``transfers`` labelled arrows: 7 x 5.2 up to 11 x 8.2.

    Transfers weigh more than nodes: each carries a label of about 1.2 by 0.35 inches.

    Examples
    --------
    >>> drawing_size(3), drawing_size(6, transfers=5), drawing_size(200)
    ((7.0, 5.2), (9.9, 7.38), (11.0, 8.2))
    """
    width = min(11.0, max(7.0, 5.0 + 0.15 * nodes + 0.8 * transfers))
    return width, round(width * 0.75 - 0.05, 2)


def _member_links(graph: TransactionGraph, members: list[str]) -> pd.DataFrame:
    """Distinct (entity_type, dst, src) of the members' identifiers and merchants."""
    used = graph.used
    used = used.loc[used["src"].isin(members) & used["entity_type"].isin(IDENTIFIER_TYPES),
                    ["entity_type", "dst", "src"]]
    paid = graph.paid.loc[graph.paid["src"].isin(members), ["dst", "src"]].assign(entity_type="merchant")
    links = pd.concat([used, paid[["entity_type", "dst", "src"]]], ignore_index=True)
    return links.astype(str).drop_duplicates()


def draw_ring(
    graph: TransactionGraph,
    members: Iterable[str],
    risk: Mapping[str, float] | pd.Series,
    *,
    shared: Iterable[str] | None = None,
    fraud: Collection[str] = (),
    title: str | None = None,
    max_entities: int = 30,
    seed: int = 0,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw one ring: members coloured by risk, the entities they share, their transfers.

    Parameters
    ----------
    graph
        The transaction graph.
    members
        User ids of the ring.
    risk
        ``user_id`` -> risk in [0, 1]; members without one are drawn grey.
    shared, max_entities
        Which entities to draw (see :func:`ring_network`).
    fraud
        User ids labelled fraud: outlined in black (nothing is marked when empty).
    title
        First line of the title (for example the ring id); the second counts what is drawn.
    seed
        Seed of the spring layout: the same inputs give the same drawing.
    figsize
        Size in inches; ``None``: grows with the nodes drawn (:func:`drawing_size`).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with the drawing, a risk colorbar and a legend of what is shown; every
        text is at least :data:`LABEL_POINTS` points.

    Raises
    ------
    ValueError
        No members, or a negative ``max_entities``.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": list("123"), "timestamp": ["2024-01-01"] * 3,
    ...                    "user_id": ["a", "b", "c"], "amount": [1.0, 1.0, 1.0], "device_id": ["d", "d", "d"]})
    >>> figure = draw_ring(build_graph(tx)[0], ["a", "b", "c"], {"a": 0.9, "b": 0.7}, title="ring-1")
    >>> figure.axes[0].get_title().splitlines()
    ['ring-1', '3 members, 1 shared entity, 0 transfers']
    """
    network = ring_network(graph, members, shared=shared, max_entities=max_entities)
    risk = pd.Series(risk, dtype=float) if not isinstance(risk, pd.Series) else risk.astype(float)
    risk.index = risk.index.astype(str)
    risk = risk[~risk.index.duplicated()]
    fraud = {str(f) for f in fraud}
    layout = nx.spring_layout(network.to_undirected(as_view=True), seed=seed,
                              k=1.8 / np.sqrt(max(len(network), 1)), iterations=100)

    n_transfers = sum(1 for *_, kind in network.edges(data="kind") if kind == "sent")
    figure = Figure(figsize=figsize or drawing_size(len(network), n_transfers), layout="constrained")
    ax = figure.add_subplot()
    ax.set_axis_off()
    kinds = nx.get_node_attributes(network, "kind")
    labels = nx.get_node_attributes(network, "label")
    edges = [(u, v) for u, v, kind in network.edges(data="kind") if kind == "shares"]
    transfers = [(u, v) for u, v, kind in network.edges(data="kind") if kind == "sent"]

    if edges:
        ax.add_collection(LineCollection([(layout[u], layout[v]) for u, v in edges], colors="0.75",
                                         linewidths=0.8, zorder=1))
    for u, v in transfers:
        ax.annotate("", xy=layout[v], xytext=layout[u], zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": "0.1", "lw": 1.1, "shrinkA": 7, "shrinkB": 7,
                                "connectionstyle": f"arc3,rad={_ARC}"})
        _label_transfer(ax, layout[u], layout[v], network.edges[u, v])

    handles = []
    for kind, (marker, colour) in ENTITY_STYLES.items():
        nodes = [n for n, k in kinds.items() if k == kind]
        if nodes:
            xy = np.array([layout[n] for n in nodes])
            ax.scatter(xy[:, 0], xy[:, 1], marker=marker, c=colour, s=170 if marker == "*" else 110,
                       edgecolors="white", linewidths=0.5, zorder=3)
            handles.append(Line2D([], [], marker=marker, linestyle="", color=colour, label=kind))

    users = [n for n, k in kinds.items() if k == "user"]
    xy = np.array([layout[n] for n in users])
    values = risk.reindex([labels[n] for n in users]).to_numpy()
    is_fraud = np.array([labels[n] in fraud for n in users])
    cmap = matplotlib.colormaps[_RISK_MAP].with_extremes(bad="lightgrey")
    # plotnonfinite: members without a score are drawn too, in the colormap's grey "bad" colour
    points = ax.scatter(xy[:, 0], xy[:, 1], c=values, cmap=cmap, vmin=0.0, vmax=1.0, s=140, zorder=4,
                        plotnonfinite=True, edgecolors=np.where(is_fraud, "black", "0.45").tolist(),
                        linewidths=np.where(is_fraud, 2.2, 0.6))
    colorbar = figure.colorbar(points, ax=ax, shrink=0.8)
    colorbar.set_label("risk score", fontsize=LABEL_POINTS)
    colorbar.ax.tick_params(labelsize=LABEL_POINTS)
    handles.insert(0, Line2D([], [], marker="o", linestyle="", markerfacecolor=cmap(0.8),
                             markeredgecolor="0.45", label="member (fill = risk)"))
    if is_fraud.any():
        handles.insert(1, Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                                 markeredgecolor="black", markeredgewidth=2.2, label="labelled fraud"))
    if transfers:
        handles.append(Line2D([], [], color="0.1", lw=1.1, marker=">", markersize=5, label="SENT"))

    shown = network.nodes if len(network) <= _LABEL_ALL_NODES else users
    for node in shown:
        ax.annotate(labels[node], layout[node], xytext=(0, -8), textcoords="offset points", ha="center",
                    va="top", fontsize=LABEL_POINTS, color="0.15", zorder=7)  # above the transfer labels

    n_entities, total = network.number_of_nodes() - len(users), network.graph["entities_total"]
    counted = f"{len(users)} members, {n_entities} shared {'entity' if n_entities == 1 else 'entities'}"
    if total > n_entities:
        counted += f" (of {total})"
    counted += f", {len(transfers)} {'transfer' if len(transfers) == 1 else 'transfers'}"
    ax.set_title(counted if title is None else f"{title}\n{counted}", fontsize=TITLE_POINTS)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(handles), 4),
              fontsize=LABEL_POINTS, frameon=False)
    ax.margins(0.1)
    ax.autoscale_view()
    return figure


_ARC = 0.12  # curvature of the transfer arrows: two members who sent both ways get two arcs


def _label_transfer(ax, start: np.ndarray, end: np.ndarray, edge: Mapping) -> None:
    """The amount and date of a transfer, on the middle of its arc (matplotlib's ``arc3`` curve)."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    dx, dy = end - start
    middle = (start + end) / 2 + 0.5 * _ARC * np.array([dy, -dx])
    text = transfer_label(edge["count"], edge["amount"], pd.Timestamp(edge["first_seen"]),
                          pd.Timestamp(edge["last_seen"]))
    ax.text(middle[0], middle[1], text, fontsize=LABEL_POINTS, ha="center", va="center", color="0.1", zorder=6,
            linespacing=1.0, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "0.8",
                                   "alpha": 0.85})
