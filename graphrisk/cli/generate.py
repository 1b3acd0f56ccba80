"""``graphrisk generate``: write a synthetic world with planted fraud rings."""

from __future__ import annotations

import argparse
import time

from graphrisk.cli.options import whole_number
from graphrisk.synth import WorldConfig, generate_world
from graphrisk.synth.config import PRESETS

__all__ = ["add_parser", "run"]


def add_parser(commands) -> None:
    """Register the ``generate`` command."""
    parser = commands.add_parser(
        "generate", help="write a synthetic world with planted fraud rings",
        description="Write canonical transactions.csv, links.csv, users.csv, the ground truth labels.csv "
        "(user_id,is_fraud,ring_id,ring_type), known_labels.csv (with missing labels, as in practice) and "
        "world.json (settings and seed). Deterministic for a given seed.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--users", type=whole_number(100), default=10_000, metavar="N", help="number of accounts (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: %(default)s)")
    parser.add_argument("--regime", choices=list(PRESETS), default="default",
                        help="named generator settings: p2p is a peer-to-peer payments network (transfers between "
                        "friends, few merchants, 0.7%% fraud, a third of it solo, late and partial chargeback labels) "
                        "(default: %(default)s)")
    parser.add_argument("--config", metavar="FILE",
                        help="JSON file with generator settings (see WorldConfig); they replace the regime's")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``graphrisk generate``."""
    regime = WorldConfig.preset(args.regime)
    config = WorldConfig.from_file(args.config, base=regime) if args.config else regime
    started = time.perf_counter()
    world = generate_world(args.users, seed=args.seed, config=config)
    paths = world.write(args.out)
    print(f"graphrisk generate: {world.summary()} in {time.perf_counter() - started:.1f} s")
    for name, path in paths.items():
        print(f"  {name:<13} {path}")
    return 0
