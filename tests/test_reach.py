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
    problem,
    story_doc,
)
from tests.desk_pages import sign_in

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def post(client: Client, guid: str, source: str = "agency") -> None:
    words = " ".join(f"{guid}-{n}" for n in range(10))
    doc = story_doc(guid=guid, headline=f"Story {guid}", body=[words])
    resp = await client.post(f"/api/v1/stories?source={source}", json=doc, headers=EDITOR)
    assert resp.status == 201, await resp.text()


async def reach(client: Client, guid: str) -> dict[str, dict[str, Any]]:
    resp = await client.get(f"/api/v1/stories/{guid}/reach", headers=EDITOR)
    assert resp.status == 200, await resp.text()
    return {p["partner"]: p for p in (await resp.json())["partners"]}


async def test_a_cursor_read_reaches_the_partner_and_a_kill_is_owed_until_acknowledged(
    client: Client,
) -> None:
    await post(client, "urn:r:1")
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


async def test_a_feed_rendering_sent_reaches_every_story_in_it_but_a_304_adds_nothing(
    client: Client,
) -> None:
    await post(client, "urn:r:f")
    first = await client.get("/feeds/agency.rss", headers=DAILY)
    assert first.status == 200
    again = await client.get(
        "/feeds/agency.rss", headers={**DAILY, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
    assert (await reach(client, "urn:r:f"))["daily"]["received"] == [
        {"version": 1, "channels": ["feed"]}
    ]


async def test_a_queue_acknowledgement_reaches_the_partner(client: Client) -> None:
    await post(client, "urn:r:q")
    queue = "/api/v1/feeds/agency/queue"
    taken = await (await client.get(f"{queue}?consumer=cms", headers=DAILY)).json()
    receipts = [item["receipt"] for item in taken["items"]]
    assert (await reach(client, "urn:r:q")) == {}  # handed out, not yet stored
    await client.post(f"{queue}/ack", json={"receipts": receipts}, headers=DAILY)
    assert (await reach(client, "urn:r:q"))["daily"]["received"][0]["channels"] == ["queue"]


async def test_a_partner_that_never_had_the_story_owes_nothing(client: Client) -> None:
    await post(client, "urn:r:unseen")
    await client.get("/api/v1/feeds/all/items", headers=WIDE)
    await client.post("/api/v1/stories/urn:r:unseen/kill", json={}, headers=ADMIN)
    found = await reach(client, "urn:r:unseen")
    assert "daily" not in found
    assert found["wide"]["outstanding"] is True


async def test_the_desk_shows_who_received_what_and_who_owes_an_acknowledgement(
    client: Client,
) -> None:
    await post(client, "urn:r:desk")
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    await client.post("/api/v1/stories/urn:r:desk/kill", json={}, headers=ADMIN)
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk/stories/urn:r:desk")).text()
    assert "<h2>Reach</h2>" in page
    assert "v1 (cursor)" in page
    assert "outstanding" in page


async def test_acknowledgements_need_a_partner_that_may_see_the_story(client: Client) -> None:
    await post(client, "urn:r:other", source="other")
    await problem(await client.post("/api/v1/stories/urn:r:other/ack"), 401)
    await problem(await client.post("/api/v1/stories/urn:r:other/ack", headers=DAILY), 404)
    await problem(await client.get("/api/v1/stories/urn:r:other/reach", headers=DAILY), 401)
