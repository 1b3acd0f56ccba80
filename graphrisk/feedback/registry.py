"""A small model registry: a folder of model versions with their metrics, the current one marked.

Layout::

    REGISTRY/
      registry.json              versions, their metrics, the decisions, "current"
      versions/<version>/        a copy of each model directory (weights.pt, model.json)
      .lock                      held while registry.json is rewritten

``<version>`` is :func:`graphrisk.model.persistence.model_version` (a hash of the model's
files), so a model registered twice is one version. ``registry.json``::

    {"format": "graphrisk-registry", "format_version": 1,
     "current": "m-0123456789ab",
     "versions": {"m-0123456789ab": {"path": "versions/m-0123456789ab", "source": "/abs/model/dir",
                                     "registered_at": "...", "trained_at": "...", "threshold": 0.42,
                                     "metrics": {"auc_pr": ..., "ring_recall": ..., ...},
                                     "evaluated_at": "...", "data": {"labels": ..., "graph_fingerprint": ...}}},
     "history": [{"at": "...", "champion": ..., "challenger": ..., "decision": "promoted", "reason": ...,
                  "current": ...}]}

Every change rewrites ``registry.json`` whole through a temporary file and a rename, under
an exclusive lock, so a reader sees either the old file or the new one, never a part, and
two comparisons at once do not lose each other's entries. Model folders are copied under a
temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from graphrisk.errors import InputError, ModelError

try:  # POSIX; elsewhere the registry works without the lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["ModelRegistry", "REGISTRY_FILE", "REGISTRY_FORMAT", "REGISTRY_FORMAT_VERSION"]

REGISTRY_FILE = "registry.json"
REGISTRY_FORMAT = "graphrisk-registry"
REGISTRY_FORMAT_VERSION = 1
_VERSIONS = "versions"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json_ready(value: Any) -> Any:
    """NaN and infinities as ``None`` (JSON has no NaN), recursively."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


