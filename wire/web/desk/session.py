"""Signing in at the desk: the session cookie, CSRF tokens, and the guard every
desk page passes.

* The cookie holds the session's secret (``wire.access.Sessions`` keeps only its
  hash): ``HttpOnly``, ``SameSite=Strict``, ``Path=/desk``, ``Secure`` when the
  base URL is https, and ``Max-Age`` the session's lifetime.
* Every form carries a CSRF token. Signed in, it is derived from the session
  secret (a keyed hash), so it needs no storage and a page of another origin,
  which cannot read the HttpOnly cookie, cannot make one. The sign-in form, before
  any session, uses a double-submit cookie of its own.
* A desk page without a valid session sends the browser to the sign-in form
  (303); a form post without the right token is a 403 page, acting on nothing
  (``wire.web.desk.pages.desk_route`` applies both to every desk route).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from aiohttp import web

from wire.access import Editor, Sessions
from wire.errors import AuthError
from wire.web.keys import WIRE

SESSION_COOKIE = "wire_desk"
SIGN_IN_COOKIE = "wire_desk_signin"
CSRF_FIELD = "csrf"
PATH = "/desk"
SESSIONS = web.AppKey("desk_sessions", Sessions)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The editor behind a desk request, and the CSRF token its forms carry."""

    editor: Editor
    csrf: str


def csrf_of(secret: str) -> str:
    """The CSRF token of a session: a keyed hash of its secret."""
    return hmac.new(secret.encode(), b"wire desk csrf", hashlib.sha256).hexdigest()


def secure_cookies(request: web.Request) -> bool:
    """``Secure`` cookies when the desk is served over https (its base URL)."""
    return urlsplit(request.app[WIRE].config.server.base_url).scheme == "https"


def set_session_cookie(response: web.StreamResponse, request: web.Request, secret: str) -> None:
    lifetime = request.app[SESSIONS].lifetime
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(lifetime.total_seconds()),
        path=PATH,
        httponly=True,
        secure=secure_cookies(request),
        samesite="Strict",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=PATH)


def sign_in_token(request: web.Request) -> str:
    """The sign-in form's token: the browser's own if it has one, else a new one."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)


def set_sign_in_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    """The sign-in token as a short-lived cookie too: the form's field must match it
    (double submit)."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        path=PATH,
        httponly=True,
        secure=secure_cookies(request),
        samesite="Strict",
    )


def sign_in_token_matches(request: web.Request, sent: str | None) -> bool:
    kept = request.cookies.get(SIGN_IN_COOKIE)
    return bool(kept and sent and hmac.compare_digest(kept, sent))


def sign_in_url(request: web.Request) -> str:
    """Where a request without a session is sent, coming back to it afterwards."""
    here = request.rel_url.path_qs if request.method == "GET" else PATH
    return f"{PATH}/sign-in?next={quote(here, safe='')}"


async def signed_in(request: web.Request) -> SignedIn | None:
    """The editor signed in on this request, or None (no, ended or expired
    session, or a key that no longer stands)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        editor = await request.app[SESSIONS].editor(secret, request.app[WIRE].clock())
    except AuthError:
        return None
    return SignedIn(editor, csrf_of(secret))


class CSRFRefused(web.HTTPForbidden):
    """A desk form posted without its session's token."""


def check_csrf(who: SignedIn, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(who.csrf, sent):
        raise CSRFRefused(
            text="The form did not come from this desk session (CSRF check failed); "
            "nothing was done. Reload the page and try again."
        )


def safe_next(value: str | None) -> str:
    """A ``next=`` target only within the desk (no open redirect)."""
    if value and value.startswith(PATH) and not value.startswith("//") and "\\" not in value:
        return value
    return PATH


__all__ = [
    "CSRF_FIELD",
    "SESSIONS",
    "SESSION_COOKIE",
    "SignedIn",
    "check_csrf",
    "csrf_of",
    "signed_in",
]
