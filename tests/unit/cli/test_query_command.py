"""``graphrisk query`` without a server: readable output in every format, one-line errors before connecting."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import neo4j.time
import pytest

from graphrisk.cli.main import main
from graphrisk.cli.query import plain_value, render_rows
from graphrisk.queries import describe_query, list_queries

SHIPPED = list_queries()


# --- output -------------------------------------------------------------------------------------


def test_values_print_readably():
    when = neo4j.time.DateTime(2024, 3, 1, 9, 30, 0, tzinfo=timezone.utc)
    rows = [{"ring_id": "R1", "since": when, "members": ["r1", "r2"], "score": 0.85, "gone": None,
             "flagged": True, "nan": float("nan"), "day": neo4j.time.Date(2024, 3, 1)}]
    parsed = json.loads(render_rows(rows, "json"))
    assert parsed == [{"ring_id": "R1", "since": "2024-03-01T09:30:00Z", "members": ["r1", "r2"],
                       "score": 0.85, "gone": None, "flagged": True, "nan": None, "day": "2024-03-01"}]
    lines = render_rows(rows, "csv").splitlines()
    assert lines == ["ring_id,since,members,score,gone,flagged,nan,day",
                     'R1,2024-03-01T09:30:00Z,"[""r1"", ""r2""]",0.85,,true,,2024-03-01']
    table = render_rows(rows + rows, "table").splitlines()
    assert table[0].split() == ["ring_id", "since", "members", "score", "gone", "flagged", "nan", "day"]
    assert table[2].split() == ["R1", "2024-03-01T09:30:00Z", "r1,", "r2", "0.85", "true", "2024-03-01"]
    assert len(table) == 4
    # one wide row: a name and its value per line
    assert render_rows(rows, "table").splitlines() == [
        "ring_id  R1", "since    2024-03-01T09:30:00Z", "members  r1, r2", "score    0.85", "gone", "flagged  true",
        "nan", "day      2024-03-01"]
    assert render_rows([], "table") == "(no rows)" and render_rows([], "json") == "[]" and render_rows([], "csv") == ""
    assert plain_value({"nested": [neo4j.time.Duration(days=2)]}) == {"nested": ["P2D"]}
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render_rows(rows, "xml")


def test_every_format_writes_times_the_same_way_in_utc():
    local = neo4j.time.DateTime(2024, 3, 1, 9, 30, 0, 500_000_000, tzinfo=timezone(timedelta(hours=2)))
    rows = [{"at": local, "at_list": [local]}, {"at": datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc), "at_list": []}]
    table = render_rows(rows, "table").splitlines()
    csv_lines = render_rows(rows, "csv").splitlines()
    parsed = json.loads(render_rows(rows, "json"))
    assert table[2].split()[0] == "2024-03-01T07:30:00.5Z" and table[3].split()[0] == "2024-03-01T10:00:00Z"
    assert csv_lines[1].startswith("2024-03-01T07:30:00.5Z,") and csv_lines[2].startswith("2024-03-01T10:00:00Z,")
    assert [row["at"] for row in parsed] == ["2024-03-01T07:30:00.5Z", "2024-03-01T10:00:00Z"]
    assert parsed[0]["at_list"] == ["2024-03-01T07:30:00.5Z"]


def test_csv_with_no_rows_still_has_its_header_line():
    assert render_rows([], "csv", columns=["user_id", "shared_identifiers"]) == "user_id,shared_identifiers"
    assert render_rows([], "json", columns=["user_id"]) == "[]"
    assert render_rows([], "table", columns=["user_id"]) == "(no rows)"


def test_table_cells_are_cut_but_json_keeps_everything():
    rows = [{"members": [f"user{i:04d}" for i in range(40)]}]
    assert render_rows(rows, "table").splitlines()[2].endswith("...")
    assert len(json.loads(render_rows(rows, "json"))[0]["members"]) == 40


# --- the command line without a server ----------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch):
    """A URI where nothing listens: any attempt to connect fails with 'cannot reach'."""
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")


def test_list_shows_every_query_with_its_parameters(capsys, no_server):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for name in SHIPPED:
        assert re.search(rf"^{name} +{re.escape(describe_query(name).title)}$", out, re.MULTILINE)
    assert "user_id (STRING, required), max_hub (INTEGER, default 50)" in out
    assert "via (LIST<STRING>, default USED,PAID,SENT)" in " ".join(out.split())
    assert f"{len(SHIPPED)} queries" in out


def test_show_prints_a_params_block_then_the_whole_query(capsys, no_server):
    assert main(["query", "shared_identifiers", "--show"]) == 0
    out = capsys.readouterr().out
    assert out == ":params {\n  user_id: null,\n  max_hub: 50\n}\n\n" + describe_query("shared_identifiers").text
    argv = ["query", "first_party_fraud_groups", "--show", "--param", "user_id=u\"5", "--param", "types=email,phone",
            "--param", "active_from=2024-03-01", "--param", "max_depth=2"]
    assert main(argv) == 0
    block = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert block == [":params {", '  user_id: "u\\"5",', '  types: ["email", "phone"],', "  max_hub: 50,",
                     "  max_depth: 2,", '  active_from: datetime("2024-03-01T00:00:00Z"),', "  active_until: null,",
                     "  min_size: 3,", "  limit: 50", "}"]
    assert main(["query", "shared_identifiers", "--show", "--param", "max_hub=many"]) == 1
    assert "parameter max_hub: expected a whole number" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["query"], "give a query NAME (see graphrisk query --list) or --file PATH"),
    (["query", "nope"], "unknown query 'nope'"),
    (["query", "shared_identifiers"], "needs --param user_id="),
    (["query", "shared_identifiers", "--param", "user_id=u1", "--param", "max_hub=lots"],
     "parameter max_hub: expected a whole number"),
    (["query", "shared_identifiers", "--param", "user_id=u1", "--param", "user=u2"], "has no parameter 'user'"),
    (["query", "shared_identifiers", "--param", "user_id=u1", "--param", "user_id=u2"], "user_id is given twice"),
    (["query", "rings_since", "--param", "since=last week"], "parameter since: expected an ISO 8601"),
    (["query", "--list", "shared_identifiers"], "--list takes no NAME"),
    (["query", "shared_identifiers", "--file", "x.cypher"], "not both"),
    (["query", "--file", "/no/such/file.cypher"], "file not found"),
])
def test_bad_requests_fail_in_one_line_before_connecting(argv, message, capsys, no_server):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("graphrisk query: error: ") and err.count("\n") == 1
    assert message in err and "cannot reach" not in err


def test_a_writing_file_is_refused_before_connecting(tmp_path, capsys, no_server):
    path = tmp_path / "cleanup.cypher"
    path.write_text("// Clean up\nMATCH (n)\ndetach delete n\n", encoding="utf-8")
    assert main(["query", "--file", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == "graphrisk query: error: query 'cleanup' is refused: line 3: DETACH writes to the database; " \
                  "only read-only queries may run\n"
    # refused for writing even when its header would be refused too (undeclared $parameter)
    path.write_text("MATCH (n {id: $id}) SET n.x = 1\n", encoding="utf-8")
    assert main(["query", "--file", str(path), "--show"]) == 1
    assert "is refused: line 1: SET writes" in capsys.readouterr().err


def test_a_good_request_then_needs_the_server(capsys, no_server):
    assert main(["query", "shared_identifiers", "--param", "user_id=u1"]) == 1
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in capsys.readouterr().err


def test_param_needs_key_and_value():
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "shared_identifiers", "--param", "user_id"])
    assert exit_info.value.code == 2
