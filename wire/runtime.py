"""wire's running parts wired together, with or without an HTTP server in front.

``wire serve`` and ``wire ingest`` share this one change path: a story saved by
either goes through the same desk (``Wire``), whose events reach the same
publisher (cache invalidation), webhooks and WebSub hub, so a story ingested
from the command line is pushed to partners exactly as one pushed over HTTP.
Deliveries live in the store: a first attempt the command line starts is
retried by the server's sweep if it fails. A running server learns of the
command line's writes through the store (``add_change_listener(remote_only)``:
PostgreSQL NOTIFY, or on SQLite a watch on the change sequence) and drops its
cached feeds within a second.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from wire import USER_AGENT
from wire.access import Authenticator
from wire.clock import Clock, utcnow
from wire.config import Config
from wire.deliver.webhooks import Webhooks
from wire.deliver.websub import Hub
from wire.duties import EmbargoWatch
from wire.events import FeedChanged, StoredElsewhere
from wire.ingest.workers import ParseWorkers
from wire.net.session import make_guarded_session
from wire.poll.sources import SourceRunner
from wire.publish.publisher import Publisher
from wire.reachlog import ReachLog
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import open_store
from wire.store.base import Store

log = logging.getLogger(__name__)

__all__ = ["Runtime", "running"]


@dataclass
class Runtime:
    """Every long-lived object of one wire process."""

    config: Config
    store: Store
    wire: Wire
    publisher: Publisher
    http: aiohttp.ClientSession
    push: aiohttp.ClientSession
    jobs: Jobs
    auth: Authenticator
    hub: Hub
    hooks: Webhooks
    sources: SourceRunner
    embargo: EmbargoWatch
    reach: ReachLog


@asynccontextmanager
async def running(
    config: Config,
    *,
    clock: Clock = utcnow,
    finish_pushes: bool = False,
    workers: ParseWorkers | None = None,
) -> AsyncIterator[Runtime]:
    """Open the store and build the rest; close it all in reverse on the way out.

    ``finish_pushes`` (the command line): wait for the first attempt of every
    push already started before closing, instead of cancelling it (a server
    shutting down cancels them: they stay queued in the store). ``workers``: the
    parse workers, when the caller started them (``Wire`` makes its own otherwise)."""
    store = open_store(config.server.database_url)
    await store.open()
    wire = Wire(config, store, clock, parse_workers=workers)
    publisher = Publisher(config, store, clock, bus=wire.bus)
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
    reach = ReachLog()
    hub = Hub(wire, publisher, push, jobs, auth=auth, reach=reach)
    hooks = Webhooks(wire, push, jobs, reach=reach)
    sources = SourceRunner(wire, jobs, http, pages=push)
    embargo = EmbargoWatch(wire, jobs)
    wire.bus.subscribe(publisher.on_story_changed)
    wire.bus.subscribe(hooks.on_story_changed)
    wire.bus.subscribe(embargo.on_story_changed)
    wire.bus.subscribe(hub.on_feed_changed, kind=FeedChanged)
    wire.bus.subscribe(publisher.on_stored_elsewhere, kind=StoredElsewhere)

    # Other processes' writes (another instance, the command line) must drop this
    # one's caches too; this process's own writes already did, through the bus.
    async def stored_elsewhere(guid: str) -> None:
        await wire.bus.publish(StoredElsewhere(guid))

    await store.add_change_listener(stored_elsewhere, remote_only=True)
    runtime = Runtime(
        config, store, wire, publisher, http, push, jobs, auth, hub, hooks, sources, embargo, reach
    )
    try:
        yield runtime
    finally:
        sources.stop()
        publisher.close()
        await jobs.aclose()
        await wire.bus.drain()
        if finish_pushes:
            await hub.drain()
            await hooks.drain()
        await hub.aclose()
        await hooks.aclose()
        await push.close()
        await http.close()
        await wire.workers.close()
        await store.close()
