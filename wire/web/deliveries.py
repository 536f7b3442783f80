"""The dead-letter list over HTTP: pushes wire gave up on, and redelivering one by hand.

``GET /api/v1/deliveries/dead`` (editor or admin key) lists them newest first
without their bodies (a body can be a whole feed; the id, target and last error
are what an operator acts on). ``POST /api/v1/deliveries/{id}/redeliver``
(admin key) gives one a fresh set of attempts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from wire.store.base import Delivery
from wire.storyjson import format_instant
from wire.web.auth import bearer_token
from wire.web.keys import AUTH, HOOKS, WIRE
from wire.web.problems import Problem

__all__ = ["delivery_to_dict", "setup_routes"]

MAX_LIMIT = 1000


def delivery_to_dict(delivery: Delivery) -> dict[str, Any]:
    """A delivery's public JSON form (no body, no headers: they may carry signatures)."""
    return {
        "id": delivery.id,
        "kind": delivery.kind,
        "target": delivery.target,
        "subject": delivery.subject,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": format_instant(delivery.created_at),
        "next_attempt_at": format_instant(delivery.next_attempt_at),
        "body_bytes": len(delivery.body),
    }


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "100")
    try:
        limit = int(raw)
    except ValueError as exc:
        raise Problem(400, "limit must be a whole number", pointer="limit") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(400, f"limit must be between 1 and {MAX_LIMIT}", pointer="limit")
    return limit


async def dead_letters(request: web.Request) -> web.Response:
    wire = request.app[WIRE]
    await request.app[AUTH].editor(bearer_token(request), wire.clock())
    dead = await wire.store.dead_letters(limit=_limit(request))
    return web.json_response({"deliveries": [delivery_to_dict(d) for d in dead]})


async def redeliver(request: web.Request) -> web.Response:
    wire = request.app[WIRE]
    editor = await request.app[AUTH].editor(bearer_token(request), wire.clock())
    if editor.role != "admin":
        raise Problem(403, "redelivery needs an admin key", kind="forbidden")
    revived = await request.app[HOOKS].redeliver(request.match_info["id"])
    return web.json_response(delivery_to_dict(revived), status=202)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/deliveries/dead", dead_letters)
    app.router.add_post("/api/v1/deliveries/{id}/redeliver", redeliver)
