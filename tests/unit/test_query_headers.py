"""The investigator query library without a server: headers, parameters, the read-only check, the CLI."""

from __future__ import annotations

import doctest
import json
import re
from datetime import datetime, timedelta, timezone

import neo4j.time
import pytest

import graphrisk.queries as queries
from graphrisk.cli.main import main
from graphrisk.cli.query import plain_value, render_rows
from graphrisk.queries import (
    PARAMETER_TYPES, QueryInfo, check_read_only, convert_parameters, convert_value, describe_query, list_queries,
    parse_query, used_parameters,
)

SHIPPED = list_queries()


def test_the_library_has_at_least_twelve_queries():
    assert len(SHIPPED) >= 12
    assert "shared_identifiers" in SHIPPED


def test_module_docstring_examples_run():
    result = doctest.testmod(queries, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_header_is_complete(name):
    info = describe_query(name)  # strict: title, purpose, Parameters:, Example:
    assert isinstance(info, QueryInfo) and info.name == name
    assert info.title and "\n" not in info.title and not info.title.endswith(".")
    assert len(info.purpose) > 40
    assert info.example.startswith(f"graphrisk query {name}")
    assert all(line.startswith(f"graphrisk query {name} ") for line in info.example.splitlines())
    for parameter in info.parameters:
        assert parameter.type in PARAMETER_TYPES
        assert re.search(r"\((required|optional|default [^)]+)\)$", parameter.description), parameter


@pytest.mark.parametrize("name", SHIPPED)
def test_parameters_used_and_declared_agree(name):
    info = describe_query(name)
    assert used_parameters(info.text) == {p.name for p in info.parameters}


def _cypher_literal(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(f"'{v}'" for v in value) + "]"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


@pytest.mark.parametrize("name", SHIPPED)
def test_header_defaults_are_the_ones_the_cypher_applies(name):
    info = describe_query(name)
    for parameter in info.parameters:
        literals = re.findall(rf"coalesce\(\${parameter.name},\s*([^()]*(?:\([^()]*\))?[^()]*)\)", info.text)
        if parameter.default is None:
            assert not literals, f"${parameter.name} has no default in the header but one in the Cypher"
        else:
            assert literals, f"${parameter.name} has a default in the header but no coalesce in the Cypher"
            assert {" ".join(text.split()) for text in literals} == {_cypher_literal(parameter.default)}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_query_is_read_only(name):
    check_read_only(describe_query(name).text)


@pytest.mark.parametrize("text", [
    "MATCH (n) SET n.flagged = true",
    "match (u:User) merge (u)-[:X]->(:Y)",
    "CREATE (:Ring {ring_id: 'R9'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) DELETE n",
    "MATCH (n) REMOVE n.risk_score",
    "DROP CONSTRAINT graphrisk_user_key",
    "MATCH (n) FOREACH (x IN [1] | SET n.a = x)",
    "LOAD CSV FROM 'file:///x.csv' AS row RETURN row",
    "load  csv with headers from $url as row return row",
    "CALL db.labels()",
    "call dbms.components() YIELD name RETURN name",
    "CALL apoc.periodic.iterate('a', 'b', {})",
    "MATCH (n) CALL (n) { RETURN 1 AS x } IN TRANSACTIONS RETURN x",
    "MATCH (n)\nCALL {\n  WITH n SET n.x = 1\n}\nRETURN n",
    "ALTER DATABASE neo4j SET ACCESS READ ONLY",
])
def test_writing_queries_are_refused(text):
    with pytest.raises(ValueError, match="only read-only queries may run"):
        check_read_only(text)


def test_the_refusal_names_the_line():
    with pytest.raises(ValueError, match=r"^line 3: MERGE writes"):
        check_read_only("// header\nMATCH (u:User)\nMERGE (u)-[:X]->(:Y)")
    with pytest.raises(ValueError, match=r"^line 1: CALL calls a procedure"):
        check_read_only("CALL db.labels()")


@pytest.mark.parametrize("text", [
    "MATCH (t:Trade) WHERE t.settled RETURN t.created_at, t.reset_count",  # keywords inside names
    "MATCH (n) RETURN n.set AS s, n.merge AS m, n.delete AS d",  # properties named like clauses
    "MATCH (n:Create)-[:SET]->(m:Delete) RETURN n",  # labels and types named like clauses
    "RETURN {create: 1, set: 2} AS map, $merge AS parameter",
    "// SET n.x = 1 and CREATE everything\nMATCH (n) RETURN n /* DELETE n */",
    "RETURN 'MERGE (a)' AS text, \"CALL db.labels()\" AS other, 'it\\'s SET' AS escaped",
    "MATCH (n) RETURN `create` AS weird",
    "MATCH (n) CALL (n) { RETURN 1 AS one } RETURN one",
    "MATCH (n) CALL { RETURN 2 AS two } RETURN two",
    "MATCH (n) WHERE EXISTS { (n)--() } AND COUNT { (n)--() } > 1 RETURN COLLECT { MATCH (n)--(m) RETURN m } AS ms",
    "MATCH (u) WHERE u.name STARTS WITH 'a' RETURN u.dropped_at, u.removed",
])
def test_reading_queries_are_accepted(text):
    check_read_only(text)


def test_used_parameters_ignore_comments_and_strings():
    text = "// $in_comment\nMATCH (u {id: $user_id}) WHERE u.x = '$in_string' /* $in_block */ RETURN $max_hub"
    assert used_parameters(text) == {"user_id", "max_hub"}


# --- parsing headers ----------------------------------------------------------------------------

GOOD = """// A title
//
// What it does.
//
// Parameters:
//   $user_id  STRING   the account (required)
//   $limit    INTEGER  rows to return, with a description long enough
//                      to go on (default 10)
//   $since    DATETIME from when (optional)
//
// Example:
//   graphrisk query good --param user_id=u1
MATCH (u:User {user_id: $user_id}) WHERE $since IS NULL OR u.t >= datetime($since)
RETURN u LIMIT coalesce($limit, 10)
"""


def test_a_header_parses_into_its_parts():
    info = parse_query(GOOD, "good")
    assert (info.title, info.purpose, info.example) == ("A title", "What it does.", "graphrisk query good --param user_id=u1")
    assert [(p.name, p.type, p.required, p.default) for p in info.parameters] == [
        ("user_id", "STRING", True, None), ("limit", "INTEGER", False, 10), ("since", "DATETIME", False, None)]
    assert info.parameter("limit").description == "rows to return, with a description long enough to go on (default 10)"
    with pytest.raises(ValueError, match="has no parameter 'nope'; its parameters: user_id, limit, since"):
        info.parameter("nope")


@pytest.mark.parametrize(("text", "message"), [
    ("MATCH (n) RETURN n", "has no '//' header"),
    (GOOD.replace("INTEGER", "NUMBER"), "unknown type 'NUMBER'"),
    (GOOD.replace(" (required)", ""), r"must end its description with \(required\)"),
    (GOOD.replace("(default 10)", "(default ten)"), "bad default: parameter limit: expected a whole number"),
    (GOOD.replace("//   $since    DATETIME from when (optional)\n", ""), r"uses undeclared parameters \$since"),
    (GOOD.replace("RETURN u LIMIT coalesce($limit, 10)", "RETURN u"), r"declares unused parameters \$limit"),
    (GOOD.replace("//   $since", "//   $user_id  STRING  again (required)\n//   $since"), "declared twice"),
    (GOOD.replace("// Example:\n//   graphrisk query good --param user_id=u1\n", ""), "lacks an 'Example:' section"),
    (GOOD.replace("//   $limit", "//   limit"), "cannot read the parameter line"),
])
def test_bad_headers_are_refused_naming_the_query(text, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_query(text, "good")
    assert "'good'" in str(info.value)


def test_custom_files_need_only_declare_what_they_use():
    assert parse_query("MATCH (n) RETURN count(n) AS n", "plain", strict=False).parameters == ()
    with pytest.raises(ValueError, match=r"undeclared parameters \$user_id"):
        parse_query("MATCH (u {user_id: $user_id}) RETURN u", "custom", strict=False)
    info = parse_query("// Mine\n// Parameters:\n//   $k  INTEGER  a number (default 3)\nRETURN $k AS k", "mine",
                       strict=False)
    assert info.title == "Mine" and convert_parameters(info, {}) == {"k": 3}


def test_unknown_shipped_query():
    with pytest.raises(ValueError, match="unknown query 'nope'; known: .*shared_identifiers"):
        describe_query("nope")


# --- converting command-line values -------------------------------------------------------------


@pytest.mark.parametrize(("text", "type_", "expected"), [
    ("u 5", "STRING", "u 5"),
    (" 42 ", "INTEGER", 42),
    ("-3", "INTEGER", -3),
    ("0.25", "FLOAT", 0.25),
    ("1e3", "FLOAT", 1000.0),
    ("TRUE", "BOOLEAN", True),
    ("no", "BOOLEAN", False),
    ("0", "BOOLEAN", False),
    ("2024-03-01", "DATETIME", datetime(2024, 3, 1, tzinfo=timezone.utc)),
    ("2024-03-01T12:30:00Z", "DATETIME", datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)),
    ("2024-03-01T12:30:00+02:00", "DATETIME", datetime(2024, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("device, card,,ip ", "LIST<STRING>", ["device", "card", "ip"]),
    ("active", "LIST<STRING>", ["active"]),
])
def test_values_are_typed(text, type_, expected):
    value = convert_value(text, type_, "p")
    assert value == expected and type(value) is type(expected)
    if type_ == "DATETIME":
        assert value.tzinfo is not None


@pytest.mark.parametrize(("text", "type_", "message"), [
    ("many", "INTEGER", "parameter p: expected a whole number such as 50, got 'many'"),
    ("1.5", "INTEGER", "expected a whole number"),
    ("abc", "FLOAT", "expected a number such as 0.5"),
    ("nan", "FLOAT", "expected a number"),
    ("inf", "FLOAT", "expected a number"),
    ("maybe", "BOOLEAN", "expected true or false"),
    ("yesterday", "DATETIME", "expected an ISO 8601 date or date-time"),
    ("2024-13-01", "DATETIME", "expected an ISO 8601"),
])
def test_bad_values_name_the_parameter(text, type_, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        convert_value(text, type_, "p")


def test_convert_parameters_fills_defaults_and_checks_names():
    info = describe_query("first_party_fraud_groups")
    values = convert_parameters(info, {"types": "email,phone", "max_depth": "2", "active_from": "2024-03-01"})
    assert values == {
        "user_id": None, "types": ["email", "phone"], "max_hub": 50, "max_depth": 2,
        "active_from": datetime(2024, 3, 1, tzinfo=timezone.utc), "active_until": None, "min_size": 3, "limit": 50,
    }
    assert convert_parameters(info, {"max_hub": ""})["max_hub"] == 50  # empty means "not given"
    with pytest.raises(ValueError, match="query 'first_party_fraud_groups' has no parameter 'max_hubs'"):
        convert_parameters(info, {"max_hubs": "5"})
    with pytest.raises(ValueError, match="parameter max_hub: expected a whole number"):
        convert_parameters(info, {"max_hub": "five"})
    with pytest.raises(TypeError, match="parameter max_hub"):
        convert_parameters(info, {"max_hub": 5})


def test_a_missing_required_parameter_says_how_to_give_it():
    with pytest.raises(ValueError, match=r"query 'shortest_path' needs --param from_user=\.\.\. \(STRING: one account"):
        convert_parameters(describe_query("shortest_path"), {"to_user": "u2"})
    with pytest.raises(ValueError, match="needs --param user_id"):
        convert_parameters(describe_query("shared_identifiers"), {"user_id": "  "})


# --- output -------------------------------------------------------------------------------------


def test_values_print_readably():
    when = neo4j.time.DateTime(2024, 3, 1, 9, 30, 0, tzinfo=timezone.utc)
    rows = [{"ring_id": "R1", "since": when, "members": ["r1", "r2"], "score": 0.85, "gone": None,
             "flagged": True, "nan": float("nan"), "day": neo4j.time.Date(2024, 3, 1)}]
    parsed = json.loads(render_rows(rows, "json"))
    assert parsed == [{"ring_id": "R1", "since": "2024-03-01T09:30:00.000000000+00:00", "members": ["r1", "r2"],
                       "score": 0.85, "gone": None, "flagged": True, "nan": None, "day": "2024-03-01"}]
    lines = render_rows(rows, "csv").splitlines()
    assert lines == ["ring_id,since,members,score,gone,flagged,nan,day",
                     'R1,2024-03-01T09:30:00.000000000+00:00,"[""r1"", ""r2""]",0.85,,true,,2024-03-01']
    table = render_rows(rows + rows, "table").splitlines()
    assert table[0].split() == ["ring_id", "since", "members", "score", "gone", "flagged", "nan", "day"]
    assert table[2].split() == ["R1", "2024-03-01T09:30:00Z", "r1,", "r2", "0.85", "true", "2024-03-01"]
    assert len(table) == 4
    # one wide row: a name and its value per line
    assert render_rows(rows, "table").splitlines() == [
        "ring_id  R1", "since    2024-03-01T09:30:00Z", "members  r1, r2", "score    0.85", "gone", "flagged  true",
        "nan", "day      2024-03-01"]
    local = neo4j.time.DateTime(2024, 3, 1, 9, 30, 0, 500_000_000, tzinfo=timezone(timedelta(hours=2)))
    assert render_rows([{"at": local}], "table").splitlines()[2] == "2024-03-01T09:30:00.500000000+02:00"
    assert render_rows([], "table") == "(no rows)" and render_rows([], "json") == "[]" and render_rows([], "csv") == ""
    assert plain_value({"nested": [neo4j.time.Duration(days=2)]}) == {"nested": ["P2D"]}
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render_rows(rows, "xml")


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


def test_show_prints_the_whole_query(capsys, no_server):
    assert main(["query", "shared_identifiers", "--show"]) == 0
    assert capsys.readouterr().out == describe_query("shared_identifiers").text


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
