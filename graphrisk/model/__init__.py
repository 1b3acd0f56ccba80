"""The detector: a heterogeneous GNN that scores users (see :class:`RiskDetector`).

``RiskDetector`` is imported on first use, so that ``DetectorSettings`` (and the command
line) do not pay for importing torch.
"""

from graphrisk.model.settings import CONVS, DetectorSettings

__all__ = ["RiskDetector", "DetectorSettings", "CONVS"]


def __getattr__(name: str):
    if name == "RiskDetector":
        from graphrisk.model.detector import RiskDetector

        return RiskDetector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
