"""The HTTP face of the scorer: ``POST /score``, ``GET /users/{id}``, ``GET /health``, ``POST /refresh``.

FastAPI gives the OpenAPI schema (``/openapi.json``, browsable at ``/docs``) and the 422
answers for malformed bodies; :class:`BodyLimit` answers 413 to a body over the bound
before it is read whole; any unexpected failure is a one-line 500, never a dead server.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from graphrisk import __version__
from graphrisk.serve.batching import MicroBatcher, Overloaded
from graphrisk.serve.limits import DEFAULT_MAX_BODY
from graphrisk.serve.requests import TransactionRequest, canonical_row
from graphrisk.serve.scorer import ConflictingTransaction, LiveScorer

__all__ = ["create_app", "BodyLimit", "DEFAULT_MAX_BODY"]

log = logging.getLogger(__name__)


class BodyTooLarge(HTTPException):
    """A request body over the bound (FastAPI passes HTTP exceptions through unchanged)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body above {limit} bytes")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``max_bytes``, by header at once or while reading.

    Parameters
    ----------
    app
        The wrapped ASGI application.
    max_bytes
        The bound.
    """

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            response = JSONResponse({"detail": f"request body above {self.max_bytes} bytes"}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # no or a false content-length: count as it arrives
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)


def create_app(scorer: LiveScorer, *, max_body: int = DEFAULT_MAX_BODY) -> FastAPI:
    """The FastAPI application serving ``scorer``.

    Parameters
    ----------
    scorer
        The live scorer (built once; besides it the app holds only the queue of requests waiting for it).
    max_body
        Largest request body in bytes (413 above).
    """
    app = FastAPI(
        title="graphrisk",
        version=__version__,
        summary="Real-time fraud ring risk: one transaction in, risks, ring and reasons out.",
    )
    app.add_middleware(BodyLimit, max_bytes=max_body)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _json_safe(jsonable_encoder(error.errors()))}, status_code=422)

    @app.exception_handler(ConflictingTransaction)
    async def _conflict(request: Request, error: ConflictingTransaction) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=409)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:  # pragma: no cover - a bug path
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"detail": f"internal error: {type(error).__name__}"}, status_code=500)

    batcher = MicroBatcher(scorer.score_many)

    @app.post("/score", summary="Score one transaction and add it to the graph", response_class=JSONResponse)
    async def score(transaction: TransactionRequest) -> JSONResponse:
        """Adds the transaction to the graph (new accounts, devices and merchants included) and answers
        with its risk, the paying (and receiving) account's risk, the ring it touches and the reasons.
        A transaction id seen before is not added twice: the same content again (a retry) answers about the
        recorded transaction with ``duplicate: true``; different content under that id is a 409. Requests
        arriving together are scored together: an answer reflects every transaction received before it
        was computed."""
        try:
            answer = await batcher.submit(canonical_row(transaction))
        except Overloaded as error:
            raise HTTPException(status_code=503, detail=str(error)) from None
        if isinstance(answer, Exception):  # a conflict (409), or a failure of this row alone (500)
            raise answer
        return JSONResponse(answer)

    @app.get("/users/{user_id}", summary="One account's risk on the graph as it is now")
    def user(user_id: str) -> dict[str, Any]:
        found = scorer.user(user_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"unknown user_id {user_id!r}")
        return found

    @app.get("/health", summary="Model version, graph size, time of the last full scoring")
    def health() -> dict[str, Any]:
        return scorer.health()

    @app.post("/refresh", summary="Recompute every input and score from all transactions seen")
    def refresh() -> dict[str, Any]:
        if scorer.refreshing:
            raise HTTPException(status_code=409, detail="a full scoring is already running")
        return scorer.refresh()

    return app


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as text: a 422 echoes the input, and JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value
