"""Real-time scoring: a live graph, cached node embeddings, and the HTTP service over them.

``create_app(LiveScorer(detector, graph))`` is the ASGI application ``graphrisk serve`` runs.
Both names import torch and FastAPI on first use only, so ``graphrisk.serve.limits`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LiveScorer", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from graphrisk.serve.app import create_app

        return create_app
    if name == "LiveScorer":
        from graphrisk.serve.scorer import LiveScorer

        return LiveScorer
    raise AttributeError(f"module 'graphrisk.serve' has no attribute {name!r}")
