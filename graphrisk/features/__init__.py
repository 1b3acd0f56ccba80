"""User features from the transaction graph: structure, community, centrality, behaviour over time,
and (guarded) label-aware features. Graph algorithms are plain functions over NetworkX graphs."""

from graphrisk.features.catalog import FEATURES, feature_table
from graphrisk.features.compute import FAMILIES, compute_features, export_features
from graphrisk.features.entities import entity_features
from graphrisk.features.label_aware import TrainingLabels

__all__ = ["compute_features", "export_features", "entity_features", "TrainingLabels", "FAMILIES", "FEATURES", "feature_table"]
