"""What goes into the HTML report: :class:`ReportContent`, checked when it is made."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from graphrisk.evaluate.compare import Comparison
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.report.reliability import check_calibration
from graphrisk.rings.result import RING_COLUMNS, Rings

__all__ = ["ReportContent", "SCORE_COLUMNS", "LABEL_COLUMNS"]

#: Columns the score table needs (``RiskDetector.score`` also gives ``ring_id, reason_1..``).
SCORE_COLUMNS = ["user_id", "risk_score", "flagged"]

#: Columns the ground-truth labels need (``ring_id`` too, to match found rings to true ones).
LABEL_COLUMNS = ["user_id", "is_fraud"]


@dataclass
class ReportContent:
    """Everything one report shows: the run, the comparison, the scores, the rings.

    Attributes
    ----------
    title
        Heading and ``<title>`` of the page.
    summary
        Label -> value of the run (world size, transactions, users, fraudsters, rings,
        seconds per stage ...), shown in this order.
    graph
        The transaction graph that was scored (the ring drawings read its ``used``,
        ``paid`` and ``sent`` tables).
    scores
        The score table of all users: ``user_id, risk_score, flagged`` (as
        ``RiskDetector.score`` gives it, which adds ``ring_id`` and reasons).
    rings
        The rings found: a :class:`~graphrisk.rings.Rings` or its ``table``
        (:data:`~graphrisk.rings.RING_COLUMNS`), in any order: the report lists them
        largest exposure first.
    comparison
        The detector beside the baselines (:func:`~graphrisk.evaluate.compare.compare_systems`),
        or ``None`` when none was run (the metric sections then say so).
    labels
        Ground truth ``user_id, is_fraud`` and optionally ``ring_id``, or ``None``: known
        fraudsters are marked, and each found ring is matched to the true ring it overlaps most.
    drawn_rings
        How many rings get a drawing, largest exposure first. Every ring is listed and has
        its own part (members, ties, transfers, queries) whatever this is; it only bounds
        the number of embedded images, and so the size of the page.
    next_steps
        What to look at next (for example Cypher queries), one string each; the section
        is left out when empty.
    max_entities
        Most entity nodes drawn per ring.
    seed
        Seed of the ring drawings' layout.
    calibration
        Reliability of the detector's risk before and after calibration
        (``RiskDetector.validation_["calibration"]``), or ``None``: the calibration
        section then says the model carries none.

    Raises
    ------
    TypeError
        A field of the wrong type.
    ValueError
        A table without its columns, a negative ``drawn_rings``, or an empty title.

    Examples
    --------
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01"] * 2,
    ...                    "user_id": ["a", "b"], "amount": [1.0, 2.0], "device_id": ["d", "d"]})
    >>> graph = build_graph(tx)[0]
    >>> scores = pd.DataFrame({"user_id": ["a", "b"], "risk_score": [0.9, 0.2], "flagged": [True, False]})
    >>> content = ReportContent("Run", {"users": 2}, graph, scores, pd.DataFrame(columns=RING_COLUMNS))
    >>> content.drawn_rings, content.next_steps
    (30, [])
    """

    title: str
    summary: Mapping[str, object]
    graph: TransactionGraph
    scores: pd.DataFrame
    rings: pd.DataFrame | Rings
    comparison: Comparison | None = None
    labels: pd.DataFrame | None = None
    drawn_rings: int = 30
    next_steps: Sequence[str] = field(default_factory=list)
    max_entities: int = 30
    seed: int = 0
    calibration: Mapping | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError(f"title must be a non-empty string, got {self.title!r}")
        if not isinstance(self.summary, Mapping):
            raise TypeError(f"summary must be a mapping of label -> value, got {type(self.summary).__name__}")
        if not isinstance(self.graph, TransactionGraph):
            raise TypeError(
                f"graph must be a TransactionGraph (graphrisk.build_graph), got {type(self.graph).__name__}"
            )
        _check_frame("scores", self.scores, SCORE_COLUMNS)
        if isinstance(self.rings, Rings):
            self.rings = self.rings.table
        _check_frame("rings", self.rings, RING_COLUMNS)
        if self.comparison is not None and not isinstance(self.comparison, Comparison):
            raise TypeError(
                f"comparison must be a Comparison (graphrisk.evaluate.compare.compare_systems) or None, "
                f"got {type(self.comparison).__name__}"
            )
        if self.labels is not None:
            _check_frame("labels", self.labels, LABEL_COLUMNS)
        for name in ("drawn_rings", "max_entities", "seed"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        if isinstance(self.next_steps, str) or not all(isinstance(s, str) for s in self.next_steps):
            raise TypeError("next_steps must be a list of strings (one step each), not a single string")
        self.next_steps = list(self.next_steps)
        if self.calibration is not None:
            check_calibration(self.calibration)

    @property
    def risk(self) -> pd.Series:
        """``user_id`` -> risk score of every scored user."""
        table = self.scores
        return pd.Series(table["risk_score"].to_numpy(dtype=float), index=table["user_id"].astype(str).to_numpy())

    @property
    def fraudsters(self) -> frozenset[str]:
        """The users labelled fraud (empty without labels)."""
        if self.labels is None:
            return frozenset()
        fraud = self.labels["is_fraud"].fillna(0).astype(int).to_numpy() == 1
        return frozenset(self.labels["user_id"].astype(str).to_numpy()[fraud])


def _check_frame(name: str, table: object, columns: list[str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame with columns {columns}, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks the columns {missing}; it needs {columns}")
