"""The cursor API: a partner catches up from a position with no gap and no duplicate."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from tests.clocks import FakeClock
from tests.desk_client import (
    DAILY_TOKEN,
    EDITOR,
    WIDE_TOKEN,
    Client,
    api_config,
    problem,
    push,
    story_doc,
)
from wire.cursors import MAX_PENDING, decode_position, encode_position
from wire.errors import BadCursor
from wire.events import ChangeReason
from wire.formats import STORY_FORMATS
from wire.model import Origin, PubStatus, Story
from wire.visibility import KILL_NOTICE, WITHHOLD_NOTICE
from wire.web.app import create_app
from wire.web.keys import WIRE

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def page(
    client: Client,
    feed: str,
    after: str | None = None,
    *,
    limit: int = 100,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    query = f"?limit={limit}" + (f"&after={after}" if after else "")
    resp = await client.get(f"/api/v1/feeds/{feed}/items{query}", headers=headers or {})
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def read_all(
    client: Client,
    feed: str,
    after: str | None = None,
    *,
    limit: int = 100,
    headers: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Every item from ``after`` until the feed has no more, and the final cursor."""
    items: list[dict[str, Any]] = []
    while True:
        body = await page(client, feed, after, limit=limit, headers=headers)
        items += body["items"]
        after = body["next"]
        if not body["more"]:
            return items, after


def seen(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(i["guid"], i["version"]) for i in items]


async def test_reading_from_the_start_gives_every_story_in_change_order(client: Client) -> None:
    for n in range(5):
        await push(client, story_doc(guid=f"urn:c:{n}"))
    items, _ = await read_all(client, "all", limit=2)
    assert [g for g, _ in seen(items)] == [f"urn:c:{n}" for n in range(5)]


