"""``graphrisk train``: fit the detector on a labelled graph and save the model directory."""

from __future__ import annotations

import argparse
import sys

from graphrisk.cli.engine import add_engine_options, check_spark_args, spark_for, spark_input_files, spark_rejects_path
from graphrisk.cli.options import add_graph_input_options, graph_from_files, number_between, positive_int
from graphrisk.errors import InputError
from graphrisk.model.settings import CALIBRATIONS, CONVS, HEADS, DetectorSettings

__all__ = ["add_parser", "run", "add_model_options", "head_line"]

#: ``--sample-fanout``: relationships kept per node and relation at each hop. 25 lost up to 0.5 AUC-PR against
#: full training on a 10,000-user world; 100 did not (bench/RESULTS.md, area ``sampled_training``; docs/spark.md).
DEFAULT_SAMPLE_FANOUT = 100
#: ``--sample-unlabelled``: share of the unlabelled users drawn into the training sample.
DEFAULT_UNLABELLED_SHARE = 0.1


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Hyperparameters shared by ``train`` and ``evaluate``."""
    defaults = DetectorSettings()
    group = parser.add_argument_group("model")
    group.add_argument("--conv", choices=CONVS, default=defaults.conv, help="relation operator (default: %(default)s)")
    group.add_argument("--hidden", type=positive_int, default=defaults.hidden, metavar="N", help="embedding width")
    group.add_argument("--layers", type=positive_int, default=defaults.layers, metavar="N",
                       help="message-passing rounds")
    group.add_argument("--epochs", type=positive_int, default=defaults.epochs, metavar="N", help="most epochs")
    group.add_argument("--patience", type=positive_int, default=defaults.patience, metavar="N",
                       help="stop after N epochs without a better validation AUC-PR")
    group.add_argument("--seed", type=int, default=defaults.seed)
    group.add_argument("--calibration", choices=CALIBRATIONS, default=defaults.calibration,
                       help="how logits become probabilities, fitted on the validation users (default: %(default)s)")
    group.add_argument("--head", choices=HEADS, default=defaults.head,
                       help="what scores the user embeddings: gnn (the network's own layers), stacked (gradient "
                       "boosting over the embeddings and the GNN's logit) or auto (stacked only where the validation "
                       "users prefer it by a margin; default: %(default)s)")
    group.add_argument("--flag-policy", default=defaults.flag_policy, metavar="POLICY",
                       help="which accounts to flag: f1 (the best F1 on the validation users), f2 (recall weighs "
                       "twice), precision:P (the most recall at validation precision P) or budget:N (the N riskiest "
                       "of each scoring); graphrisk score --flag-policy may choose another (default: %(default)s)")
    group.add_argument("--pseudo-labels", type=number_between(0, 0.5, high_open=True), default=defaults.pseudo_labels, metavar="SHARE",
                       help="where labels are scarce: the SHARE of users the cold-start scorer ranks riskiest count "
                       "as fraud among the training users labelled 0; validation keeps the given labels; 0 turns "
                       "it off (default: %(default)s)")
    group.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where to train")


def settings_from(args: argparse.Namespace) -> dict:
    """The detector keyword arguments given on the command line."""
    return {"conv": args.conv, "hidden": args.hidden, "layers": args.layers, "epochs": args.epochs,
            "patience": args.patience, "seed": args.seed,
            "calibration": args.calibration, "head": args.head, "flag_policy": args.flag_policy,
            "pseudo_labels": args.pseudo_labels}


def head_line(record: dict) -> str:
    """One line: which head scores, and the validation AUC-PR that chose it.

    Examples
    --------
    >>> head_line({"asked": "auto", "chosen": "gnn", "gnn_auc_pr": 0.91, "stacked_auc_pr": 0.905})
    'head: gnn (asked auto; validation AUC-PR gnn 0.910, stacked 0.905)'
    """
    seen = ", ".join(f"{name} {record[f'{name}_auc_pr']:.3f}" for name in ("gnn", "stacked")
                     if f"{name}_auc_pr" in record)
    return f"head: {record.get('chosen', 'gnn')} (asked {record.get('asked', 'gnn')}; validation AUC-PR {seen})"


def add_parser(commands) -> None:
    """Register the ``train`` command."""
    parser = commands.add_parser(
        "train", help="train the detector on labelled users and save the model",
        description="Build the graph from every transaction, train the heterogeneous GNN on the users in --labels "
        "(user_id,is_fraud for the labelled subset; optional ring_id keeps rings on one side of the validation "
        "split), or on the labels of an --input in a public format that carries them, and write the model "
        "directory: weights.pt and model.json.",
    )
    add_graph_input_options(parser)
    parser.add_argument("--model", required=True, metavar="DIR", help="model directory to write")
    parser.add_argument("--feedback", metavar="FILE", help="labels from graphrisk feedback, merged over --labels "
                        "(for a user in both, the feedback wins)")
    add_model_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no per-epoch lines")
    add_engine_options(parser)
    sample = parser.add_argument_group(
        "training sample (--engine spark)",
        "with --engine spark the node inputs are computed on the whole graph on Spark, and the model is trained on "
        "the driver on a sample: the labelled users' neighbourhoods as deep as the model's layers, plus a share of "
        "the unlabelled users (docs/spark.md)")
    sample.add_argument("--sample-fanout", type=positive_int, default=DEFAULT_SAMPLE_FANOUT, metavar="N",
                        help="relationships kept per node and relation at each hop (default: %(default)s)")
    sample.add_argument("--sample-unlabelled", type=number_between(0, 1), default=DEFAULT_UNLABELLED_SHARE, metavar="SHARE",
                        help="share of the unlabelled users drawn into the sample (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk train``."""
    if args.engine == "spark":
        return _run_on_spark(args)
    needed = None if args.feedback and not args.labels else "train learns from user_id,is_fraud of the labelled users"
    graph = graph_from_files(args, labels_needed=needed)
    labels, cleared = graph.labels, None
    if args.feedback:
        from graphrisk.cli.feedback import labels_with_feedback

        merge = labels_with_feedback(graph, args.feedback)
        labels, cleared = merge.labels, merge.cleared
    return _fit_and_save(args, graph, labels, cleared=cleared)


