"""What ``POST /score`` answers to bad, huge and random input, and the schema it publishes."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphrisk import build_graph
from graphrisk.model import RiskDetector
from graphrisk.serve import LiveScorer, create_app
from graphrisk.serve.limits import DEFAULT_MAX_BODY

GOOD = {"transaction_id": "T-new-1", "timestamp": "2024-03-01T12:00:00Z", "user_id": "U-new-1", "amount": 59.9,
        "merchant_id": "M-new-1", "device_id": "D-new-1"}


@pytest.fixture(scope="module")
def client(serve_world, model_dir):
    graph = build_graph(serve_world.folder / "base.csv", serve_world.folder / "links.csv",
                        serve_world.folder / "users.csv")[0]
    scorer = LiveScorer(RiskDetector.load(model_dir, device="cpu"), graph)
    # raise_server_exceptions=False: a bug answers 500 here as it would to a real client, and the fuzz sees it
    return TestClient(create_app(scorer), raise_server_exceptions=False)


def _bad_fields(response) -> set[str]:
    assert response.status_code == 422, response.text
    return {str(error["loc"][1]) for error in response.json()["detail"] if len(error["loc"]) > 1}


def test_a_good_transaction_is_scored(client):
    answer = client.post("/score", json=GOOD)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert 0.0 <= body["transaction_risk"] <= 1.0
    assert body["payer"]["user_id"] == "U-new-1" and body["payer"]["new_account"] is True


def test_a_retry_is_answered_as_recorded_and_other_content_under_the_same_id_is_409(client):
    body = {**GOOD, "transaction_id": "T-retry", "user_id": "U-retry"}
    first = client.post("/score", json=body).json()
    again = client.post("/score", json=body).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["payer"]["user_id"] == "U-retry"
    changed = client.post("/score", json={**body, "user_id": "U-someone-else"})
    assert changed.status_code == 409 and "T-retry" in changed.json()["detail"]
    assert client.get("/users/U-someone-else").status_code == 404  # nothing was added


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": None}, "amount"),
    ({"amount": "twelve"}, "amount"),
    ({"amount": -5}, "amount"),
    ({"amount": 1e16}, "amount"),
    ({"timestamp": "31/12/2024"}, "timestamp"),
    ({"timestamp": ""}, "timestamp"),
    ({"user_id": "   "}, "user_id"),
    ({"user_id": ["U1"]}, "user_id"),
    ({"transaction_id": "T" * 300}, "transaction_id"),
    ({"merchant_id": {"id": "M1"}}, "merchant_id"),
    ({"unexpected": "x"}, "unexpected"),
])
def test_a_bad_field_gets_422_naming_it(client, change, field):
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v is not None}
    assert _bad_fields(client.post("/score", json=body)) == {field}


def test_every_missing_required_field_is_named(client):
    assert _bad_fields(client.post("/score", json={"merchant_id": "M1"})) == {
        "transaction_id", "timestamp", "user_id", "amount"}


def test_nan_and_infinity_written_into_the_json_are_refused(client):
    for token in ("NaN", "Infinity", "-Infinity"):
        text = json.dumps({**GOOD, "amount": 0}).replace('"amount": 0', f'"amount": {token}')
        response = client.post("/score", content=text, headers={"content-type": "application/json"})
        assert _bad_fields(response) == {"amount"}, token


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b'"text"', b"{"])
def test_a_body_that_is_not_one_json_object_gets_422(client, content):
    response = client.post("/score", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


def test_a_body_that_is_not_utf8_gets_400(client):
    response = client.post("/score", content=b"\xff\xfe\x00", headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text


def test_a_body_over_the_limit_gets_413_by_its_header_or_while_it_streams(client):
    huge = json.dumps({**GOOD, "note": "x" * DEFAULT_MAX_BODY}).encode()
    assert client.post("/score", content=huge, headers={"content-type": "application/json"}).status_code == 413

    def chunks():  # no content-length: the limit counts the bytes as they come
        for start in range(0, len(huge), 1024):
            yield huge[start:start + 1024]

    response = client.post("/score", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "above" in response.json()["detail"]
    assert client.get("/health").json()["status"] == "ok"


def test_unknown_user_is_404_and_health_describes_the_model(client):
    assert client.get("/users/no-such-user").status_code == 404
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["users"] > 1000 and health["model_version"]


def test_openapi_schema_documents_the_request_and_every_route(client):
    schema = client.get("/openapi.json").json()
    assert {"/score", "/health", "/users/{user_id}", "/refresh"} <= set(schema["paths"])
    request = schema["components"]["schemas"]["TransactionRequest"]
    assert set(request["required"]) == {"transaction_id", "timestamp", "user_id", "amount"}
    assert request["additionalProperties"] is False
    assert "422" in schema["paths"]["/score"]["post"]["responses"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_VALUES = st.one_of(
    _JSON, st.sampled_from(["", " ", "2024-13-01", "1e999", "x'}) DETACH DELETE n //", "\u0000", "🙂", "NaN"]),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=300),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.dictionaries(st.sampled_from([*GOOD, "counterparty_id", "card_id", "ip", "is_fraud", "other"]),
                            _VALUES, max_size=4),
    drop=st.sets(st.sampled_from(list(GOOD)), max_size=2),
    raw=st.none() | st.binary(max_size=64),
)
def test_no_input_crashes_the_service(client, changes, drop, raw):
    if raw is not None:
        response = client.post("/score", content=raw, headers={"content-type": "application/json"})
    else:
        body = {k: v for k, v in {**GOOD, **changes}.items() if k not in drop}
        response = client.post("/score", content=json.dumps(body, allow_nan=True),
                               headers={"content-type": "application/json"})
    assert response.status_code in (200, 400, 409, 413, 422), response.text
    if response.status_code == 200:
        assert 0.0 <= response.json()["transaction_risk"] <= 1.0
