"""``graphrisk train``: fit the detector on a labelled graph and save the model directory."""

from __future__ import annotations

import argparse

from graphrisk.cli.options import add_graph_input_options, graph_from_files, positive_int
from graphrisk.model.settings import CALIBRATIONS, CONVS, DetectorSettings

__all__ = ["add_parser", "run", "add_model_options"]


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
    group.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where to train")


def settings_from(args: argparse.Namespace) -> dict:
    """The detector keyword arguments given on the command line."""
    return {"conv": args.conv, "hidden": args.hidden, "layers": args.layers, "epochs": args.epochs,
            "patience": args.patience, "seed": args.seed,
            "calibration": args.calibration}


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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk train``."""
    needed = None if args.feedback and not args.labels else "train learns from user_id,is_fraud of the labelled users"
    graph = graph_from_files(args, labels_needed=needed)
    labels = graph.labels
    if args.feedback:
        from graphrisk.cli.feedback import labels_with_feedback

        labels = labels_with_feedback(graph, args.feedback)

    def progress(epoch: int, record: dict) -> None:
        if not args.no_progress and (epoch == 1 or epoch % 10 == 0):
            print(f"epoch {epoch:>4}: loss {record['loss']:.4f}, validation AUC-PR {record['val_auc_pr']:.3f}",
                  flush=True)

    from graphrisk.model.detector import RiskDetector  # torch loads only when a model is needed

    detector = RiskDetector(device=args.device, **settings_from(args)).fit(graph, labels, progress=progress)
    path = detector.save(args.model)
    v = detector.validation_
    print(f"trained on {v['train_users']:,} users ({v['train_fraud']:,} fraud); validation AUC-PR {v['auc_pr']:.3f} "
          f"on {v['users']:,} users ({v['fraud']:,} fraud), best epoch {v['best_epoch']} of {v['epochs_run']}")
    print(f"flag threshold {detector.threshold_:.3f}; model -> {path}")
    return 0
