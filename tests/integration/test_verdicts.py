"""Verdicts in the real Neo4j: ``graphrisk verdict`` records them, ``graphrisk feedback --from-neo4j`` reads them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from graphrisk import build_graph
from graphrisk.cli.main import main
from graphrisk.feedback import read_store_verdicts, record_verdict
from graphrisk.store.loader import load_graph
from graphrisk.store.reader import read_graph

pytestmark = pytest.mark.integration

SAMPLES = Path(str(files("graphrisk.samples").joinpath("transactions.csv"))).parent
WRITE_QUERY = Path(__file__).resolve().parents[2] / "queries" / "write" / "record_verdict.cypher"


@pytest.fixture
def sample_graph(runner):
    graph = build_graph(SAMPLES / "transactions.csv", SAMPLES / "links.csv", SAMPLES / "users.csv")[0]
    load_graph(runner, graph)
    return graph


def _verdict_nodes(runner) -> int:
    return runner.read("MATCH (v:Verdict) RETURN count(v) AS n")[0]["n"]


def test_verdicts_recorded_then_turned_into_labels_and_conflicts(runner, neo4j_config, sample_graph, tmp_path, capsys):
    uri = ["--uri", neo4j_config.uri]
    recorded = [
        ("u5", "fraud", "ann", "2024-03-01T10:00:00Z"),
        ("u5", "legit", "bob", "2024-03-02T10:00:00Z"),
        ("u5", "fraud", "cy", "2024-02-01T00:00:00Z"),  # recorded last, but older: u5 stays legit
        ("u6", "fraud", "ann", "2024-03-01T12:00:00Z"),
        ("u1", "legit", "bob", "2024-03-01T12:00:00Z"),
        ("u1", "unsure", "ann", "2024-03-03T12:00:00Z"),
    ]
    for user, verdict, by, at in recorded:
        assert main(["verdict", user, verdict, "--by", by, "--at", at, "--note", f"{by} on {user}", *uri]) == 0
    printed = capsys.readouterr().out
    assert "u5 keeps its newer verdict legit by bob at 2024-03-02T10:00:00Z" in printed
    assert _verdict_nodes(runner) == 6

    # the same verdict again is the same record (safe to retry); an unknown account is refused, nothing written
    assert main(["verdict", "u6", "fraud", "--by", "ann", "--at", "2024-03-01T12:00:00Z", "--note", "ann on u6",
                 *uri]) == 0
    assert _verdict_nodes(runner) == 6
    capsys.readouterr()
    assert main(["verdict", "ghost", "fraud", "--by", "ann", *uri]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "user 'ghost' is not in the database" in err
    assert _verdict_nodes(runner) == 6 and not runner.read("MATCH (u:User {user_id: 'ghost'}) RETURN u")

    users = {row["user_id"]: row for row in runner.read(
        "MATCH (u:User) WHERE u.verdict IS NOT NULL "
        "RETURN u.user_id AS user_id, u.verdict AS verdict, u.verdict_by AS by, toString(u.verdict_at) AS at")}
    assert {u: (r["verdict"], r["by"]) for u, r in users.items()} == {
        "u5": ("legit", "bob"), "u6": ("fraud", "ann"), "u1": ("unsure", "ann")}
    assert users["u5"]["at"].startswith("2024-03-02T10:00")
    history = runner.read("MATCH (:User {user_id: 'u5'})-[:HAS_VERDICT]->(v:Verdict) "
                          "RETURN v.verdict AS verdict, v.by AS by, v.note AS note ORDER BY v.at")
    assert [(h["verdict"], h["by"], h["note"]) for h in history] == [
        ("fraud", "cy", "cy on u5"), ("fraud", "ann", "ann on u5"), ("legit", "bob", "bob on u5")]

    out, conflicts, rejects = tmp_path / "labels.csv", tmp_path / "conflicts.csv", tmp_path / "rejects.csv"
    status = main(["feedback", "--from-neo4j", "--out", str(out), "--conflicts", str(conflicts),
                   "--rejects", str(rejects), *uri])
    printed = capsys.readouterr().out
    assert status == 0, printed
    labels = pd.read_csv(out, keep_default_na=False)
    assert labels.values.tolist() == [["u5", 0, ""], ["u6", 1, ""]]
    table = pd.read_csv(conflicts).set_index("user_id")
    assert list(table.index) == ["u5"]
    assert table.loc["u5", "verdicts"] == "fraud, fraud, legit" and table.loc["u5", "by"] == "cy, ann, bob"
    assert table.loc["u5", "winner"] == "legit"
    assert "verdicts: 6 rows from neo4j" in printed and "labels: 2 users (1 fraud, 1 legit)" in printed


def test_of_two_verdicts_at_the_same_time_the_one_recorded_later_is_current(runner, neo4j_config, sample_graph):
    uri = ["--uri", neo4j_config.uri]
    first = ["verdict", "u6", "fraud", "--by", "ann", "--at", "2024-03-01T12:00:00Z", *uri]
    assert main(first) == 0
    assert main(["verdict", "u6", "legit", "--by", "bob", "--at", "2024-03-01T12:00:00Z", *uri]) == 0
    assert main(first) == 0  # the same record again: not recorded later, so it does not take over
    current = runner.read("MATCH (u:User {user_id: 'u6'}) RETURN u.verdict AS verdict, u.verdict_by AS by")[0]
    assert (current["verdict"], current["by"]) == ("legit", "bob")
    assert _verdict_nodes(runner) == 2


def test_a_verdicts_file_is_checked_against_the_users_in_neo4j(runner, neo4j_config, sample_graph, tmp_path, capsys):
    path = tmp_path / "verdicts.csv"
    path.write_text("user_id,verdict,by,at\nu5,fraud,ann,2024-03-01\nghost,fraud,ann,2024-03-01\n")
    out, rejects = tmp_path / "labels.csv", tmp_path / "rejects.csv"
    status = main(["feedback", "--verdicts", str(path), "--out", str(out), "--rejects", str(rejects),
                   "--uri", neo4j_config.uri])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert pd.read_csv(out, keep_default_na=False).values.tolist() == [["u5", 1, ""]]
    assert "unknown users (1 users not in Neo4j)" in printed
    assert pd.read_csv(rejects)["reason"].tolist() == ["unknown user_id (not in the graph)"]


def test_verdict_properties_are_not_user_attributes_and_the_write_query_is_refused_read_only(
    runner, neo4j_config, sample_graph, capsys
):
    record_verdict(runner, "u5", "fraud", by="ann", note="x")
    graph = read_graph(runner)
    assert not {"verdict", "verdict_by", "verdict_at"} & set(graph.users.columns)
    assert list(read_store_verdicts(runner).verdicts["user_id"]) == ["u5"]

    # graphrisk query neither lists nor runs the write query; as a --file it is refused before anything is sent
    assert main(["query", "--list"]) == 0
    assert "record_verdict" not in capsys.readouterr().out
    assert main(["query", "record_verdict", "--uri", neo4j_config.uri]) == 1
    assert "unknown query 'record_verdict'" in capsys.readouterr().err
    assert main(["query", "--file", str(WRITE_QUERY), "--uri", neo4j_config.uri, "--param", "user_id=u6",
                 "--param", "verdict_id=v-1", "--param", "verdict=fraud", "--param", "by=eve",
                 "--param", "at=2024-03-01", "--param", "recorded_at=2024-03-01"]) == 1
    assert "is refused" in capsys.readouterr().err
    assert _verdict_nodes(runner) == 1
