"""Signed webhooks and the retry schedule they share with WebSub.

The pure parts (backoff, attempt bookkeeping, who gets which change) are tested
as functions; delivery is tested end to end against real partner endpoints on
loopback, verified with the ``standardwebhooks`` package as a receiver would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from tests.clocks import FakeClock, wall_clock
from tests.store_fixtures import on_database
from wire.access import partner_audience
from wire.config import Config, FeedSpec, PartnerConfig, parse_config
from wire.deliver.retry import Attempt, RetryPolicy, record
from wire.deliver.webhooks import change_for, message_body, message_id
from wire.events import ChangeReason, StoryChanged, embargo_lifted
from wire.model import Origin, PubStatus, Story
from wire.store.base import Delivery, DeliveryKind
from wire.tokens import hash_token
from wire.visibility import KILL_NOTICE, NO_EXPOSURE, public_form
from wire.web.app import create_app
from wire.web.keys import HOOKS, WIRE

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"
EDITOR_KEY = "wire_ed_hooks-editor"
START = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
FAST = RetryPolicy(max_attempts=3, base=10.0, factor=2.0, cap=60.0, jitter=0.0, timeout=0.5)


def story(n: int = 1, *, source: str = "desk", **changes: Any) -> Story:
    values: dict[str, Any] = {
        "headline": f"Headline number {n}",
        "guid": f"urn:test:{n}",
        "body": (f"Paragraph of story {n}.",),
        "published_at": START,
        "origin": Origin(source=source),
        "removed": ("Follow us on social media",),
    }
    values.update(changes)
    return Story(**values)


# -- the retry schedule (shared with WebSub) ---------------------------------------------


@given(st.integers(min_value=1, max_value=60))
def test_backoff_grows_by_the_factor_until_the_cap(attempts: int) -> None:
    policy = RetryPolicy(base=5.0, factor=3.0, cap=3600.0, jitter=0.0)
    now, nxt = policy.delay(attempts), policy.delay(attempts + 1)
    assert nxt >= now
    assert nxt.total_seconds() == min(3600.0, now.total_seconds() * 3)


@given(st.integers(min_value=1, max_value=30), st.floats(min_value=0, max_value=0.999999))
def test_jitter_stays_within_its_fraction(attempts: int, rand: float) -> None:
    policy = RetryPolicy(base=5.0, factor=2.0, cap=1000.0, jitter=0.25)
    plain = RetryPolicy(base=5.0, factor=2.0, cap=1000.0, jitter=0.0).delay(attempts)
    got = policy.delay(attempts, rand).total_seconds()
    assert plain.total_seconds() * 0.75 - 1e-6 <= got <= plain.total_seconds() * 1.25 + 1e-6


def pending(attempts: int = 0) -> Delivery:
    return Delivery(
        id="d1", kind=DeliveryKind.WEBHOOK, target="http://x.test/", body=b"{}", attempts=attempts
    )


def test_a_success_marks_the_delivery_delivered() -> None:
    done = record(pending(), Attempt(True, status=204), now=START, policy=FAST)
    assert (done.state, done.attempts, done.next_attempt_at) == ("delivered", 1, None)


def test_a_failure_schedules_the_next_attempt_after_the_backoff() -> None:
    failed = record(pending(1), Attempt(False, status=503), now=START, policy=FAST)
    assert failed.state == "pending"
    assert failed.attempts == 2
    assert failed.next_attempt_at == START + FAST.delay(2)
    assert failed.last_error == "HTTP 503"


def test_the_last_failure_makes_a_dead_letter() -> None:
    dead = record(
        pending(FAST.max_attempts - 1), Attempt(False, error="boom"), now=START, policy=FAST
    )
    assert (dead.state, dead.next_attempt_at, dead.last_error) == ("dead", None, "boom")


def test_an_unsafe_target_is_dead_at_once() -> None:
    dead = record(pending(), Attempt(False, error="unsafe", permanent=True), now=START, policy=FAST)
    assert dead.state == "dead"


# -- who gets which change --------------------------------------------------------------------


def partner(**changes: Any) -> PartnerConfig:
    values: dict[str, Any] = {
        "name": "daily",
        "webhook_url": "http://x.test/hook",
        "webhook_secret": SECRET,
    }
    values.update(changes)
    return PartnerConfig(**values)


FEEDS = (FeedSpec(name="all", title="All"),)
EMBARGOED = story(embargoed_until=START + timedelta(hours=2))


def change(
    p: PartnerConfig,
    versions: list[tuple[Story, datetime]],
    reason: str,
    *,
    now: datetime | None = None,
) -> tuple[str, Story] | None:
    """What the last of ``versions`` (each stored at its instant) means to partner ``p``."""
    exposure, previous_exposure = NO_EXPOSURE, NO_EXPOSURE
    current: Story | None = None
    previous: Story | None = None
    for version, at in versions:
        if current is not None:
            previous_exposure, exposure = exposure, exposure.after(current, at)
        previous, current = current, version
    assert current is not None
    event = StoryChanged(
        current,
        previous,
        ChangeReason(reason),
        exposure=exposure,
        previous_exposure=previous_exposure,
        previous_until=at,
    )
    return change_for(partner_audience(p), event, now=now or at, feeds=FEEDS)


def kind(result: tuple[str, Story] | None) -> str | None:
    return None if result is None else result[0]


def test_a_partner_not_entitled_to_the_source_gets_nothing() -> None:
    assert change(partner(sources=("other",)), [(story(), START)], "created") is None
    assert kind(change(partner(sources=("desk",)), [(story(), START)], "created")) == "created"


def test_a_partner_not_entitled_to_a_feed_selecting_the_story_gets_nothing() -> None:
    assert change(partner(feeds=("elsewhere",)), [(story(), START)], "created") is None


def test_an_embargoed_story_goes_only_to_partners_with_embargo_rights() -> None:
    assert kind(change(partner(embargo=True), [(EMBARGOED, START)], "created")) == "created"
    assert change(partner(embargo=False), [(EMBARGOED, START)], "created") is None


def test_the_release_is_the_first_a_partner_without_embargo_rights_hears() -> None:
    lifts = START + timedelta(hours=2)
    event = embargo_lifted(EMBARGOED)
    got = change_for(partner_audience(partner()), event, now=lifts, feeds=FEEDS)
    assert kind(got) == "released"
    again = change_for(partner_audience(partner(embargo=True)), event, now=lifts, feeds=FEEDS)
    assert again is None  # it had the story already


def test_a_kill_of_a_story_still_under_embargo_is_not_told_to_those_who_never_saw_it() -> None:
    killed = replace_status(EMBARGOED, PubStatus.CANCELED)
    versions = [(EMBARGOED, START), (killed, START + timedelta(minutes=5))]
    assert change(partner(embargo=False), versions, "killed") is None
    assert kind(change(partner(embargo=True), versions, "killed")) == "killed"


def test_a_story_created_or_edited_while_withheld_is_not_pushed() -> None:
    withheld = replace_status(story(), PubStatus.WITHHELD)
    later = START + timedelta(minutes=5)
    assert change(partner(), [(withheld, START)], "created") is None
    assert change(partner(), [(withheld, START), (withheld, later)], "updated") is None
    got = change(partner(), [(story(), START), (withheld, later)], "withheld")
    assert kind(got) == "withheld"


def test_a_story_created_withheld_then_killed_is_killed_to_no_one() -> None:
    withheld = replace_status(story(), PubStatus.WITHHELD)
    killed = replace_status(story(), PubStatus.CANCELED)
    for p in (partner(), partner(embargo=True)):
        versions = [(withheld, START), (killed, START + timedelta(minutes=5))]
        assert change(p, versions, "killed") is None


def test_a_kill_after_a_withhold_reaches_partners_who_had_the_story() -> None:
    withheld = replace_status(story(), PubStatus.WITHHELD)
    killed = replace_status(story(), PubStatus.CANCELED)
    versions = [(story(), START), (withheld, START + MINUTE), (killed, START + 2 * MINUTE)]
    assert kind(change(partner(), versions, "killed")) == "killed"


def test_a_kill_is_not_told_to_a_partner_not_entitled_to_the_version_it_could_have_seen() -> None:
    elsewhere = story(source="other")
    withheld = replace_status(story(), PubStatus.WITHHELD)
    killed = replace_status(story(), PubStatus.CANCELED)
    versions = [(elsewhere, START), (withheld, START + MINUTE), (killed, START + 2 * MINUTE)]
    assert change(partner(sources=("desk",)), versions, "killed") is None


def test_an_embargo_that_lapsed_only_after_the_withhold_was_never_seen() -> None:
    lifts = START + timedelta(hours=2)
    embargoed = story(embargoed_until=lifts)
    withheld = replace(embargoed, pub_status=PubStatus.WITHHELD)
    killed = replace_status(embargoed, PubStatus.CANCELED)
    later = lifts + timedelta(hours=1)
    early = [(embargoed, START), (withheld, START + MINUTE), (killed, later)]
    assert change(partner(), early, "killed") is None
    assert kind(change(partner(embargo=True), early, "killed")) == "killed"
    late = [(embargoed, START), (withheld, lifts + MINUTE), (killed, later)]
    assert kind(change(partner(), late, "killed")) == "killed"


def test_a_move_to_a_source_the_partner_lacks_is_a_withhold_for_it() -> None:
    moved = story(source="other")
    got = change(partner(sources=("desk",)), [(story(), START), (moved, START + MINUTE)], "updated")
    assert got is not None
    assert got[0] == "withheld"
    assert got[1].origin.source is None  # the new source is not named to those who lost it


def test_re_embargoing_a_published_story_is_a_withhold_then_a_release() -> None:
    again = story(embargoed_until=START + timedelta(hours=3), version=2)
    versions = [(story(), START), (again, START + MINUTE)]
    assert kind(change(partner(), versions, "updated")) == "withheld"
    assert kind(change(partner(embargo=True), versions, "updated")) == "updated"


def replace_status(s: Story, status: PubStatus) -> Story:
    return replace(s, pub_status=status)


def test_the_payload_carries_type_timestamp_and_the_story_as_given() -> None:
    payload = json.loads(message_body("corrected", public_form(story()), now=START))
    assert payload["type"] == "story.corrected"
    assert payload["timestamp"] == "2025-07-01T12:00:00Z"
    assert payload["data"]["guid"] == "urn:test:1"
    assert payload["data"]["body"] == ["Paragraph of story 1."]
    assert payload["data"]["removed"] == []


def test_a_kill_payload_does_not_carry_the_copy() -> None:
    killed = replace_status(story(), PubStatus.CANCELED)
    got = change(partner(), [(story(), START), (killed, START + MINUTE)], "killed")
    assert got is not None
    payload = json.loads(message_body(*got, now=START))
    assert payload["data"]["pub_status"] == "canceled"
    assert payload["data"]["headline"] == KILL_NOTICE
    assert "Paragraph of story 1." not in json.dumps(payload)


def test_the_message_id_is_stable_per_partner_guid_version_and_reason() -> None:
    s = story()
    assert message_id("daily", s, "created") == message_id("daily", s, "created")
    assert message_id("daily", s, "created") != message_id("weekly", s, "created")
    assert message_id("daily", s, "created") != message_id("daily", s, "released")
    assert message_id("daily", s, "updated") != message_id(
        "daily", replace(s, version=2), "updated"
    )


# -- end to end: real partner endpoints -----------------------------------------------------


@dataclass
class Endpoint:
    """A partner's webhook receiver and what it got."""

    server: TestServer | None = None
    status: int = 200
    hang: bool = False
    received: asyncio.Queue[tuple[bytes, dict[str, str]]] = field(default_factory=asyncio.Queue)
    posts: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/hook"))

    async def next(self, within: float = 2.0) -> tuple[bytes, dict[str, str]]:
        return await asyncio.wait_for(self.received.get(), within)


