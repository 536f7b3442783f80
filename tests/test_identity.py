"""One story per real story, one version per real change.

Identity is (source, id); the same bytes again are a no-op; relative times read
against the first fetch; same-date edits and late kills are kept; retries of a
push never make a second story; a PUT without If-Match never answers 412.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.clocks import FakeClock
from tests.desk_client import EDITOR, Client, problem, push, story_doc
from wire.cli import main
from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.events import StoryChanged
from wire.model import Origin, PubStatus, Story
from wire.service import Wire
from wire.store import SQLStore

FIXTURES = Path(__file__).resolve().parent / "fixtures"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def wire_for(store: SQLStore, tmp_path: Path, *sources: SourceConfig) -> Wire:
    config = Config(server=ServerSettings(data_dir=tmp_path), sources=sources)
    return Wire(config, store, clock=lambda: T0)


def events_of(wire: Wire) -> list[StoryChanged]:
    seen: list[StoryChanged] = []

    async def record(event: StoryChanged) -> None:
        seen.append(event)

    wire.bus.subscribe(record)
    return seen


def item(guid: str, title: str, date: str = "Mon, 30 Nov 2026 10:00:00 +0000") -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Up</title>
<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>
<description>Body of {title}.</description><pubDate>{date}</pubDate></item>
</channel></rss>""".encode()


PUSH = SourceConfig("desk", SourceKind.PUSH)
OTHER = SourceConfig("other", SourceKind.PUSH)


# the same bytes again -------------------------------------------------------------------------


