"""``graphrisk load`` end to end against the real Neo4j."""

from __future__ import annotations

import pytest

from graphrisk.cli.main import main

pytestmark = pytest.mark.integration


def test_load_command_loads_reports_and_reruns_cleanly(runner, db_counts, neo4j_config, sample_paths, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_config.uri)
    rejects = tmp_path / "rejects.csv"
    argv = ["load", "--no-progress", "--rejects", str(rejects)]
    for name, path in sample_paths.items():
        argv += [f"--{name}", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "total                 40         28         12" in out
    assert "neo4j: loaded" in out
    assert len(rejects.read_text().splitlines()) == 1 + 12
    nodes, relationships = db_counts()
    assert nodes["User"] == 10 and relationships == {"PAID": 8, "SENT": 2, "USED": 26}

    assert main(argv) == 0
    assert "neo4j: already-loaded" in capsys.readouterr().out
    assert db_counts() == (nodes, relationships)
