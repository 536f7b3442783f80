"""Queues with receipts (``/api/v1/feeds/{name}/queue`` and ``…/queue/ack``):
at-least-once per consumer, unacknowledged items back after the visibility
timeout, versions in order, kills queued, and never more than the feed shows the
partner. Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from tests.clocks import FakeClock
from tests.desk_client import (
    ADMIN,
    DAILY_TOKEN,
    EDITOR,
    WIDE_TOKEN,
    Client,
    distinct_doc,
    post_story,
    problem,
)
from wire.instants import format_instant

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def take(
    client: Client, consumer: str = "cms", *, feed: str = "agency", auth: dict[str, str] = DAILY
) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/v1/feeds/{feed}/queue?consumer={consumer}", headers=auth)
    assert resp.status == 200, await resp.text()
    items: list[dict[str, Any]] = (await resp.json())["items"]
    return items


async def ack(
    client: Client, receipts: list[str], *, feed: str = "agency", auth: dict[str, str] = DAILY
) -> int:
    resp = await client.post(
        f"/api/v1/feeds/{feed}/queue/ack", json={"receipts": receipts}, headers=auth
    )
    assert resp.status == 200, await resp.text()
    done: int = (await resp.json())["acknowledged"]
    return done


def stories(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(i["story"]["guid"], i["story"]["version"]) for i in items]


async def test_a_consumer_takes_each_item_once_with_a_receipt(client: Client) -> None:
    await post_story(client, "urn:q:1")
    await post_story(client, "urn:q:2")
    items = await take(client)
    assert stories(items) == [("urn:q:1", 1), ("urn:q:2", 1)]
    assert all(i["receipt"] for i in items)
    assert await ack(client, [i["receipt"] for i in items]) == 2
    await post_story(client, "urn:q:3")
    assert stories(await take(client)) == [("urn:q:3", 1)]


async def test_an_item_not_acknowledged_comes_back_after_the_timeout(
    client: Client, clock: FakeClock
) -> None:
    await post_story(client, "urn:q:late")
    [first] = await take(client)
    assert await take(client) == []  # in flight: not handed out twice meanwhile
    clock.advance(seconds=301)
    [again] = await take(client)
    assert stories([again]) == [("urn:q:late", 1)]
    assert again["receipt"] != first["receipt"]
    assert await ack(client, [first["receipt"]]) == 0  # the old receipt is spent
    assert await ack(client, [again["receipt"]]) == 1
    clock.advance(seconds=301)
    assert await take(client) == []


async def test_every_consumer_of_a_partner_gets_every_item(client: Client) -> None:
    await post_story(client, "urn:q:shared")
    assert stories(await take(client, "cms")) == [("urn:q:shared", 1)]
    assert stories(await take(client, "archive")) == [("urn:q:shared", 1)]


async def test_a_newer_version_replaces_the_older_one_in_flight(
    client: Client, clock: FakeClock
) -> None:
    await post_story(client, "urn:q:v")
    [old] = await take(client)
    resp = await client.put(
        "/api/v1/stories/urn:q:v", json=distinct_doc("urn:q:v", headline="Second"), headers=EDITOR
    )
    assert resp.status == 200
    [new] = await take(client)
    assert stories([new]) == [("urn:q:v", 2)]
    assert await ack(client, [old["receipt"]]) == 0
    clock.advance(seconds=301)
    [back] = await take(client)  # the newer one comes back, never the older
    assert stories([back]) == [("urn:q:v", 2)]


async def test_a_kill_of_a_story_the_consumer_had_is_queued(client: Client) -> None:
    await post_story(client, "urn:q:doomed")
    await ack(client, [i["receipt"] for i in await take(client)])
    resp = await client.post(
        "/api/v1/stories/urn:q:doomed/kill", json={"ed_note": "Legal"}, headers=ADMIN
    )
    assert resp.status == 200
    [notice] = await take(client)
    assert notice["story"]["guid"] == "urn:q:doomed"
    assert notice["story"]["pub_status"] == "canceled"
    assert notice["story"]["ed_note"] == "Legal"


async def test_a_queue_holds_only_what_the_feed_shows_the_partner(
    client: Client, clock: FakeClock
) -> None:
    await post_story(client, "urn:q:other", source="other")
    later = format_instant(clock.now + timedelta(hours=1))
    await post_story(client, "urn:q:embargoed", embargoed_until=later)
    await post_story(client, "urn:q:mine")
    [mine] = await take(client)
    assert stories([mine]) == [("urn:q:mine", 1)]  # daily: agency, no embargo rights
    await ack(client, [mine["receipt"]])
    wide = await take(client, feed="all", auth=WIDE)
    assert {g for g, _ in stories(wide)} == {"urn:q:other", "urn:q:embargoed", "urn:q:mine"}
    clock.advance(hours=2)
    assert stories(await take(client)) == [("urn:q:embargoed", 1)]  # once it lifted


async def test_receipts_of_another_partner_acknowledge_nothing(client: Client) -> None:
    await post_story(client, "urn:q:a")
    [mine] = await take(client)
    assert await ack(client, [mine["receipt"]], feed="agency", auth=WIDE) == 0
    assert await ack(client, [mine["receipt"]]) == 1


async def test_concurrent_takes_of_one_consumer_never_hand_out_an_item_twice(
    client: Client,
) -> None:
    for n in range(12):
        await post_story(client, f"urn:q:c{n}")
    pages = await asyncio.gather(*(take(client, "busy") for _ in range(6)))
    taken = [g for page in pages for g, _ in stories(page)]
    assert sorted(taken) == sorted(f"urn:q:c{n}" for n in range(12))


async def test_bad_queue_requests_are_named(client: Client) -> None:
    await problem(await client.get("/api/v1/feeds/all/queue?consumer=cms"), 401)
    body = await problem(
        await client.get("/api/v1/feeds/agency/queue?consumer=a/b", headers=DAILY), 400
    )
    assert body["parameter"] == "consumer"
    await problem(await client.get("/api/v1/feeds/all/queue?consumer=cms", headers=DAILY), 403)
    bad: list[object] = [{"receipts": "x"}, {"receipts": [1]}, {"receipt": []}, []]
    for doc in bad:
        resp = await client.post("/api/v1/feeds/agency/queue/ack", json=doc, headers=DAILY)
        await problem(resp, 400)
    assert await ack(client, ["not-a-receipt"]) == 0


@pytest.mark.parametrize("seed", [7, 11, 23])
async def test_random_takes_acks_updates_and_timeouts_keep_the_queue_promises(
    client: Client, clock: FakeClock, seed: int
) -> None:
    """Seeded random sequences: a consumer never gets an older version of a story
    after a newer one, never gets an item again while it holds it unexpired, and
    after acknowledging everything and waiting out the timeout ends up having
    acknowledged the current version of every story it may see."""
    import random

    rng = random.Random(seed)
    versions: dict[str, int] = {}
    newest_given: dict[str, int] = {}
    held: dict[str, tuple[str, int]] = {}  # receipt → (guid, version), unacknowledged
    acked: dict[str, int] = {}
    for step in range(60):
        choice = rng.random()
        if choice < 0.25 or not versions:
            guid = f"urn:qr:{len(versions)}"
            await post_story(client, guid)
            versions[guid] = 1
        elif choice < 0.4:
            guid = rng.choice(sorted(versions))
            versions[guid] += 1
            doc = distinct_doc(guid, headline=f"Version {versions[guid]}")
            resp = await client.put(f"/api/v1/stories/{guid}", json=doc, headers=EDITOR)
            assert resp.status == 200, await resp.text()
        elif choice < 0.75:
            for item in await take(client, "rnd"):
                guid, version = item["story"]["guid"], item["story"]["version"]
                assert version >= newest_given.get(guid, 0), (step, guid)
                assert (guid, version) not in held.values(), step  # held, unexpired: not again
                newest_given[guid] = version
                held = {r: gv for r, gv in held.items() if gv[0] != guid}  # replaced
                held[item["receipt"]] = (guid, version)
        elif choice < 0.9 and held:
            chosen = rng.sample(sorted(held), k=max(1, len(held) // 2))
            done = await ack(client, chosen)
            assert done == len(chosen)
            for receipt in chosen:
                guid, version = held.pop(receipt)
                acked[guid] = max(acked.get(guid, 0), version)
        else:
            clock.advance(seconds=301)
            held = {}  # what was held comes back with new receipts
    for _ in range(10):  # drain: take and acknowledge until nothing is left
        clock.advance(seconds=301)
        items = await take(client, "rnd")
        if not items:
            break
        assert await ack(client, [i["receipt"] for i in items]) == len(items)
        for item in items:
            story = item["story"]
            acked[story["guid"]] = max(acked.get(story["guid"], 0), story["version"])
    assert acked == versions
