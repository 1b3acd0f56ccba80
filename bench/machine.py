"""What machine a benchmark ran on, for the header of RESULTS.md."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["machine_facts"]

_PACKAGES = ("torch", "torch-geometric", "networkx", "pandas", "scikit-learn", "neo4j")


def _first_line(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _java() -> str:
    try:
        text = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr
    except OSError:
        return "none"
    return text.splitlines()[0] if text else "unknown"


def machine_facts() -> dict[str, str | int]:
    """CPU, cores, memory, GPU presence, and the versions that matter to the figures."""
    memory_kb = _first_line("/proc/meminfo", "MemTotal").split()[0]
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    except ImportError:
        gpu = "unknown"
    return {
        "cpu": _first_line("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count() or 0,
        "memory_gib": round(int(memory_kb) / 1024**2) if memory_kb.isdigit() else 0,
        "gpu": gpu,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "java": _java(),
        **versions,
    }
