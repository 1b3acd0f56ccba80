"""``graphrisk features`` and ``graphrisk score`` with ``--engine spark``, from files to Parquet datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graphrisk.cli.main import main
from graphrisk.synth import WorldConfig, generate_world

DETERMINISTIC = ["merchants", "payments", "component_size", "core_number", "clustering", "transfers_out",
                 "pass_through", "tx_count", "amount_std", "burstiness", "coactive_partners", "quick_forward_share"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A world as CSV files, its transactions also as a partitioned Parquet folder, and one bad row."""
    folder = tmp_path_factory.mktemp("world")
    world = generate_world(500, seed=31, config=WorldConfig(fraud_share=0.1))
    paths = world.write(folder)
    transactions = pd.read_csv(paths["transactions"], dtype=str, keep_default_na=False)
    bad = transactions.iloc[[0]].assign(transaction_id="bad-1", amount="-5")
    pd.concat([transactions, bad]).to_csv(paths["transactions"], index=False)
    parted = folder / "transactions-by-month"
    half = len(transactions) // 2
    for i, part in enumerate([transactions.iloc[:half], pd.concat([transactions.iloc[half:], bad])]):
        (parted / f"part={i}").mkdir(parents=True)
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), parted / f"part={i}" / "data.parquet")
    return world, paths, parted


def _run(*argv: str) -> int:
    return main([*argv, "--no-progress"])


def test_features_on_spark_equal_the_local_command(spark, files, tmp_path, capsys):
    _, paths, parted = files
    common = ["features", "--links", str(paths["links"]), "--users", str(paths["users"])]
    assert _run(*common, "--transactions", str(paths["transactions"]), "--out", str(tmp_path / "local.parquet"),
                "--rejects", str(tmp_path / "local-rejects.csv")) == 0
    assert _run(*common, "--transactions", str(parted), "--out", str(tmp_path / "spark.parquet"), "--engine", "spark",
                "--rejects", str(tmp_path / "rejects.parquet"), "--shards", "3") == 0
    out = capsys.readouterr().out
    assert "shards: 3 (largest" in out and "rejects: 1 rows" in out
    local = pd.read_parquet(tmp_path / "local.parquet").sort_index()  # user_id is its index
    got = pd.read_parquet(tmp_path / "spark.parquet").set_index("user_id").sort_index()
    assert list(got.columns) == list(local.columns) and list(got.index) == list(local.index)
    np.testing.assert_allclose(got[DETERMINISTIC].to_numpy(), local[DETERMINISTIC].to_numpy(), rtol=1e-9, atol=1e-9)
    rejects = pd.read_parquet(tmp_path / "rejects.parquet")
    assert rejects["reason"].tolist() == ["negative amount"] and rejects["source"].iloc[0].endswith("data.parquet")


