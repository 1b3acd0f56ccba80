"""The main job: graph → features → training → scores → rings → evaluation → report (→ Neo4j).

``run_main_job`` is what ``graphrisk demo`` runs on a generated world, and what a team
runs on its own labelled data: it trains the detector on a leak-free split (whole rings on
one side, a share of training fraud labels hidden), compares it with the baselines on the
held-out users, scores every user with it, groups the flagged users into rings, writes
the scores, rings, model and metrics, and the self-contained HTML report. With a Neo4j
runner it also loads the graph and writes the scores and rings back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from graphrisk.evaluate.compare import Comparison, compare_systems
from graphrisk.graph.transaction_graph import TransactionGraph
from graphrisk.io.writers import write_table

__all__ = ["run_main_job", "JobResult", "suggested_queries"]


@dataclass
class JobResult:
    """What the main job produced.

    Attributes
    ----------
    comparison
        Metrics of the detector and the baselines on the held-out users.
    scores
        Every user: ``user_id, risk_score, flagged, ring_id, reason_1..3``.
    rings
        The rings table (ids as stored in Neo4j when written back).
    paths
        Files written, by name (``scores``, ``rings``, ``metrics``, ``model``, ``report``...).
    seconds
        Wall time per stage.
    store
        The load and write-back reports when Neo4j was used.
    next_steps
        What to open next (the investigators' queries when the results are in Neo4j).
    """

    comparison: Comparison
    scores: pd.DataFrame
    rings: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    store: dict = field(default_factory=dict)
    next_steps: list[str] = field(default_factory=list)


def run_main_job(
    graph: TransactionGraph,
    truth: pd.DataFrame,
    out: str | Path,
    *,
    seed: int = 0,
    detector_options: dict | None = None,
    device: str = "auto",
    runner=None,
    summary: dict | None = None,
    say: Callable[[str], None] = lambda text: None,
) -> JobResult:
    """Train, score, group, evaluate and report; optionally load and write back to Neo4j.

    Parameters
    ----------
    graph
        The graph (with transactions kept).
    truth
        Ground truth ``user_id, is_fraud[, ring_id]`` for the evaluation; training sees only
        the training side of the split, with a share of its fraud labels hidden.
    out
        Output folder (created).
    seed
        Seed of the split and every model.
    detector_options
        Keyword arguments of :class:`graphrisk.model.RiskDetector` (for example ``epochs``).
    device
        Where the detector trains (``auto``: CUDA when present).
    runner
        A :class:`graphrisk.store.QueryRunner`: load the graph and write the results back.
    summary
        Lines for the report's summary (what the input was), before the job's own.
    say
        Called with a line of progress for people.

    Returns
    -------
    JobResult
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    comparison = compare_systems(graph, truth, seed=seed, detector_options=detector_options, device=device,
                                 progress=lambda name: say(f"... {name}"))
    seconds["features, training and baselines"] = time.perf_counter() - clock

    clock = time.perf_counter()
    say("... scoring every user")
    detector = comparison.detector
    if detector.flag_warning():
        say(f"warning: {detector.flag_warning()}")
    scored = detector.score_users(graph, inputs=comparison.inputs)
    scores, rings = scored.scores, scored.rings.table
    seconds["scoring and rings"] = time.perf_counter() - clock

    paths: dict[str, Path] = {}
    paths["model"] = detector.save(out / "model")
    store: dict = {}
    if runner is not None:
        scores, rings, store = _write_to_neo4j(runner, graph, scores, rings, detector.version_, seconds, say)

    paths["scores"] = write_table(scores, out / "scores.csv")
    paths["rings"] = write_table(rings, out / "rings.csv")
    paths["metrics"] = comparison.write(out)

    clock = time.perf_counter()
    say("... report")
    from graphrisk.report import ReportContent, write_report

    run_summary = dict(summary or {})
    run_summary.update({
        "users scored": f"{len(scores):,}",
        "flagged": f"{int(scores['flagged'].sum()):,} (risk ≥ {detector.threshold_:.3f})",
        "rings found": f"{len(rings):,}",
        "model": f"{detector.settings.conv.upper()} · {detector.version_}",
        **{f"time: {name}": f"{value:.1f} s" for name, value in seconds.items()},
    })
    content = ReportContent(
        title="graphrisk — fraud rings found", summary=run_summary, comparison=comparison, scores=scores,
        rings=rings, graph=graph, labels=truth, next_steps=suggested_queries(rings, runner is not None),
        calibration=detector.validation_.get("calibration"),
    )
    paths["report"] = write_report(out / "report.html", content)
    seconds["report"] = time.perf_counter() - clock
    return JobResult(comparison=comparison, scores=scores, rings=rings, paths=paths, seconds=seconds, store=store,
                     next_steps=content.next_steps)


def _write_to_neo4j(runner, graph, scores, rings, model_version, seconds, say):
    from graphrisk.rings.entity_risk import entity_risk
    from graphrisk.store.loader import load_graph
    from graphrisk.store.writeback import write_scores

    clock = time.perf_counter()
    say("... loading the graph into Neo4j")
    loaded = load_graph(runner, graph)
    say("... writing scores and rings back")
    written = write_scores(runner, scores, rings, model_version=model_version, entities=entity_risk(graph, scores))
    seconds["neo4j load and write-back"] = time.perf_counter() - clock
    scores, rings = written.with_stored_ids(scores, rings)
    return scores, rings, {"load": loaded, "write_back": written}


def suggested_queries(rings: pd.DataFrame, in_neo4j: bool) -> list[str]:
    """The commands to open next: the investigators' queries when the results are in Neo4j.

    The ring queries name the report's ring #1, the ring with the largest exposure, with the
    id quoted for a shell.
    """
    from graphrisk.queries.output import query_command
    from graphrisk.report.ring_facts import rings_by_exposure
    from graphrisk.report.ring_queries import ring_query_commands

    if not in_neo4j:
        return ["Set NEO4J_URI and run the demo again to load the graph, write the scores and rings into Neo4j "
                "and query them with `graphrisk query`."]
    today = datetime.now(timezone.utc).date().isoformat()
    steps = ["graphrisk query --list", "graphrisk query top_risk_users --param limit=20",
             "graphrisk query top_rings"]
    if len(rings):
        top = rings_by_exposure(rings).iloc[0]
        ring, member = str(top["ring_id"]), str(top["members"][0])
        steps += [query_command("ring_summary", {"ring_id": ring}), *ring_query_commands(ring),
                  query_command("user_risk_profile", {"user_id": member})]
    steps += [f"graphrisk query rings_since --param since={today}", "graphrisk query risky_merchants"]
    return steps
