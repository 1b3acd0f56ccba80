"""The command line: exit statuses, one-line errors, summaries, no secrets in output."""

from __future__ import annotations

import pytest

from graphrisk.cli.main import main
from graphrisk.store.config import Neo4jConfig


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


def test_config_never_shows_the_password():
    config = Neo4jConfig.from_env({"NEO4J_URI": "bolt://h:7687", "NEO4J_PASSWORD": "s3cret"})
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)
    assert config.auth == ("neo4j", "s3cret")


def test_config_needs_a_uri():
    with pytest.raises(ValueError, match="NEO4J_URI"):
        Neo4jConfig.from_env({})
