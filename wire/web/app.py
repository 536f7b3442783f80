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

from wire import USER_AGENT
from wire.access import Authenticator
from wire.clock import Clock, utcnow
from wire.config import Config
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.demo import load_demo
from wire.duties import EmbargoWatch, Leadership
from wire.ingest.sources import SourceRunner
from wire.net.session import make_guarded_session
from wire.publish.publisher import Publisher
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import open_store
from wire.web import api, feeds, health, index
from wire.web.keys import (
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
    clock: Clock = app[CLOCK]
    store = open_store(config.server.database_url)
    await store.open()
    wire = Wire(config, store, clock)
    publisher = Publisher(config, store, clock)
    # URLs wire did not choose — callbacks, upstream sources and every redirect they
    # lead to, feed links — go through sessions that refuse private addresses as
    # they connect, not only when checked (DNS rebinding).
    http = make_guarded_session(
        allow_private=config.server.allow_private_sources,
        allow_hosts=frozenset(config.server.trusted_source_hosts),
        user_agent=USER_AGENT,
    )
    push = make_guarded_session(
        allow_private=config.server.allow_private_callbacks, user_agent=USER_AGENT
    )
    jobs = Jobs()
    auth = Authenticator(config, store)
    hub = Hub(wire, publisher, push, jobs, auth=auth)
    hooks = Webhooks(wire, push, jobs)
    sources = SourceRunner(wire, jobs, http, pages=push)
    embargo = EmbargoWatch(wire, jobs)
    app[WIRE], app[PUBLISHER], app[HTTP], app[JOBS] = wire, publisher, http, jobs
    app[HUB], app[HOOKS], app[SOURCES], app[EMBARGO] = hub, hooks, sources, embargo
    app[AUTH] = auth
    app[RATE_LIMITER] = RateLimiter(config.server.rate_limit_per_minute)

    wire.bus.subscribe(publisher.on_story_changed)
    wire.bus.subscribe(hooks.on_story_changed)
    wire.bus.subscribe(embargo.on_story_changed)
    publisher.on_feed_changed(hub.on_feed_changed)
    if config.server.load_demo:
        stored = await load_demo(wire)
        if stored:
            log.info("loaded demo stories", extra={"stored": stored})
    # Other instances' writes (PostgreSQL NOTIFY) must drop this instance's caches
    # too; this instance's own writes already did, through the event bus.
    await store.add_change_listener(publisher.forget, remote_only=True)
    if app[START_JOBS]:
        jobs.start()
        for spec in config.feeds:
            jobs.every(
                f"refresh:{spec.name}", partial(publisher.refresh, spec.name), spec.refresh_interval
            )
        leader = Leadership(store, jobs, sources, embargo, partial(_deliver, hub, hooks))
        await leader.tick()
        jobs.every("leader", leader.tick, LEADER_INTERVAL)
    try:
        yield
    finally:
        sources.stop()
        await jobs.aclose()
        await wire.bus.drain()
        await hub.aclose()
        await hooks.aclose()
        await push.close()
        await http.close()
        await store.close()


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
        middlewares=[problem_middleware], client_max_size=config.server.max_body_bytes
    )
    app[CONFIG] = config
    app[CLOCK] = clock
    app[START_JOBS] = start_jobs
    app.cleanup_ctx.append(_resources)
    health.setup_routes(app)
    index.setup_routes(app, config)
    feeds.setup_routes(app)
    api.setup_routes(app)
    Hub.setup_routes(app)
    return app


__all__ = ["create_app"]
