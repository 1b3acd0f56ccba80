"""The detector: a heterogeneous GNN that scores users (see :class:`RiskDetector`).

:class:`RiskDetector` is the estimator (scikit-learn's shape); :class:`GraphEncoder` computes
everything its network reads; :class:`ScoreResult` is what ``score_users`` returns. They are
imported on first use, so that ``DetectorSettings`` (and the command line) do not pay for
importing torch.
"""

from graphrisk.model.settings import CONVS, DetectorSettings

__all__ = ["RiskDetector", "GraphEncoder", "ScoreResult", "DetectorSettings", "CONVS"]

_LAZY = {
    "RiskDetector": "graphrisk.model.detector",
    "GraphEncoder": "graphrisk.model.encoding",
    "ScoreResult": "graphrisk.model.scoring",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