async def test_next_cursor_returns_only_what_changed_since(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:old"))
    _, cursor = await read_all(client, "all")
    await push(client, story_doc(guid="urn:c:new"))
    body = await page(client, "all", cursor)
    assert seen(body["items"]) == [("urn:c:new", 1)]


async def test_an_update_comes_again_as_its_new_version(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:u"))
    _, cursor = await read_all(client, "all")
    await client.put("/api/v1/stories/urn:c:u", json=story_doc(headline="Updated"), headers=EDITOR)
    body = await page(client, "all", cursor)
    assert seen(body["items"]) == [("urn:c:u", 2)]


async def test_caught_up_reader_gets_an_empty_page_and_the_same_position(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:1"))
    _, cursor = await read_all(client, "all")
    body = await page(client, "all", cursor)
    assert (body["items"], body["next"], body["more"]) == ([], cursor, False)


async def test_no_gap_and_no_duplicate_while_stories_are_written(client: Client) -> None:
    writers_done = asyncio.Event()

    async def write(prefix: str) -> None:
        for n in range(15):
            await push(client, story_doc(guid=f"urn:c:{prefix}{n}"))
            if n % 4 == 0:  # and some updates, which are new versions
                await client.put(
                    f"/api/v1/stories/urn:c:{prefix}{n}",
                    json=story_doc(headline=f"Update {n}"),
                    headers=EDITOR,
                )

    pages_during_writes = 0

    async def read() -> list[tuple[str, int]]:
        nonlocal pages_during_writes
        got: list[dict[str, Any]] = []
        cursor = None
        while True:
            done = writers_done.is_set()
            body = await page(client, "all", cursor, limit=3)
            got += body["items"]
            cursor = body["next"]
            if done and not body["more"]:
                return seen(got)
            pages_during_writes += not done and bool(body["items"])
            await asyncio.sleep(0)

    async def writers() -> None:
        await asyncio.gather(write("a"), write("b"), write("c"))
        writers_done.set()

    _, delivered = await asyncio.gather(writers(), read())
    assert pages_during_writes >= 3  # the reader really did read while writers wrote
    assert not [k for k, n in Counter(delivered).items() if n > 1]
    latest = {g: v for g, v in delivered}
    assert len(latest) == 45
    assert all(v == (2 if int(g.rsplit(":", 1)[1][1:]) % 4 == 0 else 1) for g, v in latest.items())


async def test_embargoed_story_waits_then_comes_exactly_once(
    client: Client, clock: FakeClock
) -> None:
    await push(client, story_doc(guid="urn:c:emb", embargoed_until="2026-11-28T13:00:00Z"))
    await push(client, story_doc(guid="urn:c:after"))
    before, cursor = await read_all(client, "all")
    assert seen(before) == [("urn:c:after", 1)]
    clock.advance(hours=2)
    lifted, cursor = await read_all(client, "all", cursor)
    assert seen(lifted) == [("urn:c:emb", 1)]
    assert (await page(client, "all", cursor))["items"] == []


async def test_embargoed_story_rewritten_before_it_lifts_comes_once_as_the_new_version(
    client: Client, clock: FakeClock
) -> None:
    await push(client, story_doc(guid="urn:c:emb", embargoed_until="2026-11-28T13:00:00Z"))
    _, cursor = await read_all(client, "all")
    await client.put(
        "/api/v1/stories/urn:c:emb",
        json=story_doc(headline="New", embargoed_until="2026-11-28T13:00:00Z"),
        headers=EDITOR,
    )
    clock.advance(hours=2)
    items, _ = await read_all(client, "all", cursor)
    assert seen(items) == [("urn:c:emb", 2)]


async def test_partner_with_embargo_rights_reads_embargoed_stories_at_once(
    client: Client,
) -> None:
    await push(client, story_doc(guid="urn:c:emb", embargoed_until="2026-11-28T13:00:00Z"))
    items, _ = await read_all(client, "all", headers=WIDE)
    assert seen(items) == [("urn:c:emb", 1)]


async def test_kill_reaches_the_reader_as_a_tombstone(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:k"))
    _, cursor = await read_all(client, "all")
    await client.post(
        "/api/v1/stories/urn:c:k/kill", headers={"Authorization": "Bearer wire_ed_test-admin-key"}
    )
    [item], _ = await read_all(client, "all", cursor)
    assert (item["guid"], item["pub_status"]) == ("urn:c:k", "canceled")
    assert (item["headline"], item["body"]) == (KILL_NOTICE, [f"{KILL_NOTICE}."])


async def test_a_withhold_reaches_the_reader_who_had_the_story(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:wh"))
    _, cursor = await read_all(client, "all")
    await client.post(
        "/api/v1/stories/urn:c:wh/withhold", json={"ed_note": "Checking"}, headers=EDITOR
    )
    [item], _ = await read_all(client, "all", cursor)
    assert (item["guid"], item["pub_status"], item["ed_note"]) == (
        "urn:c:wh",
        "withheld",
        "Checking",
    )


async def test_a_kill_under_embargo_is_never_told_to_those_who_could_not_see_it(
    client: Client, clock: FakeClock
) -> None:
    await push(client, story_doc(guid="urn:c:ke", embargoed_until="2026-11-28T13:00:00Z"))
    await client.post(
        "/api/v1/stories/urn:c:ke/kill", headers={"Authorization": "Bearer wire_ed_test-admin-key"}
    )
    before, cursor = await read_all(client, "all")
    assert before == []
    clock.advance(hours=2)
    after, _ = await read_all(client, "all", cursor)
    assert after == []
    # a partner with embargo rights had it, and hears of the kill
    [item], _ = await read_all(client, "all", headers=WIDE)
    assert (item["guid"], item["pub_status"]) == ("urn:c:ke", "canceled")


async def test_withheld_story_is_not_delivered(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:w", pub_status="withheld"))
    items, _ = await read_all(client, "all")
    assert items == []


async def test_partner_sees_only_its_entitled_sources(client: Client) -> None:
    await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:c:ag"), headers=EDITOR
    )
    await client.post(
        "/api/v1/stories?source=other", json=story_doc(guid="urn:c:ot"), headers=EDITOR
    )
    items, _ = await read_all(client, "agency", headers=DAILY)
    assert seen(items) == [("urn:c:ag", 1)]


async def test_partner_token_may_come_in_the_query(client: Client) -> None:
    await client.post(
        "/api/v1/stories?source=agency", json=story_doc(guid="urn:c:ag"), headers=EDITOR
    )
    resp = await client.get(f"/api/v1/feeds/agency/items?token={DAILY_TOKEN}")
    assert seen((await resp.json())["items"]) == [("urn:c:ag", 1)]


async def test_items_hide_desk_only_fields(client: Client) -> None:
    await push(client, story_doc(guid="urn:c:1", review=["check the quote"]))
    [item], _ = await read_all(client, "all")
    assert item["review"] == []


async def test_partner_only_feed_without_token_is_401(client: Client) -> None:
    await problem(await client.get("/api/v1/feeds/agency/items"), 401)


async def test_partner_not_entitled_to_the_feed_is_403(client: Client) -> None:
    await problem(await client.get("/api/v1/feeds/all/items", headers=DAILY), 403)


async def test_unknown_feed_is_404(client: Client) -> None:
    await problem(await client.get("/api/v1/feeds/nope/items"), 404)


async def test_forged_cursor_is_a_bad_parameter(client: Client) -> None:
    body = await problem(await client.get("/api/v1/feeds/all/items?after=!!"), 400)
    assert body["parameter"] == "after"


async def test_forged_pending_guid_reveals_nothing_outside_the_view(client: Client) -> None:
    await client.post(
        "/api/v1/stories?source=other", json=story_doc(guid="urn:c:ot"), headers=EDITOR
    )
    forged = encode_position(10**9, (("urn:c:ot", 1),))
    body = await page(client, "agency", forged, headers=DAILY)
    assert body["items"] == []


async def test_limit_out_of_range_is_a_bad_parameter(client: Client) -> None:
    body = await problem(await client.get("/api/v1/feeds/all/items?limit=0"), 400)
    assert body["parameter"] == "limit"


guids = st.text(min_size=1, max_size=40)
pendings = st.lists(st.tuples(guids, st.integers(1, 10**6)), max_size=MAX_PENDING)


@given(st.integers(0, 2**62), pendings)
def test_cursor_round_trips(seq: int, pending: list[tuple[str, int]]) -> None:
    assert decode_position(encode_position(seq, tuple(pending))) == (seq, tuple(pending))


@given(
    st.one_of(
        st.text(max_size=80),
        st.binary(max_size=80).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    )
)
def test_any_other_cursor_is_refused_as_a_bad_parameter(text: str) -> None:
    refused: BadCursor | None = None
    try:
        seq, pending = decode_position(text)
    except BadCursor as exc:
        refused = exc
    if refused is not None:
        assert refused.parameter == "after"
    else:
        assert decode_position(encode_position(seq, pending)) == (seq, pending)


story_specs = st.tuples(
    st.sampled_from(["agency", "other"]),
    st.sampled_from([None, -1, 1]),  # embargo: none, lifted an hour ago, lifts in an hour
    st.sampled_from(["none", "withhold", "kill"]),
)


async def _entitlement_scenario(
    data_dir: Path, specs: list[tuple[str, int | None, str]], limit: int
) -> None:
    clock = FakeClock()
    app = create_app(api_config(data_dir), clock=clock, start_jobs=False)
    async with TestClient(TestServer(app)) as client:
        wire = app[WIRE]
        for n, (source, embargo, action) in enumerate(specs):
            until = None if embargo is None else clock.now + timedelta(hours=embargo)
            story = Story(
                guid=f"urn:p:{n}",
                headline=f"Story {n}",
                embargoed_until=until,
                origin=Origin(source=source),
            )
            await wire.save(story)
            if action != "none":
                status = PubStatus.CANCELED if action == "kill" else PubStatus.WITHHELD
                reason = ChangeReason.KILLED if action == "kill" else ChangeReason.WITHHELD
                await wire.set_status(story.guid, status, None, reason=reason, expected_version=1)
        first, cursor = await read_all(client, "agency", limit=limit, headers=DAILY)
        clock.advance(hours=2)
        later, _ = await read_all(client, "agency", cursor, limit=limit, headers=DAILY)
    delivered = first + later
    assert len(seen(delivered)) == len(set(seen(delivered)))
    for item in delivered:
        if item["pub_status"] == "usable":
            assert item["origin"]["source"] == "agency"
        else:  # a removal notice: identity and status, nothing of the copy
            assert item["headline"] in (KILL_NOTICE, WITHHOLD_NOTICE)
    # Each story was created and at once killed or withheld: "daily" (no embargo
    # rights) could have seen it only if it was not under embargo at that instant.
    expected = {
        f"urn:p:{n}"
        for n, (source, embargo, action) in enumerate(specs)
        if source == "agency" and (action == "none" or embargo != 1)
    }
    assert {i["guid"] for i in delivered} == expected
    for item in first:
        if item["pub_status"] == "usable" and item["embargoed_until"]:
            assert item["embargoed_until"] <= "2026-11-28T12:00:00Z"


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(story_specs, min_size=1, max_size=8), st.integers(1, 4))
def test_partner_cursor_never_shows_what_it_is_not_entitled_to(
    tmp_path_factory: pytest.TempPathFactory,
    specs: list[tuple[str, int | None, str]],
    limit: int,
) -> None:
    asyncio.run(_entitlement_scenario(tmp_path_factory.mktemp("entitled"), specs, limit))


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("/feeds/all.atom?before=nonsense", "before"), ("/api/v1/feeds/all/items?after=x", "after")],
)
async def test_a_bad_cursor_is_the_same_400_naming_its_parameter(
    client: Client, path: str, parameter: str
) -> None:
    body = await problem(await client.get(path), 400)
    assert body["type"].endswith("invalid-parameter")
    assert body["parameter"] == parameter


async def test_each_item_links_its_renditions_which_answer_for_the_same_reader(
    client: Client,
) -> None:
    await push(client, story_doc(guid="urn:c:forms"))
    [item] = (await page(client, "all"))["items"]
    assert set(item["renditions"]) == {s.name for s in STORY_FORMATS}
    for fmt in STORY_FORMATS:
        url = URL(item["renditions"][fmt.name])
        assert url.path == f"/stories/urn:c:forms.{fmt.extension}"
        resp = await client.get(url.path)
        assert resp.status == 200, fmt.name
        assert resp.headers["Content-Type"] == fmt.media_type
