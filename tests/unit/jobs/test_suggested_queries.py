"""The next steps of the main job name the report's ring #1 (largest exposure), quoted for a shell."""

from __future__ import annotations

import shlex

import pandas as pd

from graphrisk.jobs.main_job import suggested_queries


def test_the_ring_queries_open_the_ring_with_the_largest_exposure():
    rings = pd.DataFrame({"ring_id": ["ring-risky", "ring big;x"], "size": [2, 3], "score": [0.99, 0.6],
                          "members": [["u1", "u2"], ["u3", "u4", "u5"]], "shared_entities": [[], []],
                          "exposure": [10.0, 5_000.0]})
    steps = [shlex.split(step) for step in suggested_queries(rings, in_neo4j=True)]
    ring_steps = {step[2]: step[4] for step in steps if "--param" in step and step[4].startswith("ring_id=")}
    assert ring_steps == {name: "ring_id=ring big;x" for name in ("ring_summary", "ring_members", "ring_money_flow")}
    assert ["graphrisk", "query", "user_risk_profile", "--param", "user_id=u3"] in steps


def test_without_neo4j_there_is_one_step_saying_how_to_get_there():
    (step,) = suggested_queries(pd.DataFrame(), in_neo4j=False)
    assert "NEO4J_URI" in step
