"""The aiohttp application factory: routes in one place, resources in cleanup_ctx.

Opening order: store (migrations run) → desk, publisher, auth → HTTP client →
delivery (WebSub, webhooks) → scheduled jobs. Closing runs in reverse, so a
SIGTERM drains requests, stops the jobs, then closes the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web

from wire.clock import Clock, utcnow
from wire.config import Config
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.demo import load_demo
from wire.duties import Leadership
from wire.runtime import running
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
    SOURCES,
    WIRE,
)
from wire.web.problems import problem_middleware
from wire.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

LEADER_INTERVAL = 15  # seconds between attempts to become the job-running instance


async def _resources(app: web.Application) -> AsyncIterator[None]:
    config: Config = app[CONFIG]
    async with running(config, clock=app[CLOCK]) as rt:
        app[WIRE], app[PUBLISHER], app[HTTP], app[JOBS] = rt.wire, rt.publisher, rt.http, rt.jobs
        app[HUB], app[HOOKS], app[SOURCES], app[EMBARGO] = rt.hub, rt.hooks, rt.sources, rt.embargo
        app[AUTH] = rt.auth
        desk.start_sessions(app)
        app[RATE_LIMITER] = RateLimiter(config.server.rate_limit_per_minute)
        if config.server.load_demo:
            stored = await load_demo(rt.wire)
            if stored:
                log.info("loaded demo stories", extra={"stored": stored})
        if app[START_JOBS]:
            rt.jobs.start()
            for spec in config.feeds:
                rt.jobs.every(
                    f"refresh:{spec.name}",
                    partial(rt.publisher.refresh, spec.name),
                    spec.refresh_interval,
                )
            deliver = partial(_deliver, rt.hub, rt.hooks)
            leader = Leadership(rt.store, rt.jobs, rt.sources, rt.embargo, deliver, rt.wire.clock)
            await leader.tick()
            rt.jobs.every("leader", leader.tick, LEADER_INTERVAL)
        yield
        app[ACCESS_LOG].flush()


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
    index.setup_routes(app, config)
    feeds.setup_routes(app)
    api.setup_routes(app)
    apidocs.setup_routes(app)
    desk.setup_routes(app)
    websub.setup_routes(app)
    return app


__all__ = ["create_app"]
