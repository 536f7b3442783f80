"""Long polling and start points on the cursor API (``/api/v1/feeds/{name}/items``):
``wait=S`` holds an empty page until the first change the reader may see, or S
seconds; ``after=now`` and ``since=INSTANT`` start reading from now or from an
instant. Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.clocks import FakeClock
from tests.desk_client import (
    DAILY_TOKEN,
    EDITOR,
    Client,
    ClientFactory,
    api_config,
    problem,
    push,
    story_doc,
)
from tests.store_fixtures import on_database
from wire.instants import format_instant
from wire.web.app import create_app

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}


async def items(client: Client, feed: str, query: str, **headers: str) -> dict[str, Any]:
    resp = await client.get(f"/api/v1/feeds/{feed}/items?{query}", headers=headers)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


def guids(body: dict[str, Any]) -> list[str]:
    return [item["guid"] for item in body["items"]]


async def caught_up(client: Client, feed: str = "all", **headers: str) -> str:
    body = await items(client, feed, "after=now", **headers)
    assert body["items"] == []
    cursor: str = body["next"]
    return cursor


async def test_a_held_request_answers_with_the_first_change(client: Client) -> None:
    cursor = await caught_up(client)
    held = asyncio.create_task(items(client, "all", f"after={cursor}&wait=20"))
    await asyncio.sleep(0.3)
    assert not held.done()  # nothing yet: the request is held
    await push(client, story_doc(guid="urn:lp:1"))
    body = await asyncio.wait_for(held, 5)  # long before the 20 s are up
    assert guids(body) == ["urn:lp:1"]


async def test_with_nothing_new_the_wait_ends_with_an_empty_page_and_the_same_position(
    client: Client,
) -> None:
    cursor = await caught_up(client)
    loop = asyncio.get_running_loop()
    started = loop.time()
    body = await items(client, "all", f"after={cursor}&wait=1")
    assert loop.time() - started >= 0.9
    assert (body["items"], body["next"], body["more"]) == ([], cursor, False)


async def test_something_to_deliver_is_answered_at_once_whatever_the_wait(
    client: Client,
) -> None:
    await push(client, story_doc(guid="urn:lp:ready"))
    body = await asyncio.wait_for(items(client, "all", "wait=60"), 5)
    assert guids(body) == ["urn:lp:ready"]


async def test_a_change_the_reader_may_not_see_does_not_end_its_wait(
    client: Client, clock: FakeClock
) -> None:
    cursor = await caught_up(client, "agency", **DAILY)
    held = asyncio.create_task(items(client, "agency", f"after={cursor}&wait=20", **DAILY))
    embargoed = story_doc(
        guid="urn:lp:embargoed", embargoed_until=format_instant(clock.now + timedelta(hours=1))
    )
    resp = await client.post("/api/v1/stories?source=agency", json=embargoed, headers=EDITOR)
    assert resp.status == 201
    await asyncio.sleep(0.5)
    assert not held.done()  # woken, read, nothing for this partner: held again
    resp = await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:lp:open"), headers=EDITOR
    )
    assert resp.status == 201
    body = await asyncio.wait_for(held, 5)
    assert guids(body) == ["urn:lp:open"]


async def test_after_now_skips_what_was_there(client: Client) -> None:
    await push(client, story_doc(guid="urn:lp:old"))
    cursor = await caught_up(client)
    await push(client, story_doc(guid="urn:lp:new"))
    assert guids(await items(client, "all", f"after={cursor}")) == ["urn:lp:new"]


async def test_since_starts_at_the_stories_made_from_that_instant(
    client: Client, clock: FakeClock
) -> None:
    await push(client, story_doc(guid="urn:lp:before"))
    clock.advance(hours=1)
    middle = clock.now - timedelta(minutes=30)
    await push(client, story_doc(guid="urn:lp:after"))
    body = await items(client, "all", f"since={format_instant(middle)}")
    assert guids(body) == ["urn:lp:after"]
    later = format_instant(clock.now + timedelta(hours=1))
    assert guids(await items(client, "all", f"since={later}")) == []


async def test_bad_waits_and_start_points_are_named(client: Client) -> None:
    for query, parameter in (
        ("wait=0", "wait"),
        ("wait=61", "wait"),
        ("wait=soon", "wait"),
        ("since=yesterday", "since"),
        ("after=now&since=2026-01-01T00:00:00Z", "since"),
    ):
        body = await problem(await client.get(f"/api/v1/feeds/all/items?{query}"), 400)
        assert body["parameter"] == parameter, query


async def test_a_change_stored_by_another_instance_ends_the_wait(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str
) -> None:
    config = on_database(api_config(tmp_path), database)
    first = await aiohttp_client(create_app(config, start_jobs=False))
    second = await aiohttp_client(create_app(config, start_jobs=False))
    cursor = await caught_up(second)
    held = asyncio.create_task(items(second, "all", f"after={cursor}&wait=30"))
    await asyncio.sleep(0.3)
    await push(first, story_doc(guid="urn:lp:elsewhere"))
    body = await asyncio.wait_for(held, 15)
    assert guids(body) == ["urn:lp:elsewhere"]
