"""Fraud rings: group flagged accounts through the devices, merchants and transfers they share.

:func:`group_rings` is the entry point; :func:`candidate_ties` (what ties two accounts, and
the honest-hub rule) and :func:`tie_groups` (components, Louvain splitting) are its steps.
"""

from graphrisk.rings.components import tie_groups
from graphrisk.rings.group import group_rings
from graphrisk.rings.result import RING_COLUMNS, Rings, ring_id
from graphrisk.rings.ties import TIE_COLUMNS, candidate_ties

__all__ = ["group_rings", "Rings", "ring_id", "candidate_ties", "tie_groups", "RING_COLUMNS", "TIE_COLUMNS"]
