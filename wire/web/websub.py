"""``POST /websub``: the hub's HTTP door (W3C WebSub §5.1).

The hub itself (``wire.deliver.websub.Hub``: requests, verification of intent,
distribution) knows no HTTP framework; this handler turns a form into a
``HubRequest`` and the hub's refusals into problem documents.
"""

from __future__ import annotations

from aiohttp import web

from wire.deliver.websub import FORM_TYPE, parse_hub_request
from wire.errors import HubRequestError, NotEntitled, UnsafeURL
from wire.tokens import hash_token
from wire.web.auth import bearer_token
from wire.web.keys import AUTH, HUB, WIRE
from wire.web.problems import Problem


async def subscribe(request: web.Request) -> web.Response:
    """``POST /websub``: 202 and verification in the background, or a 4xx problem."""
    if request.content_type != FORM_TYPE:
        raise Problem(415, f"a hub request is a form: Content-Type {FORM_TYPE}")
    hub = request.app[HUB]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    try:
        parsed = parse_hub_request(form, leases=hub.leases)
    except HubRequestError as exc:
        raise Problem(400, exc.problem, kind="bad-hub-request", field=exc.field) from exc
    token = bearer_token(request) or parsed.token
    now = request.app[WIRE].clock()
    audience = await request.app[AUTH].audience(token, now)
    secure = request.secure or hub.publisher.base_url.startswith("https:")
    try:
        await hub.accept(
            parsed,
            audience=audience,
            secure=secure,
            token_hash=hash_token(token) if token else None,
        )
    except HubRequestError as exc:
        raise Problem(400, exc.problem, kind="bad-hub-request", field=exc.field) from exc
    except UnsafeURL as exc:
        raise Problem(400, str(exc), kind="unsafe-url", field="hub.callback") from exc
    except NotEntitled as exc:
        raise Problem(403, str(exc), kind="forbidden") from exc
    return web.Response(status=202, text="verification of intent pending\n")


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/websub", subscribe)
