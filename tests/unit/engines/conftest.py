"""One local Spark session (two cores) for the engine tests."""

from __future__ import annotations

import importlib.util
import os

import pytest


@pytest.fixture(scope="session")
def spark():
    if importlib.util.find_spec("pyspark") is None:
        message = "PySpark is not installed (make test installs graphrisk[spark])"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from graphrisk.engines.spark import spark_session

    with spark_session("local[2]", {"spark.sql.shuffle.partitions": "4"}) as session:
        yield session


def to_spark(spark, table):
    """A Spark DataFrame of a pandas table, through plain rows (PySpark's pandas path warns on pandas 3)."""
    rows = [tuple(v.item() if hasattr(v, "item") else v for v in row) for row in table.itertuples(index=False, name=None)]
    return spark.createDataFrame(rows, schema=[str(c) for c in table.columns])


def to_pandas(frame):
    """A pandas table of a Spark DataFrame, through collected rows."""
    import pandas as pd

    return pd.DataFrame([row.asDict() for row in frame.collect()], columns=frame.columns)


@pytest.fixture(scope="session")
def convert():
    """``(to_spark, to_pandas)``."""
    return to_spark, to_pandas
