"""Where the batch path runs: ``local`` (pandas, NetworkX; the default) or ``spark`` (Apache Spark).

Work in progress (issue 16): :mod:`graphrisk.engines.spark` holds the Spark session with its Java
check, connected components on DataFrames (large-star/small-star) and the aggregation feature
families; the ``--engine`` flag of the CLI comes with the rest of the batch path.
"""

__all__: list[str] = []
