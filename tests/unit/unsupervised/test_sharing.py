"""Shared-identifier evidence on hand-made graphs: a device farm, a household, a kiosk, private devices."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.unsupervised.sharing import SHARING_COLUMNS, shared_identifier_evidence

START = pd.Timestamp("2024-01-01T10:00:00Z")


def _graph(rows: list[tuple[str, str, float]]):
    """One payment per ``(user, device, day)`` row; 20 users with private devices spread over a year set the span."""
    rows = rows + [(f"p{i}", f"own{i}", 18.0 * i) for i in range(20)]
    frame = pd.DataFrame(rows, columns=["user_id", "device_id", "day"])
    frame["timestamp"] = (START + pd.to_timedelta(frame.pop("day"), unit="D")).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["transaction_id"] = [f"t{i}" for i in range(len(frame))]
    frame["amount"] = 10.0
    graph, report = build_graph(frame)
    assert report.rows_rejected == 0
    return graph


@pytest.fixture
def evidence() -> pd.DataFrame:
    rows = [(f"farm{i}", "F", 100.0 + i) for i in range(5)]                # 5 accounts opened the same week
    rows += [(f"home{i}", "H", 100.0 + 60.0 * i) for i in range(5)]        # 5 people, months apart
    rows += [(f"kiosk{i}", "K", 2.25 * i) for i in range(40)]              # 40 people over three months
    return shared_identifier_evidence(_graph(rows))


def test_sharing_a_device_with_a_few_accounts_beats_a_private_device(evidence):
    assert list(evidence.columns) == list(SHARING_COLUMNS)
    private = evidence.loc[[f"p{i}" for i in range(20)]]
    assert (private["shared_evidence"] == 0).all() and (private["shared_identifier"] == "").all()
    assert (evidence.loc[[f"home{i}" for i in range(5)], "shared_evidence"] > 0).all()
    assert evidence.loc["farm0", "shared_identifier"] == "device:F" and evidence.loc["farm0", "shared_with"] == 4


def test_accounts_arriving_together_weigh_more_than_the_same_sharing_spread_out(evidence):
    farm, home = evidence.loc["farm2"], evidence.loc["home2"]
    assert farm["shared_synced"] == 4 and home["shared_synced"] == 0
    assert farm["shared_evidence"] > 3 * home["shared_evidence"]


def test_a_kiosk_of_forty_says_less_than_five_accounts_opened_the_same_week(evidence):
    kiosk = evidence.loc[[f"kiosk{i}" for i in range(40)], "shared_evidence"]
    assert evidence.loc["kiosk0", "shared_with"] == 39
    assert evidence.loc[[f"kiosk{i}" for i in range(40)], "shared_synced"].max() >= 5  # some arrive close by chance
    assert kiosk.max() < evidence.loc["farm0", "shared_evidence"] / 3
    # and less than a household of five: a hub is weaker evidence than a small group
    assert kiosk.max() < evidence.loc["home0", "shared_evidence"]


def test_without_an_arrival_signal_every_co_user_counts_the_background():
    # the whole data spans one day: arriving together means nothing, sharing still counts
    frame = pd.DataFrame({"transaction_id": list("1234"), "timestamp": "2024-01-01T10:00:00Z",
                          "user_id": ["a", "b", "c", "d"], "amount": 1.0, "device_id": ["x", "x", "x", "y"]})
    evidence = shared_identifier_evidence(build_graph(frame)[0], background=0.25, hub_size=10.0)
    assert evidence.loc["a", "shared_evidence"] == pytest.approx(0.25 * 2 / (1 + 0.2**2))
    assert evidence.loc["d", "shared_evidence"] == 0.0


def test_a_sighting_without_a_date_is_synchronous_with_nobody():
    tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01", "2024-09-01"], "user_id": ["a", "b"],
                       "amount": 1.0})
    links = pd.DataFrame({"user_id": ["a", "b", "c"], "entity_type": "phone", "entity_id": "+1555",
                          "timestamp": ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", None]})
    evidence = shared_identifier_evidence(build_graph(tx, links)[0])
    assert evidence.loc["a", "shared_synced"] == 1 and evidence.loc["c", "shared_synced"] == 0
    assert evidence.loc["c", "shared_with"] == 2 and evidence.loc["c", "shared_evidence"] > 0


@pytest.mark.parametrize("bad", [{"window_days": 0}, {"hub_size": -1.0}, {"background": 1.5}])
def test_bad_parameters_are_named(bad):
    frame = pd.DataFrame({"transaction_id": ["1"], "timestamp": ["2024-01-01"], "user_id": ["a"], "amount": [1.0]})
    with pytest.raises(ValueError, match=next(iter(bad))):
        shared_identifier_evidence(build_graph(frame)[0], **bad)
