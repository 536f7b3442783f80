"""RFC 9457 problem details: the one error shape of wire's HTTP API.

Handlers raise ``Problem``; the middleware turns it, aiohttp's own HTTP errors
and wire's ``WireError`` family into ``application/problem+json``. An error no
one anticipated is logged and still answered as a problem, never a bare 500 page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

from wire.errors import (
    AlreadyDecided,
    AuthError,
    BadCursor,
    Forbidden,
    IngestError,
    InputTooLarge,
    Killed,
    NotFound,
    OnHold,
    StoreUnavailable,
    StoryValidationError,
    Unrenderable,
    UnsafeURL,
    UnsafeXML,
    VersionConflict,
    WireError,
)

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
RETRY_AFTER_OUTAGE = 5  # seconds a client is asked to wait while the database is away
TYPE_BASE = "https://wire.example/problems/"


class Problem(Exception):
    """An HTTP error to answer as problem+json; ``extra`` adds members (e.g. ``pointer``)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.headers = headers or {}
        self.extra = extra


def problem_body(problem: Problem, instance: str) -> bytes:
    """The RFC 9457 document of a problem at ``instance`` (the request's path)."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.kind,
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
        **problem.extra,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def problem_response(problem: Problem, instance: str) -> web.Response:
    return web.Response(
        status=problem.status,
        body=problem_body(problem, instance),
        content_type=PROBLEM_TYPE,
        headers=problem.headers,
    )


def as_problem(exc: Problem | WireError) -> Problem:
    """The problem an error is answered with (what the middleware answers)."""
    return exc if isinstance(exc, Problem) else problem_from_error(exc)


def problem_from_error(exc: WireError) -> Problem:
    """Map wire's own errors to their HTTP meaning."""
    if isinstance(exc, StoreUnavailable):
        # The store logged the outage once; each request gets a plain answer.
        return Problem(
            503,
            "the database is unreachable; try again shortly",
            kind="unavailable",
            headers={"Retry-After": str(RETRY_AFTER_OUTAGE)},
        )
    if isinstance(exc, Unrenderable):
        return Problem(503, f"{exc}; the desk has been told", kind="unrenderable")
    if isinstance(exc, StoryValidationError):
        return Problem(422, exc.problem, kind="invalid-story", pointer=exc.path)
    if isinstance(exc, InputTooLarge):
        return Problem(413, str(exc), kind="too-large")
    if isinstance(exc, UnsafeXML):
        return Problem(422, str(exc), kind="unsafe-xml")
    if isinstance(exc, IngestError):
        return Problem(422, str(exc), kind="unprocessable-input")
    if isinstance(exc, VersionConflict):
        return Problem(412, str(exc), kind="version-conflict", current_version=exc.current)
    if isinstance(exc, BadCursor):
        return Problem(400, str(exc), kind="invalid-parameter", parameter=exc.parameter)
    if isinstance(exc, OnHold):
        return Problem(409, str(exc), kind="on-hold", duplicate_of=exc.duplicate_of)
    if isinstance(exc, Killed):
        return Problem(409, str(exc), kind="killed", current_version=exc.version)
    if isinstance(exc, AlreadyDecided):
        return Problem(409, str(exc), kind="already-decided")
    if isinstance(exc, NotFound):
        return Problem(404, str(exc), kind="not-found")
    if isinstance(exc, AuthError):
        return Problem(
            401, str(exc), kind="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="wire"'}
        )
    if isinstance(exc, Forbidden):
        return Problem(403, str(exc), kind="forbidden")
    if isinstance(exc, UnsafeURL):
        return Problem(422, str(exc), kind="unsafe-url")
    return Problem(400, str(exc), kind="bad-request")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (Problem, WireError) as exc:
        return problem_response(as_problem(exc), request.path)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
        detail = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
        return problem_response(Problem(exc.status, detail, headers=headers), request.path)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem_response(
            Problem(500, "internal error; it has been logged", kind="internal"), request.path
        )
