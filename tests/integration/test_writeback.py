"""Scores and rings written back into the real Neo4j: counts, idempotence, resume, incremental rings."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.errors import StoreError
from graphrisk.rings import ring_id
from graphrisk.rings.entity_risk import entity_risk
from graphrisk.store.loader import load_graph
from graphrisk.store.writeback import write_scores

pytestmark = pytest.mark.integration

USERS = [f"u{i}" for i in range(1, 11)]


class Interrupted(Exception):
    pass


@pytest.fixture
def loaded(runner, sample_paths):
    graph = build_graph(**sample_paths)[0]
    load_graph(runner, graph)
    assert sorted(graph.users["user_id"]) == sorted(USERS)
    return graph


def results(rings: dict[str, list[str]], risky: set[str] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A score table and a rings table: ring members and ``risky`` users flagged."""
    ring_of = {user: ring for ring, members in rings.items() for user in members}
    flagged = set(ring_of) | set(risky)
    scores = pd.DataFrame({
        "user_id": USERS,
        "risk_score": [0.9 if u in flagged else 0.05 for u in USERS],
        "flagged": [u in flagged for u in USERS],
        "ring_id": [ring_of.get(u, "") for u in USERS],
        "reason_1": ["in a ring" if u in ring_of else "" for u in USERS],
        "reason_2": ["amount_out" for _ in USERS],
    })
    table = pd.DataFrame({
        "ring_id": list(rings), "size": [len(m) for m in rings.values()], "score": [0.9] * len(rings),
        "members": [sorted(m) for m in rings.values()], "shared_entities": [["device:dX"]] * len(rings),
        "exposure": [100.0] * len(rings),
    })
    return scores, table


def found(*members: str) -> dict[str, list[str]]:
    return {ring_id(members): list(members)}


def stored_state(runner) -> dict:
    users = runner.read("MATCH (u:User) WHERE u.risk_score IS NOT NULL RETURN count(u) AS n")[0]["n"]
    rings = runner.read(
        "MATCH (r:Ring) OPTIONAL MATCH (u:User)-[:MEMBER_OF]->(r) "
        "RETURN r.ring_id AS id, r.status AS status, r.merged_into AS merged_into, r.size AS size, "
        "r.grown_at IS NOT NULL AS grown, collect(u.user_id) AS members ORDER BY id"
    )
    memberships = runner.read("MATCH (:User)-[m:MEMBER_OF]->(:Ring) RETURN count(m) AS n")[0]["n"]
    merges = runner.read("MATCH (a:Ring)-[:MERGED_INTO]->(b:Ring) RETURN a.ring_id AS old, b.ring_id AS survivor")
    runs = runner.read("MATCH (r:ScoreRun) RETURN count(r) AS n")[0]["n"]
    return {
        "scored_users": users, "memberships": memberships, "runs": runs, "merges": merges,
        "rings": {r["id"]: (r["status"], sorted(r["members"]), r["merged_into"], r["grown"]) for r in rings},
    }


def test_write_back_counts_and_user_properties(runner, loaded):
    scores, rings = results(found("u5", "u6", "u7"))
    report = write_scores(runner, scores, rings, model_version="m-test")
    assert (report.status, report.users_written, report.users_unchanged, report.rings_new) == ("written", 10, 0, 1)
    state = stored_state(runner)
    ring = rings["ring_id"][0]
    assert state["scored_users"] == 10 and state["memberships"] == 3 and state["runs"] == 1
    assert state["rings"] == {ring: ("active", ["u5", "u6", "u7"], None, True)}
    u5 = runner.read("MATCH (u:User {user_id: 'u5'}) RETURN u {.*} AS u")[0]["u"]
    assert u5["risk_score"] == 0.9 and u5["flagged"] is True and u5["ring_id"] == ring
    assert u5["risk_reasons"] == ["in a ring", "amount_out"] and u5["model_version"] == "m-test"
    u1 = runner.read("MATCH (u:User {user_id: 'u1'}) RETURN u {.*} AS u")[0]["u"]
    assert "ring_id" not in u1 and u1["flagged"] is False and u1["risk_reasons"] == ["amount_out"]
    stored_ring = runner.read("MATCH (r:Ring) RETURN r {.*} AS r")[0]["r"]
    assert stored_ring["size"] == 3 and stored_ring["exposure"] == 100.0 and stored_ring["shared_entities"] == ["device:dX"]
    assert stored_ring["created_at"] == u5["scored_at"]


