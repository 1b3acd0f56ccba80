"""Recording a verdict through a recording fake runner; the write query stays out of ``graphrisk query``."""

from __future__ import annotations

import fnmatch
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from graphrisk.cli.main import main
from graphrisk.errors import InputError
from graphrisk.feedback import record_verdict
from graphrisk.feedback.store import write_query
from graphrisk.queries import check_read_only, list_queries, used_parameters

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[3]


class RecordingRunner:
    """A fake runner: records every query and answers writes with ``rows``."""

    def __init__(self, rows):
        self.rows = rows
        self.calls = []

    def write(self, query, parameters=None):
        self.calls.append(("write", query, dict(parameters or {})))
        return self.rows

    def read(self, query, parameters=None):
        self.calls.append(("read", query, dict(parameters or {})))
        return []


def _answer(newest=True):
    at = datetime(2024, 3, 2, 10, tzinfo=timezone.utc)
    return [{"user_id": "u5", "verdict_id": "v-x", "newest": newest, "current_verdict": "legit",
             "current_by": "bob", "current_at": at}]


def test_a_verdict_is_one_parameterised_write():
    runner = RecordingRunner(_answer())
    recorded = record_verdict(runner, " u5 ", "FRAUD", by="ann", at="2024-03-01T10:00:00", note="  shares a card ")
    [(kind, query, parameters)] = runner.calls
    assert kind == "write" and query == write_query("record_verdict").text
    assert set(parameters) == used_parameters(query)  # every value travels as a parameter
    assert parameters["user_id"] == "u5" and parameters["verdict"] == "fraud" and parameters["note"] == "shares a card"
    assert parameters["at"] == datetime(2024, 3, 1, 10, tzinfo=timezone.utc)  # no zone: UTC
    assert recorded.verdict_id == parameters["verdict_id"] and recorded.newest
    again = RecordingRunner(_answer())
    record_verdict(again, "u5", "fraud", by="ann", at="2024-03-01T10:00:00Z", note="shares a card")
    assert again.calls[0][2]["verdict_id"] == parameters["verdict_id"]  # the same verdict is the same record


def test_a_verdict_on_an_unknown_user_is_refused():
    with pytest.raises(InputError, match="user 'ghost' is not in the database"):
        record_verdict(RecordingRunner([]), "ghost", "fraud", by="ann")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"user_id": "u5", "verdict": "maybe", "by": "ann"}, "verdict must be one of fraud, legit, unsure"),
    ({"user_id": "", "verdict": "fraud", "by": "ann"}, "user_id is empty"),
    ({"user_id": "u5", "verdict": "fraud", "by": " "}, "by is empty"),
    ({"user_id": "u5", "verdict": "fraud", "by": "ann", "at": "last week"}, "ISO-8601"),
])
def test_bad_verdict_arguments_are_refused_before_anything_is_sent(kwargs, message):
    runner = RecordingRunner(_answer())
    user_id, verdict = kwargs.pop("user_id"), kwargs.pop("verdict")
    with pytest.raises(ValueError, match=message):
        record_verdict(runner, user_id, verdict, **kwargs)
    assert runner.calls == []


def test_the_write_query_is_not_an_investigator_query(capsys):
    assert "record_verdict" not in list_queries()
    with pytest.raises(ValueError, match="MERGE writes to the database"):
        check_read_only(write_query("record_verdict").text)
    assert main(["query", "--list"]) == 0
    assert "record_verdict" not in capsys.readouterr().out
    assert main(["query", "record_verdict", "--uri", "bolt://127.0.0.1:1"]) == 1
    assert "unknown query 'record_verdict'" in capsys.readouterr().err
    path = ROOT / "queries" / "write" / "record_verdict.cypher"
    assert main(["query", "--file", str(path), "--uri", "bolt://127.0.0.1:1"]) == 1
    assert "query 'record_verdict' is refused" in capsys.readouterr().err  # refused before connecting


def test_every_query_file_is_shipped_in_the_package():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for path in (ROOT / "queries").rglob("*.cypher"):
        package = ".".join(["graphrisk.queries", *path.relative_to(ROOT / "queries").parent.parts])
        assert package in setuptools["packages"], path
        assert any(fnmatch.fnmatch(path.name, p) for p in setuptools["package-data"].get(package, [])), path


def test_verdict_command_refuses_an_unknown_verdict_as_usage(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["verdict", "u5", "maybe", "--by", "ann"])
    assert stopped.value.code == 2 and "expected one of fraud, legit, unsure" in capsys.readouterr().err