class ModelRegistry:
    """A registry folder (created on first write).

    Parameters
    ----------
    root
        The registry folder.

    Examples
    --------
    >>> import tempfile
    >>> registry = ModelRegistry(tempfile.mkdtemp())
    >>> registry.current() is None, registry.versions()
    (True, {})
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def file(self) -> Path:
        """The ``registry.json`` path."""
        return self.root / REGISTRY_FILE

    # ----------------------------------------------------------------- reading
    def read(self) -> dict[str, Any]:
        """The registry's content (an empty registry when the folder has no ``registry.json``).

        Raises
        ------
        InputError
            ``registry.json`` cannot be read or is not a graphrisk registry.
        """
        if not self.file.is_file():
            if self.root.exists() and not self.root.is_dir():
                raise InputError(f"{self.root}: is not a folder; a registry is a folder")
            return {"format": REGISTRY_FORMAT, "format_version": REGISTRY_FORMAT_VERSION, "current": None,
                    "versions": {}, "history": []}
        try:
            content = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{self.file}: cannot be read ({' '.join(str(e).split())})") from e
        if not isinstance(content, dict) or content.get("format") != REGISTRY_FORMAT:
            raise InputError(f"{self.file}: is not a graphrisk model registry")
        if content.get("format_version") != REGISTRY_FORMAT_VERSION:
            raise InputError(f"{self.file}: registry format version {content.get('format_version')!r}; this graphrisk "
                             f"reads version {REGISTRY_FORMAT_VERSION}")
        return content

    def current(self) -> str | None:
        """The current version, or ``None`` when none is marked yet."""
        return self.read().get("current")

    def versions(self) -> dict[str, dict[str, Any]]:
        """Every registered version with its record."""
        return dict(self.read().get("versions", {}))

    def path_of(self, version: str) -> Path:
        """The model directory of a registered version.

        Raises
        ------
        InputError
            The version is not registered, or its folder is gone.
        """
        record = self.read().get("versions", {}).get(version)
        if record is None:
            raise InputError(f"{self.root}: no version {version!r} in the registry")
        path = self.root / record.get("path", f"{_VERSIONS}/{version}")
        if not path.is_dir():
            raise InputError(f"{self.root}: the folder of version {version} is missing ({path})")
        return path

    def current_path(self) -> Path | None:
        """The model directory of the current version (``None`` when none is marked)."""
        version = self.current()
        return None if version is None else self.path_of(version)

    # ----------------------------------------------------------------- writing
    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _write(self, content: dict[str, Any]) -> None:
        """Replace ``registry.json`` atomically: a temporary file in the folder, flushed, then renamed."""
        text = json.dumps(_json_ready(content), indent=2, sort_keys=True, allow_nan=False) + "\n"
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=f".{REGISTRY_FILE}.", suffix=".partial")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _copy(self, model_dir: Path) -> tuple[str, dict[str, Any]]:
        """Copy a model directory into ``versions/<version>`` (unless there); its version and manifest."""
        from graphrisk.model.persistence import load_model_files, model_version

        _, manifest = load_model_files(model_dir)  # a damaged model never enters the registry
        version = model_version(model_dir)
        target = self.root / _VERSIONS / version
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{version}.", suffix=".partial"))
            try:
                shutil.copytree(model_dir, partial, dirs_exist_ok=True)
                if model_version(partial) != version:
                    raise ModelError(f"{model_dir} changed while it was copied into the registry; try again")
                os.replace(partial, target)
            finally:
                if partial.exists():
                    shutil.rmtree(partial)
        return version, manifest

    def register(self, model_dir: str | Path, *, metrics: Mapping[str, Any] | None = None,
                 data: Mapping[str, Any] | None = None) -> str:
        """Copy a model directory into the registry and record it; return its version.

        Registering a version again updates its metrics (when given) and keeps the rest.
        Does not change the current version (see :meth:`record_comparison`, :meth:`set_current`).

        Raises
        ------
        ModelError
            ``model_dir`` is not a readable model directory.
        """
        with self._locked():
            content = self.read()
            version = self._add(content, Path(model_dir), metrics, data)
            self._write(content)
        return version

    def _add(self, content: dict[str, Any], model_dir: Path, metrics: Mapping[str, Any] | None,
             data: Mapping[str, Any] | None) -> str:
        version, manifest = self._copy(model_dir)
        records = content.setdefault("versions", {})
        record = records.get(version) or {
            "path": f"{_VERSIONS}/{version}", "source": str(model_dir.resolve()), "registered_at": _now(),
            "trained_at": manifest.get("created_at"), "threshold": manifest.get("threshold"),
            "validation_auc_pr": (manifest.get("validation") or {}).get("auc_pr"),
        }
        if metrics is not None:
            record.update(metrics=dict(metrics), evaluated_at=_now(), data=dict(data or {}))
        records[version] = record
        return version

    def set_current(self, version: str) -> None:
        """Mark a registered version as the current one.

        Raises
        ------
        InputError
            The version is not registered.
        """
        with self._locked():
            content = self.read()
            if version not in content.get("versions", {}):
                raise InputError(f"{self.root}: no version {version!r} in the registry")
            content["history"] = [*content.get("history", []), {"at": _now(), "decision": "set current",
                                                                 "previous": content.get("current"),
                                                                 "current": version}]
            content["current"] = version
            self._write(content)

    def record_comparison(
        self,
        *,
        champion: str | Path | None,
        challenger: str | Path,
        champion_metrics: Mapping[str, Any] | None,
        challenger_metrics: Mapping[str, Any],
        promote: bool,
        reason: str,
        data: Mapping[str, Any] | None = None,
        expected_current: str | None | object = ...,
    ) -> dict[str, Any]:
        """Register both models of a comparison with their metrics and apply the decision.

        ``current`` becomes the challenger when ``promote``; otherwise it stays, or becomes
        the champion when the registry had none. The decision goes into ``history``.

        Parameters
        ----------
        expected_current
            The current version when the comparison started (``None``: none yet); if another
            comparison changed it meanwhile, nothing is written. Left out: not checked.

        Returns
        -------
        dict
            The history entry written.

        Raises
        ------
        InputError
            The current version is no longer ``expected_current``.
        """
        with self._locked():
            content = self.read()
            previous = content.get("current")
            if expected_current is not ... and previous != expected_current:
                raise InputError(f"{self.root}: the current version changed from {expected_current} to {previous} "
                                 "while comparing; nothing recorded: run compare again against it")
            champion_version = None
            if champion is not None:
                champion_version = self._add(content, Path(champion), champion_metrics, data)
            challenger_version = self._add(content, Path(challenger), challenger_metrics, data)
            if promote:
                content["current"] = challenger_version
            elif previous is None and champion_version is not None:
                content["current"] = champion_version
            entry = {"at": _now(), "champion": champion_version, "challenger": challenger_version,
                     "decision": "promoted" if promote else "refused", "reason": reason,
                     "previous": previous, "current": content.get("current")}
            content["history"] = [*content.get("history", []), entry]
            self._write(content)
        return _json_ready(entry)
