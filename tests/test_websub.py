"""The WebSub hub, driven end to end: real subscriber servers on loopback, a real store.

Subscribers are aiohttp servers that answer verification of intent as told (echo,
wrong echo, 404) and record every notification; some fail, some hang. The app
runs with a hand-driven clock and no scheduler, so tests call ``run_due`` when
they mean "the retry sweep ran".
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from tests.clocks import FakeClock
from tests.store_fixtures import on_database
from wire.config import Config, parse_config
from wire.deliver.retry import RetryPolicy
from wire.deliver.websub import (
    HubRequestError,
    Leases,
    delivery_id,
    parse_hub_request,
    signature,
    with_query,
)
from wire.model import PubStatus, Story
from wire.net.session import make_guarded_session
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import HUB, PUBLISHER, WIRE

EDITOR_KEY = "wire_ed_test-editor-key"
PARTNER_TOKEN = "wire_pt_test-partner-token"
START = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=3, base=10.0, factor=2.0, cap=60.0, jitter=0.0, timeout=0.5)


# -- pure parts ------------------------------------------------------------------------


def form(**fields: str) -> dict[str, str]:
    base = {
        "hub.mode": "subscribe",
        "hub.topic": "http://wire.test/feeds/all.atom",
        "hub.callback": "http://sub.test/cb",
    }
    base.update({k.replace("_", ".", 1): v for k, v in fields.items()})
    return base


def test_a_request_without_lease_gets_the_default_lease() -> None:
    assert parse_hub_request(form(), leases=Leases(default=1000)).lease_seconds == 1000


@given(st.integers(min_value=1, max_value=10**9))
def test_a_requested_lease_is_clamped_to_the_bounds(requested: int) -> None:
    leases = Leases(default=500, minimum=300, maximum=3000)
    got = parse_hub_request(form(hub_lease_seconds=str(requested)), leases=leases).lease_seconds
    assert 300 <= got <= 3000
    if 300 <= requested <= 3000:
        assert got == requested


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"hub_mode": "publish"}, "hub.mode"),
        ({"hub_topic": ""}, "hub.topic"),
        ({"hub_callback": ""}, "hub.callback"),
        ({"hub_lease_seconds": "soon"}, "hub.lease_seconds"),
        ({"hub_lease_seconds": "-5"}, "hub.lease_seconds"),
        ({"hub_secret": "x" * 200}, "hub.secret"),
    ],
)
def test_a_malformed_request_names_the_field(fields: dict[str, str], bad: str) -> None:
    with pytest.raises(HubRequestError) as caught:
        parse_hub_request(form(**fields), leases=Leases())
    assert caught.value.field == bad


def test_a_partner_token_in_the_topic_url_is_picked_up() -> None:
    parsed = parse_hub_request(
        form(hub_topic="http://wire.test/feeds/all.atom?token=abc"), leases=Leases()
    )
    assert parsed.token == "abc"


def test_the_signature_is_the_hex_hmac_sha256_of_the_body() -> None:
    expected = hmac.new(b"s3cret", b"<feed/>", hashlib.sha256).hexdigest()
    assert signature("s3cret", b"<feed/>") == f"sha256={expected}"


def test_verification_parameters_are_appended_to_an_existing_query() -> None:
    url = with_query("http://sub.test/cb?id=7", {"hub.mode": "subscribe", "hub.challenge": "a b"})
    assert url == "http://sub.test/cb?id=7&hub.mode=subscribe&hub.challenge=a+b"


def test_the_same_feed_state_is_one_delivery_and_a_new_state_another() -> None:
    one = delivery_id("t", "c", '"e1"', "Tue, 01 Jul 2025 12:00:00 GMT")
    assert one == delivery_id("t", "c", '"e1"', "Tue, 01 Jul 2025 12:00:00 GMT")
    assert one != delivery_id("t", "c", '"e2"', "Tue, 01 Jul 2025 12:00:01 GMT")
    assert one != delivery_id("t", "c2", '"e1"', "Tue, 01 Jul 2025 12:00:00 GMT")


# -- harness: a clock, a config, subscriber servers --------------------------------------


def make_config(tmp_path: Path, *, allow_private: bool = True) -> Config:
    return parse_config(
        {
            "server": {
                "data_dir": str(tmp_path),
                "base_url": "http://wire.test",
                "allow_private_callbacks": allow_private,
                "load_demo": False,
            },
            "sources": [{"name": "desk", "kind": "push"}, {"name": "other", "kind": "push"}],
            "feeds": [{"name": "all", "title": "All stories"}],
            "partners": [
                {"name": "daily", "embargo": True, "tokens": [{"hash": hash_token(PARTNER_TOKEN)}]}
            ],
            "editor_keys": [{"name": "ed", "role": "admin", "hash": hash_token(EDITOR_KEY)}],
        },
        base_dir=tmp_path,
        env={},
    )


def story(n: int = 1, **changes: Any) -> Story:
    values: dict[str, Any] = {
        "headline": f"Headline number {n}",
        "guid": f"urn:test:{n}",
        "body": (f"Paragraph of story {n}.",),
        "published_at": START,
        "language": "en",
    }
    values.update(changes)
    return Story(**values)


@dataclass
class Subscriber:
    """One subscriber endpoint and what it saw."""

    server: TestServer
    verify: str = "echo"  # echo · wrong · 404
    status: int = 200  # answer to notifications
    hang: bool = False
    verifications: list[dict[str, str]] = field(default_factory=list)
    notes: asyncio.Queue[tuple[bytes, dict[str, str], float]] = field(default_factory=asyncio.Queue)
    posts: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/cb"))

    async def next_note(self, within: float = 2.0) -> tuple[bytes, dict[str, str], float]:
        return await asyncio.wait_for(self.notes.get(), within)


MakeSubscriber = Callable[..., Awaitable[Subscriber]]


@pytest.fixture
async def subscriber() -> AsyncIterator[MakeSubscriber]:
    made: list[Subscriber] = []

    async def make(**options: Any) -> Subscriber:
        holder: list[Subscriber] = []

        async def on_get(request: web.Request) -> web.Response:
            sub = holder[0]
            sub.verifications.append(dict(request.query))
            if sub.verify == "404":
                return web.Response(status=404)
            if sub.verify == "wrong":
                return web.Response(text="not-the-challenge")
            return web.Response(text=request.query["hub.challenge"])

        async def on_post(request: web.Request) -> web.Response:
            sub = holder[0]
            sub.posts += 1
            body = await request.read()
            if sub.hang:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sub.release.wait(), 10)
                return web.Response(status=200)
            await sub.notes.put((body, dict(request.headers), time.monotonic()))
            return web.Response(status=sub.status)

        app = web.Application()
        app.router.add_get("/cb", on_get)
        app.router.add_post("/cb", on_post)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        sub = Subscriber(server, **options)
        holder.append(sub)
        made.append(sub)
        return sub

    yield make
    for sub in made:
        sub.release.set()
        await sub.server.close()


Start = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def start(aiohttp_client: Any, tmp_path: Path, database: str) -> Start:
    """Start wire with its hub, its store on each backend in turn."""

    async def run(
        *, clock: FakeClock | None = None, allow_private: bool = True
    ) -> TestClient[Any, Any]:
        config = on_database(make_config(tmp_path, allow_private=allow_private), database)
        app = create_app(config, clock=clock or FakeClock(START), start_jobs=False)
        client: TestClient[Any, Any] = await aiohttp_client(app)
        app[HUB].courier.policy = FAST
        app[HUB].verify_timeout = 2.0
        return client

    return run


def topic_of(client: TestClient[Any, Any], fmt: str = "atom") -> str:
    app: web.Application = client.app
    return app[PUBLISHER].feed_url("all", fmt)


async def subscribe(
    client: TestClient[Any, Any],
    sub: Subscriber,
    *,
    mode: str = "subscribe",
    fmt: str = "atom",
    headers: dict[str, str] | None = None,
    **extra: str,
) -> int:
    data = {"hub.mode": mode, "hub.topic": topic_of(client, fmt), "hub.callback": sub.url}
    data.update({k.replace("_", ".", 1): v for k, v in extra.items()})
    response = await client.post("/websub", data=data, headers=headers or {})
    await client.app[HUB].drain()
    return response.status


async def subscriptions(client: TestClient[Any, Any], fmt: str = "atom") -> list[str]:
    wire = client.app[WIRE]
    subs = await wire.store.subscriptions(topic_of(client, fmt), now=wire.clock())
    return [s.callback for s in subs]


# -- subscribing: verification of intent -------------------------------------------------


async def test_a_verified_subscription_is_stored(start: Start, subscriber: MakeSubscriber) -> None:
    client = await start()
    sub = await subscriber()
    assert await subscribe(client, sub) == 202
    assert await subscriptions(client) == [sub.url]
    (check,) = sub.verifications
    assert check["hub.mode"] == "subscribe"
    assert check["hub.topic"] == topic_of(client)
    assert int(check["hub.lease_seconds"]) == Leases().default


@pytest.mark.parametrize("answer", ["wrong", "404"])
async def test_a_subscriber_that_does_not_confirm_is_not_subscribed(
    start: Start, subscriber: MakeSubscriber, answer: str
) -> None:
    client = await start()
    sub = await subscriber(verify=answer)
    assert await subscribe(client, sub) == 202
    assert len(sub.verifications) == 1
    assert await subscriptions(client) == []


async def test_a_topic_that_is_not_one_of_our_feeds_is_refused(
    start: Start, subscriber: MakeSubscriber
) -> None:
    client = await start()
    sub = await subscriber()
    data = {
        "hub.mode": "subscribe",
        "hub.topic": "http://elsewhere.test/feed",
        "hub.callback": sub.url,
    }
    response = await client.post("/websub", data=data)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    assert (await response.json())["field"] == "hub.topic"
    assert sub.verifications == []


async def test_a_loopback_callback_is_refused_unless_the_config_allows_it(
    start: Start, subscriber: MakeSubscriber
) -> None:
    client = await start(allow_private=False)
    sub = await subscriber()
    assert await subscribe(client, sub) == 400
    assert sub.verifications == []  # never called
    assert await subscriptions(client) == []


async def test_a_callback_that_resolves_to_loopback_only_at_connection_time_is_not_verified(
    start: Start, subscriber: MakeSubscriber
) -> None:
    """DNS rebinding: the hub's check of the callback passes (here: the hub allows
    private targets), then the answer the connection gets is refused by the
    guarded session, so the callback is never called and nothing is subscribed."""
    client = await start(allow_private=True)
    sub = await subscriber()
    hub = client.app[HUB]
    async with make_guarded_session(allow_private=False, user_agent="t") as guarded:
        hub.http = guarded
        callback = f"http://localhost:{sub.server.port}/cb"
        data = {"hub.mode": "subscribe", "hub.topic": topic_of(client), "hub.callback": callback}
        response = await client.post("/websub", data=data)
        await hub.drain()
    assert response.status == 202
    assert sub.verifications == []
    assert await subscriptions(client) == []


async def test_a_hub_request_must_be_a_form(start: Start) -> None:
    client = await start()
    response = await client.post("/websub", json={"hub.mode": "subscribe"})
    assert response.status == 415


async def test_a_requested_lease_is_clamped_and_expires(
    start: Start, subscriber: MakeSubscriber
) -> None:
    clock = FakeClock(START)
    client = await start(clock=clock)
    sub = await subscriber()
    await subscribe(client, sub, hub_lease_seconds="1")
    assert int(sub.verifications[0]["hub.lease_seconds"]) == Leases().minimum
    clock.advance(Leases().minimum - 1)
    assert await subscriptions(client) == [sub.url]
    clock.advance(2)
    assert await subscriptions(client) == []
    await client.app[WIRE].save(story())
    await client.app[HUB].drain()
    assert sub.posts == 0


async def test_unsubscribing_is_verified_and_stops_notifications(
    start: Start, subscriber: MakeSubscriber
) -> None:
    client = await start()
    sub = await subscriber()
    await subscribe(client, sub)
    assert await subscribe(client, sub, mode="unsubscribe") == 202
    assert sub.verifications[-1]["hub.mode"] == "unsubscribe"
    assert "hub.lease_seconds" not in sub.verifications[-1]
    assert await subscriptions(client) == []
    await client.app[WIRE].save(story())
    await client.app[WIRE].bus.drain()
    await client.app[HUB].drain()
    assert sub.posts == 0


async def test_subscriptions_survive_a_restart(start: Start, subscriber: MakeSubscriber) -> None:
    first = await start()
    sub = await subscriber()
    await subscribe(first, sub)
    await first.close()
    second = await start()
    assert await subscriptions(second) == [sub.url]
    await second.app[WIRE].save(story())
    body, _, _ = await sub.next_note()
    assert b"Headline number 1" in body


# -- content distribution -----------------------------------------------------------------


async def test_a_new_story_is_sent_to_the_subscriber_as_it_is_saved(
    start: Start, subscriber: MakeSubscriber
) -> None:
    """Sent by the change itself, not left to the retry sweep: once the change's
    listeners and the attempts they started are done, the note has arrived."""
    client = await start()
    sub = await subscriber()
    await subscribe(client, sub)
    await client.app[WIRE].save(story())
    await client.app[WIRE].bus.drain()
    await client.app[HUB].drain()
    assert not sub.notes.empty()
    body, headers, _ = sub.notes.get_nowait()
    assert b"Headline number 1" in body
    assert headers["Content-Type"].startswith("application/atom+xml")
    hub = client.app[PUBLISHER].hub_url
    assert f'<{hub}>; rel="hub"' in headers["Link"]
    assert f'<{topic_of(client)}>; rel="self"' in headers["Link"]
    assert "X-Hub-Signature" not in headers


async def test_a_kill_is_distributed_too(start: Start, subscriber: MakeSubscriber) -> None:
    clock = FakeClock(START)
    client = await start(clock=clock)
    sub = await subscriber()
    await subscribe(client, sub)
    wire = client.app[WIRE]
    await wire.save(story())
    first, _, _ = await sub.next_note()
    clock.advance(60)
    await wire.set_status("urn:test:1", PubStatus.CANCELED, "legal", reason="killed")
    second, _, _ = await sub.next_note()
    assert second != first
    assert b"Paragraph of story 1." not in second


async def test_each_format_goes_with_its_content_type(
    start: Start, subscriber: MakeSubscriber
) -> None:
    client = await start()
    rss, ninjs = await subscriber(), await subscriber()
    await subscribe(client, rss, fmt="rss")
    await subscribe(client, ninjs, fmt="ninjs")
    await client.app[WIRE].save(story())
    _, rss_headers, _ = await rss.next_note()
    _, ninjs_headers, _ = await ninjs.next_note()
    assert rss_headers["Content-Type"].startswith("application/rss+xml")
    assert ninjs_headers["Content-Type"].startswith("application/json")


async def test_a_secret_signs_the_body(start: Start, subscriber: MakeSubscriber) -> None:
    client = await start()
    sub = await subscriber()
    await subscribe(client, sub, hub_secret="correct horse battery staple")
    await client.app[WIRE].save(story())
    body, headers, _ = await sub.next_note()
    expected = hmac.new(b"correct horse battery staple", body, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] == f"sha256={expected}"


async def test_a_partner_subscription_gets_the_partner_view_and_the_public_never_does(
    start: Start, subscriber: MakeSubscriber
) -> None:
    clock = FakeClock(START)
    client = await start(clock=clock)
    public, partner = await subscriber(), await subscriber()
    await subscribe(client, public)
    auth = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    assert await subscribe(client, partner, headers=auth) == 202
    embargoed = story(2, headline="Embargoed scoop", embargoed_until=START + timedelta(hours=1))
    await client.app[WIRE].save(embargoed)
    body, _, _ = await partner.next_note()
    assert b"Embargoed scoop" in body
    await client.app[WIRE].bus.drain()
    await client.app[HUB].drain()
    while not public.notes.empty():
        assert b"Embargoed scoop" not in (await public.next_note())[0]


async def test_an_unknown_token_cannot_subscribe(start: Start, subscriber: MakeSubscriber) -> None:
    client = await start()
    sub = await subscriber()
    assert await subscribe(client, sub, headers={"Authorization": "Bearer nope"}) == 401
    assert sub.verifications == []


# -- failures: retries with backoff, dead letters, hanging subscribers -------------------------


async def test_a_failing_subscriber_is_retried_with_backoff_then_dead_lettered(
    start: Start, subscriber: MakeSubscriber
) -> None:
    clock = FakeClock(START)
    client = await start(clock=clock)
    hub = client.app[HUB]
    sub = await subscriber(status=500)
    await subscribe(client, sub)
    await client.app[WIRE].save(story())
    await sub.next_note()
    await client.app[WIRE].bus.drain()
    await hub.drain()

    assert await hub.run_due() == []  # not due yet: backing off
    clock.advance(FAST.base)
    (second,) = await hub.run_due()
    assert (second.attempts, second.state) == (2, "pending")
    clock.advance(FAST.base)  # the second wait is twice as long
    assert await hub.run_due() == []
    clock.advance(FAST.base)
    (third,) = await hub.run_due()
    assert (third.attempts, third.state) == (3, "dead")
    assert sub.posts == 3

    response = await client.get(
        "/api/v1/deliveries/dead", headers={"Authorization": f"Bearer {EDITOR_KEY}"}
    )
    assert response.status == 200
    (listed,) = (await response.json())["deliveries"]
    assert listed["id"] == third.id
    assert listed["kind"] == "websub"
    assert listed["last_error"] == "HTTP 500"


async def test_a_hanging_subscriber_times_out_without_delaying_another(
    start: Start, subscriber: MakeSubscriber
) -> None:
    client = await start()
    stuck, quick = await subscriber(hang=True), await subscriber()
    await subscribe(client, stuck)
    await subscribe(client, quick)
    saved = time.monotonic()
    await client.app[WIRE].save(story())
    _, _, received = await quick.next_note(within=1.0)
    assert received - saved < FAST.timeout
    await client.app[WIRE].bus.drain()
    await client.app[HUB].drain()
    assert stuck.posts == 1
    wire = client.app[WIRE]
    pending = await wire.store.due(kind="websub", now=wire.clock() + timedelta(hours=1), limit=10)
    assert [d.last_error for d in pending] == [f"timed out after {FAST.timeout:g} s"]
