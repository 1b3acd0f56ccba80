"""Neo4j: connection settings, the query runner, constraints, the loader and the reader."""

from graphrisk.store.config import Neo4jConfig
from graphrisk.store.loader import StoreReport, load_graph
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.reader import read_graph
from graphrisk.store.runner import Neo4jRunner, QueryRunner, connect

__all__ = ["Neo4jConfig", "connect", "QueryRunner", "Neo4jRunner", "load_graph", "StoreReport", "read_graph", "clear_graph"]
