"""Reading credentials from HTTP requests: the bearer token, header or ``?token=``.

HTTP utilities. Who a token belongs to is ``wire.access``'s to say.
"""

from __future__ import annotations

from aiohttp import web

from wire.errors import AuthError


def token_from(authorization: str | None, query_token: str | None) -> str | None:
    """The token from an ``Authorization: Bearer`` value, else the ``?token=`` one."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("Authorization must be 'Bearer <token>'")
        return value.strip()
    return query_token or None


def bearer_token(request: web.Request, *, allow_query: bool = False) -> str | None:
    """The token from ``Authorization: Bearer``, or ``?token=`` where allowed."""
    query_token = request.query.get("token") if allow_query else None
    return token_from(request.headers.get("Authorization"), query_token)


__all__ = ["bearer_token", "token_from"]
