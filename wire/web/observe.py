"""Watching the server: ``/metrics`` for Prometheus, and each aiohttp request counted and logged.

The feed shortcut counts and logs the polls it answers itself
(``wire.web.shortcut``); ``observe_middleware`` does the same for every request
aiohttp answers, 404s of unknown paths and 429s included, so the two paths
together account for every answered request once. Requests are grouped by
route family (``route_family``): a handful of values, never a raw path, so a
scan of made-up URLs cannot grow the metrics.

``/metrics`` is the Prometheus text exposition of ``wire.metrics.REGISTRY``; the
gauges that need the store (delivery queue, dead letters, WebSub
subscriptions) are read from it on each scrape. With ``server.metrics_token_hash``
set, a scrape needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import hmac
from time import perf_counter

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from wire import __version__
from wire.config import Config, ServerSettings
from wire.errors import AuthError, StoreError
from wire.logs import AccessLog, default_format
from wire.metrics import (
    DEAD_LETTERS,
    HTTP,
    QUEUE_DEPTH,
    QUEUE_OLDEST,
    REGISTRY,
    STORE_UP,
    SUBSCRIPTIONS,
    build_info,
)
from wire.tokens import hash_token
from wire.web.auth import bearer_token
from wire.web.feeds import ITEMS, READER
from wire.web.keys import ACCESS_LOG, WIRE
from wire.web.problems import Handler
from wire.web.proxies import client_address, trusted_networks

__all__ = ["access_log_of", "observe_middleware", "route_family", "setup"]

CLIENT_GONE = 499  # the client closed the connection before the answer (nginx's convention)

_FAMILIES = {
    "": "pages",  # the front page
    "feeds": "feeds",
    "stories": "stories",
    "api": "api",
    "desk": "desk",
    "websub": "websub",
    "healthz": "health",
    "readyz": "health",
    "metrics": "metrics",
}


def route_family(request: web.Request) -> str:
    """The family of the route that answered: the first segment of its pattern
    (``feeds``, ``stories``, ``api``, ``desk``, …), ``unmatched`` when none did."""
    resource = request.match_info.route.resource
    if resource is None:
        return "unmatched"
    first = resource.canonical.lstrip("/").split("/", 1)[0]
    return _FAMILIES.get(first, "other")


def usage_channel(path: str) -> str:
    """The channel a partner's request is counted under (``wire.usage.CHANNELS``)."""
    if path.startswith("/feeds/"):
        return "feeds"
    if path.startswith("/stories/"):
        return "stories"
    if path.startswith("/api/v1/feeds/"):
        tail = path.rsplit("/", 2)
        if tail[-1] == "items":
            return "cursor"
        if "queue" in tail[-2:]:
            return "queue"
    if path == "/api/v1/search":
        return "search"
    return "api"


def access_log_of(server: ServerSettings) -> AccessLog:
    """The access log the settings ask for (format, on or off, 304 sampling)."""
    return AccessLog(
        fmt=server.log_format or default_format(),
        sample_304=server.access_log_304_sample,
        enabled=server.access_log,
    )


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, time and log each request aiohttp answers (outermost: it sees the
    status the problem middleware settled on)."""
    started = perf_counter()
    status, size = 500, None
    try:
        response = await handler(request)
        status = response.status
        size = response.content_length
        return response
    except web.HTTPException as exc:  # redirects raised through the problem middleware
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_GONE
        raise
    finally:
        seconds = perf_counter() - started
        family = route_family(request)
        HTTP.observe(family, str(status), "aiohttp", seconds)
        reader = request.get(READER)
        if reader is not None and reader.partner:
            wire = request.app[WIRE]
            items = request.get(ITEMS, 0)
            wire.usage.count(
                reader.name,
                usage_channel(request.path),
                at=wire.clock(),
                size=size or 0,
                items=items,
            )
        access = request.app[ACCESS_LOG]
        if access.wants(status):
            part = access.request_part(
                request.method,
                request.raw_path,
                user_agent=request.headers.get("User-Agent"),
                referer=request.headers.get("Referer"),
                family=family,
                served="aiohttp",
            )
            trusted = trusted_networks(request.app[WIRE].config.server.trusted_proxies)
            client = client_address(request.remote or "-", request.headers, trusted)
            access.write(part, client, status, size, seconds)


def _authorized(config: Config, request: web.Request) -> None:
    """Raises ``AuthError`` (401) unless the metrics token is unset or was sent."""
    expected = config.server.metrics_token_hash
    if expected is None:
        return
    token = bearer_token(request)
    if token is None:
        raise AuthError("/metrics needs the metrics token: Authorization: Bearer <token>")
    if not hmac.compare_digest(hash_token(token), expected):
        raise AuthError("not the metrics token")


async def _read_store_gauges(request: web.Request) -> None:
    """Set the gauges whose values live in the store; ``wire_store_up`` 0 (and the
    others left as they were) while it does not answer."""
    wire = request.app[WIRE]
    now = wire.clock()
    try:
        stats = await wire.store.queue_stats()
        subscriptions = await wire.store.count_subscriptions(now=now)
    except StoreError:
        STORE_UP.set(0)
        return
    STORE_UP.set(1)
    for queue in stats:
        QUEUE_DEPTH.labels(queue.kind.value).set(queue.pending)
        oldest = queue.oldest_pending
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        QUEUE_OLDEST.labels(queue.kind.value).set(age)
        DEAD_LETTERS.labels(queue.kind.value).set(queue.dead)
    SUBSCRIPTIONS.set(subscriptions)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of every wire metric and the process's."""
    _authorized(request.app[WIRE].config, request)
    await _read_store_gauges(request)
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def setup(app: web.Application, config: Config) -> None:
    """The access log, the build info and ``/metrics`` (the middleware is the app
    factory's to place, outermost)."""
    app[ACCESS_LOG] = access_log_of(config.server)
    build_info(__version__)
    app.router.add_get("/metrics", metrics)