def test_rerun_replaces_and_never_duplicates(runner, loaded):
    scores, rings = results(found("u5", "u6", "u7"))
    write_scores(runner, scores, rings, model_version="m-test")
    before = stored_state(runner)
    scored_at = runner.read("MATCH (u:User {user_id: 'u5'}) RETURN u.scored_at AS t")[0]["t"]
    again = write_scores(runner, scores, rings, model_version="m-test")
    assert (again.status, again.users_written, again.users_unchanged) == ("rewritten", 0, 10)
    assert (again.rings_new, again.rings_kept) == (0, 1)
    assert stored_state(runner) == before
    assert runner.read("MATCH (u:User {user_id: 'u5'}) RETURN u.scored_at AS t")[0]["t"] == scored_at


def test_interrupted_write_back_is_finished_by_a_rerun(runner, loaded):
    scores, rings = results(found("u5", "u6", "u7"))
    batches = []

    def stop_after_first_user_batch(stage, n):
        batches.append(stage)
        if stage == "users":
            raise Interrupted

    with pytest.raises(Interrupted):
        write_scores(runner, scores, rings, model_version="m-test", batch_size=4, progress=stop_after_first_user_batch)
    partial = stored_state(runner)
    assert partial["scored_users"] == 4  # one batch of four committed, then the stop
    report = write_scores(runner, scores, rings, model_version="m-test", batch_size=4)
    assert (report.status, report.users_written, report.users_unchanged) == ("resumed", 6, 4)

    clean_scores, clean_rings = scores, rings
    resumed = stored_state(runner)
    runner.write("MATCH (n) WHERE n:Ring OR n:ScoreRun DETACH DELETE n")
    runner.write("MATCH (u:User) REMOVE u.risk_score, u.flagged, u.ring_id, u.scored_at, u.model_version, "
                 "u.risk_reasons, u.score_run")
    write_scores(runner, clean_scores, clean_rings, model_version="m-test")
    assert stored_state(runner) == resumed


def test_a_growing_ring_keeps_its_id_and_merged_rings_are_recorded(runner, loaded):
    first = found("u5", "u6")
    second = found("u1", "u2")
    scores, rings = results({**first, **second})
    write_scores(runner, scores, rings, model_version="m-1")
    id_a, id_b = list(first)[0], list(second)[0]

    # later data: u7 joins the first ring -> same id, recorded as grown, nothing duplicated
    grown = found("u5", "u6", "u7")
    scores, rings = results({**grown, **second})
    report = write_scores(runner, scores, rings, model_version="m-1")
    assert report.ring_ids == {list(grown)[0]: id_a, id_b: id_b}
    assert (report.rings_new, report.rings_grown, report.rings_kept) == (0, 1, 1)
    state = stored_state(runner)
    assert state["rings"][id_a][:2] == ("active", ["u5", "u6", "u7"]) and state["memberships"] == 5
    assert set(state["rings"]) == {id_a, id_b}

    # both rings turn out to be one: the older id survives, the other is recorded as merged
    merged = found("u1", "u2", "u5", "u6", "u7")
    scores, rings = results(merged)
    report = write_scores(runner, scores, rings, model_version="m-1")
    survivor = min(id_a, id_b)  # created in the same run: the smaller id is the older by rule
    absorbed = max(id_a, id_b)
    assert report.ring_ids == {list(merged)[0]: survivor} and report.rings_merged == 1
    state = stored_state(runner)
    assert state["rings"][survivor][:2] == ("active", ["u1", "u2", "u5", "u6", "u7"])
    assert state["rings"][absorbed][:3] == ("merged", [], survivor)
    assert state["merges"] == [{"old": absorbed, "survivor": survivor}]
    assert runner.read("MATCH (u:User {user_id: 'u1'}) RETURN u.ring_id AS r")[0]["r"] == survivor

    # nothing flagged any more: the ring is dissolved, no member is left
    scores, rings = results({})
    report = write_scores(runner, scores, rings, model_version="m-1")
    assert report.rings_dissolved == 1
    state = stored_state(runner)
    assert state["rings"][survivor][0] == "dissolved" and state["memberships"] == 0


