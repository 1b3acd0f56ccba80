"""The batch path on Apache Spark (PySpark 4, ``pip install 'graphrisk[spark]'``, Java 17 or newer).

``graphrisk features``, ``score`` and ``train`` with ``--engine spark`` run the jobs of
:mod:`~graphrisk.engines.spark.pipeline`; ``docs/spark.md`` says what equals the local engine.
The parts, each tested against the local engine on the same data:

* :func:`spark_session` starts (or joins) a session after checking Java, with this Python on
  the workers (``session``);
* :func:`read_validated` reads and validates the canonical files on the workers (``reading``);
* :func:`relationships`: ``PAID``, ``SENT``, ``USED`` and the users (``relationships``);
* :func:`connected_components` by large-star/small-star (``components``);
* the feature families: aggregations (``aggregates``), temporal (``temporal``), entity inputs
  (``entities``), projections (``projection``, ``per_component``), community and centrality
  per shard (``communities``), all together in :func:`spark_features` (``features``);
* shards of whole components (``shards``), layer-wise inference (``propagation``), rings of the
  flagged users on the driver (``rings``) and shard scoring with a halo (``scoring``);
* the training sample: the labelled users' neighbourhoods, capped per node (``sampling``).
"""

from graphrisk.engines.spark.aggregates import AGGREGATE_COLUMNS, aggregate_features
from graphrisk.engines.spark.components import connected_components
from graphrisk.engines.spark.features import spark_features
from graphrisk.engines.spark.per_component import PROJECTION_COLUMNS, projection_structure
from graphrisk.engines.spark.projection import identifier_pairs
from graphrisk.engines.spark.reading import SparkInput, read_validated
from graphrisk.engines.spark.relationships import relationships
from graphrisk.engines.spark.session import EngineError, check_java, spark_session

__all__ = ["spark_session", "check_java", "EngineError", "connected_components", "aggregate_features",
           "AGGREGATE_COLUMNS", "identifier_pairs", "projection_structure", "PROJECTION_COLUMNS", "relationships",
           "read_validated", "SparkInput", "spark_features"]
