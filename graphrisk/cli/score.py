"""``graphrisk score``: risk, flag, ring and reasons for every user, to files and to Neo4j.

Exit status for schedulers: 0 when everything asked for was written, 1 on any error (one
line on stderr; a rerun finishes an interrupted write-back), 130 when interrupted. Drift
between the training and the scored data is reported (a summary line, ``warning: drift:``
lines on stderr past the thresholds of :mod:`graphrisk.monitor.drift`) but is no error:
the status stays 0, unless ``--fail-on-drift`` asks for 3, in which case nothing but the
``--drift`` table is written. ``--unsupervised`` scores with no model and no label
(:mod:`graphrisk.unsupervised`; refused in one line: what needs a model, and flag policies
that need labels).
"""

from __future__ import annotations

import argparse
import sys

from graphrisk.cli.engine import add_engine_options, check_spark_args, spark_for, spark_input_files, spark_rejects_path
from graphrisk.cli.options import (
    add_graph_input_options,
    add_neo4j_options,
    check_input_choice,
    graph_from_files,
    graph_from_neo4j,
    neo4j_config,
    positive_int,
    whole_number,
)
from graphrisk.cli.progress import stage_bars
from graphrisk.errors import InputError
from graphrisk.io.writers import TABLE_SUFFIXES, write_table
from graphrisk.store.writeback import DEFAULT_WRITE_BATCH

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``score`` command."""
    parser = commands.add_parser(
        "score", help="score every user with a trained model, or with none (--unsupervised), to files and/or Neo4j",
        description="Score every user of the input with the model in --model (no retraining: new users, devices "
        "and merchants are fine), or, with --unsupervised and no model nor label, from the graph alone: shared "
        "identifiers, synchrony and an outlier score over the graph features. The input is files (--transactions "
        "... or --input in a public format) or the graph in Neo4j (--from-neo4j). "
        "--out writes user_id,risk_score,flagged,ring_id and the top reasons (.csv or .parquet); --rings one row "
        "per ring. --write-neo4j writes risk_score, flagged, ring_id, risk_reasons, scored_at and model_version on "
        "each :User and a :Ring node per ring with MEMBER_OF relationships; rings keep their id as they grow, "
        "merged rings are recorded. Re-running writes the same values; an interrupted write-back is finished by "
        "running the command again. Drift from the training data (PSI per input feature, share of new users, "
        "merchants and identifiers) is summarised, with 'warning: drift:' lines on stderr past the thresholds; "
        "--drift writes the per-feature table. Exit status: 0 done (drift warnings included), 1 error, "
        "3 drift warnings with --fail-on-drift (nothing written then but --drift), 130 interrupted.",
    )
    add_graph_input_options(parser, from_neo4j=True)
    parser.add_argument("--model", metavar="DIR", help="model directory from graphrisk train (needed unless --unsupervised)")
    parser.add_argument("--unsupervised", action="store_true",
                        help="cold start: no model and no label; rank accounts and rings by the accounts sharing "
                        "their identifiers, lockstep activity and an outlier score over the graph features, and flag "
                        "the riskiest 1%% (or --flag-policy budget:N); the parts come out beside the reasons")
    parser.add_argument("--out", metavar="FILE", help="scores, .csv or .parquet")
    parser.add_argument("--rings", metavar="FILE", help="also write the rings table (.csv or .parquet)")
    parser.add_argument("--reasons", type=whole_number(0), default=3, metavar="N",
                        help="reasons per user (default: %(default)s)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--points", action="store_true",
                        help="add a risk_points column: a credit-style scale where higher is safer (600 = odds of "
                        "50:1 that the user is legitimate, every 20 points double the odds; 300-900)")
    parser.add_argument("--flag-policy", metavar="POLICY",
                        help="flag by this policy instead of the model's own: f1, f2 (recall weighs twice), "
                        "precision:P (the most recall at validation precision P) or budget:N (the N riskiest); the "
                        "cuts come from the validation curve the model keeps; with --unsupervised only budget:N")
    parser.add_argument("--node-inputs", metavar="DIR",
                        help="score with the node inputs (graph features) saved by an earlier --save-node-inputs instead "
                        "of computing them: accounts, merchants and identifiers absent from them get the training "
                        "mean, as in the real-time service between two full scorings")
    parser.add_argument("--save-node-inputs", metavar="DIR",
                        help="write the node inputs scored, one Parquet per node type (a new or empty folder, or one "
                        "written here before)")
    drift = parser.add_argument_group("drift")
    drift.add_argument("--drift", metavar="FILE",
                       help="write the drift table: PSI and status per input feature (.csv or .parquet)")
    drift.add_argument("--fail-on-drift", action="store_true",
                       help="exit with status 3, writing no scores, when the drift report warns "
                       "(for schedulers that should stop there)")
    group = parser.add_argument_group("write-back")
    group.add_argument("--write-neo4j", action="store_true", help="write scores and rings into Neo4j")
    group.add_argument("--entity-scores", action="store_true",
                       help="also write risk_score and flagged_users on merchants, devices and other identifiers")
    group.add_argument("--batch-size", type=positive_int, default=DEFAULT_WRITE_BATCH, metavar="N",
                       help="users per transaction (default: %(default)s)")
    group.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_neo4j_options(parser)
    add_engine_options(parser)
    parser.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    if args.unsupervised and args.model:
        raise InputError("give either --model DIR (a trained model) or --unsupervised (no model), not both")
    if not args.unsupervised and not args.model:
        raise InputError("no model: give --model DIR (from graphrisk train), or --unsupervised to score from the "
                         "graph alone")
    check_input_choice(args)  # files (canonical tables or --input) or --from-neo4j: exactly one
    if not (args.out or args.rings or args.write_neo4j or args.drift):
        drift = "" if args.unsupervised else ", --drift FILE"
        raise InputError(f"nothing to write: give --out FILE, --rings FILE{drift} and/or --write-neo4j")
    if args.node_inputs and (args.drift or args.fail_on_drift):
        raise InputError("--drift and --fail-on-drift measure inputs computed now: they do not go with --node-inputs")
    if args.save_node_inputs:
        from graphrisk.features.node_inputs import check_node_inputs_folder

        check_node_inputs_folder(args.save_node_inputs)  # before the work, not after it
    for flag, path in (("--out", args.out), ("--rings", args.rings), ("--drift", args.drift)):
        if path and not path.lower().endswith(TABLE_SUFFIXES):
            raise InputError(f"{flag} {path}: use a .csv or .parquet file")


def _write_files(args: argparse.Namespace, scores, rings) -> None:
    if args.out:
        print(f"scores -> {write_table(scores, args.out)}")
    if args.rings:
        print(f"rings -> {write_table(rings, args.rings)}")


def _report_drift(args: argparse.Namespace, report) -> bool:
    """Print the drift summary and notes, the warnings on stderr; write ``--drift``. True when it warns."""
    if report is None:
        print("note: drift: the model holds no training profile (saved by an older graphrisk): retrain it to "
              "monitor drift" + ("; --drift not written" if args.drift else ""))
        return False
    print(report.summary())
    for note in report.notes:
        print(f"note: drift: {note}")
    for warning in report.warnings:
        print(f"warning: drift: {warning}", file=sys.stderr)
    if args.drift:
        print(f"drift -> {write_table(report.table(), args.drift)}")
    return report.drifted


def _saved_inputs(folder: str, graph) -> dict:
    """Node inputs from ``--node-inputs``, with a note on the users they lack."""
    from graphrisk.features.node_inputs import read_node_inputs

    inputs = read_node_inputs(folder)
    users = graph.users["user_id"].astype(str)
    absent = int((~users.isin(inputs["user"].index)).sum()) if "user" in inputs else len(users)
    print(f"note: node inputs from {folder}: {absent:,} of {len(users):,} users are not in them and get the training "
          "mean, as do merchants and identifiers not in them")
    return inputs


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk score``."""
    _check(args)
    if args.unsupervised:
        return _run_unsupervised(args)
    from graphrisk.model.detector import RiskDetector  # torch loads only when a model is needed
    from graphrisk.policy.flag_policy import FlagPolicy

    if args.flag_policy:
        FlagPolicy.parse(args.flag_policy)  # a bad policy fails before any work
    if args.engine == "spark":
        _check_spark(args)
    config = neo4j_config(args) if (args.write_neo4j or args.from_neo4j) else None  # fail fast without a URI
    if args.engine == "spark":
        return _run_on_spark(args, config)
    detector = RiskDetector.load(args.model, device=args.device)  # fail fast on a bad model
    if args.flag_policy:
        detector.use_flag_policy(args.flag_policy)
    graph = (graph_from_neo4j(config, transactions_needed="the model's temporal features need them") if args.from_neo4j
             else graph_from_files(args))
    for note in detector.notes_:
        print(f"note: {note}")
    inputs = _saved_inputs(args.node_inputs, graph) if args.node_inputs else None
    result = detector.score_users(graph, reasons=args.reasons, inputs=inputs, drift=inputs is None)
    scores, rings = result.scores, result.rings.table
    if args.points:
        from graphrisk.model.calibration import risk_points

        scores.insert(scores.columns.get_loc("risk_score") + 1, "risk_points", risk_points(scores["risk_score"]))
    for note in result.notes:
        print(f"note: {note}")
    policy = FlagPolicy.parse(detector.flag_policy)
    cut = f"risk >= {detector.threshold_:.3f}" if policy.uses_a_cut else f"the {policy.value:,} riskiest"
    print(f"scored {len(scores):,} users with model {detector.version_}: {int(scores['flagged'].sum()):,} flagged "
          f"({cut}, flag policy {policy}), {len(rings):,} rings")
    if inputs is not None:
        print("note: drift: not measured: the saved node inputs describe the graph they were computed on")
    elif _report_drift(args, result.drift) and args.fail_on_drift:
        print("graphrisk score: stopped: drift past the warning thresholds (--fail-on-drift): no scores written",
              file=sys.stderr)
        return 3
    if args.save_node_inputs:
        from graphrisk.features.node_inputs import write_node_inputs

        print(f"node inputs -> {write_node_inputs(result.inputs, args.save_node_inputs)}")
    _write_files(args, scores, rings)  # the results are safe on disk before the database is touched
    if args.write_neo4j:
        _write_neo4j(args, config, graph, scores, rings, detector.version_)
    return 0


