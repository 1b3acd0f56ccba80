"""The batch jobs on Spark, from files to tables: what ``--engine spark`` runs.

:func:`spark_feature_job` gives ``graphrisk features``' table and :func:`spark_scoring_job`
``graphrisk score``'s scores and rings; both read and validate the files on the workers
(rejects to a Parquet dataset) and put the users into shards first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.engines.spark.entities import entity_family
from graphrisk.engines.spark.features import spark_features
from graphrisk.engines.spark.propagation import layerwise_risk
from graphrisk.engines.spark.reading import SparkInput, read_validated
from graphrisk.engines.spark.relationships import relationships
from graphrisk.engines.spark.rings import rings_of_flagged
from graphrisk.engines.spark.sampling import TrainingSample, training_sample
from graphrisk.engines.spark.scoring import SparkScores, node_input_tables, score_shards
from graphrisk.engines.spark.shards import DEFAULT_MAX_COMPONENT_USERS, Shards, assign_shards
from graphrisk.engines.spark.sizing import bucket_count, shard_count
from graphrisk.errors import InputError
from graphrisk.features.compute import FAMILIES
from graphrisk.graph.build import UNKNOWN_USER_REASON, unusable_labels
from graphrisk.graph.projection import DEFAULT_HUB_CAP

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["InputFiles", "SparkFeatures", "spark_feature_job", "spark_scoring_job", "spark_training_sample"]


@dataclass(frozen=True)
class InputFiles:
    """The canonical tables as files or folders of files (CSV, Parquet, partitioned Parquet)."""

    transactions: str | Path
    links: str | Path | None = None
    users: str | Path | None = None
    labels: str | Path | None = None


@dataclass
class SparkFeatures:
    """A feature job's result: the table and what went into it."""

    features: DataFrame
    data: SparkInput
    shards: Shards


#: The merchant projection's cap (:func:`graphrisk.compute_features`' default).
MERCHANT_HUB_CAP = 20


def _prepared(spark: SparkSession, files: InputFiles, rejects: str | Path | None, shards: int | None, hub_cap: int,
              max_component_users: int | None):
    data = read_validated(spark, files.transactions, files.links, files.users, labels=files.labels, rejects=rejects)
    if data.counts["transactions"].rows_loaded == 0:
        raise InputError(f"{files.transactions}: no valid transaction (see the rejects)")
    tables = {name: frame.cache() for name, frame in relationships(data.transactions, data.links, data.users).items()}
    users = tables["users"]
    if data.users is not None:  # the users' attributes (the users table's own columns)
        attributes = data.users.drop("source", "line")
        users = users.join(attributes, "user_id", "left")
    tables["users"] = users.cache()
    parallelism = spark.sparkContext.defaultParallelism
    count = shards if shards is not None else shard_count(tables["users"].count(), parallelism)
    placed = assign_shards(tables["users"], tables["paid"], tables["sent"], tables["used"], shards=count,
                           hub_cap=hub_cap, merchant_hub_cap=MERCHANT_HUB_CAP, transfers=False,
                           max_component_users=max_component_users)
    # the largest grouped tables: every relationship both ways (a round of layer-wise inference), transactions
    edge_rows = 2 * sum(tables[name].count() for name in ("paid", "sent", "used"))
    buckets = bucket_count(max(edge_rows, data.counts["transactions"].rows_loaded), parallelism)
    return data, tables, placed, count, buckets


def spark_feature_job(spark: SparkSession, files: InputFiles, *, families: Sequence[str] = FAMILIES,
                      hub_cap: int = DEFAULT_HUB_CAP, seed: int = 0, shards: int | None = None,
                      max_component_users: int | None = DEFAULT_MAX_COMPONENT_USERS,
                      rejects: str | Path | None = None) -> SparkFeatures:
    """Every user's features from files, on Spark (:func:`~graphrisk.engines.spark.spark_features`).

    Parameters
    ----------
    spark
        The session.
    files
        The canonical tables.
    families, hub_cap, seed
        As in :func:`graphrisk.compute_features`.
    shards
        Shards for the community and centrality families (default:
        :func:`~graphrisk.engines.spark.sizing.shard_count`).
    max_component_users
        A component of the shards' evidence graph with more users is split
        (:func:`~graphrisk.engines.spark.assign_shards`; ``None``: never).
    rejects
        Where the rejected rows go (a Parquet dataset).

    Raises
    ------
    InputError
        Unreadable input, or no valid transaction.
    """
    data, tables, placed, _, buckets = _prepared(spark, files, rejects, shards, hub_cap, max_component_users)
    features = spark_features(tables, placed, transactions=data.transactions, families=families, hub_cap=hub_cap,
                              seed=seed, buckets=buckets)
    return SparkFeatures(features=features, data=data, shards=placed)


