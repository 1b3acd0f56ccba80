"""The service's scores against ``graphrisk score`` run from the files, and its incremental updates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from fastapi.testclient import TestClient

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.model import RiskDetector
from graphrisk.serve import LiveScorer, create_app


def _cli_scores(serve_world, model_dir, transactions: str, tmp_path) -> pd.Series:
    out = tmp_path / f"scores-{transactions}"
    assert main(["score", *serve_world.files(transactions), "--model", str(model_dir), "--out", str(out)]) == 0
    scores = pd.read_csv(out, dtype={"user_id": str}, keep_default_na=False)
    return scores.set_index("user_id")["risk_score"]


@pytest.fixture(scope="module")
def service(serve_world, model_dir):
    graph = build_graph(serve_world.folder / "base.csv", serve_world.folder / "links.csv",
                        serve_world.folder / "users.csv")[0]
    scorer = LiveScorer(RiskDetector.load(model_dir, device="cpu"), graph,
                        links=serve_world.folder / "links.csv", users=serve_world.folder / "users.csv")
    return scorer, TestClient(create_app(scorer))


def _full_pass_risk(scorer: LiveScorer) -> pd.Series:
    """Every user's risk from one full forward pass over the live graph (what the cache must equal)."""
    snapshot = scorer._snapshot
    cache, live = snapshot.cache, snapshot.live
    edges, attrs = live.full_edges()
    with torch.inference_mode():
        logits = cache.network({k: rows.values for k, rows in cache.x.items()}, edges, attrs).numpy()
    return pd.Series(scorer.detector.risk_from_logits(logits), index=live.names["user"])


def _read_scores(path) -> pd.Series:
    return pd.read_csv(path, dtype={"user_id": str}, keep_default_na=False).set_index("user_id")["risk_score"]


