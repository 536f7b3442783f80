"""The aiohttp application factory: routes in one place, resources in cleanup_ctx.

Opening order: store (migrations run) → desk, publisher, auth → HTTP client →
delivery (WebSub, webhooks) → scheduled jobs. Closing runs in reverse, so a
SIGTERM drains requests, stops the jobs, then closes the database.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import fields, replace
from functools import partial
from pathlib import Path

from aiohttp import web

from wire.clock import Clock, utcnow
from wire.config import Config, FeedSpec, load_config, serving_at
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.demo import load_demo
from wire.duties import Leadership
from wire.errors import StoreError, WireError
from wire.publish.publisher import Publisher
from wire.runtime import running
from wire.schedule import Jobs
from wire.web import api, apidocs, desk, feeds, health, index, observe, websub
from wire.web.keys import (
    ACCESS_LOG,
    AUTH,
    EMBARGO,
    HOOKS,
    HTTP,
    HUB,
    JOBS,
    PUBLISHER,
    RATE_LIMITER,
    REACH,
    SOURCES,
    WIRE,
)
from wire.web.problems import problem_middleware
from wire.web.ratelimit import TokenBuckets
from wire.web.reaching import flush_reach, reannounce_kills
from wire.web.sharedlimit import SharedRateLimiter

log = logging.getLogger(__name__)

LEADER_INTERVAL = 15  # seconds between attempts to become the job-running instance
USAGE_FLUSH_SECONDS = 10  # how often each instance adds its partners' usage to the store


async def _resources(app: web.Application) -> AsyncIterator[None]:
    config: Config = app[CONFIG]
    async with running(config, clock=app[CLOCK]) as rt:
        app[WIRE], app[PUBLISHER], app[HTTP], app[JOBS] = rt.wire, rt.publisher, rt.http, rt.jobs
        app[HUB], app[HOOKS], app[SOURCES], app[EMBARGO] = rt.hub, rt.hooks, rt.sources, rt.embargo
        app[AUTH] = rt.auth
        app[REACH] = rt.reach
        desk.start_sessions(app)
        shared = _shared_limiter(config)
        app[RATE_LIMITER] = shared or TokenBuckets(config.server.rate_limit_per_minute)
        if config.server.load_demo:
            stored = await load_demo(rt.wire)
            if stored:
                log.info("loaded demo stories", extra={"stored": stored})
        if app[START_JOBS]:
            rt.jobs.start()
            _schedule_refreshes(rt.jobs, rt.publisher, (), config.feeds)
            rt.jobs.every("usage", rt.wire.flush_usage, USAGE_FLUSH_SECONDS)
            rt.jobs.every("reach", partial(flush_reach, app), USAGE_FLUSH_SECONDS)
            rt.jobs.every(
                "kill-reminders",
                partial(reannounce_kills, app),
                60 * config.server.kill_reannounce_minutes,
            )
            deliver = partial(_deliver, rt.hub, rt.hooks)
            leader = Leadership(rt.store, rt.jobs, rt.sources, rt.embargo, deliver, rt.wire.clock)
            await leader.tick()
            rt.jobs.every("leader", leader.tick, LEADER_INTERVAL)
        try:
            yield
        finally:
            app[ACCESS_LOG].flush()
            with contextlib.suppress(StoreError):
                await rt.wire.flush_usage()  # what this instance counted last
                await flush_reach(app)
            if shared is not None:
                await shared.close()


def _schedule_refreshes(
    jobs: Jobs, publisher: Publisher, before: Sequence[FeedSpec], after: Sequence[FeedSpec]
) -> None:
    """One refresh job per feed, at its interval: those of feeds gone are cancelled."""
    for spec in before:
        jobs.cancel(f"refresh:{spec.name}")
    for spec in after:
        jobs.every(
            f"refresh:{spec.name}", partial(publisher.refresh, spec.name), spec.refresh_interval
        )


async def reload_config(app: web.Application, path: Path) -> bool:
    """SIGHUP: partners, editor keys and feeds from the config file again. The file
    is validated first; a bad one leaves the running config as it is and says why.
    ``[server]`` settings (ports, database, caches) need a restart: the running ones
    stay, and changed ones are named in the log."""
    wire, publisher = app[WIRE], app[PUBLISHER]
    running = wire.config
    try:
        loaded = load_config(path)
    except (WireError, OSError) as exc:
        log.error(
            "config not reloaded: the running one stays",
            extra={"path": str(path), "error": str(exc)},
        )
        return False
    wanted = serving_at(loaded, running.server.host, running.server.port).server
    ignored = sorted(
        f.name for f in fields(wanted) if getattr(wanted, f.name) != getattr(running.server, f.name)
    )
    if ignored:
        log.warning(
            "config reloaded without its [server] changes: they need a restart",
            extra={"keys": ", ".join(ignored)},
        )
    config = replace(loaded, server=running.server)
    wire.config = config
    app[AUTH].reconfigure(config)
    publisher.reconfigure(config)
    if app[START_JOBS]:
        _schedule_refreshes(app[JOBS], publisher, running.feeds, config.feeds)
    log.info(
        "config reloaded",
        extra={
            "path": str(path),
            "partners": len(config.partners),
            "editor_keys": len(config.editor_keys),
            "feeds": len(config.feeds),
        },
    )
    return True


def _shared_limiter(config: Config) -> SharedRateLimiter | None:
    """The rate limit shared through Redis when the config names one, started."""
    server = config.server
    if not server.rate_limit_redis_url:
        return None
    limiter = SharedRateLimiter(
        server.rate_limit_per_minute,
        server.rate_limit_redis_url,
        sync_seconds=server.rate_limit_sync_ms / 1000,
    )
    limiter.start()
    return limiter


async def _deliver(hub: Hub, hooks: Webhooks) -> None:
    """One sweep of due pushes: WebSub notifications, then partner webhooks."""
    await hub.run_due()
    await hooks.run_due()


CONFIG = web.AppKey("config", Config)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
START_JOBS = web.AppKey("start_jobs", bool)


def create_app(
    config: Config, *, clock: Clock = utcnow, start_jobs: bool = True
) -> web.Application:
    """The whole server as one aiohttp application (tests pass their own clock)."""
    app = web.Application(
        middlewares=[observe.observe_middleware, problem_middleware],
        client_max_size=config.server.max_body_bytes,
    )
    app[CONFIG] = config
    observe.setup(app, config)
    app[CLOCK] = clock
    app[START_JOBS] = start_jobs
    app.cleanup_ctx.append(_resources)
    health.setup_routes(app)
    index.setup_routes(app)
    feeds.setup_routes(app)
    app.on_response_prepare.append(feeds.send_allowance)
    api.setup_routes(app)
    apidocs.setup_routes(app)
    desk.setup_routes(app)
    websub.setup_routes(app)
    return app


__all__ = ["create_app"]
