"""The detector beside every baseline on the xFraud sample (eBay, VLDB 2022): real data, whole communities held out.

The published sample (``../shared/data/xfraud_ebay``, loaded by ``graphrisk.loaders``):
41 annotated fraud communities, 1,075 transactions, 392 payers (125 fraud) joined by
masked cards, emails and addresses. A community is named in every user id
(``"<community>:<node>"``); the split holds out 30% of the communities whole, fraud and
legitimate payers alike, so no held-out community is seen in training. Ring recall counts
a community's fraud payers as its ring. The training side's labels are the annotations,
with ``--hide`` of its fraud labels hidden (none by default); the detector's own
validation comes from the training side, communities kept whole.

What the features can see: the identifiers each payer shares with others (the graph, its
communities and degrees) and how many transactions each payer made. What they cannot:
the sample has no time and no money (every timestamp is the epoch, every amount 0), so
temporal, velocity and amount features are constant here.

Reported per seed and as mean ± standard deviation (and min..max): AUC-PR, AUC-ROC,
precision@k and ring recall (k = test fraudsters), the detector's ring recall at its own
flags, and its AUC-PR over the best baseline's, seed by seed.

Usage::

    .venv/bin/python bench/xfraud.py [--seeds 0,1,2,3,4] [--hide 0] [--json FILE] [--plots DIR]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from _seeds import DETECTOR_VARIANTS, compare_over_seeds, seed_options

from _common import commit, write_json  # bench/ is the script folder, so on sys.path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xfraud_ebay"
#: Detector variants run on the same split: name -> RiskDetector keyword options.
VARIANTS: dict[str, dict] = DETECTOR_VARIANTS


def _case(hide: float):
    import pandas as pd

    from graphrisk import build_graph
    from graphrisk.loaders import load

    tables = load(DATA)
    graph, report = build_graph(**tables.as_kwargs())
    labels = tables.labels.assign(user_id=tables.labels["user_id"].astype(str))
    users = labels["user_id"]
    communities = pd.Series(users.str.split(":", n=1).str[0].to_numpy(), index=users.to_numpy())
    fraud = labels["is_fraud"] == 1
    facts = {"users": len(labels), "transactions": len(tables.transactions), "links": len(tables.links),
             "fraud": int(fraud.sum()), "communities": int(communities.nunique()),
             "fraud_communities": int(communities[fraud.to_numpy()].nunique()), "rows_rejected": report.rows_rejected}

    def case(seed: int):
        return graph, {"truth": labels, "groups": communities, "missing_label_share": hide, "test_size": 0.3}, facts
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hide", type=float, default=0.0, help="share of the training fraud labels hidden")
    seed_options(parser, "0,1,2,3,4")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    seeds = [int(s) for s in args.seeds.split(",")]
    results = compare_over_seeds(seeds, _case(args.hide), VARIANTS, plots=args.plots, plot_prefix="xfraud")
    print(f"commit {commit()}")
    write_json(args.json, {"data": "xFraud eBay sample (real)", "protocol": {
        "split": "whole communities", "test_size": 0.3, "hidden_fraud_labels": args.hide,
        "evaluated_on": "annotated labels of the test communities"}, **results})


if __name__ == "__main__":
    main()
