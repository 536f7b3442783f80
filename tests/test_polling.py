"""Polling http sources against real local upstream servers, and what gets stored.

Each test runs an aiohttp server whose answers the test scripts between polls
(new content, 304, 500, a hang, redirects, rate limits, hostile documents), polls
through ``SourceRunner`` into a real SQLite store, and checks the store and the
source's state after each poll."""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.clocks import eventually
from wire.clock import utcnow
from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.errors import WireError
from wire.model import PUBLIC, FeedFilter
from wire.net.session import make_guarded_session
from wire.poll.sources import SourceRunner
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import SQLStore

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServerFactory = Callable[..., Awaitable[TestServer]]


def fixture(name: str) -> bytes:
    return (UPSTREAM / name).read_bytes()


@dataclass
class Upstream:
    """A scriptable upstream: ``routes`` maps a path to a handler the test swaps
    between polls; every request's path and headers are kept."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    server: TestServer | None = None

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        return await handler(request)


def serve(
    body: bytes, *, etag: str | None = None, content_type: str = "application/rss+xml", **extra: str
) -> Handler:
    """200 with the body, or 304 when the request's If-None-Match matches ``etag``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {k.replace("_", "-"): v for k, v in extra.items()}
        if etag:
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={**headers, "Content-Type": content_type})

    return handler


def status(code: int, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=code, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )

    return handler


@pytest.fixture
async def upstream(aiohttp_server: ServerFactory) -> AsyncIterator[Upstream]:
    up = Upstream()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", up.handle)
    up.server = await aiohttp_server(app)
    yield up
    up.release.set()  # let hanging handlers return so the server can close


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """The guarded session ``wire serve`` polls with, trusting only the test's
    upstream host (127.0.0.1): any other private target is refused as it would be."""
    async with make_guarded_session(
        allow_private=False, allow_hosts=frozenset({"127.0.0.1"}), user_agent="wire-test"
    ) as s:
        yield s


@pytest.fixture
async def jobs() -> AsyncIterator[Jobs]:
    j = Jobs()
    j.start()
    yield j
    await j.aclose()


def make_runner(
    store: SQLStore,
    jobs: Jobs,
    session: aiohttp.ClientSession,
    tmp_path: Path,
    *sources: SourceConfig,
    max_body_bytes: int = 1024 * 1024,
) -> SourceRunner:
    server = ServerSettings(
        data_dir=tmp_path, max_body_bytes=max_body_bytes, allow_private_callbacks=True
    )
    wire = Wire(Config(server=server, sources=sources), store)
    return SourceRunner(wire, jobs, session, jitter=lambda: 0.0)


RunnerFactory = Callable[..., SourceRunner]


@pytest.fixture
def runner_for(
    store: SQLStore, jobs: Jobs, session: aiohttp.ClientSession, tmp_path: Path
) -> RunnerFactory:
    """``runner_for(*sources, max_body_bytes=…)``: a runner over this test's store,
    jobs and HTTP session."""
    return functools.partial(make_runner, store, jobs, session, tmp_path)


def http(name: str, url: str, **kwargs: Any) -> SourceConfig:
    kwargs.setdefault("poll_interval", 60)
    kwargs.setdefault("timeout", 5.0)
    return SourceConfig(name=name, kind=SourceKind.HTTP, location=url, **kwargs)


def seconds_until(when: datetime | None) -> float:
    assert when is not None
    return (when - datetime.now(UTC)).total_seconds()


# new content, changes between polls, versions ----------------------------------


