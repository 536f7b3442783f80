"""One regression test per visibility bug found against a running server.

Each talks to a real wire over HTTP, as a partner, an outsider or an editor
would: paid copy behind story URLs, stored XSS, a PUT that dropped the source,
kills that vanished from feeds, leaks of kills and withholds, embargo order and
dates, push order, revoked WebSub tokens, and made-up tokens that cost nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from lxml import etree

from tests.clocks import FakeClock
from tests.desk_client import (
    ADMIN,
    DAILY_TOKEN,
    EDITOR,
    WIDE_TOKEN,
    Client,
    ClientFactory,
    api_config,
    push,
    story_doc,
)
from tests.servers import Recorder, recording
from wire.formats import story_extensions
from wire.model import Origin, PubStatus, Story
from wire.store.base import Credential
from wire.tokens import hash_token
from wire.visibility import KILL_NOTICE
from wire.web.app import create_app
from wire.web.keys import AUTH, EMBARGO, HOOKS, HUB, PUBLISHER, WIRE

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}
ATOM = "{http://www.w3.org/2005/Atom}"
TOMB = "{http://purl.org/atompub/tombstones/1.0}"


async def settle(client: Client) -> None:
    app = client.app
    assert app is not None
    await app[WIRE].bus.drain()
    await app[HOOKS].drain()
    await app[HUB].drain()


async def feed_guids(client: Client, feed: str, fmt: str, headers: Any = None) -> list[str]:
    resp = await client.get(f"/feeds/{feed}.{fmt}", headers=headers or {})
    assert resp.status == 200, await resp.text()
    data = await resp.read()
    if fmt == "json":
        return [i["uri"] for i in json.loads(data)["items"]]
    root = etree.fromstring(data)
    if fmt == "rss":
        return [g.text or "" for g in root.iter("guid")]
    if fmt == "atom":
        ids = [e.findtext(f"{ATOM}id") or "" for e in root.iter(f"{ATOM}entry")]
        return ids + [t.get("ref") or "" for t in root.iter(f"{TOMB}deleted-entry")]
    return [i.get("guid") or "" for i in root.iter("{http://iptc.org/std/nar/2006-10-01/}newsItem")]


# paid copy behind story URLs ----------------------------------------------------------------


async def test_story_urls_answer_only_to_audiences_that_read_a_feed_selecting_the_story(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config = api_config(tmp_path)
    only = tuple(f for f in config.feeds if f.name == "agency")  # partners-only, agency source
    app = create_app(replace(config, feeds=only), start_jobs=False)
    client = await aiohttp_client(app)
    await app[WIRE].save(Story(guid="urn:paid:2", headline="Paid", origin=Origin(source="agency")))
    for ext in story_extensions():
        assert (await client.get(f"/stories/urn:paid:2.{ext}")).status == 404
        assert (await client.get(f"/stories/urn:paid:2.{ext}", headers=DAILY)).status == 200
    # "wide" may read every feed: the partners-only one too
    assert (await client.get("/stories/urn:paid:2.json", headers=WIDE)).status == 200


# stored XSS ----------------------------------------------------------------------------------


HOSTILE_BODY = [
    '<p onclick="alert(1)">Clicked <a href="javascript:alert(2)">here</a></p>',
    "<script>alert(3)</script><p>After the script</p>",
    '<p><img src=x onerror="alert(4)">Picture</p>',
]


@pytest.mark.parametrize("route", ["post", "put", "correct"])
async def test_markup_pushed_by_the_desk_is_sanitized_before_it_is_stored(
    client: Client, route: str
) -> None:
    guid = f"urn:xss:{route}"
    doc = story_doc(guid=guid, body=HOSTILE_BODY)
    if route == "post":
        await push(client, doc)
    elif route == "put":
        await push(client, story_doc(guid=guid))
        resp = await client.put(f"/api/v1/stories/{guid}", json=doc, headers=EDITOR)
        assert resp.status == 200, await resp.text()
    else:
        await push(client, story_doc(guid=guid))
        patch = {"body": HOSTILE_BODY, "ed_note": "Fixes the body"}
        resp = await client.post(f"/api/v1/stories/{guid}/correct", json=patch, headers=EDITOR)
        assert resp.status == 200, await resp.text()
    stored = await (await client.get(f"/api/v1/stories/{guid}", headers=EDITOR)).json()
    text = json.dumps(stored["body"])
    for bad in ("onclick", "javascript:", "<script", "onerror", "alert(3)"):
        assert bad not in text
    assert "Clicked" in text
    assert "After the script" in text
    for url in (
        f"/stories/{guid}.html",
        f"/stories/{guid}.xml",
        f"/stories/{guid}.json",
        "/feeds/all.rss",
        "/feeds/all.atom",
        "/feeds/all.xml",
        "/feeds/all.json",
    ):
        body = await (await client.get(url)).text()
        for bad in ("onclick", "javascript:", "<script", "onerror"):
            assert bad not in body, (url, bad)


async def test_the_story_page_sends_a_strict_content_security_policy(client: Client) -> None:
    await push(client, story_doc(guid="urn:csp:1"))
    resp = await client.get("/stories/urn:csp:1.html")
    policy = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script source is allowed at all
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_unsafe_links_are_dropped_and_noted_for_review(client: Client) -> None:
    doc = story_doc(
        guid="urn:link:1",
        link="javascript:alert(1)",
        related=[{"title": "Also read", "url": "data:text/html,<script>alert(1)</script>"}],
    )
    stored = await push(client, doc)
    assert stored.get("link") is None
    assert stored["related"][0].get("url") is None
    assert any("dropped" in note for note in stored["review"])


async def test_a_hostile_headline_and_guid_stay_text_everywhere(client: Client) -> None:
    headline = '</title><script>alert(1)</script>" onmouseover="x'
    await push(client, story_doc(guid='urn:t:"<b>', headline=headline))
    for url in ("/feeds/all.rss", "/feeds/all.atom", "/feeds/all.xml"):
        etree.fromstring(await (await client.get(url)).read())  # still well-formed
    page = await (await client.get("/stories/urn:t:%22%3Cb%3E.html")).text()
    assert "<script>" not in page
    resp = await client.post(
        "/api/v1/stories", json=story_doc(guid="urn:t:a\r\nX-Injected: 1"), headers=EDITOR
    )
    assert resp.status in (201, 422)
    assert "X-Injected" not in resp.headers


# a PUT keeps the source ---------------------------------------------------------------------


async def test_a_put_without_origin_keeps_the_story_in_its_source_and_its_feeds(
    client: Client,
) -> None:
    resp = await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:put:1"), headers=EDITOR
    )
    assert resp.status == 201
    replaced = story_doc(guid="urn:put:1", headline="Replaced copy")
    replaced.pop("origin", None)
    resp = await client.put("/api/v1/stories/urn:put:1", json=replaced, headers=EDITOR)
    body = await resp.json()
    assert body["origin"]["source"] == "agency"
    assert "urn:put:1" in await feed_guids(client, "agency", "rss", DAILY)


async def test_a_put_that_moves_the_story_is_announced_to_those_who_lose_it(
    client: Client,
) -> None:
    await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:move:1"), headers=EDITOR
    )
    moved = story_doc(guid="urn:move:1", origin={"source": "other"})
    resp = await client.put("/api/v1/stories/urn:move:1", json=moved, headers=EDITOR)
    assert (await resp.json())["origin"]["source"] == "other"
    data = await (await client.get("/feeds/agency.xml", headers=DAILY)).read()
    item = etree.fromstring(data).find(".//{http://iptc.org/std/nar/2006-10-01/}newsItem")
    assert item is not None
    assert item.get("guid") == "urn:move:1"
    assert b"stat:withheld" in data
    assert b"other" not in data.split(b"<newsItem", 1)[1]  # the new source is not named


# kills reach every format ------------------------------------------------------------------


async def test_a_kill_is_announced_in_every_format_and_the_story_url_is_gone(
    client: Client,
) -> None:
    await push(client, story_doc(guid="urn:kill:1", headline="Doomed copy"))
    resp = await client.post(
        "/api/v1/stories/urn:kill:1/kill", json={"ed_note": "Legal"}, headers=ADMIN
    )
    assert resp.status == 200
    for fmt in ("rss", "atom", "xml", "json"):
        assert "urn:kill:1" in await feed_guids(client, "all", fmt), fmt
        body = await (await client.get(f"/feeds/all.{fmt}")).text()
        assert "Doomed copy" not in body, fmt
    ninjs = json.loads(await (await client.get("/feeds/all.json")).read())
    [item] = [i for i in ninjs["items"] if i["uri"] == "urn:kill:1"]
    assert (item["pubstatus"], item["ednote"]) == ("canceled", "Legal")
    rss = feedparser.parse(await (await client.get("/feeds/all.rss")).read())
    [entry] = [e for e in rss.entries if e.id == "urn:kill:1"]
    assert entry.title == KILL_NOTICE
    for ext in story_extensions():
        gone = await client.get(f"/stories/urn:kill:1.{ext}")
        assert gone.status == 410
        text = await gone.text()
        assert "Doomed copy" not in text
        assert "Legal" in text


async def test_a_future_dated_item_does_not_push_kills_out_of_the_atom_feed(
    client: Client,
) -> None:
    await push(client, story_doc(guid="urn:kill:2"))
    await client.post("/api/v1/stories/urn:kill:2/kill", headers=ADMIN)
    app = client.app
    assert app is not None
    far = app[WIRE].clock() + timedelta(days=400)
    await app[WIRE].save(
        Story(
            guid="urn:future:1",
            headline="Mis-dated upstream item",
            published_at=far,
            version_created=far,
            origin=Origin(source="agency"),
        )
    )
    assert "urn:kill:2" in await feed_guids(client, "all", "atom")


async def test_the_announcement_window_is_wall_clock_time(client: Client, clock: FakeClock) -> None:
    await push(client, story_doc(guid="urn:kill:3"))
    await client.post("/api/v1/stories/urn:kill:3/kill", headers=ADMIN)
    app = client.app
    assert app is not None
    clock.advance(days=6)
    await app[PUBLISHER].refresh("all")
    assert "urn:kill:3" in await feed_guids(client, "all", "rss")
    clock.advance(days=2)  # past the seven-day window of the config
    await app[PUBLISHER].refresh("all")
    assert "urn:kill:3" not in await feed_guids(client, "all", "rss")
    assert (await client.get("/stories/urn:kill:3.json")).status == 410  # the URL remembers


# kills and withholds never leak ---------------------------------------------------------------


async def test_a_story_killed_under_embargo_is_unknown_to_the_public(
    client: Client, clock: FakeClock
) -> None:
    until = (clock.now + timedelta(hours=1)).isoformat()
    await push(client, story_doc(guid="urn:leak:1", embargoed_until=until))
    await client.post(
        "/api/v1/stories/urn:leak:1/kill", json={"ed_note": "Secret note"}, headers=ADMIN
    )
    clock.advance(hours=2)
    for fmt in ("rss", "atom", "xml", "json"):
        body = await (await client.get(f"/feeds/all.{fmt}")).text()
        assert "urn:leak:1" not in body
        assert "Secret note" not in body
    assert (await client.get("/stories/urn:leak:1.json")).status == 404
    # the partner with embargo rights had it, and hears of the kill
    assert "urn:leak:1" in await feed_guids(client, "all", "atom", WIDE)


async def test_a_story_created_withheld_then_killed_is_never_public(client: Client) -> None:
    await push(client, story_doc(guid="urn:leak:2", pub_status="withheld"))
    await client.post("/api/v1/stories/urn:leak:2/kill", headers=ADMIN)
    assert (await client.get("/stories/urn:leak:2.json")).status == 404
    items = await (await client.get("/api/v1/feeds/all/items")).json()
    assert items["items"] == []
    for fmt in ("rss", "atom", "xml", "json"):
        assert "urn:leak:2" not in await feed_guids(client, "all", fmt)


async def test_an_upstream_kill_of_a_story_never_carried_creates_nothing_public(
    client: Client,
) -> None:
    app = client.app
    assert app is not None
    await app[WIRE].save(
        Story(
            guid="urn:leak:3",
            headline="Never carried",
            pub_status=PubStatus.CANCELED,
            origin=Origin(source="agency"),
        )
    )
    assert (await client.get("/stories/urn:leak:3.json")).status == 404
    for fmt in ("rss", "atom", "xml", "json"):
        assert "urn:leak:3" not in await feed_guids(client, "all", fmt)


# embargo -------------------------------------------------------------------------------------


async def test_a_story_pushed_early_takes_its_place_and_date_at_its_release(
    client: Client, clock: FakeClock
) -> None:
    until = clock.now + timedelta(hours=1)
    await push(client, story_doc(guid="urn:emb:early", embargoed_until=until.isoformat()))
    clock.advance(minutes=30)
    await push(client, story_doc(guid="urn:emb:later"))
    clock.advance(hours=1)
    app = client.app
    assert app is not None
    await app[EMBARGO].release_due()
    await settle(client)
    assert (await feed_guids(client, "all", "rss"))[:2] == ["urn:emb:early", "urn:emb:later"]
    rss = feedparser.parse(await (await client.get("/feeds/all.rss")).read())
    entry = rss.entries[0]
    assert entry.id == "urn:emb:early"
    published = entry.published_parsed
    assert (published.tm_hour, published.tm_min) == (until.hour, until.minute)


async def test_re_embargoing_a_published_story_is_announced_as_a_withhold(
    client: Client, clock: FakeClock
) -> None:
    await push(client, story_doc(guid="urn:emb:again"))
    until = (clock.now + timedelta(hours=2)).isoformat()
    resp = await client.put(
        "/api/v1/stories/urn:emb:again",
        json=story_doc(guid="urn:emb:again", embargoed_until=until),
        headers=EDITOR,
    )
    assert resp.status == 200
    ninjs = json.loads(await (await client.get("/feeds/all.json")).read())
    [item] = [i for i in ninjs["items"] if i["uri"] == "urn:emb:again"]
    assert item["pubstatus"] == "withheld"
    gone = await client.get("/stories/urn:emb:again.json")
    assert gone.status == 410


# a kill note is a kill note ------------------------------------------------------------------


async def test_a_kill_of_a_corrected_story_is_not_labelled_a_correction(client: Client) -> None:
    await push(client, story_doc(guid="urn:note:1"))
    await client.post(
        "/api/v1/stories/urn:note:1/correct",
        json={"headline": "Fixed", "ed_note": "Fixes a name"},
        headers=EDITOR,
    )
    await client.post("/api/v1/stories/urn:note:1/kill", json={"ed_note": "Legal"}, headers=ADMIN)
    for fmt in ("rss", "atom", "xml", "json"):
        body = await (await client.get(f"/feeds/all.{fmt}")).text()
        assert "Correction (version" not in body, fmt


# made-up tokens ---------------------------------------------------------------------------------


async def test_made_up_tokens_count_against_the_client_and_are_looked_up_once(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    app = create_app(api_config(tmp_path, rate_limit_per_minute=5), start_jobs=False)
    client = await aiohttp_client(app)
    statuses = []
    for n in range(8):
        resp = await client.get("/feeds/all.rss", headers={"Authorization": f"Bearer bogus{n}"})
        statuses.append(resp.status)
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    lookups = 0
    store = app[WIRE].store
    real = store.find_credential

    async def counting(token_hash: str) -> Credential | None:
        nonlocal lookups
        lookups += 1
        return await real(token_hash)

    store.find_credential = counting  # type: ignore[method-assign]
    auth = app[AUTH]
    now = app[WIRE].clock()
    for _ in range(3):
        with pytest.raises(Exception, match="unknown token"):
            await auth.audience_of_hash(hash_token("bogus-again"), now)
    assert lookups == 1


# pushes: ordered and revocable --------------------------------------------------------------


async def test_webhooks_of_one_story_arrive_in_version_order_never_overlapping(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    arrived: list[tuple[str, int]] = []
    inside = 0
    overlapped = False

    async def hook(request: web.Request) -> web.Response:
        nonlocal inside, overlapped
        inside += 1
        overlapped |= inside > 1
        payload = await request.json()
        await asyncio.sleep(0.05)
        arrived.append((payload["type"], payload["data"]["version"]))
        inside -= 1
        return web.Response(status=204)

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    server = TestServer(receiver)
    await server.start_server()
    try:
        config = api_config(tmp_path, allow_private_callbacks=True)
        partners = tuple(
            replace(p, webhook_url=str(server.make_url("/hook")), webhook_secret=SECRET)
            if p.name == "wide"
            else p
            for p in config.partners
        )
        app = create_app(replace(config, partners=partners), start_jobs=False)
        client = await aiohttp_client(app)
        await push(client, story_doc(guid="urn:order:1"))
        for n in range(3):
            await client.post(
                "/api/v1/stories/urn:order:1/correct",
                json={"headline": f"Fix {n}", "ed_note": f"Fix {n}"},
                headers=EDITOR,
            )
        await client.post("/api/v1/stories/urn:order:1/kill", headers=ADMIN)
        await settle(client)
        await app[HOOKS].run_due()
        await settle(client)
    finally:
        await server.close()
    assert not overlapped
    versions = [v for _t, v in arrived]
    assert versions == sorted(versions)
    assert arrived[-1] == ("story.killed", 5)


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Subscriber:
    """A WebSub subscriber on loopback: every verification (GET) and notification
    (POST) it receives, in order, as (``hub.mode`` or "post", body)."""

    recorder: Recorder
    path: str = "/cb"

    @property
    def url(self) -> str:
        return self.recorder.url(self.path)

    @property
    def got(self) -> list[tuple[str, bytes]]:
        return self.recorder.websub(self.path)

    @property
    def modes(self) -> list[str]:
        return [mode for mode, _ in self.got]


@pytest.fixture
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording() as recorder:
        yield Subscriber(recorder)


async def subscribed(
    aiohttp_client: ClientFactory, tmp_path: Path, sub: Subscriber, partner: str, topic: str
) -> tuple[Client, str]:
    """A server with ``sub`` subscribed to ``topic`` with a stored token of ``partner``."""
    app = create_app(api_config(tmp_path, allow_private_callbacks=True), start_jobs=False)
    client = await aiohttp_client(app)
    token = f"wire_pt_stored-{partner}"
    await app[WIRE].store.add_credential(Credential(hash_token(token), "partner", partner))
    resp = await client.post(
        "/websub",
        data={"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": sub.url},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 202, await resp.text()
    await settle(client)
    assert sub.modes == ["subscribe"]
    return client, token


async def test_a_websub_subscription_stops_private_pushes_when_its_token_is_revoked(
    aiohttp_client: ClientFactory, tmp_path: Path, subscriber: Subscriber
) -> None:
    topic = "http://wire.test/feeds/agency.atom"
    client, token = await subscribed(aiohttp_client, tmp_path, subscriber, "daily", topic)
    store = client.app[WIRE].store
    await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:ws:1"), headers=EDITOR
    )
    await settle(client)
    assert subscriber.modes == ["subscribe", "post"]
    assert b"urn:ws:1" in subscriber.got[-1][1]

    await store.delete_credential(hash_token(token))  # revoked
    await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:ws:2"), headers=EDITOR
    )
    await settle(client)
    assert subscriber.modes == ["subscribe", "post", "denied"]
    assert not any(b"urn:ws:2" in body for _mode, body in subscriber.got)
    assert await store.subscriptions(topic, now=client.app[WIRE].clock()) == []


async def test_a_revoked_token_on_a_public_topic_falls_back_to_the_public_view(
    aiohttp_client: ClientFactory, tmp_path: Path, subscriber: Subscriber
) -> None:
    topic = "http://wire.test/feeds/all.atom"
    client, token = await subscribed(aiohttp_client, tmp_path, subscriber, "wide", topic)
    app = client.app
    assert app is not None
    until = (app[WIRE].clock() + timedelta(hours=1)).isoformat()
    await push(client, story_doc(guid="urn:wsp:1", embargoed_until=until))
    await settle(client)
    assert b"urn:wsp:1" in subscriber.got[-1][1]  # the partner's view: embargo rights
    await app[WIRE].store.delete_credential(hash_token(token))
    await push(client, story_doc(guid="urn:wsp:2"))
    await settle(client)
    assert b"urn:wsp:2" in subscriber.got[-1][1]
    assert b"urn:wsp:1" not in subscriber.got[-1][1]  # the public view now
    [sub] = await app[WIRE].store.subscriptions(topic, now=app[WIRE].clock())
    assert (sub.audience, sub.token_hash) == ("public", None)


# a kill after a move, in the feed the story left ---------------------------------------------


async def test_a_story_killed_after_leaving_a_feed_is_announced_killed_there(
    client: Client,
) -> None:
    """A story moved from the agency source to another leaves the agency feed as a
    withhold notice; killed afterwards, that feed's cached views must change to the
    kill notice too, although neither its old nor its new version is in the feed
    (found by the channel property test: the feed kept showing the withhold)."""
    doc = story_doc(guid="urn:moved:1", origin={"source": "agency"})
    await push(client, doc)
    moved = {**doc, "origin": {"source": "other"}}
    assert (await client.put("/api/v1/stories/urn:moved:1", json=moved, headers=ADMIN)).ok
    await settle(client)
    before = feedparser.parse(await (await client.get("/feeds/agency.rss", headers=DAILY)).read())
    assert [e.title for e in before.entries if e.id == "urn:moved:1"] != [KILL_NOTICE]
    assert (await client.post("/api/v1/stories/urn:moved:1/kill", headers=ADMIN)).ok
    await settle(client)
    for fmt in ("rss", "atom", "xml", "json"):
        assert "urn:moved:1" in await feed_guids(client, "agency", fmt, DAILY), fmt
    after = feedparser.parse(await (await client.get("/feeds/agency.rss", headers=DAILY)).read())
    assert [e.title for e in after.entries if e.id == "urn:moved:1"] == [KILL_NOTICE]