@pytest.fixture
async def endpoint() -> AsyncIterator[Callable[..., Awaitable[Endpoint]]]:
    made: list[Endpoint] = []

    async def make(**options: Any) -> Endpoint:
        ep = Endpoint(**options)

        async def on_post(request: web.Request) -> web.Response:
            ep.posts += 1
            body = await request.read()
            if ep.hang:
                try:
                    await asyncio.wait_for(ep.release.wait(), 10)
                except TimeoutError:
                    return web.Response(status=200)
            await ep.received.put((body, dict(request.headers)))
            return web.Response(status=ep.status)

        app = web.Application()
        app.router.add_post("/hook", on_post)
        ep.server = TestServer(app, host="127.0.0.1")
        await ep.server.start_server()
        made.append(ep)
        return ep

    yield make
    for ep in made:
        ep.release.set()
        assert ep.server is not None
        await ep.server.close()


def hooks_config(tmp_path: Path, partners: list[dict[str, Any]]) -> Config:
    return parse_config(
        {
            "server": {
                "data_dir": str(tmp_path),
                "base_url": "http://wire.test",
                "allow_private_callbacks": True,
                "load_demo": False,
            },
            "sources": [{"name": "desk", "kind": "push"}, {"name": "other", "kind": "push"}],
            "feeds": [{"name": "all", "title": "All stories"}],
            "partners": partners,
            "editor_keys": [{"name": "ed", "role": "admin", "hash": hash_token(EDITOR_KEY)}],
        },
        base_dir=tmp_path,
        env={},
    )


