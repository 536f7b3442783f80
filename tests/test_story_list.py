"""``GET /api/v1/stories``: the desk's list over HTTP, on SQLite and PostgreSQL.

Each test pushes stories through the editor API and lists them back: each filter,
filters together, the text search, paging while stories arrive, and the
problem documents a bad request gets.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.clocks import FakeClock
from tests.desk_client import ADMIN, EDITOR, FIXTURES, Client, problem, push, story_doc
from wire.instants import format_instant

LIST = "/api/v1/stories"
QUAKE = FIXTURES / "duplicates"


async def listed(client: Client, **params: str) -> dict[str, Any]:
    resp = await client.get(LIST, params=params, headers=EDITOR)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def guids(client: Client, **params: str) -> list[str]:
    return [item["guid"] for item in (await listed(client, **params))["stories"]]


async def put(client: Client, guid: str, clock: FakeClock | None = None, **fields: Any) -> None:
    """A story pushed by an editor as ``guid``; the clock moves on a second first, so
    each later story is newer."""
    if clock is not None:
        clock.advance(1)
    resp = await client.put(f"{LIST}/{guid}", json=story_doc(**fields), headers=EDITOR)
    assert resp.status in (200, 201), await resp.text()


async def push_copy(client: Client, name: str, source: str) -> str:
    resp = await client.post(
        f"{LIST}?source={source}",
        data=(QUAKE / f"{name}.txt").read_bytes(),
        headers={**EDITOR, "Content-Type": "text/plain"},
    )
    assert resp.status == 201, await resp.text()
    guid: str = (await resp.json())["guid"]
    return guid


# who may list --------------------------------------------------------------------------


async def test_listing_needs_an_editor_key(client: Client) -> None:
    await problem(await client.get(LIST), 401)
    await problem(await client.get(LIST, headers={"Authorization": "Bearer nope"}), 401)


async def test_an_editor_lists_every_status_newest_first(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:a", clock)
    await put(client, "urn:t:b", clock)
    await put(client, "urn:t:c", clock)
    assert (await client.post(f"{LIST}/urn:t:b/withhold", headers=EDITOR)).status == 200
    assert (await client.post(f"{LIST}/urn:t:c/kill", headers=ADMIN)).status == 200
    assert await guids(client) == ["urn:t:c", "urn:t:b", "urn:t:a"]


async def test_an_item_carries_what_an_inbox_shows(client: Client, clock: FakeClock) -> None:
    until = clock.now + timedelta(hours=1)
    await put(client, "urn:t:item", None, language="en-GB", embargoed_until=format_instant(until))
    resp = await client.get(LIST, headers=EDITOR)
    (item,) = (await resp.json())["stories"]
    assert item == {
        "guid": "urn:t:item",
        "version": 1,
        "headline": "Aid convoy reaches northern Gaza",
        "source": None,
        "pub_status": "usable",
        "language": "en-GB",
        "sort_time": format_instant(until),
        "version_created": format_instant(clock.now),
        "embargoed_until": format_instant(until),
        "embargoed": True,
        "review": [],
        "duplicate_of": None,
        "href": "/api/v1/stories/urn:t:item",
    }


# each filter ---------------------------------------------------------------------------


async def test_source_filters_by_the_configured_source(client: Client) -> None:
    mine = (await push(client, story_doc(guid="urn:t:mine"), auth=EDITOR))["guid"]
    resp = await client.post(
        f"{LIST}?source=agency", json=story_doc(guid="urn:t:agency"), headers=EDITOR
    )
    assert resp.status == 201
    assert await guids(client, source="agency") == ["urn:t:agency"]
    assert await guids(client, source="other") == []
    assert mine in await guids(client)


async def test_status_filters_by_publishing_status(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:usable", clock)
    await put(client, "urn:t:held", clock)
    await put(client, "urn:t:killed", clock)
    await client.post(f"{LIST}/urn:t:held/withhold", headers=EDITOR)
    await client.post(f"{LIST}/urn:t:killed/kill", headers=ADMIN)
    assert await guids(client, status="usable") == ["urn:t:usable"]
    assert await guids(client, status="withheld") == ["urn:t:held"]
    assert await guids(client, status="canceled") == ["urn:t:killed"]


async def test_language_finds_the_tag_and_its_subtags(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:en", clock, language="en")
    await put(client, "urn:t:gb", clock, language="en-GB")
    await put(client, "urn:t:ar", clock, language="ar")
    assert await guids(client, language="en") == ["urn:t:gb", "urn:t:en"]
    assert await guids(client, language="EN-gb") == ["urn:t:gb"]
    assert await guids(client, language="ar") == ["urn:t:ar"]


async def test_needs_review_finds_review_notes_and_held_duplicates(
    client: Client, clock: FakeClock
) -> None:
    await put(client, "urn:t:clean", clock)
    noted = {"uri": "urn:t:noted", "headline": "Noted", "language": "not a tag"}
    resp = await client.post(
        LIST, data=json.dumps(noted), headers={**EDITOR, "Content-Type": "application/json"}
    )
    assert resp.status == 201, await resp.text()
    original = await push_copy(client, "quake-agency", "agency")
    held = await push_copy(client, "quake-other", "other")
    review = {i["guid"]: i for i in (await listed(client, needs_review="true"))["stories"]}
    assert set(review) == {"urn:t:noted", held}
    assert review["urn:t:noted"]["review"]
    assert review[held]["duplicate_of"] == original
    assert review["urn:t:noted"]["duplicate_of"] is None
    assert set(await guids(client, needs_review="false")) == {"urn:t:clean", original}


async def test_embargoed_follows_the_clock(client: Client, clock: FakeClock) -> None:
    until = clock.now + timedelta(minutes=30)
    await put(client, "urn:t:embargoed", clock, embargoed_until=format_instant(until))
    await put(client, "urn:t:free", clock)
    assert await guids(client, embargoed="true") == ["urn:t:embargoed"]
    assert await guids(client, embargoed="false") == ["urn:t:free"]
    clock.advance(minutes=31)
    assert await guids(client, embargoed="true") == []
    assert set(await guids(client, embargoed="false")) == {"urn:t:embargoed", "urn:t:free"}


# the text search -----------------------------------------------------------------------


async def test_q_finds_stories_holding_every_word(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:convoy", clock)
    await put(client, "urn:t:floods", clock, headline="Floods spread", body=["Rain fell."])
    assert await guids(client, q="convoy") == ["urn:t:convoy"]
    assert await guids(client, q="AID lorries") == ["urn:t:convoy"]
    assert await guids(client, q="convoy rain") == []
    assert await guids(client, q="rain") == ["urn:t:floods"]


async def test_q_compares_words_folded(client: Client, clock: FakeClock) -> None:
    await put(
        client, "urn:t:cafe", clock, headline="Café reopens in İstanbul", body=["Well-known."]
    )
    await put(client, "urn:t:ar", clock, headline="افتتاح المَكتبة", body=[], language="ar")
    assert await guids(client, q="cafe istanbul") == ["urn:t:cafe"]
    assert await guids(client, q="well known") == ["urn:t:cafe"]
    assert await guids(client, q="المكتبة") == ["urn:t:ar"]


async def test_a_killed_story_is_still_found(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:killed", clock)
    assert (await client.post(f"{LIST}/urn:t:killed/kill", headers=ADMIN)).status == 200
    assert await guids(client, q="convoy") == ["urn:t:killed"]


async def test_filters_combine(client: Client, clock: FakeClock) -> None:
    await put(client, "urn:t:1", clock, language="en")
    await put(client, "urn:t:2", clock, language="ar")
    await put(client, "urn:t:3", clock, language="en", headline="Floods spread", body=[])
    await put(client, "urn:t:4", clock, language="en")
    await client.post(f"{LIST}/urn:t:4/withhold", headers=EDITOR)
    assert await guids(client, q="convoy", language="en", status="usable") == ["urn:t:1"]
    assert await guids(client, q="convoy", needs_review="false", embargoed="false") == [
        "urn:t:4",
        "urn:t:2",
        "urn:t:1",
    ]


# paging ----------------------------------------------------------------------------------


async def test_pages_have_no_gap_and_no_duplicate_while_stories_arrive(
    client: Client, clock: FakeClock
) -> None:
    start = clock.now
    for i in range(7):
        await put(client, f"urn:t:old{i}", clock)
    page = await listed(client, limit="3")
    seen = [item["guid"] for item in page["stories"]]
    arrived = 0
    while page["next"] is not None:
        await put(client, f"urn:t:new{arrived}", clock)  # newer than every page left
        arrived += 1
        page = await listed(client, limit="3", before=page["next"])
        seen += [item["guid"] for item in page["stories"]]
        if arrived == 1:  # dated before every story: it joins the pages still to come
            await put(client, "urn:t:backdated", clock, published_at=format_instant(start))
    assert seen == [*(f"urn:t:old{i}" for i in range(6, -1, -1)), "urn:t:backdated"]
    assert arrived == 2
    assert (await listed(client, limit="100"))["next"] is None


async def test_stories_of_one_instant_are_paged_by_guid(client: Client) -> None:
    for i in range(5):
        await put(client, f"urn:t:{i}")  # the clock stands still: one sort time
    first = await listed(client, limit="2")
    second = await listed(client, limit="2", before=first["next"])
    third = await listed(client, limit="2", before=second["next"])
    pages = [[i["guid"] for i in p["stories"]] for p in (first, second, third)]
    assert pages == [["urn:t:4", "urn:t:3"], ["urn:t:2", "urn:t:1"], ["urn:t:0"]]
    assert third["next"] is None


async def test_a_page_of_a_search_pages_the_search(client: Client, clock: FakeClock) -> None:
    for i in range(4):
        await put(client, f"urn:t:c{i}", clock)
        await put(client, f"urn:t:f{i}", clock, headline="Floods spread", body=[])
    first = await listed(client, q="floods", limit="3")
    rest = await listed(client, q="floods", limit="3", before=first["next"])
    found = [i["guid"] for i in first["stories"] + rest["stories"]]
    assert found == ["urn:t:f3", "urn:t:f2", "urn:t:f1", "urn:t:f0"]


# errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "published"),
        ("language", "english!"),
        ("needs_review", "yes"),
        ("embargoed", "1"),
        ("source", "nobody"),
        ("q", "... --- !!!"),
        ("q", ""),
        ("q", "x" * 1001),
        ("q", " ".join(f"w{i}" for i in range(33))),
        ("limit", "0"),
        ("limit", "501"),
        ("before", "not-a-cursor"),
        ("before", "W10"),
    ],
)
async def test_a_bad_parameter_is_a_problem_naming_it(
    client: Client, parameter: str, value: str
) -> None:
    resp = await client.get(LIST, params={parameter: value}, headers=EDITOR)
    body = await problem(resp, 400)
    assert body["parameter"] == parameter
