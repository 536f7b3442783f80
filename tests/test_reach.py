"""Kill reach: which partner received which version of a story by which channel
(cursor, queue, feed, webhook, story URL), their acknowledgements, and who still
owes one after a kill — the API for editors, the desk's story view, partners'
``POST …/ack``. Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

from typing import Any

from tests.desk_client import (
    ADMIN,
    DAILY_TOKEN,
    EDITOR,
    EDITOR_KEY,
    WIDE_TOKEN,
    Client,
    post_story,
    problem,
)
from tests.desk_pages import sign_in

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def reach(client: Client, guid: str) -> dict[str, dict[str, Any]]:
    resp = await client.get(f"/api/v1/stories/{guid}/reach", headers=EDITOR)
    assert resp.status == 200, await resp.text()
    return {p["partner"]: p for p in (await resp.json())["partners"]}


async def test_a_cursor_read_reaches_the_partner_and_a_kill_is_owed_until_acknowledged(
    client: Client,
) -> None:
    await post_story(client, "urn:r:1")
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    daily = (await reach(client, "urn:r:1"))["daily"]
    assert daily["received"] == [{"version": 1, "channels": ["cursor"]}]
    assert daily["outstanding"] is False
    resp = await client.post("/api/v1/stories/urn:r:1/kill", json={}, headers=ADMIN)
    assert resp.status == 200
    assert (await reach(client, "urn:r:1"))["daily"]["outstanding"] is True
    acked = await client.post("/api/v1/stories/urn:r:1/ack", headers=DAILY)
    assert (await acked.json())["pub_status"] == "canceled"
    daily = (await reach(client, "urn:r:1"))["daily"]
    assert (daily["acknowledged"], daily["outstanding"]) == (2, False)
    assert daily["published_at"] == []


async def test_a_feed_rendering_sent_reaches_every_story_in_it_but_a_304_adds_nothing(
    client: Client,
) -> None:
    await post_story(client, "urn:r:f")
    first = await client.get("/feeds/agency.rss", headers=DAILY)
    assert first.status == 200
    again = await client.get(
        "/feeds/agency.rss", headers={**DAILY, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
    assert (await reach(client, "urn:r:f"))["daily"]["received"] == [
        {"version": 1, "channels": ["feed"]}
    ]


async def test_the_reach_names_where_the_partner_ran_the_story(client: Client) -> None:
    await post_story(client, "urn:r:ran")
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    url = "https://daily.example/2026/ran"
    where = "/api/v1/stories/urn:r:ran/publications"
    await client.post(where, json={"url": url}, headers=DAILY)
    assert (await reach(client, "urn:r:ran"))["daily"]["published_at"] == [url]


async def test_a_queue_acknowledgement_reaches_the_partner(client: Client) -> None:
    await post_story(client, "urn:r:q")
    queue = "/api/v1/feeds/agency/queue"
    taken = await (await client.get(f"{queue}?consumer=cms", headers=DAILY)).json()
    receipts = [item["receipt"] for item in taken["items"]]
    assert (await reach(client, "urn:r:q")) == {}  # handed out, not yet stored
    await client.post(f"{queue}/ack", json={"receipts": receipts}, headers=DAILY)
    assert (await reach(client, "urn:r:q"))["daily"]["received"][0]["channels"] == ["queue"]


async def test_a_partner_that_never_had_the_story_owes_nothing(client: Client) -> None:
    await post_story(client, "urn:r:unseen")
    await client.get("/api/v1/feeds/all/items", headers=WIDE)
    await client.post("/api/v1/stories/urn:r:unseen/kill", json={}, headers=ADMIN)
    found = await reach(client, "urn:r:unseen")
    assert "daily" not in found
    assert found["wide"]["outstanding"] is True


async def test_the_desk_shows_who_received_what_and_who_owes_an_acknowledgement(
    client: Client,
) -> None:
    await post_story(client, "urn:r:desk")
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    await client.post("/api/v1/stories/urn:r:desk/kill", json={}, headers=ADMIN)
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk/stories/urn:r:desk")).text()
    assert "<h2>Reach</h2>" in page
    assert "v1 (cursor)" in page
    assert "outstanding" in page


async def test_acknowledgements_need_a_partner_that_may_see_the_story(client: Client) -> None:
    await post_story(client, "urn:r:other", source="other")
    await problem(await client.post("/api/v1/stories/urn:r:other/ack"), 401)
    await problem(await client.post("/api/v1/stories/urn:r:other/ack", headers=DAILY), 404)
    await problem(await client.get("/api/v1/stories/urn:r:other/reach", headers=DAILY), 401)


async def test_outstanding_kills_are_listed_until_acknowledged(client: Client) -> None:
    await post_story(client, "urn:r:out")
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    await client.post("/api/v1/stories/urn:r:out/kill", json={}, headers=ADMIN)
    listed = await (await client.get("/api/v1/kills/outstanding", headers=EDITOR)).json()
    assert [(k["guid"], k["partners"]) for k in listed["kills"]] == [("urn:r:out", ["daily"])]
    await client.post("/api/v1/stories/urn:r:out/ack", headers=DAILY)
    listed = await (await client.get("/api/v1/kills/outstanding", headers=EDITOR)).json()
    assert listed["kills"] == []


async def test_a_kill_not_acknowledged_is_pushed_again_until_it_is(
    aiohttp_client: Any, tmp_path: Any
) -> None:
    import asyncio

    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from tests.clocks import wall_clock
    from wire.config import parse_config
    from wire.model import Origin, Story
    from wire.tokens import hash_token
    from wire.web.app import create_app
    from wire.web.keys import HOOKS, WIRE
    from wire.web.reaching import reannounce_kills

    posts: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        posts.append({"id": request.headers["webhook-id"], **(await request.json())})
        return web.Response(status=204)

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    endpoint = TestServer(receiver, host="127.0.0.1")
    await endpoint.start_server()
    secret = "whsec_" + "c2VjcmV0LWZvci10aGUtcmVtaW5kZXItdGVzdA=="
    config = parse_config(
        {
            "server": {"data_dir": str(tmp_path), "allow_private_callbacks": True},
            "sources": [{"name": "desk", "kind": "push"}],
            "feeds": [{"name": "all", "title": "All"}],
            "partners": [
                {
                    "name": "daily",
                    "webhook_url": str(endpoint.make_url("/hook")),
                    "webhook_secret": secret,
                    "tokens": [{"hash": hash_token(DAILY_TOKEN)}],
                }
            ],
        },
        base_dir=tmp_path,
        env={},
    )
    clock = wall_clock()
    client = await aiohttp_client(create_app(config, clock=clock, start_jobs=False))
    app = client.app
    wire = app[WIRE]

    async def settle() -> None:
        await wire.bus.drain()
        await app[HOOKS].drain()
        await asyncio.sleep(0.05)

    try:
        await wire.save(Story(headline="Soon gone", guid="urn:r:remind", origin=Origin("desk")))
        await settle()
        await client.get("/api/v1/feeds/all/items", headers=DAILY)
        await wire.act("kill", "urn:r:remind", "Legal", role="admin")
        await settle()
        assert [p["type"] for p in posts] == ["story.created", "story.killed"]
        assert await reannounce_kills(app) == 0  # not a round yet
        clock.advance(minutes=61)
        assert await reannounce_kills(app) == 1
        assert await reannounce_kills(app) == 0  # the round is queued once
        await settle()
        assert [p["type"] for p in posts][-1] == "story.killed"
        assert len({p["id"] for p in posts}) == 3  # a reminder of its own id
        await client.post("/api/v1/stories/urn:r:remind/ack", headers=DAILY)
        clock.advance(minutes=61)
        assert await reannounce_kills(app) == 0  # acknowledged: no more reminders
    finally:
        await endpoint.close()
