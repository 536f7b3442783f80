"""Atom 1.0 rendering: RELAX NG validity, attribution, archives and RFC 6721 tombstones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.validators import NAMES, feed_meta, fixture_story, validate_atom
from wire.formats.namespaces import MEDIA_NS, TOMBSTONE_NS, WIRE_NS
from wire.publish.atom import render_atom

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "at": TOMBSTONE_NS,
    "fh": "http://purl.org/syndication/history/1.0",
    "media": MEDIA_NS,
    "wire": WIRE_NS,
}
USABLE = tuple(n for n in NAMES if n != "killed")


def _atom(*names: str, tombstones: tuple[str, ...] = (), **meta: object) -> bytes:
    return render_atom(
        feed_meta("atom", **meta),
        [fixture_story(n) for n in (*tombstones, *names)],
    )


def _entry(name: str) -> etree._Element:
    entry = etree.fromstring(_atom(name)).find("a:entry", NS)
    assert entry is not None
    return entry


@pytest.mark.parametrize("name", USABLE)
def test_every_fixture_validates_against_the_rng(shared: Path, name: str) -> None:
    validate_atom(_atom(name))


def test_feed_with_tombstones_and_archive_links_validates(shared: Path) -> None:
    validate_atom(
        _atom(
            *USABLE,
            tombstones=("killed",),
            archive=True,
            prev_archive="https://wire.example/feeds/world/2.atom",
            next_archive="https://wire.example/feeds/world/4.atom",
            current="https://wire.example/feeds/world.atom",
        )
    )


def test_empty_feed_validates(shared: Path) -> None:
    validate_atom(_atom())


@pytest.mark.parametrize("name", USABLE)
def test_feedparser_reads_every_fixture_without_bozo(name: str) -> None:
    parsed = feedparser.parse(_atom(name))
    assert not parsed.bozo, parsed.get("bozo_exception")


def test_id_is_the_guid_and_updated_the_version_time() -> None:
    entry = _entry("correction")
    assert entry.findtext("a:id", namespaces=NS) == "urn:wire:desk:corr-0002"
    assert entry.findtext("a:updated", namespaces=NS) == "2025-07-06T08:00:00+00:00"


def test_author_per_person_and_provider_as_contributor() -> None:
    entry = _entry("full")
    assert entry.xpath("a:author/a:name/text()", namespaces=NS) == ["Jane Doe", "Ahmad Rahimi"]
    assert entry.xpath("a:contributor/a:name/text()", namespaces=NS) == ["Example Wire Service"]


def test_rights_at_feed_and_entry_level() -> None:
    root = etree.fromstring(_atom("full"))
    assert root.findtext("a:rights", namespaces=NS) == "© 2025 wire contributors"
    assert root.findtext("a:entry/a:rights", namespaces=NS) == (
        "© 2025 Example Wire Service — Editorial use only; no archiving."
    )


def test_sources_with_urls_are_via_links() -> None:
    via = _entry("full").findall("a:link[@rel='via']", NS)
    assert [(v.get("href"), v.get("title")) for v in via] == [
        ("https://gazette.example/item/1", "Port Authority Gazette"),
        ("https://coastal.example/story", "Coastal Times"),
    ]


def test_every_source_is_in_the_project_namespace() -> None:
    (sources,) = _entry("full").findall("wire:sources", NS)
    assert [sources.get(f"name-{i}") for i in (1, 2, 3)] == [
        "Port Authority Gazette",
        "Radio Coast",
        "Coastal Times",
    ]


def test_related_with_url_is_a_related_link() -> None:
    related = _entry("full").findall("a:link[@rel='related']", NS)
    assert [(r.get("href"), r.get("title")) for r in related] == [
        ("https://news.example/storm-closes", "Storm closes harbour")
    ]


def test_feed_links_self_hub_and_archives() -> None:
    root = etree.fromstring(
        _atom(
            "full",
            prev_archive="https://p.example/1",
            next_archive="https://p.example/3",
            current="https://p.example/cur",
            archive=True,
        )
    )
    links = {el.get("rel"): el.get("href") for el in root.findall("a:link", NS)}
    assert links["self"] == "https://wire.example/feeds/world.atom"
    assert links["hub"] == "https://wire.example/websub"
    assert links["prev-archive"] == "https://p.example/1"
    assert links["next-archive"] == "https://p.example/3"
    assert links["current"] == "https://p.example/cur"
    assert root.find("fh:archive", NS) is not None


def test_live_feed_is_not_marked_archive() -> None:
    assert etree.fromstring(_atom("full")).find("fh:archive", NS) is None


def test_picture_credits_ride_in_media_rss() -> None:
    credits = _entry("full").xpath("media:content/media:credit/text()", namespaces=NS)
    assert credits == ["Jane Doe/EWS", "Reader photo via Social Media"]


def test_kill_leaves_a_tombstone_with_when_by_and_comment() -> None:
    root = etree.fromstring(_atom("full", tombstones=("killed",)))
    stone = root.find("at:deleted-entry", NS)
    assert stone is not None
    assert stone.get("ref") == "urn:wire:desk:kill-0003"
    assert stone.get("when") == "2025-07-06T12:00:00Z"
    assert stone.findtext("at:by/a:name", namespaces=NS) == "Example Wire Service"
    assert stone.findtext("at:comment", namespaces=NS) == "Killed: Kill: legal reasons. Do not use."


def test_killed_story_passed_as_a_story_becomes_a_tombstone_not_an_entry() -> None:
    root = etree.fromstring(_atom("full", "killed"))
    assert root.xpath("a:entry/a:id/text()", namespaces=NS) == ["urn:wire:desk:full-0001"]
    assert root.xpath("at:deleted-entry/@ref", namespaces=NS) == ["urn:wire:desk:kill-0003"]


def test_a_tombstone_is_kept_whatever_the_dates_of_other_entries() -> None:
    # The window is the publisher's, in wall-clock time: a far-future entry
    # (a mis-dated upstream item) must not push the kill out of the feed.
    later = feed_meta("atom").updated + timedelta(days=800)
    root = etree.fromstring(_atom("full", tombstones=("killed",), updated=later))
    assert root.find("at:deleted-entry", NS) is not None


def test_feedparser_reads_byline_rights_picture_credits_and_sources() -> None:
    entry = feedparser.parse(_atom("full")).entries[0]
    assert [a["name"] for a in entry.authors] == ["Jane Doe", "Ahmad Rahimi"]
    assert entry.rights == "© 2025 Example Wire Service — Editorial use only; no archiving."
    assert [c["content"] for c in entry.media_credit] == [
        "Jane Doe/EWS",
        "Reader photo via Social Media",
    ]
    assert [ln["title"] for ln in entry.links if ln["rel"] == "via"] == [
        "Port Authority Gazette",
        "Coastal Times",
    ]
    assert entry.wire_creditline == "Example Wire Service (EWS) / Harbour Desk"


def test_correction_note_is_visible_in_content() -> None:
    entry = feedparser.parse(_atom("correction")).entries[0]
    assert "Correction (version 3)" in entry.content[0]["value"]


def test_rendering_is_deterministic() -> None:
    assert _atom(*USABLE, tombstones=("killed",)) == _atom(*USABLE, tombstones=("killed",))
