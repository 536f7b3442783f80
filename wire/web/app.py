"""The aiohttp application factory: routes in one place, resources in cleanup_ctx.

Opening order: store (migrations run) → desk, publisher, auth → HTTP client →
delivery (WebSub, webhooks) → scheduled jobs. Closing runs in reverse, so a
SIGTERM drains requests, stops the jobs, then closes the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

from aiohttp import ClientSession, ClientTimeout, web

from wire import USER_AGENT
from wire.clock import Clock, utcnow
from wire.config import Config
from wire.deliver.session import make_push_session
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.demo import load_demo
from wire.events import StoryChanged
from wire.ingest.sources import SourceRunner
from wire.model import PubStatus
from wire.publish.publisher import Publisher
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import open_store
from wire.store.base import Store
from wire.web import api, feeds, health, index
from wire.web.auth import Authenticator
from wire.web.keys import AUTH, HOOKS, HTTP, HUB, JOBS, PUBLISHER, RATE_LIMITER, SOURCES, WIRE
from wire.web.problems import problem_middleware
from wire.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

DELIVERY_INTERVAL = 2  # seconds between delivery retry sweeps
LEADER_INTERVAL = 15  # seconds between attempts to become the job-running instance


class EmbargoWatch:
    """Releases embargoed stories at their exact time: one job, always set for the
    next embargo to lift, re-planned whenever a story with a nearer one arrives."""

    JOB = "embargo-release"

    def __init__(self, wire: Wire, jobs: Jobs) -> None:
        self._wire = wire
        self._jobs = jobs
        self._checked = wire.clock()

    async def plan(self) -> None:
        nxt = await self._wire.store.next_embargo(self._checked)
        if nxt is None:
            self._jobs.cancel(self.JOB)
        else:
            self._jobs.at(self.JOB, self.release_due, nxt)

    async def release_due(self) -> None:
        now = self._wire.clock()
        due = await self._wire.store.embargoes_between(self._checked, now)
        self._checked = now
        for story in due:
            await self._wire.bus.publish(StoryChanged(story, story, "released"))
        await self.plan()

    async def on_story_changed(self, event: StoryChanged) -> None:
        story = event.story
        if (
            story.embargoed_until is not None
            and story.pub_status is PubStatus.USABLE
            and story.embargoed_until > self._wire.clock()
        ):
            await self.plan()


class Leadership:
    """With several instances on one PostgreSQL, only the lock holder polls sources,
    releases embargoes and retries pushes; the others serve. Asked on every tick,
    so another instance takes over when the leader goes away."""

    def __init__(
        self,
        store: Store,
        jobs: Jobs,
        sources: SourceRunner,
        embargo: EmbargoWatch,
        deliver: Callable[[], Awaitable[None]],
    ) -> None:
        self._store, self._jobs, self._sources = store, jobs, sources
        self._embargo, self._deliver = embargo, deliver
        self.leading = False

    async def tick(self) -> None:
        if self.leading or not await self._store.try_leader_lock():
            return
        self.leading = True
        log.info("this instance runs the scheduled jobs")
        self._jobs.every("deliveries", self._deliver, DELIVERY_INTERVAL)
        await self._sources.start()
        await self._embargo.plan()


async def _resources(app: web.Application) -> AsyncIterator[None]:
    config: Config = app[CONFIG]
    clock: Clock = app[CLOCK]
    store = open_store(config.server.database_url)
    await store.open()
    wire = Wire(config, store, clock)
    publisher = Publisher(config, store, clock)
    http = ClientSession(timeout=ClientTimeout(total=30), headers={"User-Agent": USER_AGENT})
    # URLs strangers chose (callbacks, feed links) go through a session that refuses
    # private addresses as it connects, not only when checked (DNS rebinding).
    push = make_push_session(
        allow_private=config.server.allow_private_callbacks, user_agent=USER_AGENT
    )
    jobs = Jobs()
    hub = Hub(wire, publisher, push, jobs)
    hooks = Webhooks(wire, push, jobs)
    sources = SourceRunner(wire, jobs, http, pages=push)
    embargo = EmbargoWatch(wire, jobs)
    app[WIRE], app[PUBLISHER], app[HTTP], app[JOBS] = wire, publisher, http, jobs
    app[HUB], app[HOOKS], app[SOURCES] = hub, hooks, sources
    app[AUTH] = Authenticator(config, store)
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
