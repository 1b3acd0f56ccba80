"""Spark DataFrames of pandas tables for the engine tests, through plain rows.

PySpark's own pandas conversion warns under pandas 3 (the suite turns warnings into errors).
"""

from __future__ import annotations

import pandas as pd

TRANSACTIONS = ("transaction_id string, timestamp timestamp, user_id string, amount double, merchant_id string, "
                "device_id string, counterparty_id string, card_id string, ip string, is_fraud int")
LINKS = "user_id string, entity_type string, entity_id string, timestamp timestamp"


def plain_rows(table: pd.DataFrame) -> list[tuple]:
    """Plain Python rows: None for missing values, datetimes for timestamps."""
    columns = []
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            values = [None if pd.isna(v) else v.to_pydatetime() for v in column]
        elif pd.api.types.is_float_dtype(column):
            values = [None if pd.isna(v) else float(v) for v in column]
        elif pd.api.types.is_integer_dtype(column):
            values = [None if pd.isna(v) else int(v) for v in column]
        else:
            values = [None if pd.isna(v) else str(v) for v in column]
        columns.append(values)
    return list(zip(*columns))


def spark_transactions(spark, transactions: pd.DataFrame):
    """Validated transactions (``graph.transactions``) as a Spark DataFrame."""
    names = [c.split()[0] for c in TRANSACTIONS.split(", ")]
    return spark.createDataFrame(plain_rows(transactions.reindex(columns=names)), TRANSACTIONS)


def spark_links(spark, links: pd.DataFrame):
    """Canonical links (timestamps as text or datetimes) as a Spark DataFrame."""
    links = links.assign(timestamp=pd.to_datetime(links["timestamp"], utc=True, format="ISO8601"))
    return spark.createDataFrame(plain_rows(links[["user_id", "entity_type", "entity_id", "timestamp"]]), LINKS)


def spark_users(spark, users: pd.DataFrame):
    """A graph's users table (``user_id`` and numeric attributes) as a Spark DataFrame."""
    numeric = [c for c in users.columns if c != "user_id" and pd.api.types.is_numeric_dtype(users[c])]
    table = users[["user_id", *numeric]].astype({c: float for c in numeric})
    schema = ", ".join(["user_id string", *(f"{c} double" for c in numeric)])
    return spark.createDataFrame(plain_rows(table), schema)


def table_of(frame) -> pd.DataFrame:
    """A pandas table of a Spark DataFrame, through collected rows."""
    return pd.DataFrame([row.asDict() for row in frame.collect()], columns=frame.columns)


def spark_model_inputs(spark, world, graph, *, shards: int, buckets: int = 3) -> dict:
    """A world on Spark as the scoring and training jobs see it.

    Returns ``transactions``, ``links``, ``users``, ``tables`` (the relationships, ``users``
    with the attributes), ``shards`` and ``inputs`` (the node input tables).
    """
    from graphrisk.engines.spark.entities import entity_family
    from graphrisk.engines.spark.features import spark_features
    from graphrisk.engines.spark.relationships import relationships
    from graphrisk.engines.spark.scoring import node_input_tables
    from graphrisk.engines.spark.shards import assign_shards

    transactions = spark_transactions(spark, graph.transactions).cache()
    links = spark_links(spark, world.links).cache()
    users = spark_users(spark, graph.users)
    tables = {name: frame.cache() for name, frame in relationships(transactions, links, users).items()}
    tables["users"] = users
    placed = assign_shards(users, tables["paid"], tables["sent"], tables["used"], shards=shards)
    features = spark_features(tables, placed, transactions=transactions, buckets=buckets).cache()
    inputs = node_input_tables(features, users, entity_family(tables["paid"], tables["used"], buckets=buckets))
    return {"transactions": transactions, "links": links, "users": users, "tables": tables, "shards": placed,
            "inputs": inputs}
