"""The same job gives the same results in two processes, whatever Python's hash seed.

String hashing is randomised per process, so anything that iterates a set of ids (NetworkX
communities, sampled sources) could differ between two runs of the same seeded job.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

JOB = """
import sys, warnings
warnings.filterwarnings("ignore")
from graphrisk import build_graph, compute_features
from graphrisk.model import RiskDetector
from graphrisk.synth import WorldConfig, generate_world

world = generate_world(800, seed=2, config=WorldConfig(fraud_share=0.06))
graph = build_graph(world.transactions, world.links, world.users)[0]
compute_features(graph, seed=0).to_parquet(sys.argv[1] + "/features.parquet")
detector = RiskDetector(epochs=8, seed=0).fit(graph, world.known_labels)
result = detector.score_users(graph)
result.scores.to_parquet(sys.argv[1] + "/scores.parquet")
result.rings.table.to_parquet(sys.argv[1] + "/rings.parquet")
"""


def _run(folder, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-c", JOB, str(folder)], env=env, check=True, timeout=600)


def test_features_scores_and_rings_do_not_depend_on_the_hash_seed(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    _run(first, "1")
    _run(second, "2")
    for name in ("features", "scores", "rings"):
        pd.testing.assert_frame_equal(pd.read_parquet(first / f"{name}.parquet"), pd.read_parquet(second / f"{name}.parquet"),
                                      check_exact=False, rtol=1e-6, obj=name)
