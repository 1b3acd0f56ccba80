"""Investigator feedback: verdicts into labels, retraining with them, champion against challenger.

* :mod:`~graphrisk.feedback.verdicts`: the verdicts table (``user_id, verdict, by, at[, note]``), checked row by row;
* :mod:`~graphrisk.feedback.store`: recording a verdict in Neo4j and reading the history back;
* :mod:`~graphrisk.feedback.resolve`: newest verdict wins, conflicts and unknown users reported;
* :mod:`~graphrisk.feedback.labels`: feedback labels merged over training labels;
* :mod:`~graphrisk.feedback.champion`: both models on the same held-out users, and the promotion rule;
* :mod:`~graphrisk.feedback.registry`: a folder of model versions with their metrics, the current one marked.

Nothing here imports torch until a model is loaded.
"""

from graphrisk.feedback.champion import ChampionComparison, Decision, ModelResult, compare_models, decide
from graphrisk.feedback.labels import LabelMerge, merge_labels, read_labels
from graphrisk.feedback.registry import ModelRegistry
from graphrisk.feedback.resolve import FeedbackResult, resolve_verdicts
from graphrisk.feedback.store import RecordedVerdict, read_store_verdicts, record_verdict, users_in_store
from graphrisk.feedback.verdicts import VERDICT_VALUES, VerdictTable, read_verdicts

__all__ = [
    "VERDICT_VALUES", "VerdictTable", "read_verdicts",
    "RecordedVerdict", "record_verdict", "read_store_verdicts", "users_in_store",
    "FeedbackResult", "resolve_verdicts",
    "LabelMerge", "merge_labels", "read_labels",
    "ModelResult", "Decision", "ChampionComparison", "compare_models", "decide",
    "ModelRegistry",
]