def test_users_missing_from_the_database_are_refused_before_any_write(runner, loaded):
    scores, rings = results(found("u5", "u6"))
    scores.loc[0, "user_id"] = "ghost"
    with pytest.raises(StoreError, match="1 scored users are not in the database.*'ghost'"):
        write_scores(runner, scores, rings, model_version="m-test")
    assert stored_state(runner)["scored_users"] == 0 and stored_state(runner)["runs"] == 0


def test_entity_scores_land_on_devices_and_merchants(runner, loaded):
    scores, rings = results(found("u5", "u6", "u7"))
    entities = entity_risk(loaded, scores)
    report = write_scores(runner, scores, rings, model_version="m-test", entities=entities)
    assert report.entities_written == len(entities)
    scored = runner.read("MATCH (n) WHERE (n:Device OR n:Merchant OR n:Card) AND n.risk_score IS NOT NULL "
                         "RETURN count(n) AS n")[0]["n"]
    expected = int(entities["entity_type"].isin(["device", "merchant", "card"]).sum())
    assert scored == expected
    dx = runner.read("MATCH (d:Device {device_id: 'dX'}) RETURN d.risk_score AS r, d.flagged_users AS f")[0]
    assert dx == {"r": pytest.approx(0.9), "f": 3}


def test_a_second_job_cannot_write_while_the_first_holds_the_lock(runner, loaded):
    from graphrisk.store.write_lock import acquire_write_lock, release_write_lock
    from graphrisk.store.writeback import LOCK_NAME

    acquire_write_lock(runner, LOCK_NAME, "another-run-in-progress")
    scores, rings = results(found("u5", "u6"))
    with pytest.raises(StoreError, match="another scoring job .* is writing to Neo4j"):
        write_scores(runner, scores, rings, model_version="m-test")
    assert stored_state(runner)["scored_users"] == 0
    release_write_lock(runner, LOCK_NAME, "another-run-in-progress")
    assert write_scores(runner, scores, rings, model_version="m-test").users_written == 10


def test_concurrent_jobs_leave_exactly_one_jobs_results(runner, loaded):
    first, second = results(found("u5", "u6", "u7")), results(found("u1", "u2"), risky={"u3"})
    outcomes: dict[str, object] = {}

    def job(name, tables, model_version):
        try:
            outcomes[name] = write_scores(runner, *tables, model_version=model_version, batch_size=2)
        except StoreError as e:
            outcomes[name] = e

    threads = [threading.Thread(target=job, args=("a", first, "m-a")), threading.Thread(target=job, args=("b", second, "m-b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    finished = [name for name, outcome in outcomes.items() if not isinstance(outcome, Exception)]
    assert finished, outcomes  # at least one job ran; a refused one failed with a clear StoreError
    versions = runner.read("MATCH (u:User) RETURN collect(DISTINCT u.model_version) AS versions")[0]["versions"]
    assert len(versions) == 1  # never a mix of the two jobs' users: the last job to write wrote them all
    winner = {"m-a": first, "m-b": second}[versions[0]]
    ring = winner[1]["ring_id"][0]
    state = stored_state(runner)
    assert state["rings"][ring][:2] == ("active", sorted(winner[1]["members"][0]))
    assert state["memberships"] == len(winner[1]["members"][0])


def test_a_ring_stores_the_span_of_its_members_activity_beside_the_scoring_time(runner, loaded, sample_paths):
    members = ["u5", "u6", "u7"]
    scores, rings = results(found(*members))
    write_scores(runner, scores, rings, model_version="m-test",
                 scored_at=pd.Timestamp("2030-01-01T00:00:00Z").to_pydatetime())
    stored = runner.read("MATCH (r:Ring) RETURN r {.*} AS r")[0]["r"]
    # the data's own span, from the input files: every transaction a member made or received, every identifier use
    tx = pd.read_csv(sample_paths["transactions"], dtype=str)
    links = pd.read_csv(sample_paths["links"], dtype=str)
    mine = tx[tx["user_id"].isin(members) | tx["counterparty_id"].isin(members)]
    times = pd.to_datetime(pd.concat([mine["timestamp"], links.loc[links["user_id"].isin(members), "timestamp"]]),
                           utc=True, errors="coerce").dropna()
    assert stored["first_seen"].to_native() == times.min().to_pydatetime()
    assert stored["last_seen"].to_native() == times.max().to_pydatetime()
    assert stored["last_seen"].year == 2024  # the data's time, not the scoring time
    assert stored["scored_at"].to_native().year == 2030 and stored["created_at"] == stored["scored_at"]