def test_each_answer_equals_graphrisk_score_on_the_files_with_the_transaction_appended(
    serve_world, model_dir, tmp_path, request_body
):
    """The oracle is built from the files alone, through the CLI: never from the service's graph or cache.

    Between two full scorings the service keeps the node inputs (graph features) of the last
    one and gives new nodes the training mean; ``graphrisk score --node-inputs`` scores files that
    way, so the two must agree on every arriving transaction.
    """
    graph = build_graph(serve_world.folder / "base.csv", serve_world.folder / "links.csv",
                        serve_world.folder / "users.csv")[0]
    scorer = LiveScorer(RiskDetector.load(model_dir, device="cpu"), graph,
                        links=serve_world.folder / "links.csv", users=serve_world.folder / "users.csv")
    client = TestClient(create_app(scorer))
    inputs, start = tmp_path / "inputs", tmp_path / "start.csv"
    assert main(["score", *serve_world.files("base.csv"), "--model", str(model_dir), "--out", str(start),
                 "--save-node-inputs", str(inputs)]) == 0
    at_start = _read_scores(start)
    np.testing.assert_allclose(scorer.all_risks().reindex(at_start.index), at_start, atol=1e-5)  # batch == service

    arriving = serve_world.arriving
    has_receiver = arriving.index[arriving["counterparty_id"].notna()]
    checkpoints = {0, len(arriving) // 2, len(arriving) - 1, *has_receiver[:1]}
    checked = 0
    for i, row in arriving.iterrows():
        answer = client.post("/score", json=request_body(row)).json()
        if i not in checkpoints:
            continue
        files = tmp_path / f"with-{i}.csv"
        pd.concat([serve_world.base, arriving.iloc[: i + 1]], ignore_index=True).to_csv(files, index=False)
        out = tmp_path / f"scores-{i}.csv"
        flags = ["--transactions", str(files), "--links", str(serve_world.folder / "links.csv"),
                 "--users", str(serve_world.folder / "users.csv"), "--rejects", str(tmp_path / "rejects.csv")]
        assert main(["score", *flags, "--model", str(model_dir), "--node-inputs", str(inputs), "--out", str(out)]) == 0
        oracle = _read_scores(out)
        accounts = [answer["payer"]] + ([answer["counterparty"]] if answer["counterparty"] else [])
        for account in accounts:
            assert account["risk"] == pytest.approx(oracle[account["user_id"]], abs=1e-5), (i, account)
        expected = 1.0 - np.prod([1.0 - oracle[a["user_id"]] for a in accounts])
        assert answer["transaction_risk"] == pytest.approx(expected, abs=1e-5)
        checked += 1
    assert checked == len(checkpoints) >= 3


def test_service_scores_equal_graphrisk_score_then_follow_each_transaction_and_refresh_to_it_again(
    serve_world, model_dir, service, tmp_path, request_body
):
    scorer, client = service
    at_start = _cli_scores(serve_world, model_dir, "base.csv", tmp_path)
    served = scorer.all_risks()
    assert sorted(served.index) == sorted(at_start.index)
    np.testing.assert_allclose(served.reindex(at_start.index), at_start, atol=1e-6)
    for user in at_start.index[:5]:  # and through HTTP
        assert client.get(f"/users/{user}").json()["risk"] == pytest.approx(at_start[user], abs=1e-6)

    answers = []
    for i, row in serve_world.arriving.iterrows():
        response = client.post("/score", json=request_body(row))
        assert response.status_code == 200, response.text
        answers.append(response.json())
        if i % 20 == 0:  # the answer is what a full pass over the updated graph gives for the payer
            full = _full_pass_risk(scorer)
            assert answers[-1]["payer"]["risk"] == pytest.approx(full[row["user_id"]], abs=1e-5)
    assert [a["transaction_id"] for a in answers] == list(serve_world.arriving["transaction_id"])
    np.testing.assert_allclose(scorer.all_risks(), _full_pass_risk(scorer), atol=1e-5)
    assert client.get("/health").json()["transactions_since_full_scoring"] == len(serve_world.arriving)

    refreshed = client.post("/refresh")
    assert refreshed.status_code == 200 and refreshed.json()["transactions_since_full_scoring"] == 0
    retried = client.post("/score", json=request_body(serve_world.arriving.iloc[0])).json()
    assert retried["duplicate"] is True  # after the refresh it is part of the base, still known
    assert client.get("/health").json()["transactions_since_full_scoring"] == 0
    at_end = _cli_scores(serve_world, model_dir, "all.csv", tmp_path)
    served = scorer.all_risks()
    assert sorted(served.index) == sorted(at_end.index)
    np.testing.assert_allclose(served.reindex(at_end.index), at_end, atol=1e-6)
    # between refreshes the inputs of known accounts wait for the full scoring: the gap stays small
    payers = serve_world.arriving["user_id"].unique()
    incremental = pd.Series({a["payer"]["user_id"]: a["payer"]["risk"] for a in answers})
    assert (incremental.reindex(payers) - at_end.reindex(payers)).abs().mean() < 0.1


def test_a_transaction_with_new_account_device_and_merchant_joins_the_graph(service):
    scorer, client = service
    users_before = client.get("/health").json()["users"]
    body = {"transaction_id": "NEW-1", "timestamp": "2030-01-01T00:00:00Z", "user_id": "brand-new-user",
            "amount": 12.5, "merchant_id": "brand-new-shop", "device_id": "brand-new-phone",
            "counterparty_id": "another-new-user"}
    answer = client.post("/score", json=body).json()
    assert answer["payer"]["new_account"] and answer["counterparty"]["new_account"]
    assert answer["payer"]["risk_at_last_full_scoring"] is None
    assert 0.0 <= answer["transaction_risk"] <= 1.0
    assert answer["transaction_risk"] >= max(answer["payer"]["risk"], answer["counterparty"]["risk"]) - 1e-9
    assert client.get("/health").json()["users"] == users_before + 2
    live = scorer._snapshot.live
    assert "brand-new-shop" in live.ids["merchant"] and "brand-new-phone" in live.ids["device"]
    assert client.get("/users/brand-new-user").json()["risk"] == pytest.approx(answer["payer"]["risk"], abs=1e-6)
    np.testing.assert_allclose(scorer.all_risks(), _full_pass_risk(scorer), atol=1e-5)


def test_a_repeated_transaction_id_is_scored_but_not_added_twice(service, serve_world):
    scorer, client = service
    body = {"transaction_id": "DUP-1", "timestamp": "2030-01-02T00:00:00Z", "user_id": serve_world.base["user_id"][0],
            "amount": 5.0, "merchant_id": "M-dup"}
    first = client.post("/score", json=body).json()
    count = client.get("/health").json()["transactions"]
    again = client.post("/score", json=body).json()
    assert not first["duplicate"] and again["duplicate"]
    assert client.get("/health").json()["transactions"] == count
    assert again["payer"]["risk"] == pytest.approx(first["payer"]["risk"], abs=1e-9)


def test_a_ring_member_paying_is_reported_with_its_ring(service):
    scorer, client = service
    rings = scorer._snapshot.rings
    if not len(rings):
        pytest.fail("the test world's model found no ring: the world or the model changed")
    ring_id = rings.index[0]
    member = rings.loc[ring_id, "members"][0]
    answer = client.post("/score", json={"transaction_id": "RING-1", "timestamp": "2030-01-03T00:00:00Z",
                                         "user_id": member, "amount": 99.0, "merchant_id": "M-any"}).json()
    assert answer["ring"]["ring_id"] == ring_id and answer["payer"]["ring_id"] == ring_id
    assert any("ring" in reason for reason in answer["reasons"])


def test_a_batch_is_answered_as_the_graph_with_all_of_it(service, serve_world):
    scorer, _ = service
    first_user = serve_world.base["user_id"][1]
    rows = [{"transaction_id": f"BATCH-{i}", "timestamp": pd.Timestamp("2030-02-01", tz="UTC"), "user_id": user,
             "amount": 20.0 + i, "merchant_id": "M-batch", "device_id": None, "counterparty_id": None,
             "card_id": None, "ip": None, "is_fraud": None}
            for i, user in enumerate([first_user, "batch-new-user", first_user])]
    answers = scorer.score_many([*rows, rows[0]])
    full = _full_pass_risk(scorer)
    assert [a["duplicate"] for a in answers] == [False, False, False, True]
    for answer, row in zip(answers, [*rows, rows[0]]):
        assert answer["payer"]["risk"] == pytest.approx(full[row["user_id"]], abs=1e-5)
    conflict = scorer.score_many([{**rows[1], "amount": 999.0}])[0]
    assert "already recorded with different content" in str(conflict)


def test_a_receiver_is_an_account_even_for_a_model_without_transfers(service, serve_world):
    from graphrisk.serve.live_graph import LiveGraph

    scorer, _ = service
    graph = build_graph(serve_world.folder / "base.csv", serve_world.folder / "links.csv",
                        serve_world.folder / "users.csv")[0]
    encoder = scorer.detector.encoder_
    relations = [et for et in encoder.edge_types_ if "sent" not in et[1]]
    live = LiveGraph(graph, encoder.transform(graph).pyg, encoder.node_types, relations)
    change = live.add_transaction({"transaction_id": "T-x", "timestamp": pd.Timestamp("2030-01-01", tz="UTC"),
                                   "user_id": "payer-x", "amount": 1.0, "counterparty_id": "receiver-x"})
    assert {"payer-x", "receiver-x"} <= set(live.ids["user"])
    assert len(change.new_nodes["user"]) == 2 and change.new_edges == 0


def test_a_row_that_cannot_be_added_fails_alone_and_is_not_recorded(service, monkeypatch):
    scorer, _ = service
    real_add = scorer._add

    def add(snapshot, row):
        if row["transaction_id"] == "BROKEN-1":
            raise RuntimeError("planted")
        return real_add(snapshot, row)

    monkeypatch.setattr(scorer, "_add", add)
    rows = [{"transaction_id": tid, "timestamp": pd.Timestamp("2030-03-01", tz="UTC"), "user_id": "U-iso",
             "amount": 3.0, "merchant_id": None, "device_id": None, "counterparty_id": None, "card_id": None,
             "ip": None, "is_fraud": None} for tid in ("FINE-1", "BROKEN-1")]
    fine, broken = scorer.score_many(rows)
    assert fine["transaction_id"] == "FINE-1" and isinstance(broken, RuntimeError)
    assert scorer._recorded("BROKEN-1") is None and scorer._recorded("FINE-1") is not None


def test_the_first_transfer_in_a_graph_without_any_is_scored_like_a_full_pass(serve_world, model_dir):
    base = serve_world.base.assign(counterparty_id=None)  # no transfers yet: the relation has no edge
    graph = build_graph(base, serve_world.links, serve_world.users)[0]
    scorer = LiveScorer(RiskDetector.load(model_dir, device="cpu"), graph)
    payer, receiver = base["user_id"].iloc[0], base["user_id"].iloc[1]
    answer = scorer.score({"transaction_id": "FIRST-TRANSFER", "timestamp": pd.Timestamp("2030-04-01", tz="UTC"),
                           "user_id": payer, "amount": 50.0, "merchant_id": None, "device_id": None,
                           "counterparty_id": receiver, "card_id": None, "ip": None, "is_fraud": None})
    full = _full_pass_risk(scorer)
    assert answer["payer"]["risk"] == pytest.approx(full[payer], abs=1e-5)
    assert answer["counterparty"]["risk"] == pytest.approx(full[receiver], abs=1e-5)
    np.testing.assert_allclose(scorer.all_risks(), full, atol=1e-5)
