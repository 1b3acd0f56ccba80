"""The detector beside every baseline in the peer-to-peer regime (issue 19): a generated world, chargeback labels.

The hidden real sample this stands for: about 34,000 users with devices, cards and
transfers, 0.7% fraud, labels from chargebacks, no ring ids. For each seed, a world of
``WorldConfig.preset("p2p")`` (:data:`graphrisk.synth.config.PRESETS`) is generated with
that seed, and :func:`graphrisk.evaluate.compare.compare_systems` splits it with whole
groups held out (30% of the groups: the truth's rings; solo fraudsters and honest users
are groups of one). Every system learns from the chargeback labels of the training side
only (``known_labels``: partial, none for the last 30 days, no ring ids; the detector's
own validation comes from the training side) and is judged on the ground truth of the
test users, the fraud nobody charged back included. Each detector variant of
:data:`VARIANTS` trains on the same split; the three baselines run once per seed.

Size: 20,000 users per world by default (the real sample has about 34,000). With the one
default head, three seeds of 20,000 users took 3 minutes on 2 cores; the three heads of
:data:`VARIANTS` and the cold-start row make each seed several times that, and at 30,000
users one seed took over 20 minutes on a shared machine (``--users 30000`` by hand).

Reported per seed and as mean ± standard deviation (and min..max) over the seeds: AUC-PR,
AUC-ROC, precision@k and ring recall (k = test fraudsters), the detector's ring recall at
its own flags, and its AUC-PR over the best baseline's, seed by seed.

Usage::

    .venv/bin/python bench/real_regime.py [--users 20000] [--seeds 0,1,2] [--json FILE] [--plots DIR]
"""

from __future__ import annotations

import argparse
import time
import warnings

from _seeds import DETECTOR_VARIANTS, compare_over_seeds, seed_options

from _common import commit, write_json  # bench/ is the script folder, so on sys.path

#: Detector variants run on the same split: name -> RiskDetector keyword options.
VARIANTS: dict[str, dict] = DETECTOR_VARIANTS

#: The named generator settings of the regime.
REGIME = "p2p"


def _case(users: int):
    def case(seed: int):
        from graphrisk import build_graph
        from graphrisk.synth import WorldConfig, generate_world

        started = time.perf_counter()
        config = WorldConfig.preset(REGIME)
        world = generate_world(users, seed=seed, config=config)
        generated = time.perf_counter() - started
        graph = build_graph(world.transactions, world.links, world.users)[0]
        truth, known = world.labels, world.known_labels.set_index("user_id")["is_fraud"]
        fraud = truth["is_fraud"] == 1
        facts = {"users": len(world.users), "transactions": len(world.transactions), "links": len(world.links),
                 "generate_seconds": generated, "fraud": int(fraud.sum()), "fraud_share": float(fraud.mean()),
                 "known_fraud": int(known.sum()), "solo_fraud": int((fraud & (truth["ring_id"] == "")).sum()),
                 "rings": int(truth.loc[truth["ring_id"] != "", "ring_id"].nunique()),
                 "merchant_share": float((world.transactions["merchant_id"] != "").mean())}
        return graph, {"truth": truth, "train_labels": known, "test_size": 0.3}, facts
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000, help="world size (default: %(default)s)")
    seed_options(parser, "0,1,2")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    from graphrisk.synth.config import PRESETS

    seeds = [int(s) for s in args.seeds.split(",")]
    results = compare_over_seeds(seeds, _case(args.users), VARIANTS, plots=args.plots, plot_prefix="real_regime")
    print(f"commit {commit()}")
    write_json(args.json, {"users": args.users, "regime": REGIME, "settings": PRESETS[REGIME],
                           "protocol": {"split": "ring", "test_size": 0.3, "train_labels": "known_labels (chargebacks)",
                                        "evaluated_on": "ground truth of the test users"}, **results})


if __name__ == "__main__":
    main()
