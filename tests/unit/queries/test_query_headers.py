"""The investigator query library without a server: headers, parameters, the read-only check.

``graphrisk query`` itself (output formats, one-line errors) is tested in ``tests/unit/cli/test_query_command.py``.
"""

from __future__ import annotations

import doctest
import re
from datetime import datetime, timedelta, timezone

import pytest

import graphrisk.queries as queries
from graphrisk.errors import InputError
from graphrisk.queries import (
    PARAMETER_TYPES,
    QueryInfo,
    check_read_only,
    convert_parameters,
    convert_value,
    describe_query,
    list_queries,
    parse_query,
    used_parameters,
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


# --- parameters that name an entity which must exist -------------------------------------------

ID_PARAMETERS = {("ring_members", "ring_id"): "ring", ("ring_summary", "ring_id"): "ring",
                 ("ring_money_flow", "ring_id"): "ring", ("ring_history", "ring_id"): "ring",
                 ("new_accounts_near_rings", "ring_id"): "ring", ("review_queue", "ring_id"): "ring",
                 ("shared_identifiers", "user_id"): "user", ("user_risk_profile", "user_id"): "user",
                 ("first_party_fraud_groups", "user_id"): "user", ("verdict_history", "user_id"): "user",
                 ("shortest_path", "from_user"): "user", ("shortest_path", "to_user"): "user",
                 ("ring_graph", "ring_id"): "ring", ("account_timeline", "user_id"): "user"}
#: Parameter names that always name an account or a ring, in every shipped query.
ID_NAMES = {"ring_id": "ring", "user_id": "user", "from_user": "user", "to_user": "user"}


def test_every_id_parameter_must_name_an_existing_entity():
    tagged = {(name, p.name): p.must_exist for name in list_queries() for p in describe_query(name).parameters
              if p.must_exist}
    assert tagged == ID_PARAMETERS
    # a new query with an untagged ring_id or user_id fails here, not in an investigator's hands
    named = {(name, p.name): ID_NAMES[p.name] for name in list_queries() for p in describe_query(name).parameters
             if p.name in ID_NAMES}
    assert named == ID_PARAMETERS


def test_a_must_exist_tag_names_a_known_kind():
    text = GOOD.replace("the account (required)", "the account (must exist: user) (required)")
    assert parse_query(text, "good").parameter("user_id").must_exist == "user"
    with pytest.raises(ValueError, match=r"'\(must exist: KIND\)' takes one of ring, user, got 'merchant'"):
        parse_query(GOOD.replace("the account (required)", "the account (must exist: merchant) (required)"), "good")


class _Recorder:
    """A fake runner: ids it knows exist, and the queries it was sent."""

    def __init__(self, existing):
        self.existing, self.sent = set(existing), []

    def read(self, query, parameters=None):
        self.sent.append((query, dict(parameters or {})))
        if "RETURN count(n) > 0 AS found" in query:
            return [{"found": parameters["value"] in self.existing}]
        return [{"answer": 1}]


def test_an_unknown_id_is_refused_before_the_query_runs():
    info = describe_query("ring_members")
    runner = _Recorder(existing={"u1"})
    with pytest.raises(queries.EntityNotFound, match="^not found: ring R1$") as raised:
        queries.run_query(runner, info, {"ring_id": "R1"})
    assert isinstance(raised.value, ValueError)
    assert runner.sent == [(queries.ENTITY_LOOKUPS["ring"], {"value": "R1"})]  # a parameterised look-up only
    runner = _Recorder(existing={"R1"})
    assert queries.run_query_result(runner, info, {"ring_id": "R1"}).columns == ["answer"]
    assert runner.sent[-1][0] == info.text


def test_an_optional_id_left_out_is_not_looked_up():
    runner = _Recorder(existing=set())
    info = describe_query("review_queue")
    queries.run_query(runner, info, convert_parameters(info, {}))
    assert [query for query, _ in runner.sent] == [info.text]
    with pytest.raises(queries.EntityNotFound, match="not found: ring R9"):
        queries.run_query(runner, info, convert_parameters(info, {"ring_id": "R9"}))
    path_info = describe_query("shortest_path")
    with pytest.raises(queries.EntityNotFound, match="not found: user U0000789"):
        queries.run_query(_Recorder({"u1"}), path_info, convert_parameters(path_info, {"from_user": "u1",
                                                                                        "to_user": "U0000789"}))


# --- parameters with a fixed set of values ----------------------------------------------------


@pytest.mark.parametrize(("name", "values", "message"), [
    ("ring_list", {"sort": "sizes"}, "parameter sort: expected one of exposure, size, risk, got 'sizes'"),
    ("ring_list", {"review": "reviwed"}, "parameter review: expected one of unreviewed, partial, reviewed"),
    ("top_rings", {"statuses": "active,mergd"}, "parameter statuses: expected one of active, merged, dissolved, "
                                                "got 'mergd'"),
    ("account_neighbours", {"kind": "planet", "key": "x"}, "parameter kind: expected one of user, merchant"),
    ("shortest_path", {"from_user": "a", "to_user": "b", "via": "USED,KNOWS"}, "got 'KNOWS'"),
    ("flagged_shared_identifiers", {"types": "devices"}, "got 'devices'"),
])
def test_a_value_outside_its_choices_is_refused_not_read_as_no_rows(name, values, message):
    with pytest.raises(InputError, match=re.escape(message)):
        convert_parameters(describe_query(name), values)


def test_values_inside_their_choices_pass():
    assert convert_parameters(describe_query("ring_list"), {"sort": "risk", "statuses": "active,dissolved"})[
        "statuses"] == ["active", "dissolved"]
    assert describe_query("account_neighbours").parameter("kind").choices[:2] == ("user", "merchant")
