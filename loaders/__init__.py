"""Adapters from external formats to graphrisk's canonical input (installed as ``graphrisk.loaders``).

Each adapter module maps one public format to the canonical tables described in
:mod:`graphrisk.io.schema` and returns pandas DataFrames that :func:`graphrisk.build_graph`
accepts.
"""

from graphrisk.loaders.detect import FORMATS, detect_format, load
from graphrisk.loaders.tables import CanonicalTables

__all__ = ["load", "detect_format", "CanonicalTables", "FORMATS"]
