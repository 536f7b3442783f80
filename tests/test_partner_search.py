"""Search for partners (``GET /api/v1/search``): the desk's index, and the same
visibility rule as every other channel over what it finds. Runs on SQLite and
PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.clocks import FakeClock
from tests.desk_client import ADMIN, DAILY_TOKEN, EDITOR, WIDE_TOKEN, Client, problem, story_doc
from wire.instants import format_instant
from wire.publish.search import BadQuery, parse_query

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def post(client: Client, guid: str, text: str, source: str = "agency", **fields: Any) -> None:
    doc = story_doc(guid=guid, headline=f"Story {guid}", body=[text], **fields)
    resp = await client.post(f"/api/v1/stories?source={source}", json=doc, headers=EDITOR)
    assert resp.status == 201, await resp.text()


async def found(
    client: Client, q: str, auth: dict[str, str] | None = None, **more: str
) -> list[str]:
    params = {"q": q, **more}
    resp = await client.get("/api/v1/search", params=params, headers=auth or {})
    assert resp.status == 200, await resp.text()
    return [item["guid"] for item in (await resp.json())["items"]]


async def test_a_partner_finds_only_its_entitled_sources(client: Client) -> None:
    await post(client, "urn:s:mine", "harbour reopens after storm damage in the north")
    await post(client, "urn:s:other", "harbour closes after storm damage in the south", "other")
    assert await found(client, "harbour storm", DAILY) == ["urn:s:mine"]
    assert sorted(await found(client, "harbour storm", WIDE)) == ["urn:s:mine", "urn:s:other"]


async def test_an_embargoed_story_is_found_only_with_embargo_rights(
    client: Client, clock: FakeClock
) -> None:
    later = format_instant(clock.now + timedelta(hours=1))
    await post(
        client, "urn:s:held", "budget figures under embargo until noon", embargoed_until=later
    )
    assert await found(client, "budget figures", DAILY) == []
    assert await found(client, "budget figures") == []  # the public
    assert await found(client, "budget figures", WIDE) == ["urn:s:held"]
    clock.advance(hours=2)
    assert await found(client, "budget figures", DAILY) == ["urn:s:held"]


async def test_a_killed_story_is_never_found(client: Client) -> None:
    await post(client, "urn:s:killed", "minister resigns over the contract scandal")
    resp = await client.post("/api/v1/stories/urn:s:killed/kill", json={}, headers=ADMIN)
    assert resp.status == 200
    for auth in (DAILY, WIDE, None):
        assert await found(client, "minister resigns", auth) == []


async def test_a_phrase_must_appear_in_that_order(client: Client) -> None:
    await post(client, "urn:s:1", "the central bank raised interest rates on Monday")
    await post(client, "urn:s:2", "rates at the bank were central to the talks")
    assert await found(client, '"central bank"', WIDE) == ["urn:s:1"]
    assert sorted(await found(client, "central bank", WIDE)) == ["urn:s:1", "urn:s:2"]


async def test_filters_by_source_language_and_day(client: Client, clock: FakeClock) -> None:
    await post(client, "urn:s:old", "floods in the valley", published_at=format_instant(clock.now))
    clock.advance(days=3)
    await post(
        client,
        "urn:s:new",
        "floods in the valley again",
        "other",
        published_at=format_instant(clock.now),
        language="id",
    )
    day = (clock.now - timedelta(days=3)).date().isoformat()
    assert await found(client, f"floods from:{day} to:{day}", WIDE) == ["urn:s:old"]
    assert await found(client, "floods source:other", WIDE) == ["urn:s:new"]
    assert await found(client, "floods lang:id", WIDE) == ["urn:s:new"]


async def test_pages_follow_one_another_without_gap_or_repeat(client: Client) -> None:
    for n in range(7):
        await post(client, f"urn:s:p{n}", f"election results district {n} counted overnight")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"q": "election results", "limit": "3", **({"before": cursor} if cursor else {})}
        body = await (await client.get("/api/v1/search", params=params, headers=WIDE)).json()
        seen += [item["guid"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(f"urn:s:p{n}" for n in range(7))
    assert len(seen) == len(set(seen))


async def test_a_query_with_nothing_to_search_is_refused(client: Client) -> None:
    for q in ("", "  ", "...", "from:yesterday", "lang:not_a_tag", "from:2026-02-01 to:2026-01-01"):
        body = await problem(await client.get("/api/v1/search", params={"q": q}), 400)
        assert body["parameter"] == "q", q


def test_a_query_reads_as_words_phrases_and_filters() -> None:
    query = parse_query('Harbour "Port Authority" source:agency lang:en from:2026-01-02')
    assert query.words == ("harbour", "port", "authority")
    assert query.phrases == (("port", "authority"),)
    assert (query.source, query.language) == ("agency", "en")
    assert query.since is not None
    assert query.since.isoformat() == "2026-01-02T00:00:00+00:00"
    with pytest.raises(BadQuery):
        parse_query("to:2026-13-01")
