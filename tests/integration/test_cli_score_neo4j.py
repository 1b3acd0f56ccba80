"""``graphrisk score --from-neo4j --write-neo4j`` against the real Neo4j: counts, reruns, later data."""

from __future__ import annotations

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.store.loader import load_graph
from graphrisk.synth import WorldConfig, generate_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world():
    return generate_world(800, seed=3, config=WorldConfig(fraud_share=0.06))


@pytest.fixture(scope="module")
def halves(world):
    """The first 80% of the transactions (by time) and the rest, as canonical tables."""
    tx = world.transactions.sort_values(["timestamp", "transaction_id"], ignore_index=True)
    cut = int(len(tx) * 0.8)
    return tx.iloc[:cut], tx.iloc[cut:]


@pytest.fixture(scope="module")
def model_dir(world, halves, tmp_path_factory):
    from graphrisk.model import RiskDetector

    graph = build_graph(halves[0], world.links, world.users)[0]
    folder = tmp_path_factory.mktemp("model")
    RiskDetector(epochs=30, patience=10, seed=0).fit(graph, world.known_labels).save(folder)
    return folder


def db_state(runner) -> dict:
    return runner.read("""
        MATCH (u:User)
        WITH count(u) AS users, count(u.risk_score) AS scored
        RETURN users, scored,
               COUNT { MATCH (r:Ring) } AS rings, COUNT { MATCH (r:Ring {status: 'active'}) } AS active,
               COUNT { MATCH (:User)-[:MEMBER_OF]->(:Ring) } AS memberships,
               COUNT { MATCH (s:ScoreRun) } AS runs,
               COUNT { MATCH (d:Device) WHERE d.risk_score IS NOT NULL } AS scored_devices
    """)[0]


def test_score_writes_back_reruns_cleanly_and_scores_later_data_without_retraining(
    runner, neo4j_config, world, halves, model_dir, tmp_path, capsys
):
    load_graph(runner, build_graph(halves[0], world.links, world.users)[0], keep_transactions=True)
    scores_path, rings_path = tmp_path / "scores.csv", tmp_path / "rings.parquet"
    argv = ["score", "--from-neo4j", "--model", str(model_dir), "--write-neo4j", "--entity-scores", "--no-progress",
            "--uri", neo4j_config.uri, "--out", str(scores_path), "--rings", str(rings_path)]
    assert main(argv) == 0
    assert "neo4j: written score run" in capsys.readouterr().out
    scores, rings = pd.read_csv(scores_path, keep_default_na=False), pd.read_parquet(rings_path)
    state = db_state(runner)
    assert state["users"] == state["scored"] == len(scores)
    assert state["rings"] == state["active"] == len(rings) > 0
    assert state["memberships"] == int((scores["ring_id"] != "").sum()) == int(rings["size"].sum())
    assert state["runs"] == 1 and state["scored_devices"] > 0
    stored = runner.read("MATCH (u:User) RETURN u.user_id AS user_id, u.risk_score AS risk, u.flagged AS flagged, "
                         "coalesce(u.ring_id, '') AS ring_id")
    stored = pd.DataFrame(stored).set_index("user_id").sort_index()
    expected = scores.set_index("user_id").sort_index()
    assert stored["risk"].to_numpy() == pytest.approx(expected["risk_score"].to_numpy())
    assert (stored["flagged"] == expected["flagged"]).all() and (stored["ring_id"] == expected["ring_id"]).all()

    # the same job again: same values, nothing duplicated
    assert main(argv) == 0
    assert "neo4j: rewritten score run" in capsys.readouterr().out
    assert db_state(runner) == state

    # later transactions arrive: load them, score again with the same model (no retraining)
    later = build_graph(halves[1], None, None)[0]
    load_graph(runner, later, keep_transactions=True)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "neo4j: written score run" in out
    scores, rings = pd.read_csv(scores_path, keep_default_na=False), pd.read_parquet(rings_path)
    after = db_state(runner)
    assert after["users"] == after["scored"] == len(scores) >= state["users"]
    assert after["active"] == len(rings) and after["memberships"] == int(rings["size"].sum())
    assert after["runs"] == 2
    active = {r["ring_id"] for r in runner.read("MATCH (r:Ring {status: 'active'}) RETURN r.ring_id AS ring_id")}
    assert active == set(rings["ring_id"])  # the files carry the ids stored in Neo4j
    duplicates = runner.read("""
        MATCH (r:Ring {status: 'active'}) WITH r.members AS members, count(*) AS n WHERE n > 1 RETURN count(*) AS n
    """)[0]["n"]
    assert duplicates == 0


def test_score_needs_a_source_and_a_destination(tmp_path, capsys, model_dir):
    assert main(["score", "--model", str(model_dir), "--out", str(tmp_path / "s.csv")]) == 1
    assert "no input: give --transactions FILE" in capsys.readouterr().err
    assert main(["score", "--model", str(model_dir), "--from-neo4j", "--uri", "bolt://127.0.0.1:1"]) == 1
    assert "nothing to write" in capsys.readouterr().err


def test_score_from_neo4j_needs_the_transaction_nodes(runner, neo4j_config, world, halves, model_dir, capsys):
    load_graph(runner, build_graph(halves[0], world.links, world.users)[0])  # without keep_transactions
    status = main(["score", "--from-neo4j", "--model", str(model_dir), "--write-neo4j", "--uri", neo4j_config.uri])
    assert status == 1
    assert "load it with graphrisk load --keep-transactions" in capsys.readouterr().err
    assert runner.read("MATCH (u:User) WHERE u.risk_score IS NOT NULL RETURN count(u) AS n")[0]["n"] == 0
