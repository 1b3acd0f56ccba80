"""graphrisk: find fraud rings in transaction graphs.

The few names most users need live here; everything else is in the subpackages
(:mod:`graphrisk.io`, :mod:`graphrisk.graph`, :mod:`graphrisk.store`).
"""

from graphrisk.errors import GraphRiskError, InputError, StoreError
from graphrisk.graph.build import InputReport, build_graph
from graphrisk.graph.transaction_graph import TransactionGraph

__version__ = "0.1.0"

__all__ = [
    "build_graph",
    "TransactionGraph",
    "InputReport",
    "GraphRiskError",
    "InputError",
    "StoreError",
    "__version__",
]
