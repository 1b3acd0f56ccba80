"""Synchrony evidence: transfers relayed along a chain, payments in lockstep at a small merchant."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.unsupervised.synchrony import SYNCHRONY_COLUMNS, relayed_transfers, synchrony_evidence


def _transfers(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "counterparty_id", "amount", "timestamp"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def test_a_mule_chain_relays_and_honest_transfers_do_not():
    chain = [("m1", "m2", 1000.0, "2024-01-01 10:00"), ("m2", "m3", 970.0, "2024-01-01 11:30"),
             ("m3", "m4", 941.0, "2024-01-01 14:00"), ("m4", "m1", 913.0, "2024-01-01 16:00")]
    honest = [("h1", "h2", 50.0, "2024-01-01 10:00"), ("h2", "h3", 48.0, "2024-01-03 10:00"),  # two days later
              ("h3", "h4", 300.0, "2024-01-03 11:00")]  # an hour after, but six times the amount
    relays = relayed_transfers(_transfers(chain + honest))
    assert relays.to_dict() == {"m2": 1.0, "m3": 1.0, "m4": 1.0}
    assert relayed_transfers(_transfers(chain), window_hours=1.0).empty  # every hop took longer than an hour
    assert relayed_transfers(_transfers(chain), tolerance=0.01).empty  # each hop keeps 3%


def test_payments_without_counterparty_relay_nothing():
    frame = _transfers([("a", "", 10.0, "2024-01-01")])
    assert relayed_transfers(frame).empty and relayed_transfers(frame.drop(columns="counterparty_id")).empty


@pytest.mark.parametrize("bad", [{"window_hours": 0.0}, {"tolerance": -0.1}])
def test_bad_relay_parameters_are_named(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        relayed_transfers(_transfers([("a", "b", 1.0, "2024-01-01")]), **bad)


def test_lockstep_at_a_small_merchant_is_measured_from_the_transactions():
    rows = []
    for burst in range(3):  # three accounts pay one shop within minutes, three times
        rows += [(f"c{i}", "shop", f"2024-01-{10 + 7 * burst:02d}T12:0{i}:00Z") for i in range(3)]
    rows += [(f"h{i}", "mall", f"2024-02-{1 + i:02d}T09:00:00Z") for i in range(5)]  # a day apart
    frame = pd.DataFrame(rows, columns=["user_id", "merchant_id", "timestamp"])
    frame["transaction_id"], frame["amount"] = [f"t{i}" for i in range(len(frame))], 20.0
    graph = build_graph(frame)[0]
    evidence, notes = synchrony_evidence(graph)
    assert list(evidence.columns) == list(SYNCHRONY_COLUMNS) and notes == []
    assert (evidence.loc[["c0", "c1", "c2"], "lockstep_partners"] == 2).all()
    assert (evidence.loc[[f"h{i}" for i in range(5)], "lockstep_partners"] == 0).all()


def test_without_transactions_synchrony_is_zero_with_a_note():
    frame = pd.DataFrame({"transaction_id": ["1"], "timestamp": ["2024-01-01"], "user_id": ["a"], "amount": [1.0]})
    graph = build_graph(frame, keep_transactions=False)[0]
    evidence, notes = synchrony_evidence(graph)
    assert (evidence.to_numpy() == 0).all() and len(notes) == 1 and "no transactions" in notes[0]
