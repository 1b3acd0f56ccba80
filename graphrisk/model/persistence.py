"""Model directories: weights as a state dict plus a JSON of everything needed to use them.

A model directory holds ``weights.pt`` (``torch.save`` of the network's state dict, read
back with ``torch.load(weights_only=True)``: no pickled code ever runs) and
``model.json``: format version, library versions, hyperparameters (``params``), the
encoder (feature names per node type, scaling statistics, relations, edge features, the
drift profile: :meth:`~graphrisk.model.encoding.GraphEncoder.to_dict`), the calibration,
the flag threshold and the validation figures. It may also hold ``entities.npz``: the sorted 64-bit
hashes of the training ids per node type (for the drift report's share of new entities),
read with ``numpy.load(allow_pickle=False)``; its SHA-256 is in ``model.json``. Older
directories without it still load (no new-entity shares then).

Format 1 (before the :class:`~graphrisk.model.encoding.GraphEncoder`) kept the same inputs
under other keys (``settings``, ``schema``, ``scalers``, ``profile``); :func:`upgrade_manifest`
reads it as format 2 with a one-line note. Other versions are refused, naming the version.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import torch

from graphrisk.errors import ModelError
from graphrisk.monitor import ReferenceProfile

__all__ = ["save_model_files", "load_model_files", "load_entity_hashes", "model_version", "upgrade_manifest",
           "load_profile", "FORMAT", "FORMAT_VERSION", "WEIGHTS", "MANIFEST", "ENTITIES"]

FORMAT = "graphrisk-model"
FORMAT_VERSION = 2
#: Format versions this graphrisk reads (older ones through :func:`upgrade_manifest`).
READABLE_VERSIONS = (1, 2)
#: What format 1 called the edge inputs (the span's log was taken when scoring): the same three inputs.
_FORMAT_1_EDGE_FEATURES = ["log_count", "log_amount", "span_days"]
WEIGHTS = "weights.pt"
MANIFEST = "model.json"
ENTITIES = "entities.npz"


def save_model_files(
    folder: str | Path, state: dict, manifest: dict, *, entities: dict[str, np.ndarray] | None = None
) -> Path:
    """Write ``weights.pt``, ``entities.npz`` (when ``entities`` are given) and ``model.json`` into ``folder``.

    The folder is created if needed; an ``entities.npz`` left from an earlier model is
    removed when no ``entities`` are given. The JSON is written last, through a temporary
    file and a rename, so a folder with a ``model.json`` always has the matching files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state, folder / WEIGHTS)
    body = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest}
    if entities is not None:
        np.savez_compressed(folder / ENTITIES, **{k: np.asarray(v, dtype=np.uint64) for k, v in entities.items()})
        body["entities_sha256"] = hashlib.sha256((folder / ENTITIES).read_bytes()).hexdigest()
    else:
        (folder / ENTITIES).unlink(missing_ok=True)
    partial = folder / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(folder / MANIFEST)
    return folder


