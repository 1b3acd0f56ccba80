"""Transaction scoring on the Fraud Detection Handbook data, under the handbook's own protocol.

Protocol (Le Borgne et al., chapter 3, "Baseline fraud detection system"): train on the
transactions of 2018-07-25 and the six days after, leave a 7-day delay (labels not known
yet), test on the 7 following days; a test day drops the customers already known to be
compromised (fraud in training, or in the test days older than the delay). Metrics on
the test transactions: AUC-ROC, average precision, and card precision@100 (per day, the
100 customers with the highest transaction score, minus those detected on earlier days;
share that are compromised; mean over days).

Peers in the same run: the handbook's random forest on its 15 baseline inputs (the
reproduction of the published figure) and gradient boosting on the same inputs; then both
learners on graphrisk's inputs, which add the user-habit and merchant-exposure columns of
:func:`graphrisk.features.windows.transaction_window_features` (amount over the user's
90-day median and 30-day mean, z-score, the user's exposure to risky merchants). The published
figures (AUC-ROC / AP / CP@100) are printed beside them for reference: random forest
.867 / .658 / .287, logistic regression .871 / .606 / .291, XGBoost .862 / .639 / .273.

Compromised terminals (merchant level): for each test day, a terminal's score is its
highest transaction score that day; the terminals under scenario 2 (compromised) that day
are the positives. Average precision is reported per system.

Usage::

    .venv/bin/python bench/handbook.py
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from _common import commit, write_json  # bench/ is the script folder, so on sys.path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fraud_handbook" / "transactions.parquet"
START, TRAIN_DAYS, DELAY_DAYS, TEST_DAYS = pd.Timestamp("2018-07-25", tz="UTC"), 7, 7, 7
PUBLISHED = {"random forest (published)": (0.867, 0.658, 0.287), "logistic regression (published)": (0.871, 0.606, 0.291),
             "XGBoost (published)": (0.862, 0.639, 0.273)}


def split(tx: pd.DataFrame) -> tuple[pd.Index, pd.Index]:
    """Training and test rows under the handbook protocol."""
    day = (tx["timestamp"] - START).dt.days
    train = tx.index[(day >= 0) & (day < TRAIN_DAYS)]
    known = set(tx.loc[train][tx.loc[train, "is_fraud"] == 1]["user_id"])
    test_parts = []
    for offset in range(TEST_DAYS):
        delay_day = tx.index[day == TRAIN_DAYS + offset - 1]
        known |= set(tx.loc[delay_day][tx.loc[delay_day, "is_fraud"] == 1]["user_id"])
        today = tx.index[day == TRAIN_DAYS + DELAY_DAYS + offset]
        test_parts.append(today[~tx.loc[today, "user_id"].isin(known).to_numpy()])
    return train, test_parts[0].append(test_parts[1:])


def card_precision_at_k(frame: pd.DataFrame, k: int = 100) -> float:
    """The handbook's card precision@k: per day, top-k customers by their best score, detected cards removed."""
    detected: set[str] = set()
    values = []
    for _, day in frame.groupby(frame["timestamp"].dt.floor("D")):
        day = day[~day["user_id"].isin(detected)]
        per_card = day.groupby("user_id").agg(score=("score", "max"), fraud=("is_fraud", "max"))
        top = per_card.sort_values("score", ascending=False, kind="stable").head(k)
        caught = top.index[top["fraud"] == 1]
        detected |= set(caught)
        values.append(len(caught) / k)
    return float(np.mean(values))


def terminal_average_precision(frame: pd.DataFrame) -> float:
    """Per test day and terminal: best transaction score vs "compromised terminal that day"."""
    from sklearn.metrics import average_precision_score

    frame = frame.assign(day=frame["timestamp"].dt.floor("D"), compromised=(frame["fraud_scenario"] == 2).astype(int))
    per = frame.groupby(["day", "merchant_id"]).agg(score=("score", "max"), compromised=("compromised", "max"))
    return float(average_precision_score(per["compromised"], per["score"]))


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON (for bench/suite.py)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.metrics import average_precision_score, roc_auc_score

    from graphrisk.features.windows import BASELINE_COLUMNS, transaction_window_features
    from graphrisk.loaders import load

    started = time.perf_counter()
    tx = load(DATA).transactions.reset_index(drop=True)
    tx["is_fraud"] = tx["is_fraud"].astype(int)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    features = transaction_window_features(tx, delay_days=DELAY_DAYS)
    feature_seconds = time.perf_counter() - started
    train, test = split(tx)
    print(f"{len(tx):,} transactions read in {load_seconds:.1f} s; window features in {feature_seconds:.1f} s; "
          f"train {len(train):,} ({tx.loc[train, 'is_fraud'].sum():,} fraud), test {len(test):,} "
          f"({tx.loc[test, 'is_fraud'].sum():,} fraud)", flush=True)
    y_train, y_test = tx.loc[train, "is_fraud"], tx.loc[test, "is_fraud"]
    everything = list(features.columns)
    def boosting():
        return HistGradientBoostingClassifier(random_state=0, max_iter=300, learning_rate=0.05, l2_regularization=1.0)

    def forest():
        return RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1)

    # the learner and the inputs are varied one at a time, so each gain has a cause
    systems = {
        "random forest, baseline inputs (handbook recipe)": (forest(), list(BASELINE_COLUMNS)),
        "gradient boosting, baseline inputs": (boosting(), list(BASELINE_COLUMNS)),
        "random forest, graphrisk inputs": (forest(), everything),
        "graphrisk: gradient boosting, graphrisk inputs": (boosting(), everything),
    }
    rows = {}
    for name, (model, columns) in systems.items():
        started = time.perf_counter()
        model.fit(features.loc[train, columns], y_train)
        score = model.predict_proba(features.loc[test, columns])[:, 1]
        frame = tx.loc[test, ["timestamp", "user_id", "merchant_id", "is_fraud", "fraud_scenario"]].assign(score=score)
        rows[name] = {"auc_roc": roc_auc_score(y_test, score), "average_precision": average_precision_score(y_test, score),
                      "card_precision_at_100": card_precision_at_k(frame), "terminal_ap": terminal_average_precision(frame),
                      "seconds": time.perf_counter() - started}
        print(name, {k: round(v, 3) for k, v in rows[name].items()}, flush=True)
    table = pd.DataFrame.from_dict(rows, orient="index")
    for name, (roc, ap, cp) in PUBLISHED.items():
        table.loc[name, ["auc_roc", "average_precision", "card_precision_at_100"]] = [roc, ap, cp]
    print(f"\ncommit {commit()}")
    print(table.round(3).to_string())
    write_json(args.json, {
        "transactions": len(tx), "read_seconds": load_seconds, "feature_seconds": feature_seconds,
        "train": {"transactions": len(train), "fraud": int(y_train.sum())},
        "test": {"transactions": len(test), "fraud": int(y_test.sum())},
        "systems": rows, "published": {name: dict(zip(("auc_roc", "average_precision", "card_precision_at_100"), values))
                                       for name, values in PUBLISHED.items()}})


if __name__ == "__main__":
    main()
