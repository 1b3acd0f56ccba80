"""graphrisk: find fraud rings in transaction graphs.

The few names most users need live here; everything else is in the subpackages
(:mod:`graphrisk.io`, :mod:`graphrisk.graph`, :mod:`graphrisk.store`, :mod:`graphrisk.features`,
:mod:`graphrisk.synth`, :mod:`graphrisk.evaluate`).
"""

from graphrisk.errors import GraphRiskError, InputError, StoreError
from graphrisk.features import TrainingLabels, compute_features, export_features
from graphrisk.graph.build import InputReport, build_graph
from graphrisk.graph.transaction_graph import TransactionGraph

__version__ = "0.1.0"

__all__ = [
    "build_graph",
    "compute_features",
    "export_features",
    "TrainingLabels",
    "TransactionGraph",
    "InputReport",
    "GraphRiskError",
    "InputError",
    "StoreError",
    "__version__",
]