RunApp = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def run_app(aiohttp_client: Any, database: str) -> RunApp:
    """Start wire on a config, its store on each backend in turn, pushes retried fast."""

    async def run(config: Config, clock: FakeClock | None = None) -> TestClient[Any, Any]:
        app = create_app(
            on_database(config, database), clock=clock or wall_clock(), start_jobs=False
        )
        client: TestClient[Any, Any] = await aiohttp_client(app)
        client.app[HOOKS].courier.policy = FAST
        return client

    return run


async def settle(client: TestClient[Any, Any]) -> None:
    await client.app[WIRE].bus.drain()
    await client.app[HOOKS].drain()


async def test_a_story_is_pushed_signed_to_an_entitled_partner(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    ep = await endpoint()
    config = hooks_config(
        tmp_path, [{"name": "daily", "webhook_url": ep.url, "webhook_secret": SECRET}]
    )
    client = await run_app(config)
    await client.app[WIRE].save(story())
    body, headers = await ep.next(within=1.0)
    payload = Webhook(SECRET).verify(body, headers)
    assert payload["type"] == "story.created"
    assert payload["data"]["headline"] == "Headline number 1"
    assert headers["Content-Type"] == "application/json"
    with pytest.raises(Exception, match="signature"):
        Webhook(OTHER_SECRET).verify(body, headers)


async def test_a_partner_without_the_source_entitlement_gets_no_webhook(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    entitled, other = await endpoint(), await endpoint()
    config = hooks_config(
        tmp_path,
        [
            {"name": "daily", "webhook_url": entitled.url, "webhook_secret": SECRET},
            {
                "name": "weekly",
                "sources": ["other"],
                "webhook_url": other.url,
                "webhook_secret": OTHER_SECRET,
            },
        ],
    )
    client = await run_app(config)
    await client.app[WIRE].save(story(source="desk"))
    await entitled.next()
    await settle(client)
    assert other.posts == 0


async def test_an_embargoed_story_reaches_only_the_embargo_partner_until_release(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    early, late = await endpoint(), await endpoint()
    config = hooks_config(
        tmp_path,
        [
            {"name": "early", "embargo": True, "webhook_url": early.url, "webhook_secret": SECRET},
            {"name": "late", "webhook_url": late.url, "webhook_secret": OTHER_SECRET},
        ],
    )
    clock = wall_clock()
    client = await run_app(config, clock)
    wire = client.app[WIRE]
    embargoed = story(embargoed_until=clock.now + timedelta(minutes=2))
    result = await wire.save(embargoed)
    body, headers = await early.next()
    assert Webhook(SECRET).verify(body, headers)["type"] == "story.created"
    await settle(client)
    assert late.posts == 0

    clock.advance(120)  # within the receivers' five-minute timestamp tolerance
    await wire.bus.publish(embargo_lifted(result.story, result.exposure))
    body, headers = await late.next()
    payload = Webhook(OTHER_SECRET).verify(body, headers)
    assert payload["type"] == "story.released"
    assert payload["data"]["headline"] == "Headline number 1"


async def test_a_failing_endpoint_is_retried_then_dead_lettered_and_listed(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    ep = await endpoint(status=500)
    config = hooks_config(
        tmp_path, [{"name": "daily", "webhook_url": ep.url, "webhook_secret": SECRET}]
    )
    clock = wall_clock()
    client = await run_app(config, clock)
    hooks = client.app[HOOKS]
    await client.app[WIRE].save(story())
    first_body, first_headers = await ep.next()
    await settle(client)

    assert await hooks.run_due() == []  # backing off
    clock.advance(FAST.delay(1).total_seconds())
    (second,) = await hooks.run_due()
    assert second.attempts == 2
    retry_body, retry_headers = await ep.next()
    assert retry_body == first_body
    assert retry_headers["webhook-id"] == first_headers["webhook-id"]  # the idempotency key
    clock.advance(FAST.delay(2).total_seconds())
    (third,) = await hooks.run_due()
    assert third.state == "dead"
    clock.advance(3600)
    assert await hooks.run_due() == []  # dead letters are not retried

    auth = {"Authorization": f"Bearer {EDITOR_KEY}"}
    response = await client.get("/api/v1/deliveries/dead", headers=auth)
    (listed,) = (await response.json())["deliveries"]
    assert listed["id"] == first_headers["webhook-id"]
    assert (listed["kind"], listed["subject"], listed["attempts"]) == ("webhook", "daily", 3)

    ep.status = 200
    response = await client.post(f"/api/v1/deliveries/{listed['id']}/redeliver", headers=auth)
    assert response.status == 202
    body, headers = await ep.next()
    Webhook(SECRET).verify(body, headers)
    await settle(client)
    response = await client.get("/api/v1/deliveries/dead", headers=auth)
    assert (await response.json())["deliveries"] == []


async def test_the_dead_letter_list_needs_an_editor_key(run_app: RunApp, tmp_path: Path) -> None:
    client = await run_app(hooks_config(tmp_path, []))
    response = await client.get("/api/v1/deliveries/dead")
    assert response.status == 401
    assert response.content_type == "application/problem+json"


async def test_a_hanging_endpoint_times_out_without_delaying_another_partner(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    stuck, quick = await endpoint(hang=True), await endpoint()
    config = hooks_config(
        tmp_path,
        [
            {"name": "stuck", "webhook_url": stuck.url, "webhook_secret": SECRET},
            {"name": "quick", "webhook_url": quick.url, "webhook_secret": OTHER_SECRET},
        ],
    )
    client = await run_app(config)
    loop = asyncio.get_running_loop()
    saved = loop.time()
    await client.app[WIRE].save(story())
    await quick.next(within=FAST.timeout)
    assert loop.time() - saved < FAST.timeout
    await settle(client)
    wire = client.app[WIRE]
    later = wire.clock() + timedelta(hours=1)
    (waiting,) = await wire.store.due(kind=DeliveryKind.WEBHOOK, now=later, limit=10)
    assert waiting.subject == "stuck"
    assert waiting.last_error == f"timed out after {FAST.timeout:g} s"


async def test_a_hanging_host_holds_only_its_own_slots(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    """Many pushes queued to a host that hangs never hold every slot: another
    partner's push goes out while they wait."""
    stuck, quick = await endpoint(hang=True), await endpoint()
    config = hooks_config(
        tmp_path,
        [
            {"name": "stuck", "webhook_url": stuck.url, "webhook_secret": SECRET},
            {
                "name": "quick",
                "webhook_url": quick.url,
                "webhook_secret": OTHER_SECRET,
                "sources": ["other"],
            },
        ],
    )
    client = await run_app(config)
    client.app[HOOKS].courier.limit(concurrency=3, per_host=2)
    wire = client.app[WIRE]
    for n in range(1, 6):  # five stories for the stuck partner alone
        await wire.save(story(n))
    await wire.bus.drain()
    loop = asyncio.get_running_loop()
    saved = loop.time()
    await wire.save(story(9, source="other"))
    await quick.next(within=FAST.timeout)
    assert loop.time() - saved < FAST.timeout / 2
    assert stuck.posts == 2  # its two slots, no more


async def test_a_story_created_withheld_then_killed_sends_partners_nothing(
    run_app: RunApp, tmp_path: Path, endpoint: Callable[..., Awaitable[Endpoint]]
) -> None:
    ep = await endpoint()
    config = hooks_config(
        tmp_path, [{"name": "daily", "webhook_url": ep.url, "webhook_secret": SECRET}]
    )
    client = await run_app(config)
    wire = client.app[WIRE]
    await wire.save(replace_status(story(1), PubStatus.WITHHELD))
    await wire.set_status("urn:test:1", PubStatus.CANCELED, "legal", reason="killed")
    await wire.save(story(2))  # a story the partner had, killed: the kill goes out
    await wire.set_status("urn:test:2", PubStatus.CANCELED, "legal", reason="killed")
    await settle(client)

    got = [json.loads((await ep.next())[0]) for _ in range(ep.received.qsize())]
    assert sorted((p["type"], p["data"]["guid"]) for p in got) == [
        ("story.created", "urn:test:2"),
        ("story.killed", "urn:test:2"),
    ]
