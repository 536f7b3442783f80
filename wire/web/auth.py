"""Reading credentials from HTTP requests: the bearer token, header or ``?token=``.

HTTP utilities. Who a token belongs to is ``wire.access``'s to say.
"""

from __future__ import annotations

import re

from aiohttp import web

from wire.errors import AuthError

_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
"""RFC 6750's ``b64token``: what a bearer token may be, ASCII only."""


def token_from(authorization: str | None, query_token: str | None) -> str | None:
    """The token from an ``Authorization: Bearer`` value, else the ``?token=`` one.
    Raises ``AuthError`` (401) for anything that is not a well-formed bearer token."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("Authorization must be 'Bearer <token>'")
        token: str | None = value.strip()
    else:
        token = query_token or None
    if token is not None and not _B64TOKEN.fullmatch(token):
        # also what a header that was not valid UTF-8 decodes to: never hashed, never looked up
        raise AuthError("the token is not a valid bearer token (RFC 6750 b64token)")
    return token


def bearer_token(request: web.Request, *, allow_query: bool = False) -> str | None:
    """The token from ``Authorization: Bearer``, or ``?token=`` where allowed."""
    query_token = request.query.get("token") if allow_query else None
    return token_from(request.headers.get("Authorization"), query_token)


__all__ = ["bearer_token", "token_from"]
