"""Liveness and readiness probes."""

from __future__ import annotations

from aiohttp import web

from wire.errors import StoreError
from wire.web.keys import WIRE


async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready: the database answers and its schema is at the newest migration."""
    try:
        revision = await request.app[WIRE].store.ready()
    except StoreError as exc:
        return web.json_response({"status": "unavailable", "reason": str(exc)}, status=503)
    return web.json_response({"status": "ready", "migration": revision})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
