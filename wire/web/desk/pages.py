"""Rendering desk pages: the Jinja2 environment (aiohttp-jinja2), the filters the
templates print with, the headers every desk page carries, and ``desk_route``,
the guard and error page around every desk handler.

Templates autoescape everything; the one filter that returns markup
(``highlight``) escapes the text itself before marking the evidence phrases.
Desk pages are private and never cached, and may load scripts and styles only
from wire itself (Content-Security-Policy); pictures may come from anywhere,
as agency pictures do.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from wire.errors import WireError
from wire.formats.printed import machine_time, printed_status, printed_time
from wire.formats.roles import ROLE_WORDS, ROLE_WORDS_FALLBACK
from wire.model import SourceRole
from wire.web.desk.session import CSRF_FIELD, SignedIn, check_csrf, sign_in_url, signed_in
from wire.web.problems import Problem, as_problem

log = logging.getLogger(__name__)

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
"""What every desk page is sent with."""

ROLE_CHOICES = tuple(SourceRole)


def _time(when: datetime | None) -> str:
    return printed_time(when) if when is not None else ""


def _iso(when: datetime | None) -> str:
    return machine_time(when) if when is not None else ""


def _role_words(role: str) -> str:
    return ROLE_WORDS.get(role, ROLE_WORDS_FALLBACK)


def highlight(text: str, phrases: Iterable[str | None]) -> Markup:
    """``text`` escaped, with every evidence phrase in it marked (``<mark>``)."""
    wanted = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not wanted:
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(p) for p in wanted))
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(Markup("<mark>") + escape(found.group()) + Markup("</mark>"))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("wire.web.desk", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        time=_time,
        iso=_iso,
        role_words=_role_words,
        highlight=highlight,
        status_words=printed_status,
    )
    env.globals.update(role_choices=ROLE_CHOICES, csrf_field=CSRF_FIELD)


def page(
    request: web.Request,
    template: str,
    context: Mapping[str, Any],
    who: SignedIn | None,
    *,
    status: int = 200,
) -> web.Response:
    """A desk page rendered with its template, the signed-in editor and the headers."""
    response = aiohttp_jinja2.render_template(
        template, request, {**context, "who": who, "path": request.path}, status=status
    )
    response.headers.update(HEADERS)
    return response


def error_page(
    request: web.Request, who: SignedIn | None, status: int, detail: str
) -> web.Response:
    return page(request, "error.html", {"status": status, "detail": detail}, who, status=status)


DeskHandler = Callable[[web.Request, SignedIn], Awaitable[web.StreamResponse]]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def desk_route(handler: DeskHandler) -> Route:
    """A desk route: signed in (else, for a GET, to the sign-in form), a POST's
    CSRF token checked before the handler runs, and any refusal — wire's own
    errors and HTTP ones alike — answered as a desk page with its status,
    never a stack trace or a problem document."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        who = await signed_in(request)
        try:
            if who is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther(sign_in_url(request))
                raise web.HTTPForbidden(text="Not signed in at the desk; nothing was done.")
            if request.method == "POST":
                form = await request.post()
                sent = form.get(CSRF_FIELD)
                check_csrf(who, sent if isinstance(sent, str) else None)
            return await handler(request, who)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return error_page(request, who, exc.status, exc.text or exc.reason)
        except (Problem, WireError) as exc:
            problem = as_problem(exc)
            return error_page(request, who, problem.status, problem.detail)

    return guarded


__all__ = ["HEADERS", "desk_route", "error_page", "highlight", "page", "setup_templates"]