def _write_neo4j(args: argparse.Namespace, config, graph, scores, rings, version: str) -> None:
    """Scores and rings into Neo4j (after the files); the files again when rings kept their stored ids."""
    from graphrisk.rings.entity_risk import entity_risk
    from graphrisk.store.runner import connect
    from graphrisk.store.writeback import write_scores

    entities = entity_risk(graph, scores) if args.entity_scores else None
    with connect(config) as runner, stage_bars(not args.no_progress, unit="items") as progress:
        report = write_scores(runner, scores, rings, model_version=version, entities=entities,
                              batch_size=args.batch_size, progress=progress)
    print(report.summary())
    stored_scores, stored_rings = report.with_stored_ids(scores, rings)
    if stored_scores is not scores:  # files carry the ids investigators see in Neo4j
        print(f"{sum(found != kept for found, kept in report.ring_ids.items()):,} rings keep the id they "
              "already had in Neo4j")
        _write_files(args, stored_scores, stored_rings)


def _check_unsupervised(args: argparse.Namespace) -> None:
    """Refuse, in one line and before any work, what needs a model or labels."""
    from graphrisk.unsupervised import cold_start_policy

    if args.engine == "spark":
        raise InputError("--unsupervised runs on the local engine only (use --engine local)")
    given = [flag for flag, present in (("--points", args.points), ("--node-inputs", bool(args.node_inputs)),
                                        ("--drift", bool(args.drift)), ("--fail-on-drift", args.fail_on_drift))
             if present]
    if given:
        raise InputError(f"{', '.join(given)}: not available with --unsupervised (they need a trained model)")
    if args.flag_policy:
        cold_start_policy(args.flag_policy, 1)  # f1, f2 and precision:P need labels: refused here


