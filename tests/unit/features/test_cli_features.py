"""``graphrisk features`` from files; errors are one line with status 1."""

from __future__ import annotations

import pandas as pd

from graphrisk.cli.main import main


def test_features_command_writes_parquet(sample_paths, tmp_path, capsys):
    out = tmp_path / "features.parquet"
    argv = ["features", "--no-progress", "--transactions", str(sample_paths["transactions"]),
            "--links", str(sample_paths["links"]), "--rejects", str(tmp_path / "r.csv"), "--out", str(out)]
    assert main(argv) == 0
    features = pd.read_parquet(out)
    assert len(features) == 9  # users from transactions and links (no users table given)
    assert features.loc["u5", "component_size"] == 3.0  # u5, u6, u7 share device, card, ip or email
    assert "-> " in capsys.readouterr().out


def test_features_command_needs_an_input(tmp_path, capsys):
    assert main(["features", "--out", str(tmp_path / "f.csv")]) == 1
    assert "no input" in capsys.readouterr().err


def test_features_from_unreachable_neo4j_fails_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    assert main(["features", "--from-neo4j", "--out", str(tmp_path / "f.csv")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