def spark_scoring_job(spark: SparkSession, files: InputFiles, model_dir: str | Path, *, reasons: int = 3,
                      shards: int | None = None, max_component_users: int | None = DEFAULT_MAX_COMPONENT_USERS,
                      rejects: str | Path | None = None) -> tuple[SparkScores, SparkFeatures]:
    """Every user's risk, flag, ring and reasons from files, on Spark.

    The node inputs are computed on the whole graph with the model's seed, as
    :func:`graphrisk.features.node_inputs.node_inputs` does. Without reasons (``reasons=0``) the
    scores come from layer-wise inference over the whole graph
    (:func:`~graphrisk.engines.spark.propagation.layerwise_risk`) and the rings from the
    flagged users on the driver (:func:`~graphrisk.engines.spark.rings.rings_of_flagged`):
    what scales. With reasons, each shard is scored with its halo (:func:`score_shards`),
    twice as deep for the reasons' gradients: exact, but a busy merchant brings most of the
    graph into every shard.

    Raises
    ------
    InputError
        Unreadable input, no valid transaction, or a users table holding labels.
    ModelError
        The model directory cannot be loaded.
    """
    from graphrisk.model.detector import RiskDetector
    from graphrisk.policy.flag_policy import FlagPolicy

    detector = RiskDetector.load(model_dir, device="cpu")  # fails fast on a bad model, and gives its shape
    if not FlagPolicy.parse(detector.flag_policy).uses_a_cut:
        raise InputError(f"the model flags by {detector.flag_policy}, which needs every score at once: score it with "
                         "--engine local, or retrain it with a cut policy (f1, f2, precision:P)")
    data, tables, placed, count, buckets = _prepared(spark, files, rejects, shards, DEFAULT_HUB_CAP,
                                                     max_component_users)
    features = spark_features(tables, placed, transactions=data.transactions, seed=detector.settings.seed,
                              buckets=buckets).cache()
    inputs = node_input_tables(features, tables["users"], entity_family(tables["paid"], tables["used"], buckets=buckets))
    job = SparkFeatures(features=features, data=data, shards=placed)
    if reasons == 0:
        return _layerwise_scores(spark, model_dir, detector, tables, inputs, buckets), job
    # rings tie through merchants of up to 50 users and through transfers: coarser shards than the features'
    ring_shards = assign_shards(tables["users"], tables["paid"], tables["sent"], tables["used"], shards=count)
    scored = score_shards(model_dir, data.transactions, data.links, inputs, ring_shards,
                          rounds=detector.network_.rounds, reasons=reasons)
    return scored, SparkFeatures(features=features, data=data, shards=ring_shards)


def _layerwise_scores(spark: SparkSession, model_dir: str | Path, detector, tables: dict[str, DataFrame],
                      inputs: dict[str, DataFrame], buckets: int) -> SparkScores:
    """Scores by layer-wise inference, rings from the flagged users: the table ``graphrisk score --reasons 0`` writes."""
    from pyspark.sql import functions as F

    risk = layerwise_risk(model_dir, tables, inputs, buckets=buckets).cache()
    flagged = risk.where(F.col("risk_score") >= F.lit(float(detector.threshold_)))
    rings = rings_of_flagged(tables, flagged, seed=detector.settings.seed)
    membership = spark.createDataFrame([(str(u), str(r)) for u, r in rings.membership.items()],
                                       "user_id string, ring_id string")
    scores = risk.join(F.broadcast(membership), "user_id", "left").select(
        "user_id", "risk_score", (F.col("risk_score") >= F.lit(float(detector.threshold_))).alias("flagged"),
        F.coalesce("ring_id", F.lit("")).alias("ring_id"))
    ring_rows = [(str(r.ring_id), int(r.size), float(r.score), [str(m) for m in r.members],
                  [str(e) for e in r.shared_entities], float(r.exposure)) for r in rings.table.itertuples(index=False)]
    ring_table = spark.createDataFrame(ring_rows, "ring_id string, size long, score double, members array<string>, "
                                       "shared_entities array<string>, exposure double")
    return SparkScores(scores=scores, rings=ring_table)


def spark_training_sample(spark: SparkSession, files: InputFiles, *, hops: int, fanout: int,
                          unlabelled_share: float, seed: int = 0, shards: int | None = None,
                          max_component_users: int | None = DEFAULT_MAX_COMPONENT_USERS,
                          rejects: str | Path | None = None) -> tuple[TrainingSample, SparkInput]:
    """What ``graphrisk train --engine spark`` trains on: a sample of the graph, with the whole graph's inputs.

    The node inputs are computed on the whole graph with ``seed`` (the model's), then
    :func:`~graphrisk.engines.spark.sampling.training_sample` keeps the labelled users'
    ``hops``-hop neighbourhoods (at most ``fanout`` relationships per node and relation)
    and a drawn ``unlabelled_share`` of the other users, and collects them on the driver.

    Raises
    ------
    InputError
        Unreadable input, no valid transaction, no labels file, or no label row naming a
        known user.
    """
    if files.labels is None:
        raise InputError("--labels FILE is needed: training learns from user_id,is_fraud of the labelled users")
    data, tables, placed, _, buckets = _prepared(spark, files, rejects, shards, DEFAULT_HUB_CAP, max_component_users)
    _check_labels(data, str(files.labels))
    features = spark_features(tables, placed, transactions=data.transactions, seed=seed, buckets=buckets)
    inputs = node_input_tables(features, tables["users"], entity_family(tables["paid"], tables["used"], buckets=buckets))
    sample = training_sample(data.transactions, data.links, data.users, data.labels, tables, inputs, hops=hops,
                             fanout=fanout, unlabelled_share=unlabelled_share, seed=seed)
    return sample, data


def _check_labels(data: SparkInput, name: str) -> None:
    """Stop when no label row was kept, with the local engine's line (:func:`~graphrisk.graph.build.unusable_labels`)."""
    from pyspark.sql import functions as F

    counts = data.counts["labels"]
    if counts.rows_loaded:
        return
    unknown = data.rejects.where((F.col("table") == "labels") & (F.col("reason") == UNKNOWN_USER_REASON)).count()
    raise unusable_labels(name, counts, unknown)
