"""Which accounts to flag without labels: a review budget, by default the riskiest 1%.

The supervised flag policies ``f1``, ``f2`` and ``precision:P`` choose a risk cut on the
precision-recall curve of labelled validation users; without labels there is no such
curve, so only ``budget:N`` (the ``N`` riskiest, a review team's capacity) is taken. The
default, :data:`DEFAULT_FLAG_SHARE` of the users scored (at least one), is a budget too:
a first look at the riskiest hundredth, to be set to the team's capacity.
"""

from __future__ import annotations

import math

from graphrisk.errors import InputError
from graphrisk.policy.flag_policy import FlagPolicy

__all__ = ["cold_start_policy", "DEFAULT_FLAG_SHARE"]

#: Share of the users flagged when no policy is given (at least one user).
DEFAULT_FLAG_SHARE = 0.01


def cold_start_policy(policy: str | None, n_users: int) -> FlagPolicy:
    """The ``budget`` policy to flag ``n_users`` by: ``policy`` (``budget:N``) or the default.

    Raises
    ------
    InputError
        ``policy`` is not a flag policy, or one that needs labels (``f1``, ``f2``, ``precision:P``).

    Examples
    --------
    >>> str(cold_start_policy(None, 10_000)), str(cold_start_policy(None, 30)), str(cold_start_policy("budget:5", 30))
    ('budget:100', 'budget:1', 'budget:5')
    """
    if policy is None:
        return FlagPolicy("budget", max(1, math.ceil(DEFAULT_FLAG_SHARE * n_users - 1e-9)))
    chosen = FlagPolicy.parse(policy)
    if chosen.uses_a_cut:
        raise InputError(f"flag policy {chosen} needs labels (its cut comes from labelled validation users): "
                         "without labels use budget:N (default: the riskiest 1% of users)")
    return chosen
