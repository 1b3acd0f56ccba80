"""Run a local (pandas) function on groups of rows on the Spark workers.

The Spark engine reuses the local engine's code wherever a feature only depends on the
rows of one key (a user, a merchant, a shard): rows are hashed into buckets by that key,
and each bucket reaches one call of the local function as a pandas table (the conversion
happens on the worker, from Arrow; the driver never holds the rows).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame

__all__ = ["apply_by_group", "bucket_of", "arrow_udfs", "Field"]

#: An output column: name and Spark SQL type (``string``, ``double`` or ``long``).
Field = tuple[str, str]

_ARROW_TYPES = {"string": "string", "double": "float64", "long": "int64"}


def bucket_of(*keys: str | Column, buckets: int) -> Column:
    """The bucket (``0 .. buckets-1``) of each row, a stable hash of ``keys``."""
    from pyspark.sql import functions as F

    return F.pmod(F.xxhash64(*keys), F.lit(buckets))


@contextmanager
def arrow_udfs():
    """Silence PySpark's pandas-version warning around Arrow UDFs (they never touch pandas on the driver)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        yield


def _on_worker(function: Callable[[pd.DataFrame], pd.DataFrame], fields: Sequence[Field], drop: str):
    """Wrap a pandas function as an Arrow one with a fixed output schema."""

    def run(table):
        import pyarrow as pa

        frame = function(table.drop_columns([drop]).to_pandas())
        schema = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in fields])
        columns = {name: frame[name] for name, _ in fields}
        return pa.Table.from_pydict({n: pa.array(c.tolist(), type=schema.field(n).type) for n, c in columns.items()},
                                    schema=schema)

    return run


def apply_by_group(frame: DataFrame, group: Column, function: Callable[[pd.DataFrame], pd.DataFrame],
                   fields: Sequence[Field]) -> DataFrame:
    """``function`` applied to the rows of each value of ``group``, the results stacked.

    Parameters
    ----------
    frame
        The rows.
    group
        What rows go together (often :func:`bucket_of` a key).
    function
        Takes the rows of one group as a pandas table (``frame``'s columns), returns a
        pandas table holding at least the ``fields`` columns (``NaN`` allowed in doubles).
    fields
        Output columns and their Spark types.
    """
    schema = ", ".join(f"{name} {kind}" for name, kind in fields)
    with arrow_udfs():
        return (frame.withColumn("_group", group).groupBy("_group")
                .applyInArrow(_on_worker(function, fields, "_group"), schema))