def test_score_on_spark_writes_every_user_once_with_rings_of_flagged_users(spark, files, tmp_path, capsys):
    world, paths, _ = files
    model = tmp_path / "model"
    inputs = ["--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
              "--users", str(paths["users"])]
    assert _run("train", *inputs, "--labels", str(paths["known_labels"]), "--model", str(model), "--epochs", "15",
                "--rejects", str(tmp_path / "train-rejects.csv")) == 0
    assert _run("score", *inputs, "--model", str(model), "--engine", "spark", "--out", str(tmp_path / "s.parquet"),
                "--rings", str(tmp_path / "r.parquet"), "--rejects", str(tmp_path / "rejects.parquet"),
                "--reasons", "1") == 0
    out = capsys.readouterr().out
    assert "scored 500 users on Spark" in out or "users on Spark" in out
    scores = pd.read_parquet(tmp_path / "s.parquet")
    rings = pd.read_parquet(tmp_path / "r.parquet")
    assert scores["user_id"].is_unique and set(scores["user_id"]) == set(world.users["user_id"])
    assert scores["risk_score"].between(0, 1).all() and scores["flagged"].any()
    members = {m for ring in rings["members"] for m in ring}
    assert members <= set(scores.loc[scores["flagged"], "user_id"])
    fraud = set(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    ranked = scores.sort_values("risk_score", ascending=False)["user_id"].head(len(fraud))
    assert ranked.isin(fraud).mean() > 0.5  # the model works through the shards

    # without reasons: layer-wise inference and rings on the driver, the same scores and rings
    assert _run("score", *inputs, "--model", str(model), "--engine", "spark", "--out", str(tmp_path / "l.parquet"),
                "--rings", str(tmp_path / "lr.parquet"), "--rejects", str(tmp_path / "rejects.parquet"),
                "--reasons", "0") == 0
    assert "scored layer-wise" in capsys.readouterr().out
    layerwise = pd.read_parquet(tmp_path / "l.parquet").set_index("user_id").sort_index()
    sharded = scores.set_index("user_id").sort_index()
    np.testing.assert_allclose(layerwise["risk_score"], sharded["risk_score"], rtol=1e-5, atol=1e-5)
    assert layerwise["ring_id"].tolist() == sharded["ring_id"].tolist()
    assert sorted(pd.read_parquet(tmp_path / "lr.parquet")["ring_id"]) == sorted(rings["ring_id"])


def test_train_on_spark_learns_from_a_sample_with_the_whole_graphs_inputs(spark, files, tmp_path, capsys):
    world, paths, _ = files
    inputs = ["--transactions", str(paths["transactions"]), "--links", str(paths["links"]),
              "--users", str(paths["users"])]
    model = tmp_path / "sampled"
    assert _run("train", *inputs, "--labels", str(paths["known_labels"]), "--model", str(model), "--epochs", "15",
                "--engine", "spark", "--rejects", str(tmp_path / "rejects.parquet"), "--sample-unlabelled", "0.2",
                "--sample-fanout", "10") == 0
    out = capsys.readouterr().out
    assert "training sample:" in out and "rejects: 1 rows" in out and "model ->" in out
    assert _run("score", *inputs, "--model", str(model), "--out", str(tmp_path / "s.csv"),
                "--rejects", str(tmp_path / "score-rejects.csv"), "--reasons", "0") == 0
    scores = pd.read_csv(tmp_path / "s.csv")
    fraud = set(world.labels.loc[world.labels["is_fraud"] == 1, "user_id"])
    ranked = scores.sort_values("risk_score", ascending=False)["user_id"].head(len(fraud))
    assert ranked.isin(fraud).mean() > 0.5  # trained on the sample, it ranks the whole graph


def test_train_on_spark_refuses_labels_that_name_no_known_user(spark, files, tmp_path, capsys):
    _, paths, _ = files
    labels = tmp_path / "labels.csv"
    labels.write_text("user_id,is_fraud\nnobody,1\nghost,0\n", encoding="utf-8")
    argv = ["train", "--transactions", str(paths["transactions"]), "--labels", str(labels), "--engine", "spark",
            "--model", str(tmp_path / "m"), "--rejects", str(tmp_path / "rejects.parquet")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no label row names a user of the other inputs (2 of 2 rows" in err[0]
    assert main([*argv[:-2], "--feedback", "f.csv"]) == 1
    assert "--feedback: not available with --engine spark" in capsys.readouterr().err


@pytest.mark.parametrize("extra,message", [
    (["--from-neo4j"], "not --from-neo4j"),
    (["--out", "f.csv"], "Parquet dataset"),
    (["--drift", "d.csv"], "--drift: not available with --engine spark"),
])
def test_what_the_spark_engine_does_not_take_is_refused_in_one_line(spark, files, extra, message, capsys):
    _, paths, _ = files
    argv = ["score", "--model", "nowhere", "--engine", "spark", *extra]
    if "--from-neo4j" not in extra:
        argv += ["--transactions", str(paths["transactions"])]
    if "--out" not in extra:
        argv += ["--out", "s.parquet"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_under_spark_submit_its_master_is_used(files, tmp_path):
    """``spark-submit --master local[1] .../graphrisk/__main__.py features --engine spark``: the docs' cluster recipe."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pyspark

    import graphrisk

    _, paths, _ = files
    submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    main_file = Path(graphrisk.__file__).with_name("__main__.py")
    environment = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    done = subprocess.run([str(submit), "--master", "local[1]", str(main_file), "features", "--engine", "spark",
                           "--transactions", str(paths["transactions"]), "--families", "structure",
                           "--out", str(tmp_path / "f.parquet"), "--rejects", str(tmp_path / "r.parquet"),
                           "--no-progress"], capture_output=True, text=True, timeout=300, env=environment)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "spark: master local[1], parallelism 1" in done.stdout
    assert len(pd.read_parquet(tmp_path / "f.parquet")) > 400
