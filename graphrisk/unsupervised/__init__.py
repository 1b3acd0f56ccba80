"""Cold start: rank accounts and rings from the graph alone, with no label at all.

Three kinds of evidence, each turned into a percentile among the accounts scored, and one
risk in [0, 1] (:mod:`graphrisk.unsupervised.combine`):

``sharing``
    accounts sharing the user's devices, cards, phones, emails and addresses, counted fully
    when they arrived together and discounted on big hubs (:mod:`~graphrisk.unsupervised.sharing`);
``synchrony``
    lockstep payments at the same small merchants, and transfers relayed on within hours
    for about the amount received (:mod:`~graphrisk.unsupervised.synchrony`);
``outlier``
    an isolation forest over the graph features (:mod:`~graphrisk.unsupervised.outlier`).

:class:`ColdStartScorer` (scikit-learn's shape) flags a review budget, groups the flagged
accounts into rings with :func:`graphrisk.rings.group_rings` and gives reasons;
:func:`unsupervised_scores` is the plain ``user_id -> risk`` Series;
:func:`graphrisk.evaluate.cold_start.evaluate_unsupervised` measures it like the supervised
detector (this package never imports :mod:`graphrisk.evaluate`).
``graphrisk score --unsupervised`` is the command line.
"""

from graphrisk.unsupervised.combine import EVIDENCE_COLUMNS, PART_COLUMNS
from graphrisk.unsupervised.flagging import DEFAULT_FLAG_SHARE, cold_start_policy
from graphrisk.unsupervised.scorer import (
    COLD_START_VERSION,
    ColdStartResult,
    ColdStartScorer,
    score_without_labels,
    unsupervised_scores,
)

__all__ = ["ColdStartScorer", "ColdStartResult", "score_without_labels", "unsupervised_scores",
           "cold_start_policy", "DEFAULT_FLAG_SHARE", "PART_COLUMNS", "EVIDENCE_COLUMNS", "COLD_START_VERSION"]
