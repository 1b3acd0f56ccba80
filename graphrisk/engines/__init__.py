"""Where the batch path runs: ``local`` (pandas, NetworkX, PyTorch; the default) or ``spark`` (Apache Spark).

``graphrisk features`` and ``graphrisk score`` take ``--engine local|spark``; the local engine is
the rest of the package, :mod:`graphrisk.engines.spark` the Spark one (``docs/spark.md``).
"""

__all__: list[str] = []
