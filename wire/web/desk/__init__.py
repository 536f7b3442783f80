"""The editors' desk at ``/desk``: server-rendered pages (Jinja2 templates, a
little plain JavaScript, no build step) over the same desk functions as the API.

``session`` signs editors in and guards forms (cookie, CSRF); ``pages`` renders
and guards every route; ``views`` lists and shows stories and acts on them;
``compose`` previews and publishes new copy; ``diff`` says what changed between
versions.
"""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files

from aiohttp import web

from wire.access import Sessions
from wire.web.desk import compose, signin, views
from wire.web.desk.pages import setup_templates
from wire.web.desk.session import PATH, SESSIONS
from wire.web.keys import AUTH, WIRE

STATIC = files("wire.web.desk") / "static"
STATIC_TYPES = {"desk.css": "text/css", "desk.js": "text/javascript"}


async def _static(request: web.Request) -> web.Response:
    """The desk's stylesheet and script, cached for a day (they are tiny)."""
    name = request.match_info["name"]
    kind = STATIC_TYPES.get(name)
    if kind is None:
        raise web.HTTPNotFound()
    body = (STATIC / name).read_bytes()
    return web.Response(
        body=body,
        content_type=kind,
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def start_sessions(app: web.Application) -> None:
    """The desk's sessions, once the store and the authenticator are open."""
    lifetime = timedelta(minutes=app[WIRE].config.server.desk_session_minutes)
    app[SESSIONS] = Sessions(app[AUTH], app[WIRE].store, lifetime)


def setup_routes(app: web.Application) -> None:
    setup_templates(app)
    signin.setup_routes(app)
    views.setup_routes(app)
    compose.setup_routes(app)
    app.router.add_get(f"{PATH}/static/{{name}}", _static)
    app.router.add_get(f"{PATH}/", _to_desk)


async def _to_desk(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect(PATH)


__all__ = ["PATH", "setup_routes", "start_sessions"]
