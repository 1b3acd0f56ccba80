"""The command line: exit statuses, one-line errors, summaries, no secrets in output."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ServiceUnavailable

from graphrisk.cli import load as load_command
from graphrisk.cli.main import main


def test_load_with_missing_file_is_one_line_and_status_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    status = main(["load", "--transactions", str(tmp_path / "missing.csv"), "--rejects", str(tmp_path / "r.csv")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "file not found" in err


def test_load_with_unreachable_server_names_uri_but_not_password(sample_paths, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.setenv("NEO4J_PASSWORD", "hunter2-secret")
    status = main(["load", "--transactions", str(sample_paths["transactions"]), "--no-progress",
                   "--rejects", str(tmp_path / "r.csv")])
    captured = capsys.readouterr()
    assert status == 1
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in captured.err
    assert captured.err.count("\n") == 1
    assert "hunter2-secret" not in captured.out + captured.err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--batch-size", "many"])
    assert exit_info.value.code == 2


def test_neo4j_failure_during_a_load_is_one_line(sample_paths, tmp_path, capsys, monkeypatch):
    class FakeConnect:
        def __init__(self, config):
            pass

        def __enter__(self):
            return object()

        def __exit__(self, *exc):
            return False

    def failing_load(*args, **kwargs):
        raise ServiceUnavailable("Failed to read from defunct connection\nmore detail")

    monkeypatch.setattr(load_command, "connect", FakeConnect)
    monkeypatch.setattr(load_command, "load_graph", failing_load)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    status = main(["load", "--no-progress", "--transactions", str(sample_paths["transactions"]),
                   "--rejects", str(tmp_path / "r.csv")])
    err = capsys.readouterr().err
    assert status == 1
    assert err == "graphrisk load: error: Neo4j: Failed to read from defunct connection\n"
