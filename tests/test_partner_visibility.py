"""The visibility property over every partner channel: after random sequences of
pushes, kills, withholds, releases and embargoes lifting, a partner gets through
the cursor, a queue, search and the credit kit exactly the stories its feed shows
it — never one the feed would not. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from tests.clocks import FakeClock
from tests.desk_client import ADMIN, DAILY_TOKEN, EDITOR, WIDE_TOKEN, Client, story_doc
from wire.instants import format_instant

PARTNERS = {
    "daily": ({"Authorization": f"Bearer {DAILY_TOKEN}"}, "agency"),  # agency only, no embargo
    "wide": ({"Authorization": f"Bearer {WIDE_TOKEN}"}, "all"),  # everything, embargo rights
}
WORD = "harbourzeta"  # in every story: what the search asks for


async def _operate(client: Client, clock: FakeClock, rng: random.Random, steps: int) -> None:
    made: list[str] = []
    for step in range(steps):
        choice = rng.random()
        if choice < 0.5 or not made:
            guid = f"urn:p:{len(made)}"
            fields: dict[str, Any] = {}
            if rng.random() < 0.3:
                fields["embargoed_until"] = format_instant(clock.now + timedelta(hours=1))
            words = f"{WORD} " + " ".join(f"{guid}-{n}" for n in range(10))
            doc = story_doc(guid=guid, headline=f"Story {guid}", body=[words], **fields)
            source = rng.choice(["agency", "other"])
            resp = await client.post(f"/api/v1/stories?source={source}", json=doc, headers=EDITOR)
            assert resp.status == 201, await resp.text()
            made.append(guid)
        elif choice < 0.85:
            action = rng.choice(["kill", "withhold", "release"])
            guid = rng.choice(made)
            await client.post(f"/api/v1/stories/{guid}/{action}", json={}, headers=ADMIN)
        else:
            clock.advance(hours=2)  # embargoes lift
        if step % 3 == 0:
            await client.get("/api/v1/feeds/agency/items", headers=PARTNERS["daily"][0])


async def _feed_shows(client: Client, auth: dict[str, str], feed: str) -> set[str]:
    data = await (await client.get(f"/feeds/{feed}.json", headers=auth)).json()
    return {item["uri"] for item in data["items"] if item.get("pubstatus", "usable") == "usable"}


async def _cursor_gives(client: Client, auth: dict[str, str], feed: str) -> set[str]:
    latest: dict[str, str] = {}
    after = None
    while True:
        query = "?limit=50" + (f"&after={after}" if after else "")
        page = await (await client.get(f"/api/v1/feeds/{feed}/items{query}", headers=auth)).json()
        latest.update({item["guid"]: item["pub_status"] for item in page["items"]})
        after = page["next"]
        if not page["more"]:
            return {g for g, status in latest.items() if status == "usable"}


async def _queue_gives(client: Client, auth: dict[str, str], feed: str, consumer: str) -> set[str]:
    url = f"/api/v1/feeds/{feed}/queue?consumer={consumer}&limit=500"
    items = (await (await client.get(url, headers=auth)).json())["items"]
    latest = {i["story"]["guid"]: i["story"]["pub_status"] for i in items}
    return {g for g, status in latest.items() if status == "usable"}


async def _search_gives(client: Client, auth: dict[str, str]) -> set[str]:
    resp = await client.get("/api/v1/search", params={"q": WORD, "limit": "100"}, headers=auth)
    return {item["guid"] for item in (await resp.json())["items"]}


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_partner_channel_shows_what_the_feed_shows(
    client: Client, clock: FakeClock, seed: int
) -> None:
    rng = random.Random(seed)
    await _operate(client, clock, rng, steps=14)
    seen = 0
    for name, (auth, feed) in PARTNERS.items():
        shown = await _feed_shows(client, auth, feed)
        seen += len(shown)
        assert await _cursor_gives(client, auth, feed) == shown, name
        assert await _queue_gives(client, auth, feed, f"c{seed}") == shown, name
        found = await _search_gives(client, auth)
        assert found <= shown, name  # the partner's other feeds may show more: none here
        for n in range(20):
            guid = f"urn:p:{n}"
            credit = await client.get(f"/api/v1/stories/{guid}/credit", headers=auth)
            assert (credit.status == 200) == (guid in shown), (name, guid, credit.status)
    assert seen > 0  # the sequence left something to see: the property was put to work
