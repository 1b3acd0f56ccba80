"""``graphrisk demo`` with NEO4J_URI set: the graph is loaded, results written back, queries suggested."""

from __future__ import annotations

import html as markup
import re
import shlex

import pandas as pd
import pytest

from graphrisk.cli.main import main

pytestmark = pytest.mark.integration


def test_demo_loads_writes_back_and_prints_the_next_queries(runner, neo4j_config, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_config.uri)
    args = ["demo", "--out", str(tmp_path), "--world-users", "1000", "--fraud-share", "0.06", "--epochs", "20",
            "--patience", "5", "--seed", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "neo4j: graph loaded" in out and "neo4j: written score run" in out
    assert "graphrisk query top_risk_users" in out
    scores = pd.read_csv(tmp_path / "scores.csv", keep_default_na=False)
    rings = pd.read_csv(tmp_path / "rings.csv", keep_default_na=False)
    state = runner.read("""
        RETURN COUNT { MATCH (u:User) WHERE u.risk_score IS NOT NULL } AS scored,
               COUNT { MATCH (r:Ring {status: 'active'}) } AS rings,
               COUNT { MATCH (:User)-[:MEMBER_OF]->(:Ring) } AS members,
               COUNT { MATCH (m:Merchant) WHERE m.risk_score IS NOT NULL } AS merchants
    """)[0]
    assert state["scored"] == len(scores) == 1000
    assert state["rings"] == len(rings) and state["members"] == int((scores["ring_id"] != "").sum())
    assert state["merchants"] > 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="next-steps"' in html and "graphrisk query top_risk_users" in html

    # the report's ring #1 (largest exposure) opens in Neo4j with the command printed beside it
    first = re.search(r'<article class="ring" id="ring-1">.*?<pre class="command"><code>([^<]*)</code>', html,
                      re.DOTALL)
    command = shlex.split(markup.unescape(first.group(1)))
    top = rings.sort_values("exposure", ascending=False).iloc[0]
    assert command == ["graphrisk", "query", "ring_members", "--param", f"ring_id={top['ring_id']}"]
    assert main(command[1:]) == 0
    listed = capsys.readouterr().out
    assert all(member in listed for member in top["members"].split("|"))
