"""A fitted :class:`~graphrisk.model.RiskDetector` to and from its model directory.

The files and their checks are :mod:`graphrisk.model.persistence`; this module maps a
detector's parts (parameters, encoder, network weights, calibrator, threshold) onto them.
"""

from __future__ import annotations

import importlib.metadata
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from graphrisk.errors import ModelError
from graphrisk.model.calibration import Calibrator
from graphrisk.model.encoding import GraphEncoder
from graphrisk.model.persistence import (
    load_model_files,
    load_profile,
    model_version,
    save_model_files,
    upgrade_manifest,
)
from graphrisk.model.stacking import StackedHead
from graphrisk.policy.flag_policy import ValidationCurve

if TYPE_CHECKING:
    from graphrisk.model.detector import RiskDetector

__all__ = ["save_detector", "load_detector"]


def save_detector(detector: RiskDetector, folder: str | Path) -> Path:
    """Write ``detector`` (fitted) into ``folder``; returns the folder."""
    params = detector.get_params()  # as given (fanouts None stays None): a loaded model clones like this one
    del params["device"]  # where to run is the loader's choice
    if params["fanouts"] is not None:
        params["fanouts"] = list(params["fanouts"])
    manifest = {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": _versions(),
        "params": params, "encoder": detector.encoder_.to_dict(), "threshold": float(detector.threshold_),
        "calibration": detector.calibrator_.to_dict(), "validation": detector.validation_,
    }
    curve = getattr(detector, "validation_curve_", None)
    if curve is not None:
        manifest["validation_curve"] = curve.to_dict()
    if getattr(detector, "head_", None) is not None:  # LightGBM's text model, no pickled objects
        manifest["head"] = detector.head_.to_dict()
    state = {k: v.detach().cpu() for k, v in detector.network_.state_dict().items()}
    profile = detector.encoder_.profile_
    return save_model_files(folder, state, manifest, entities=profile.entities if profile is not None else None)


def load_detector(cls: type[RiskDetector], folder: str | Path, *, device: str = "auto") -> RiskDetector:
    """A fitted ``cls`` from ``folder``, with ``version_`` and ``notes_`` (an older format's upgrade note).

    Raises
    ------
    ModelError
        Missing or damaged files, an unknown format, or weights that do not match the manifest.
    """
    state, manifest = load_model_files(folder)
    manifest, notes = upgrade_manifest(manifest, folder)
    try:
        params = dict(manifest["params"])
        if params.get("fanouts") is not None:
            params["fanouts"] = tuple(params["fanouts"])
        params.setdefault("pseudo_labels", 0.0)  # saved before pseudo-labels: trained without them
        detector = cls(**params, device=device)
        detector.settings  # noqa: B018 - checks the saved parameters
        detector.encoder_ = GraphEncoder.from_dict(manifest["encoder"], profile=load_profile(folder, manifest))
        detector.threshold_ = float(manifest["threshold"])
        detector.calibrator_ = Calibrator.from_dict(manifest.get("calibration", {"method": "none"}))
        detector.validation_, detector.history_ = manifest.get("validation", {}), []
        curve = manifest.get("validation_curve")
        detector.validation_curve_ = ValidationCurve.from_dict(curve) if curve is not None else None
        head = manifest.get("head")  # absent: the network's own head (every model saved before stacking)
        detector.head_ = StackedHead.from_dict(head) if head is not None else None
        network = detector.build_network()
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ModelError(f"{folder}/model.json is incomplete or invalid: {e}") from None
    try:
        network.load_state_dict(state)
    except RuntimeError as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        detail = (lines[1] if len(lines) > 1 else lines[0] if lines else type(e).__name__)[:200]
        raise ModelError(f"{folder}: the weights do not match the schema in model.json ({detail})") from None
    detector.version_, detector.notes_ = model_version(folder), notes
    detector.network_ = network.to(detector.torch_device()).eval()
    return detector


def _versions() -> dict[str, str]:
    """Versions of the libraries the model was trained with."""
    out = {}
    for name in ("graphrisk", "torch", "torch_geometric", "numpy", "pandas", "networkx"):
        try:
            out[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out
