"""``/desk/sign-in`` and ``/desk/sign-out``: an editor key exchanged for a
session cookie, and the session ended.

The key is checked as the API checks it (``Authenticator``); a refused key is
told so on the form, with no hint of which keys exist. The sign-in form has its
own CSRF token (a double-submit cookie), since there is no session yet.
"""

from __future__ import annotations

import logging

from aiohttp import web

from wire.errors import AuthError
from wire.web.desk.pages import desk_route, page
from wire.web.desk.session import (
    PATH,
    SESSION_COOKIE,
    SESSIONS,
    SignedIn,
    clear_session_cookie,
    safe_next,
    set_session_cookie,
    set_sign_in_cookie,
    sign_in_token,
    sign_in_token_matches,
    signed_in,
)
from wire.web.keys import WIRE

log = logging.getLogger(__name__)


def _form(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    token = sign_in_token(request)
    context = {"next": safe_next(request.query.get("next")), "error": error, "token": token}
    response = page(request, "signin.html", context, None, status=status)
    set_sign_in_cookie(response, request, token)
    return response


async def sign_in_form(request: web.Request) -> web.StreamResponse:
    """The sign-in form; a browser already signed in goes on to the desk."""
    if await signed_in(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    return _form(request)


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sent = form.get("token")
    if not sign_in_token_matches(request, sent if isinstance(sent, str) else None):
        return _form(
            request,
            error="The sign-in form expired or did not come from this desk. Try again.",
            status=403,
        )
    key = form.get("key")
    key = key.strip() if isinstance(key, str) else ""
    wire = request.app[WIRE]
    try:
        if not key:
            raise AuthError("no key given")
        secret, editor = await request.app[SESSIONS].open(key, wire.clock())
    except AuthError:
        return _form(request, error="That key is not a valid editor key.", status=401)
    log.info("desk sign-in", extra={"editor": editor.name, "role": editor.role})
    target = form.get("next")
    response = web.HTTPSeeOther(safe_next(target if isinstance(target, str) else None))
    set_session_cookie(response, request, secret)
    raise response


async def _sign_out(request: web.Request, who: SignedIn) -> web.StreamResponse:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await request.app[SESSIONS].close(secret)
    log.info("desk sign-out", extra={"editor": who.editor.name})
    response = web.HTTPSeeOther(f"{PATH}/sign-in")
    clear_session_cookie(response)
    raise response


sign_out = desk_route(_sign_out)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(f"{PATH}/sign-in", sign_in_form)
    app.router.add_post(f"{PATH}/sign-in", sign_in)
    app.router.add_post(f"{PATH}/sign-out", sign_out)