def _run_unsupervised(args: argparse.Namespace) -> int:
    """``graphrisk score --unsupervised``: cold-start risk, flags, rings and reasons; no model, no label."""
    from graphrisk.features.node_inputs import node_inputs
    from graphrisk.unsupervised import COLD_START_VERSION, DEFAULT_FLAG_SHARE, ColdStartScorer

    _check_unsupervised(args)
    config = neo4j_config(args) if (args.write_neo4j or args.from_neo4j) else None  # fail fast without a URI
    graph = graph_from_neo4j(config) if args.from_neo4j else graph_from_files(args)
    scorer = ColdStartScorer(flag_policy=args.flag_policy)
    inputs = node_inputs(graph, seed=scorer.seed)
    result = scorer.fit_score_users(graph, inputs=inputs, reasons=args.reasons)
    scores, rings = result.scores, result.rings.table
    for note in result.notes:
        print(f"note: {note}")
    default = "" if args.flag_policy else f", the default: the riskiest {DEFAULT_FLAG_SHARE:.0%}"
    print(f"scored {len(scores):,} users without labels (cold start): {int(scores['flagged'].sum()):,} flagged "
          f"(flag policy {result.policy}{default}), {len(rings):,} rings")
    if args.save_node_inputs:
        from graphrisk.features.node_inputs import write_node_inputs

        print(f"node inputs -> {write_node_inputs(inputs, args.save_node_inputs)}")
    _write_files(args, scores, rings)
    if args.write_neo4j:
        _write_neo4j(args, config, graph, scores, rings, COLD_START_VERSION)
    return 0


