"""The batch path on Apache Spark (PySpark 4, ``pip install 'graphrisk[spark]'``, Java 17 or newer).

Work in progress (issue 16); what is here equals the local engine on the same graph (tested):

* :func:`spark_session` starts (or joins) a session after checking Java, with this Python on
  the workers;
* :func:`read_validated` reads the canonical tables (files or folders of CSV/Parquet files) and
  validates each file on a worker with the local rules, reasons and line numbers, rejecting a
  key valid in several files in all but the first (a :class:`SparkInput` with counts per table);
* :func:`connected_components` labels the components of an edge DataFrame with the
  large-star/small-star algorithm (no GraphFrames jar);
* :func:`relationships`: the graph's ``PAID``, ``SENT`` and ``USED`` tables and its users from
  validated canonical rows, as :func:`graphrisk.build_graph` makes them;
* :func:`aggregate_features`: the structure counts and the whole flow family from DataFrames
  of the graph's relationships;
* :func:`identifier_pairs`: the hub-capped identifier projection as weighted user pairs;
* :func:`projection_structure`: component size, core number and clustering, computed with
  NetworkX one projection component at a time on the workers (``applyInArrow``).
"""

from graphrisk.engines.spark.aggregates import AGGREGATE_COLUMNS, aggregate_features
from graphrisk.engines.spark.components import connected_components
from graphrisk.engines.spark.per_component import PROJECTION_COLUMNS, projection_structure
from graphrisk.engines.spark.projection import identifier_pairs
from graphrisk.engines.spark.reading import SparkInput, read_validated
from graphrisk.engines.spark.relationships import relationships
from graphrisk.engines.spark.session import EngineError, check_java, spark_session

__all__ = ["spark_session", "check_java", "EngineError", "connected_components", "aggregate_features",
           "AGGREGATE_COLUMNS", "identifier_pairs", "projection_structure", "PROJECTION_COLUMNS", "relationships",
           "read_validated", "SparkInput"]