async def test_identical_raw_copy_ingested_again_is_a_no_op(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    events = events_of(wire)
    data = (FIXTURES / "raw" / "ap-washington.txt").read_bytes()
    first = await wire.ingest(data, name="copy.txt", source="desk", fetched_at=T0)
    for n in range(1, 6):
        again = await wire.ingest(
            data, name="copy.txt", source="desk", fetched_at=T0 + timedelta(hours=n)
        )
        assert again.stored == 0
        assert [r.changed for r in again.results] == [False]
        assert again.stories[0].version == 1
    await wire.bus.drain()
    assert len(events) == 1
    assert first.stories[0].published_at == again.stories[0].published_at


async def test_relative_times_read_against_the_first_fetch(store: SQLStore, tmp_path: Path) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    copy = "Harbour reopens\n\nBy Ann Writer\n5 hours ago\n\nThe harbour reopened on Monday.\n"
    first = await wire.ingest(copy.encode(), name="a.txt", source="desk", fetched_at=T0)
    edited = copy + "\nShips queued at dawn.\n"
    later = await wire.ingest(
        edited.encode(), name="b.txt", source="desk", fetched_at=T0 + timedelta(hours=3)
    )
    assert later.stories[0].guid == first.stories[0].guid
    assert later.stories[0].version == 2
    assert later.stories[0].published_at == first.stories[0].published_at


# identity is (source, id) -------------------------------------------------------------------------


async def test_another_sources_item_with_the_same_guid_is_kept_apart(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH, OTHER)
    await wire.ingest(item("123", "Desk story"), name="a.rss", source="desk")
    outcome = await wire.ingest(item("123", "Other story"), name="b.rss", source="other")
    [apart] = outcome.stories
    assert apart.guid == "123#other"
    assert any("kept apart" in note for note in apart.review)
    kept = await store.get("123")
    assert kept is not None
    assert (kept.headline, kept.version, kept.origin.source) == ("Desk story", 1, "desk")
    again = await wire.ingest(item("123", "Other story, edited"), name="c.rss", source="other")
    assert [s.guid for s in again.stories] == ["123#other"]


async def test_sources_sharing_an_id_space_update_one_story(
    store: SQLStore, tmp_path: Path
) -> None:
    rss = SourceConfig("agency-rss", SourceKind.PUSH, id_space="agency")
    g2 = SourceConfig("agency-g2", SourceKind.PUSH, id_space="agency")
    wire = wire_for(store, tmp_path, rss, g2)
    await wire.ingest(item("123", "First"), name="a.rss", source="agency-rss")
    later = "Tue, 01 Dec 2026 10:00:00 +0000"
    outcome = await wire.ingest(item("123", "Second", later), name="b.rss", source="agency-g2")
    assert [(s.guid, s.version) for s in outcome.stories] == [("123", 2)]


# real changes ----------------------------------------------------------------------------------


async def test_an_upstream_edit_that_keeps_its_date_is_a_new_version(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    await wire.ingest(item("e1", "Before"), name="a.rss", source="desk")
    outcome = await wire.ingest(item("e1", "After"), name="b.rss", source="desk")
    assert [(s.headline, s.version) for s in outcome.stories] == [("After", 2)]


async def test_an_older_copy_is_still_stale(store: SQLStore, tmp_path: Path) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    await wire.ingest(item("e2", "New", "Tue, 01 Dec 2026 10:00:00 +0000"), name="a", source="desk")
    outcome = await wire.ingest(item("e2", "Old"), name="b", source="desk")
    assert outcome.results[0].stale


async def test_a_kill_older_than_the_current_version_still_kills(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    now = Story(
        guid="urn:k:1",
        headline="Live",
        version_created=T0,
        origin=Origin(source="desk"),
    )
    await wire.save(now)
    late_kill = replace(now, pub_status=PubStatus.CANCELED, version_created=T0 - timedelta(days=1))
    result = await wire.save(late_kill)
    assert result.story.pub_status is PubStatus.CANCELED
    assert result.story.version == 2


async def test_a_kill_of_a_story_never_carried_shows_nothing_anywhere(client: Client) -> None:
    kill = (FIXTURES / "formats" / "newsml_canceled.xml").read_bytes()
    headers = {**EDITOR, "Content-Type": "application/vnd.iptc.g2.newsitem+xml"}
    resp = await client.post("/api/v1/stories?source=agency", data=kill, headers=headers)
    assert resp.status == 201, await resp.text()
    guid = (await resp.json())["guid"]
    for ext in ("rss", "atom", "xml", "json"):
        feed = await client.get(f"/feeds/all.{ext}")
        assert feed.status == 200
        assert guid.encode() not in await feed.read()
        assert b"Rhine" not in await feed.read()
    for ext in ("xml", "json", "html"):
        page = await client.get(f"/stories/{guid}.{ext}")
        assert page.status == 404


# the push API ---------------------------------------------------------------------------------


async def test_story_json_without_a_guid_pushed_twice_is_one_story(client: Client) -> None:
    doc = story_doc()
    doc.pop("guid", None)
    first = await push(client, doc)
    second = await push(client, doc)
    assert first["guid"] == second["guid"]
    assert second["version"] == 1


async def test_an_idempotency_key_replays_the_first_answer(client: Client) -> None:
    headers = {**EDITOR, "Idempotency-Key": "retry-0001"}
    first = await client.post("/api/v1/stories", json=story_doc(guid="urn:i:1"), headers=headers)
    assert first.status == 201
    again = await client.post("/api/v1/stories", json=story_doc(guid="urn:i:1"), headers=headers)
    assert again.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    other = await client.post(
        "/api/v1/stories", json=story_doc(guid="urn:i:2", headline="Else"), headers=headers
    )
    assert (await problem(other, 409))["type"].endswith("idempotency-key-reused")
    assert (await client.get("/api/v1/stories/urn:i:2", headers=EDITOR)).status == 404


async def test_concurrent_puts_without_if_match_never_answer_412(client: Client) -> None:
    await push(client, story_doc(guid="urn:p:1"))

    async def put(n: int) -> int:
        resp = await client.put(
            "/api/v1/stories/urn:p:1",
            json=story_doc(guid="urn:p:1", headline=f"Edit {n}"),
            headers=EDITOR,
        )
        return resp.status

    statuses = await asyncio.gather(*(put(n) for n in range(8)))
    assert set(statuses) == {200}
    history = await (await client.get("/api/v1/stories/urn:p:1/history", headers=EDITOR)).json()
    assert len(history["versions"]) == 9


async def test_a_put_with_a_stale_if_match_is_still_412(client: Client) -> None:
    await push(client, story_doc(guid="urn:p:2"))
    edited = story_doc(guid="urn:p:2", headline="Edited")
    await client.put("/api/v1/stories/urn:p:2", json=edited, headers=EDITOR)  # now version 2
    resp = await client.put(
        "/api/v1/stories/urn:p:2",
        json=story_doc(guid="urn:p:2", headline="Late"),
        headers={**EDITOR, "If-Match": '"1"'},
    )
    await problem(resp, 412)


# validation -----------------------------------------------------------------------------------


async def test_a_blank_headline_is_refused(client: Client) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc(headline=" \n\t"), headers=EDITOR)
    assert (await problem(resp, 422))["pointer"] == "/headline"


async def test_an_unknown_source_in_story_json_is_refused(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories", json=story_doc(origin={"source": "nosuch"}), headers=EDITOR
    )
    assert (await problem(resp, 422))["pointer"] == "/origin/source"


def test_wire_ingest_with_an_unknown_source_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "wire.toml"
    config.write_text('[server]\ndata_dir = "data"\n', encoding="utf-8")
    copy = tmp_path / "copy.txt"
    copy.write_text("Headline\n\nBody.\n", encoding="utf-8")
    code = main(["ingest", str(copy), "--source", "nosuch", "--config", str(config)])
    assert code == 2
    assert "nosuch" in capsys.readouterr().err


async def test_the_same_raw_push_twice_is_unchanged(client: Client, clock: FakeClock) -> None:
    data = (FIXTURES / "raw" / "ap-washington.txt").read_bytes()
    headers = {**EDITOR, "Content-Type": "text/plain"}
    first = await client.post("/api/v1/stories", data=data, headers=headers)
    assert first.status == 201
    clock.advance(hours=2)
    again = await client.post("/api/v1/stories", data=data, headers=headers)
    assert again.status == 200
    body = await again.json()
    assert body["version"] == 1
    app = client.app
    assert app is not None
    assert json.dumps(body).count("published_at") == 1


@pytest.mark.parametrize(
    ("zone", "hour"), [("WIB", 1), ("WITA", 0), ("WIT", 23), ("AEST", 22), ("CEST", 6)]
)
def test_feed_dates_in_named_zones_are_read_in_their_zone(zone: str, hour: int) -> None:
    from wire.ingest.feeds import parse_feed

    data = item("z1", "Zoned", f"Mon, 30 Nov 2026 08:00:00 {zone}")
    [story] = parse_feed(data, name="z", fetched_at=T0, source=None, policy=None, url=None)
    assert story.published_at is not None
    assert story.published_at.hour == hour


async def test_daily_series_with_one_headline_stay_separate_stories(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    monday = "Prayer Times\n\nJakarta, Monday: Fajr 04:05, Dhuhr 11:40.\n"
    tuesday = "Prayer Times\n\nJakarta, Tuesday: Fajr 04:05, Dhuhr 11:41.\n"
    a = await wire.ingest(monday.encode(), name="mon.txt", source="desk", fetched_at=T0)
    b = await wire.ingest(tuesday.encode(), name="tue.txt", source="desk", fetched_at=T0)
    assert a.stories[0].guid != b.stories[0].guid
    assert (await store.get(a.stories[0].guid)) is not None


async def test_a_resent_copy_with_its_headline_typo_fixed_is_the_same_story(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    body = "\n\nJAKARTA, MINA - The harbour reopened on Monday after three days of storms.\n"
    first = await wire.ingest(("Harbuor reopens" + body).encode(), name="a", source="desk")
    fixed = await wire.ingest(("Harbour reopens" + body).encode(), name="b", source="desk")
    assert fixed.stories[0].guid == first.stories[0].guid
    assert (fixed.stories[0].version, fixed.stories[0].headline) == (2, "Harbour reopens")


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("published_at", "yesterday", "RFC 3339 instant such as 2026-01-31T12:00:00Z"),
        ("embargoed_until", "2026-01-31 12:00", "RFC 3339 instant"),
    ],
)
async def test_a_bad_date_says_what_form_is_expected(
    client: Client, field: str, value: str, says: str
) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc(**{field: value}), headers=EDITOR)
    body = await problem(resp, 422)
    assert body["pointer"] == f"/{field}"
    assert says in body["detail"]
    assert "\\d" not in body["detail"]


# fields as written ----------------------------------------------------------------------------


def test_the_copys_own_language_wins_over_the_sources() -> None:
    from wire.attribution import SourcePolicy
    from wire.ingest.textcopy import extract_text

    arabic = (FIXTURES / "raw" / "ar-miraj.txt").read_bytes()
    english_source = SourcePolicy(provider="MINA", language="en")
    story = extract_text(arabic, name="ar.txt", fetched_at=T0, policy=english_source)
    assert story.language == "ar"


def test_right_to_left_stories_say_so_in_every_html_output() -> None:
    from wire.publish.newsml import render_newsml_story
    from wire.publish.storyhtml import content_html, render_story_html

    story = Story(guid="urn:rtl:1", headline="عنوان", body=("نص الخبر.",), language="ar")
    assert 'dir="rtl"' in render_story_html(story).decode()
    assert 'dir="rtl"' in content_html(story)
    assert b'dir="rtl"' in render_newsml_story(story)
    assert 'dir="rtl"' not in content_html(replace(story, language="en"))


def test_the_sources_rights_are_not_printed_beside_another_agencys_copy() -> None:
    from wire.attribution import SourcePolicy, apply_policy
    from wire.model import Provider, Rights

    policy = SourcePolicy(provider="MINA", copyright_notice="© MINA", usage_terms="Partners")
    theirs = Story(guid="g", headline="h", provider=Provider("Reuters"))
    applied = apply_policy(theirs, policy)
    assert applied.rights == Rights()
    assert any("rights not applied" in note for note in applied.review)
    ours = apply_policy(Story(guid="g", headline="h", provider=Provider("MINA")), policy)
    assert ours.rights.copyright_notice == "© MINA"


async def test_a_pushed_page_keeps_the_url_it_was_read_at(client: Client) -> None:
    page = (FIXTURES / "api" / "article.html").read_bytes()
    url = "https://news.example/2026/11/flood-barriers-hold"
    resp = await client.post(
        "/api/v1/stories",
        params={"url": url},
        data=page,
        headers={**EDITOR, "Content-Type": "text/html"},
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert (body["link"], body["origin"]["url"]) == (url, url)
    bad = await client.post(
        "/api/v1/stories",
        params={"url": "javascript:alert(1)"},
        data=page,
        headers={**EDITOR, "Content-Type": "text/html"},
    )
    assert (await problem(bad, 400))["parameter"] == "url"


def test_a_newsml_provider_given_only_by_uri_is_named_by_the_source_policy() -> None:
    from wire.attribution import SourcePolicy
    from wire.ingest.newsml import parse_newsml

    item = b"""<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:p:uri" version="1"
 standard="NewsML-G2" standardversion="2.35"><itemMeta><itemClass qcode="ninat:text"/>
<provider uri="http://www.example-agency.com/"/><versionCreated>2026-11-30T10:00:00Z</versionCreated>
</itemMeta><contentMeta><headline>Provided</headline></contentMeta></newsItem>"""
    [bare] = parse_newsml(item, name="p", fetched_at=T0)
    assert bare.provider is None
    policy = SourcePolicy(provider="Example Agency")
    [named] = parse_newsml(item, name="p", fetched_at=T0, policy=policy)
    assert named.provider is not None
    assert named.provider.name == "Example Agency"


async def test_a_broken_item_is_skipped_with_a_named_failure_and_the_rest_stored(
    store: SQLStore, tmp_path: Path
) -> None:
    wire = wire_for(store, tmp_path, PUSH)
    message = b"""<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header>
<sent>2026-11-30T10:00:00Z</sent></header><itemSet>
<newsItem guid="urn:m:video" version="1"><itemMeta><itemClass qcode="ninat:video"/>
</itemMeta><contentMeta/></newsItem>
<newsItem guid="urn:m:text" version="1"><itemMeta><itemClass qcode="ninat:text"/>
</itemMeta><contentMeta><headline>Text story</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml">
<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Its text.</p></body></html>
</inlineXML></contentSet></newsItem>
</itemSet></newsMessage>"""
    outcome = await wire.ingest(message, name="message.xml", source="desk")
    assert outcome.error is None
    assert [s.guid for s in outcome.stories] == ["urn:m:text"]
    [failure] = await store.failures()
    assert "urn:m:video" in failure.reason
    assert failure.name == "message.xml"