def _check_spark(args: argparse.Namespace) -> None:
    """Refuse what ``--engine spark`` does not take, before any work."""
    check_spark_args(args, {"--points": args.points, "--node-inputs": bool(args.node_inputs),
                            "--save-node-inputs": bool(args.save_node_inputs), "--drift": bool(args.drift),
                            "--fail-on-drift": args.fail_on_drift, "--entity-scores": args.entity_scores,
                            "--labels": bool(args.labels), "--flag-policy": bool(args.flag_policy)})
    spark_rejects_path(args)


def _run_on_spark(args: argparse.Namespace, config) -> int:
    """``graphrisk score --engine spark``: shard by shard on Spark; scores and rings as Parquet datasets."""
    from graphrisk.cli.summary import input_summary
    from graphrisk.engines.spark.pipeline import spark_scoring_job
    from graphrisk.graph.build import InputReport

    rejects = spark_rejects_path(args)
    with spark_for(args) as spark:
        scored, job = spark_scoring_job(spark, spark_input_files(args), args.model, reasons=args.reasons,
                                        shards=args.shards, max_component_users=args.max_component_users,
                                        rejects=rejects)
        print(input_summary(InputReport(tables=list(job.data.counts.values())), rejects))
        print(job.shards.summary())
        if scored.shard_rows is not None:
            sizes = scored.shard_rows.agg({"rows": "max"}).first()[0]
            print(f"shard rows with their halo: largest {int(sizes or 0):,} (reasons need each shard's "
                  "neighbourhood; --reasons 0 scores layer-wise, without gathering one)")
        else:
            print("scored layer-wise: one round of message passing at a time over the whole graph")
        if args.out:
            scored.scores.write.mode("overwrite").parquet(args.out)
            print(f"scores -> {args.out} (Parquet dataset)")
        if args.rings:
            scored.rings.write.mode("overwrite").parquet(args.rings)
            print(f"rings -> {args.rings} (Parquet dataset)")
        users = scored.scores.count()
        flagged = scored.scores.where("flagged").count()
        print(f"scored {users:,} users on Spark: {flagged:,} flagged, {scored.rings.count():,} rings")
        print("note: drift: not measured by the Spark engine (use --engine local with --drift)")
        if args.write_neo4j:
            _write_back(args, config, scored)
    return 0


def _write_back(args: argparse.Namespace, config, scored) -> None:
    """Scores and rings from Spark into Neo4j (collected on the driver: one database takes them)."""
    import pandas as pd

    from graphrisk.model.detector import RiskDetector
    from graphrisk.store.runner import connect
    from graphrisk.store.writeback import write_scores

    scores = pd.DataFrame([row.asDict() for row in scored.scores.toLocalIterator()], columns=scored.scores.columns)
    rings = pd.DataFrame([row.asDict() for row in scored.rings.toLocalIterator()], columns=scored.rings.columns)
    rings = rings.sort_values(["score", "size", "ring_id"], ascending=[False, False, True], ignore_index=True)
    version = RiskDetector.load(args.model, device="cpu").version_
    with connect(config) as runner, stage_bars(not args.no_progress, unit="items") as progress:
        report = write_scores(runner, scores, rings, model_version=version, batch_size=args.batch_size,
                              progress=progress)
    print(report.summary())