def _fit_and_save(args: argparse.Namespace, graph, labels, inputs=None, cleared=None) -> int:
    """Train on ``graph`` (with its raw node ``inputs`` when given), save the model, print the summary.

    ``cleared``: users an investigator's verdict labelled 0, never pseudo-labelled.
    """

    def progress(epoch: int, record: dict) -> None:
        if not args.no_progress and (epoch == 1 or epoch % 10 == 0):
            print(f"epoch {epoch:>4}: loss {record['loss']:.4f}, validation AUC-PR {record['val_auc_pr']:.3f}",
                  flush=True)

    from graphrisk.model.detector import RiskDetector  # torch loads only when a model is needed

    detector = RiskDetector(device=args.device, **settings_from(args))
    detector.fit(graph, labels, inputs=inputs, cleared=cleared, progress=progress)
    path = detector.save(args.model)
    v = detector.validation_
    pseudo = f", plus {v['pseudo_labelled']:,} pseudo-labelled" if v.get("pseudo_labelled") else ""
    print(f"trained on {v['train_users']:,} users ({v['train_fraud']:,} fraud{pseudo}); validation AUC-PR {v['auc_pr']:.3f} "
          f"on {v['users']:,} users ({v['fraud']:,} fraud), best epoch {v['best_epoch']} of {v['epochs_run']}")
    print(head_line(v.get("head", {})))
    print(f"flag threshold {detector.threshold_:.3f}; model -> {path}")
    warning = detector.flag_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _run_on_spark(args: argparse.Namespace) -> int:
    """``graphrisk train --engine spark``: inputs on the whole graph on Spark, training on a sample on the driver."""
    from graphrisk import build_graph
    from graphrisk.cli.summary import graph_summary, input_summary
    from graphrisk.engines.spark.pipeline import spark_training_sample
    from graphrisk.graph.build import InputReport

    check_spark_args(args, {"--feedback": bool(args.feedback)})
    rejects = spark_rejects_path(args)
    files = spark_input_files(args)
    if not args.labels:
        raise InputError("--labels FILE is needed: train learns from user_id,is_fraud of the labelled users")
    with spark_for(args) as spark:
        sample, data = spark_training_sample(spark, files, hops=args.layers, fanout=args.sample_fanout,
                                             unlabelled_share=args.sample_unlabelled, seed=args.seed,
                                             shards=args.shards, max_component_users=args.max_component_users,
                                             rejects=rejects)
        print(input_summary(InputReport(tables=list(data.counts.values())), rejects))
        whole = {name: data.counts[name].rows_loaded for name in ("transactions", "links") if name in data.counts}
        print(sample.summary(whole))
    graph, _ = build_graph(sample.transactions, sample.links, sample.users, sample.labels)
    print(f"sample {graph_summary(graph)}")
    return _fit_and_save(args, graph, graph.labels, inputs=sample.inputs)
