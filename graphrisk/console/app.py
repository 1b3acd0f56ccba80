"""The console's web application: pages, the neighbour API behind the drawing, the verdict form.

Every page runs shipped queries in read transactions (:mod:`graphrisk.console.views`);
``POST /accounts/{user_id}/verdict`` records a verdict with
:func:`graphrisk.feedback.store.record_verdict`, as ``graphrisk verdict`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from neo4j.exceptions import DriverError, Neo4jError
from starlette.concurrency import run_in_threadpool

from graphrisk.console.access import TOKEN_COOKIE, ConsoleAccess
from graphrisk.console.display import cell, risk_class
from graphrisk.console.views import run_view
from graphrisk.errors import GraphRiskError, StoreError
from graphrisk.feedback.store import record_verdict
from graphrisk.feedback.verdicts import VERDICT_VALUES
from graphrisk.queries import describe_query
from graphrisk.queries.entities import EntityNotFound
from graphrisk.queries.output import plain_value
from graphrisk.store.runner import QueryRunner

__all__ = ["create_app"]

HERE = Path(__file__).parent


#: Longest investigator name and note accepted with a verdict, and the largest form body.
MAX_BY, MAX_NOTE, MAX_FORM_BYTES = 100, 2000, 16_384
#: Where a verdict form may lead afterwards: a path of this console (``/queue``, ``/rings/R1?sort=size``).
LOCAL_PATH = re.compile(r"/[A-Za-z][^\\\s]*")
#: Cookie remembering the investigator's name for the next verdict form.
BY_COOKIE = "graphrisk_console_by"
#: The drawing library, vendored by the build (``make install``); the pages work without it, tables only.
DRAWING_LIBRARY = HERE / "static" / "vendor" / "cytoscape.min.js"

#: Sent with every response: nothing from elsewhere runs, frames or receives the form. Style
#: attributes are allowed (the drawing library sizes its canvas with them); style elements
#: and every script must come from this console.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" with every post
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(connect: Callable[[], AbstractContextManager[QueryRunner]], access: ConsoleAccess | None = None) -> FastAPI:
    """The console application.

    Parameters
    ----------
    connect
        Opens the connection for the application's lifetime, e.g.
        ``lambda: graphrisk.store.runner.connect(config)``.
    access
        Token and form secret; default: no token (loopback only) and a fresh form secret.

    Returns
    -------
    FastAPI
        Serve it with uvicorn (``graphrisk console`` does).
    """
    access = access or ConsoleAccess()
    state: dict[str, QueryRunner] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with connect() as runner:
            state["runner"] = runner
            yield
            state.clear()

    app = FastAPI(title="graphrisk console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["cell"] = cell
    templates.env.filters["risk_class"] = risk_class
    templates.env.filters["path_part"] = _path_part
    templates.env.globals["drawing_available"] = DRAWING_LIBRARY.exists

    def runner() -> QueryRunner:
        return state["runner"]

    def page(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("form_secret", access.form_secret)
        return templates.TemplateResponse(request, template, context, status_code=http_status)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable) -> Response:
        offered = request.query_params.get("token")
        if not access.host_is_allowed(request.headers.get("host")):
            # a page elsewhere whose name now points at 127.0.0.1 (DNS rebinding) must not read this console
            response: Response = _plain_error(421, "this console answers to 127.0.0.1, localhost or [::1] only")
        elif request.method == "POST" and not _same_origin(request):
            response = _plain_error(403, "a form from another site cannot post here")
        elif access.token is not None and offered is not None and not access.admits(offered):
            response = _plain_error(401, "the token is wrong")
        elif access.token is not None and offered is not None:
            # keep it in a cookie and drop it from the address bar (and from the history)
            rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, offered, httponly=True, samesite="strict")
        elif not access.admits(request.cookies.get(TOKEN_COOKIE) or _bearer(request)):
            response = _plain_error(401, "this console needs its token: open the address it printed at start "
                                         "(…?token=…)")
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(EntityNotFound)
    async def not_found(request: Request, error: Exception) -> HTMLResponse:
        return page(request, "error.html", http_status=404, title="Not found", message=str(error))

    @app.exception_handler(GraphRiskError)
    async def bad_request(request: Request, error: GraphRiskError) -> HTMLResponse:
        return page(request, "error.html", http_status=400, title="Cannot do that", message=str(error))

    @app.exception_handler(StoreError)
    @app.exception_handler(Neo4jError)
    @app.exception_handler(DriverError)
    async def database_down(request: Request, error: Exception) -> HTMLResponse:
        reason = (getattr(error, "message", None) or str(error) or type(error).__name__).splitlines()[0]
        return page(request, "error.html", http_status=503, title="Neo4j did not answer", message=f"Neo4j: {reason}")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/rings", status_code=303)

    @app.get("/rings", response_class=HTMLResponse)
    def rings(request: Request, sort: str = "exposure", status: str = "active", review: str = "",
              min_size: str = "2") -> HTMLResponse:
        view = run_view(runner(), "ring_list", {"sort": sort, "statuses": status, "review": review,
                                                 "min_size": min_size})
        return page(request, "rings.html", title="Rings", view=view, sort=sort, status=status, review=review,
                    min_size=min_size, **_ring_list_choices())

    @app.get("/rings/{ring_id}", response_class=HTMLResponse)
    def ring(request: Request, ring_id: str) -> HTMLResponse:
        summary = run_view(runner(), "ring_summary", {"ring_id": ring_id})  # (must exist: ring): 404 if not
        members = run_view(runner(), "ring_members", {"ring_id": ring_id})
        money = run_view(runner(), "ring_money_flow", {"ring_id": ring_id})
        drawing = run_view(runner(), "ring_graph", {"ring_id": ring_id})
        return page(request, "ring.html", title=f"Ring {ring_id}", ring_id=ring_id, summary=summary,
                    members=members, money=money, drawing=drawing,
                    drawing_json=_script_json(plain_value(drawing.rows[0]) if drawing.rows else {}))

    @app.get("/accounts/{user_id}", response_class=HTMLResponse)
    def account(request: Request, user_id: str) -> HTMLResponse:
        profile = run_view(runner(), "user_risk_profile", {"user_id": user_id})  # (must exist: user)
        timeline = run_view(runner(), "account_timeline", {"user_id": user_id})
        verdicts = run_view(runner(), "verdict_history", {"user_id": user_id})
        return page(request, "account.html", title=f"Account {user_id}", user_id=user_id, profile=profile,
                    timeline=timeline, verdicts=verdicts, verdict_values=VERDICT_VALUES,
                    by=request.cookies.get(BY_COOKIE, ""), next=request.query_params.get("next", ""))

    @app.post("/accounts/{user_id}/verdict")
    async def verdict(request: Request, user_id: str) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return page(request, "error.html", http_status=413, title="Too long",
                        message=f"a verdict form has at most {MAX_FORM_BYTES:,} bytes")
        form = _form(await request.body())
        if not access.form_is_genuine(form.get("form_secret")):
            return page(request, "error.html", http_status=403, title="Refused",
                        message="this form is not from this console (reload the page and try again)")
        by = form.get("by", "").strip()
        note = form.get("note", "").strip()
        if len(by) > MAX_BY or len(note) > MAX_NOTE:
            raise _TooLong(f"the name may have {MAX_BY} characters and the note {MAX_NOTE}")
        # a write transaction the driver may retry: off the event loop, so other pages keep answering
        recorded = await run_in_threadpool(record_verdict, runner(), user_id, form.get("verdict", ""), by=by,
                                           note=note or None)
        target = form.get("next", "")
        if not LOCAL_PATH.fullmatch(target):  # never off the console: no //host, no /\host, no scheme
            target = f"/accounts/{_path_part(user_id)}"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(BY_COOKIE, recorded.by, httponly=True, samesite="strict")
        return response

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, ring_id: str = "") -> HTMLResponse:
        view = run_view(runner(), "review_queue", {"ring_id": ring_id})
        return page(request, "queue.html", title="Review queue", view=view, ring_id=ring_id)

    @app.get("/api/neighbours")
    def neighbours(kind: str, key: str, limit: str = "25") -> JSONResponse:
        view = run_view(runner(), "account_neighbours", {"kind": kind, "key": key, "limit": limit})
        return JSONResponse({"rows": plain_value(view.rows), "command": view.command})

    return app


class _TooLong(GraphRiskError):
    """A form field is longer than the console accepts."""


def _ring_list_choices() -> dict[str, tuple[str, ...]]:
    """The ring list's dropdowns: the values ``ring_list``'s header allows (``(one of: ...)``), which it checks."""
    info = describe_query("ring_list")
    return {"sorts": info.parameter("sort").choices, "statuses": info.parameter("statuses").choices,
            "review_states": info.parameter("review").choices}


def _form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, the last value of each field."""
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in fields.items()}


def _same_origin(request: Request) -> bool:
    """A post whose ``Origin`` (sent by every current browser) names this console, or that has none (not a browser)."""
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:] if header.lower().startswith("bearer ") else None


def _path_part(text: str) -> str:
    return quote(text, safe="")


def _script_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` escaped."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _plain_error(status: int, message: str) -> Response:
    return Response(f"graphrisk console: {message}\n", status_code=status, media_type="text/plain; charset=utf-8")