def load_model_files(folder: str | Path) -> tuple[dict, dict]:
    """Read a model directory: ``(state_dict, manifest)``.

    Raises
    ------
    ModelError
        The folder or a file is missing, the JSON is not a graphrisk model of a supported
        format version, or the weights cannot be read as a plain state dict (damaged,
        truncated, or holding pickled objects other than tensors). One line, always.
    """
    folder = Path(folder)
    manifest_path, weights_path = folder / MANIFEST, folder / WEIGHTS
    if not manifest_path.is_file():
        raise ModelError(f"{folder} is not a graphrisk model directory (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"{manifest_path} cannot be read: {_first_line(e)}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{manifest_path} is not a graphrisk model manifest")
    if manifest.get("format_version") not in READABLE_VERSIONS:
        raise ModelError(f"{folder} has model format version {manifest.get('format_version')!r}; "
                         f"this graphrisk reads versions {', '.join(map(str, READABLE_VERSIONS))}: "
                         "retrain the model with this graphrisk")
    if not weights_path.is_file():
        raise ModelError(f"{folder} has no {WEIGHTS}")
    if not zipfile.is_zipfile(weights_path):  # what torch.save writes; a truncated copy loses its directory
        raise ModelError(f"{weights_path} cannot be loaded as weights: damaged or not a PyTorch weights file "
                         "(truncated in a copy?); copy the model directory again or retrain")
    try:
        state = torch.load(weights_path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights only load failed" not in str(e).lower():
            raise ModelError(f"{weights_path} cannot be loaded as weights: {_first_line(e)}") from None
        # torch's advice (load with weights_only=False) would run the file's code: never
        raise ModelError(f"{weights_path} cannot be loaded as weights: it holds objects other than tensors, and "
                         "graphrisk runs no pickled code (it was not written by graphrisk train)") from None
    except Exception as e:  # noqa: BLE001 - torch raises many types for a damaged file
        raise ModelError(f"{weights_path} cannot be loaded as weights: {_first_line(e)}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{weights_path} is not a state dict of tensors")
    return state, manifest


def load_entity_hashes(folder: str | Path, manifest: dict) -> dict[str, np.ndarray] | None:
    """The training id hashes of a model directory, or ``None`` when it holds none (older models).

    Raises
    ------
    ModelError
        ``model.json`` names an ``entities.npz`` that is missing, altered or not plain arrays.
    """
    expected = manifest.get("entities_sha256")
    if expected is None:
        return None
    path = Path(folder) / ENTITIES
    try:
        body = path.read_bytes()
    except OSError as e:
        raise ModelError(f"{path} cannot be read: {_first_line(e)}") from None
    if hashlib.sha256(body).hexdigest() != expected:
        raise ModelError(f"{path} does not match {MANIFEST} (altered or copied from another model)")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            hashes = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise ModelError(f"{path} cannot be read as arrays: {_first_line(e)}") from None
    if not all(h.dtype == np.uint64 and h.ndim == 1 for h in hashes.values()):
        raise ModelError(f"{path} does not hold one array of 64-bit hashes per node type")
    return hashes


def upgrade_manifest(manifest: dict, folder: str | Path) -> tuple[dict, list[str]]:
    """A manifest of any readable version in the current format, and a note when it was older.

    Raises
    ------
    ModelError
        A format-1 manifest that lacks a key or names other edge features.
    """
    if manifest.get("format_version") == FORMAT_VERSION:
        return manifest, []
    try:
        settings = dict(manifest["settings"])
        settings.setdefault("calibration", "none")  # saved before calibration existed: the plain sigmoid
        schema = manifest["schema"]
        if list(schema["edge_features"]) != _FORMAT_1_EDGE_FEATURES:
            raise ModelError(f"{folder}: format 1 edge features {schema['edge_features']} are not known: retrain it")
        encoder = {"seed": int(settings.get("seed", 0)), "node_features": schema["node_features"],
                   "scalers": manifest["scalers"], "edge_types": schema["edge_types"],
                   "edge_features": ["log_count", "log_amount", "log_span_days"], "profile": manifest.get("profile")}
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{folder}/{MANIFEST} (format 1) is incomplete or invalid: {_first_line(e)}") from None
    kept = {k: v for k, v in manifest.items() if k not in ("settings", "schema", "scalers", "profile")}
    upgraded = {**kept, "format_version": FORMAT_VERSION, "params": settings, "encoder": encoder}
    versions = manifest.get("versions")
    saved_by = versions.get("graphrisk", "an older graphrisk") if isinstance(versions, dict) else "an older graphrisk"
    note = (f"model {folder} is in format 1 (saved by graphrisk {saved_by}): read as format {FORMAT_VERSION} "
            "with the same inputs and scores; saving it again (RiskDetector.load(...).save(...)) upgrades the files")
    return upgraded, [note]


def load_profile(folder: str | Path, manifest: dict) -> ReferenceProfile | None:
    """The saved training profile (``None`` for models without one); unreadable entity ids become a note."""
    state = manifest["encoder"].get("profile")
    if state is None:
        return None
    notes = []
    try:
        hashes = load_entity_hashes(folder, manifest)
    except ModelError as e:  # the ids only serve the drift report: scoring goes on without them
        hashes, notes = None, [str(e)]
    try:
        return ReferenceProfile.from_dict(state, entities=hashes, notes=notes)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ModelError(f"{folder}/{MANIFEST} is incomplete or invalid: its drift profile cannot be read "
                         f"({_first_line(e)})") from None


def _first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message, or its type when the message is empty."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def model_version(folder: str | Path) -> str:
    """The version of the model in ``folder``: ``"m-"`` and 12 hex digits of the hash of its files.

    Two directories with the same weights, manifest (and ``entities.npz``, when there is one)
    have the same version; any retraining gives a new one. Scores written back to Neo4j carry it.
    """
    folder = Path(folder)
    digest = hashlib.sha256()
    for name in (MANIFEST, WEIGHTS):
        digest.update((folder / name).read_bytes())
    if (folder / ENTITIES).is_file():  # absent from older models: their version is unchanged
        digest.update((folder / ENTITIES).read_bytes())
    return "m-" + digest.hexdigest()[:12]