async def test_a_feed_that_changes_between_polls(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"), etag='"v1"')
    runner = runner_for(http("world", upstream.url("/world.rss")))

    state = await runner.run_source_once("world")
    assert (state.items_seen, state.items_stored, state.failures) == (2, 2, 0)
    assert state.etag == '"v1"'
    assert state.last_success is not None
    first = await store.get("urn:example:world:1001")
    assert first is not None
    assert first.byline == ("Amina Rahman",)
    assert first.origin.source == "world"
    assert await store.get("urn:example:world:1003") is None

    upstream.routes["/world.rss"] = serve(fixture("world-2.rss"), etag='"v2"')
    state = await runner.run_source_once("world")
    assert (state.items_seen, state.items_stored) == (5, 4)  # one new, one updated, one same
    assert state.etag == '"v2"'
    assert (await store.get("urn:example:world:1003")) is not None
    harbour = await store.history("urn:example:world:1001")
    assert [s.headline for s in harbour] == [
        "Harbour reopens after storm",
        "Harbour reopens after storm, ferries full",
    ]
    assert len(await store.history("urn:example:world:1002")) == 1


async def test_an_older_version_arriving_late_does_not_overwrite(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"))
    runner = runner_for(http("world", upstream.url("/world.rss")))
    await runner.run_source_once("world")

    upstream.routes["/world.rss"] = serve(fixture("world-late.rss"))
    state = await runner.run_source_once("world")
    assert state.failures == 0
    assert state.items_stored == 2  # nothing more
    current = await store.get("urn:example:world:1001")
    assert current is not None
    assert current.headline == "Harbour reopens after storm"


async def test_an_atom_feed_and_a_newsml_item_are_recognised_by_content(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    upstream.routes["/feed"] = serve(fixture("world.atom"), content_type="text/plain")
    upstream.routes["/item"] = serve(fixture("item.newsml.xml"), content_type="application/xml")
    runner = runner_for(
        http("atom", upstream.url("/feed")),
        http("g2", upstream.url("/item")),
    )
    await runner.run_source_once("atom")
    await runner.run_source_once("g2")
    floods = await store.get("urn:example:atom:2001")
    assert floods is not None
    assert floods.byline == ("Lea Novak",)
    wind = await store.get("urn:newsml:agency.example:20260301:4001")
    assert wind is not None
    assert wind.headline == "Wind farm approved off the coast"
    assert wind.credit_line == "Example Agency"


async def test_a_gzipped_answer_is_stored(upstream: Upstream, runner_for: RunnerFactory) -> None:
    packed = gzip.compress(fixture("world-1.rss"))

    async def gzipped(request: web.Request) -> web.StreamResponse:
        assert "gzip" in request.headers.get("Accept-Encoding", "")
        return web.Response(
            body=packed,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
        )

    upstream.routes["/world.rss"] = gzipped
    runner = runner_for(http("world", upstream.url("/world.rss")))
    state = await runner.run_source_once("world")
    assert state.items_stored == 2


# conditional requests ----------------------------------------------------------


async def test_a_second_poll_is_conditional_and_304_stores_nothing(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(
        fixture("world-1.rss"), etag='"v1"', Last_Modified="Sun, 01 Mar 2026 09:00:00 GMT"
    )
    runner = runner_for(http("world", upstream.url("/world.rss")))
    await runner.run_source_once("world")
    state = await runner.run_source_once("world")

    first, second = upstream.hits("/world.rss")
    assert first["User-Agent"].startswith("wire/")
    assert "gzip" in first["Accept-Encoding"]
    assert "If-None-Match" not in first
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Sun, 01 Mar 2026 09:00:00 GMT"
    assert (state.items_seen, state.items_stored, state.failures) == (2, 2, 0)
    assert state.last_error is None


async def test_cache_control_max_age_longer_than_the_interval_is_honoured(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"), Cache_Control="max-age=900")
    runner = runner_for(http("world", upstream.url("/world.rss")))
    state = await runner.run_source_once("world")
    assert 890 < seconds_until(state.next_run) <= 900


# failures ----------------------------------------------------------------------


async def test_a_500_is_counted_backed_off_and_recovered_from(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = status(500)
    runner = runner_for(http("world", upstream.url("/world.rss")))

    state = await runner.run_source_once("world")
    assert (state.failures, state.last_error, state.items_stored) == (1, "HTTP 500", 0)
    assert 50 < seconds_until(state.next_run) <= 60  # jitter 0: first backoff = interval
    state = await runner.run_source_once("world")
    assert state.failures == 2
    assert 110 < seconds_until(state.next_run) <= 120  # doubled
    assert await store.source_states() == [state]

    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"))
    state = await runner.run_source_once("world")
    assert (state.failures, state.items_stored) == (0, 2)
    assert state.last_success is not None
    assert state.last_error_at is not None
    assert state.last_success > state.last_error_at
    assert 50 < seconds_until(state.next_run) <= 60


async def test_a_hanging_source_times_out_without_delaying_another(
    upstream: Upstream, store: SQLStore, jobs: Jobs, runner_for: RunnerFactory
) -> None:
    async def hang(request: web.Request) -> web.StreamResponse:
        await asyncio.wait_for(upstream.release.wait(), 30)
        return web.Response(status=200)

    upstream.routes["/slow.rss"] = hang
    upstream.routes["/fast.rss"] = serve(fixture("world-1.rss"))
    runner = runner_for(
        http("slow", upstream.url("/slow.rss"), timeout=4.0),
        http("fast", upstream.url("/fast.rss"), poll_interval=1),
    )
    started = datetime.now(UTC)
    await runner.start()
    await eventually(lambda: len(upstream.hits("/fast.rss")) >= 2)
    # The fast source has polled twice while the slow one is still hanging.
    assert datetime.now(UTC) - started < timedelta(seconds=4)
    assert len(upstream.hits("/slow.rss")) == 1
    await eventually(lambda: jobs.next_run("source:slow") is not None)  # rescheduled, not lost
    slow = await store.get_source_state("slow")
    assert slow is not None
    assert slow.last_error == "timed out after 4 s"
    assert slow.last_error_at is not None
    assert (slow.last_error_at - started).total_seconds() < 0.5  # recorded at the poll start
    await eventually(lambda: len(upstream.hits("/fast.rss")) >= 3)
    runner.stop()


async def test_a_permanent_redirect_is_followed_and_remembered(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    upstream.routes["/old.rss"] = status(301, Location="/new.rss")
    upstream.routes["/new.rss"] = serve(fixture("world-1.rss"))
    runner = runner_for(http("world", upstream.url("/old.rss")))

    state = await runner.run_source_once("world")
    assert state.url == upstream.url("/new.rss")
    assert state.items_stored == 2
    await runner.run_source_once("world")
    assert len(upstream.hits("/old.rss")) == 1
    assert len(upstream.hits("/new.rss")) == 2
    stored = await store.get_source_state("world")
    assert stored is not None
    assert stored.url == upstream.url("/new.rss")


async def test_a_temporary_redirect_is_followed_but_not_remembered(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = status(302, Location="/mirror.rss")
    upstream.routes["/mirror.rss"] = serve(fixture("world-1.rss"))
    runner = runner_for(http("world", upstream.url("/world.rss")))

    state = await runner.run_source_once("world")
    assert state.url == upstream.url("/world.rss")
    assert state.items_stored == 2
    await runner.run_source_once("world")
    assert len(upstream.hits("/world.rss")) == 2


@pytest.mark.parametrize("target", ["localhost", "[::1]", "127.0.0.2", "169.254.169.254"])
async def test_a_redirect_to_a_private_address_is_refused_and_nothing_is_stored(
    upstream: Upstream, runner_for: RunnerFactory, store: SQLStore, target: str
) -> None:
    port = upstream.url("/").split(":")[2].split("/")[0]
    upstream.routes["/world.rss"] = status(302, Location=f"http://{target}:{port}/secret")
    upstream.routes["/secret"] = serve(fixture("world-1.rss"))
    runner = runner_for(http("world", upstream.url("/world.rss")))
    state = await runner.run_source_once("world")
    assert state.failures == 1
    assert state.last_error is not None
    assert "refused" in state.last_error
    assert upstream.hits("/secret") == []
    assert await store.changes(FeedFilter(), audience=PUBLIC, now=utcnow(), after=0, limit=1) == []


async def test_a_redirect_loop_is_a_failure(upstream: Upstream, runner_for: RunnerFactory) -> None:
    upstream.routes["/a"] = status(302, Location="/b")
    upstream.routes["/b"] = status(302, Location="/a")
    runner = runner_for(http("loop", upstream.url("/a")))
    state = await runner.run_source_once("loop")
    assert state.failures == 1
    assert state.last_error is not None
    assert "redirects" in state.last_error


async def test_429_with_retry_after_waits_at_least_that_long(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = status(429, Retry_After="600")
    runner = runner_for(http("world", upstream.url("/world.rss")))
    state = await runner.run_source_once("world")
    assert state.failures == 1
    assert state.last_error == "HTTP 429 rate limited"
    assert 590 < seconds_until(state.next_run) <= 600


async def test_503_with_an_http_date_retry_after(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=1200)
    upstream.routes["/world.rss"] = status(503, Retry_After=format_datetime(later, usegmt=True))
    runner = runner_for(http("world", upstream.url("/world.rss")))
    state = await runner.run_source_once("world")
    assert state.last_error == "HTTP 503 rate limited"
    assert 1180 < seconds_until(state.next_run) <= 1200


async def test_an_unreachable_source_is_a_recorded_failure(runner_for: RunnerFactory) -> None:
    runner = runner_for(http("gone", "http://127.0.0.1:9/feed"))
    state = await runner.run_source_once("gone")
    assert state.failures == 1
    assert state.last_error is not None
    assert state.last_error.startswith("request failed")


async def test_an_oversized_body_is_refused(upstream: Upstream, runner_for: RunnerFactory) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-2.rss"))
    runner = runner_for(
        http("world", upstream.url("/world.rss")),
        max_body_bytes=1000,
    )
    state = await runner.run_source_once("world")
    assert state.last_error == "too large: more than 1000 bytes"
    assert state.items_stored == 0


async def test_a_gzip_bomb_is_stopped_at_the_cap(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 20_000_000)
    assert len(bomb) < 100_000

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        )

    upstream.routes["/world.rss"] = handler
    runner = runner_for(
        http("world", upstream.url("/world.rss")),
        max_body_bytes=1024 * 1024,
    )
    state = await runner.run_source_once("world")
    assert state.last_error == f"too large: more than {1024 * 1024} bytes"


# bad and hostile documents -------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ("truncated.rss", "MalformedInput"),
        ("xxe.rss", "UnsafeXML"),
        ("billion-laughs.xml", "UnsafeXML"),
    ],
)
async def test_a_bad_document_is_a_recorded_failure_with_its_raw_bytes_kept(
    upstream: Upstream,
    store: SQLStore,
    runner_for: RunnerFactory,
    document: str,
    error: str,
) -> None:
    body = fixture(document)
    upstream.routes["/world.rss"] = serve(body, etag='"bad"')
    runner = runner_for(http("world", upstream.url("/world.rss")))

    state = await runner.run_source_once("world")
    assert state.failures == 1
    assert state.last_error is not None
    assert state.last_error.startswith(error)
    assert state.etag is None  # so the next poll fetches it again rather than a 304
    assert state.items_stored == 0
    sha = hashlib.sha256(body).hexdigest()
    raw = await store.get_raw(sha)
    assert raw is not None
    assert raw.data == body
    failures = await store.failures()
    assert [(f.source, f.raw_sha256) for f in failures] == [("world", sha)]


async def test_a_bad_document_does_not_stop_the_scheduler(
    upstream: Upstream, store: SQLStore, jobs: Jobs, runner_for: RunnerFactory
) -> None:
    upstream.routes["/bad.rss"] = serve(fixture("truncated.rss"))
    upstream.routes["/good.rss"] = serve(fixture("world-1.rss"))
    runner = runner_for(
        http("bad", upstream.url("/bad.rss"), poll_interval=1),
        http("good", upstream.url("/good.rss"), poll_interval=1),
    )
    await runner.start()
    # A third request from each means the second poll has finished and stored its state.
    await eventually(
        lambda: len(upstream.hits("/bad.rss")) >= 3 and len(upstream.hits("/good.rss")) >= 3
    )
    runner.stop()
    assert jobs.running
    bad = await store.get_source_state("bad")
    assert bad is not None
    assert bad.failures >= 2


# full pages ------------------------------------------------------------------------


async def test_a_summary_only_item_gets_its_linked_page(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    feed = fixture("summary-only.rss").replace(
        b"{ARTICLE_URL}", upstream.url("/bridge.html").encode()
    )
    upstream.routes["/briefs.rss"] = serve(feed)
    upstream.routes["/bridge.html"] = serve(fixture("article.html"), content_type="text/html")
    runner = runner_for(
        http("briefs", upstream.url("/briefs.rss"), fetch_full_page=True),
    )
    await runner.run_source_once("briefs")
    story = await store.get("urn:example:briefs:3001")
    assert story is not None
    assert story.summary == "The new bridge will open a month late."
    assert any("sand-filled trucks" in p for p in story.body)
    assert story.byline == ("Priya Shah",)

    await runner.run_source_once("briefs")  # the same item again: no refetch, no new version
    assert len(upstream.hits("/bridge.html")) == 1
    assert len(await store.history("urn:example:briefs:3001")) == 2


async def test_without_fetch_full_page_the_summary_stays_alone(
    upstream: Upstream, store: SQLStore, runner_for: RunnerFactory
) -> None:
    feed = fixture("summary-only.rss").replace(
        b"{ARTICLE_URL}", upstream.url("/bridge.html").encode()
    )
    upstream.routes["/briefs.rss"] = serve(feed)
    runner = runner_for(http("briefs", upstream.url("/briefs.rss")))
    await runner.run_source_once("briefs")
    story = await store.get("urn:example:briefs:3001")
    assert story is not None
    assert story.body == ()
    assert upstream.hits("/bridge.html") == []


# scheduling and status ----------------------------------------------------------------


async def test_the_runner_reschedules_each_source_itself(
    upstream: Upstream, jobs: Jobs, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"), etag='"v1"')
    runner = runner_for(http("world", upstream.url("/world.rss"), poll_interval=1))
    await runner.start()
    # The second poll is booked by the first, the third by the second once it
    # has stored its state.
    await eventually(
        lambda: len(upstream.hits("/world.rss")) >= 2 and jobs.next_run("source:world") is not None
    )
    assert upstream.hits("/world.rss")[1]["If-None-Match"] == '"v1"'
    booked = jobs.next_run("source:world")
    assert booked is not None
    assert 0 < seconds_until(booked) <= 1
    runner.stop()
    assert jobs.next_run("source:world") is None


async def test_a_stored_next_run_in_the_future_is_honoured_after_a_restart(
    upstream: Upstream, jobs: Jobs, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = status(429, Retry_After="600")
    source = http("world", upstream.url("/world.rss"))
    await runner_for(source).run_source_once("world")

    restarted = runner_for(source)
    await restarted.start()
    booked = jobs.next_run("source:world")
    assert 590 < seconds_until(booked) <= 600
    restarted.stop()


async def test_status_shows_every_source(upstream: Upstream, runner_for: RunnerFactory) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"))
    upstream.routes["/down.rss"] = status(500)
    runner = runner_for(
        http("world", upstream.url("/world.rss")),
        http("down", upstream.url("/down.rss")),
        SourceConfig(name="desk", kind=SourceKind.PUSH),
    )
    await runner.run_source_once("world")
    await runner.run_source_once("down")
    rows = {row["name"]: row for row in await runner.status()}
    assert list(rows) == ["world", "down", "desk"]
    world, down, desk = rows["world"], rows["down"], rows["desk"]
    assert world["kind"] == "http"
    assert world["location"] == upstream.url("/world.rss")
    assert (world["items_seen"], world["items_stored"], world["failures"]) == (2, 2, 0)
    assert isinstance(world["last_success"], str)
    assert world["last_success"].endswith("Z")
    assert world["last_error"] is None
    assert isinstance(world["next_run"], str)
    assert (down["last_error"], down["failures"], down["last_success"]) == ("HTTP 500", 1, None)
    assert desk["kind"] == "push"
    assert desk["next_run"] is None


async def test_status_reads_the_store_when_nothing_ran_in_this_process(
    upstream: Upstream, runner_for: RunnerFactory
) -> None:
    upstream.routes["/world.rss"] = serve(fixture("world-1.rss"))
    source = http("world", upstream.url("/world.rss"))
    await runner_for(source).run_source_once("world")

    fresh = runner_for(source)
    [row] = await fresh.status()
    assert row["items_stored"] == 2


async def test_an_unknown_source_name_is_refused(runner_for: RunnerFactory) -> None:
    runner = runner_for(SourceConfig(name="desk", kind=SourceKind.PUSH))
    with pytest.raises(WireError, match="no polled source"):
        await runner.run_source_once("desk")
