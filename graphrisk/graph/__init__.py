"""The in-memory transaction graph, its model, and the NetworkX views derived from it."""

from graphrisk.graph.build import InputReport, build_graph
from graphrisk.graph.model import NODE_TYPES, RELATIONSHIPS
from graphrisk.graph.projection import identifier_projection, merchant_projection, to_networkx
from graphrisk.graph.transaction_graph import TransactionGraph

__all__ = [
    "TransactionGraph", "build_graph", "InputReport", "NODE_TYPES", "RELATIONSHIPS",
    "identifier_projection", "merchant_projection", "to_networkx",
]
