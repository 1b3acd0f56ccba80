"""Which scores become flags: the flag policies and the validation curve they cut on.

Shared by the supervised detector (:mod:`graphrisk.model`) and the cold-start scorer
(:mod:`graphrisk.unsupervised`), which is why it sits in neither.
"""

from graphrisk.policy.flag_policy import CURVE_POINTS, FLAG_POLICIES, FlagPolicy, ValidationCurve

__all__ = ["FlagPolicy", "ValidationCurve", "FLAG_POLICIES", "CURVE_POINTS"]
