"""RSS 2.0 rendering: the attribution contract, lifecycle, and what feedparser reads."""

from __future__ import annotations

from dataclasses import replace
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from lxml import etree

from tests.validators import NAMES, feed_meta, fixture_story
from wire.formats.namespaces import DCTERMS_NS, MEDIA_NS, WIRE_NS
from wire.instants import parse_instant
from wire.publish.rss import render_rss
from wire.visibility import KILL_NOTICE

NS = {
    "media": MEDIA_NS,
    "wire": WIRE_NS,
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
}
USABLE = tuple(n for n in NAMES if n != "killed")


def _rss(*names: str) -> etree._Element:
    return etree.fromstring(render_rss(feed_meta(), [fixture_story(n) for n in names]))


def _item(name: str) -> etree._Element:
    item = _rss(name).find("channel/item")
    assert item is not None
    return item


@pytest.mark.parametrize("name", USABLE)
def test_feedparser_reads_every_fixture_without_bozo(name: str) -> None:
    parsed = feedparser.parse(render_rss(feed_meta(), [fixture_story(name)]))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].id == fixture_story(name).guid


def test_guid_is_not_a_permalink() -> None:
    guid = _item("full").find("guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "false"
    assert guid.text == fixture_story("full").guid


def test_link_falls_back_to_the_wire_story_page() -> None:
    assert _item("mina").findtext("link") == (
        "https://wire.example/stories/urn%3Awire%3Amina-en%3A5f1c0a9e2b7d4c1e8a3f6b0d9c2e7a41.html"
    )


def test_story_link_wins_when_present() -> None:
    assert _item("full").findtext("link") == "https://news.example/harbour-reopens"


def test_one_dc_creator_per_person() -> None:
    assert _item("full").xpath("dc:creator/text()", namespaces=NS) == ["Jane Doe", "Ahmad Rahimi"]


def test_each_picture_has_its_own_media_content_and_credit() -> None:
    contents = _item("full").findall("media:content", NS)
    assert [c.findtext("media:credit", namespaces=NS) for c in contents] == [
        "Jane Doe/EWS",
        "Reader photo via Social Media",
    ]
    assert [c.findtext("media:description", namespaces=NS) for c in contents] == [
        "Boats at the quay",
        "The storm surge on Thursday",
    ]
    assert [c.findtext("media:copyright", namespaces=NS) for c in contents] == [
        "© 2025 EWS",
        "© the photographer",
    ]
    assert contents[0].get("url") == "https://img.example/boats.jpg"
    credit = contents[0].find("media:credit", NS)
    assert credit is not None
    assert (credit.get("role"), credit.get("scheme")) == ("photographer", "urn:ebu")


def test_picture_without_url_points_a_player_at_its_figure() -> None:
    player = _item("mina").find("media:content/media:player", NS)
    assert player is not None
    assert player.get("url", "").endswith(".html#picture-1")


def test_channel_carries_copyright_and_publisher() -> None:
    channel = _rss("full").find("channel")
    assert channel is not None
    assert channel.findtext("copyright") == "© 2025 wire contributors"
    assert channel.findtext("dc:publisher", namespaces=NS) == "Example Wire Service"


def test_item_dc_rights_is_the_notice_and_the_usage_terms() -> None:
    assert _item("full").findtext("dc:rights", namespaces=NS) == (
        "© 2025 Example Wire Service — Editorial use only; no archiving."
    )


def test_usage_terms_are_the_media_license() -> None:
    license_ = _item("full").findtext("media:license", namespaces=NS)
    assert license_ == "Editorial use only; no archiving."


def test_self_and_hub_links() -> None:
    links = {el.get("rel"): el.get("href") for el in _rss("full").findall("channel/atom:link", NS)}
    assert links == {
        "self": "https://wire.example/feeds/world.rss",
        "hub": "https://wire.example/websub",
    }


def test_project_namespace_carries_credit_line_on_one_line() -> None:
    assert _item("full").findtext("wire:creditline", namespaces=NS) == (
        "Example Wire Service (EWS) / Harbour Desk"
    )


def test_project_namespace_carries_dateline_parts() -> None:
    dateline = _item("full").find("wire:dateline", NS)
    assert dateline is not None
    attrib: dict[str | bytes, str | bytes] = dict(dateline.attrib)
    assert attrib == {"place": "Port Town", "agency": "EWS", "date": "2025-07-05"}


def test_project_namespace_carries_every_source_with_role_and_evidence() -> None:
    (sources,) = _item("full").findall("wire:sources", NS)
    assert sources.get("count") == "3"
    assert [
        (sources.get(f"name-{i}"), sources.get(f"role-{i}"), sources.get(f"evidence-{i}"))
        for i in (1, 2, 3)
    ] == [
        ("Port Authority Gazette", "according-to", "according to the Port Authority Gazette"),
        ("Radio Coast", "quoted", "told Radio Coast"),
        ("Coastal Times", "original-source", None),
    ]


def test_project_namespace_carries_editor_status_version_and_related() -> None:
    item = _item("full")
    assert item.findtext("wire:editor", namespaces=NS) == "M. Editor"
    assert item.findtext("wire:pubStatus", namespaces=NS) == "usable"
    assert item.findtext("wire:version", namespaces=NS) == "2"
    (related,) = item.findall("wire:relatedLinks", NS)
    assert [related.get(f"title-{i}") for i in (1, 2)] == [
        "Storm closes harbour",
        "Weather outlook",
    ]
    assert [related.get(f"url-{i}") for i in (1, 2)] == ["https://news.example/storm-closes", None]


def test_correction_shows_a_visible_note_and_its_newer_date() -> None:
    item = _item("correction")
    assert "Correction (version 3): Corrects the name" in (item.findtext("description") or "")
    modified = item.findtext("dcterms:modified", namespaces={"dcterms": DCTERMS_NS})
    assert parse_instant(modified) == fixture_story("correction").version_created
    signals = item.find("wire:signals", NS)
    assert signals is not None
    assert signals.get("signal-1") == "correction"


def test_a_killed_story_keeps_its_guid_and_carries_only_the_kill_notice() -> None:
    channel = _rss("full", "killed").find("channel")
    assert channel is not None
    killed = fixture_story("killed")
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == [fixture_story("full").guid, killed.guid]
    notice = items[1]
    assert notice.findtext("title") == KILL_NOTICE
    assert notice.findtext("wire:pubStatus", namespaces=NS) == "canceled"
    assert killed.ed_note is not None
    assert killed.ed_note in (notice.findtext("description") or "")
    text = etree.tostring(notice, encoding="unicode")
    assert killed.headline not in text
    assert all(p not in text for p in killed.body)


def test_embargo_is_stated_for_audiences_that_may_see_it() -> None:
    assert _item("embargoed").findtext("wire:embargoed", namespaces=NS) == "2025-07-07T06:00:00Z"


def test_pubdate_is_the_publication_time_in_rfc_822() -> None:
    assert _item("mina").findtext("pubDate") == "Thu, 03 Jul 2025 21:00:00 +0000"


def test_pubdate_is_the_place_in_the_feed_even_for_a_correction() -> None:
    story = fixture_story("correction")
    assert story.sort_time is not None
    pub = parsedate_to_datetime(_item("correction").findtext("pubDate") or "")
    assert pub == story.sort_time


def test_an_embargoed_story_is_dated_by_its_release() -> None:
    story = fixture_story("embargoed")
    assert story.embargoed_until is not None
    pub = parsedate_to_datetime(_item("embargoed").findtext("pubDate") or "")
    assert pub == max(story.embargoed_until, story.published_at or story.embargoed_until)


def test_rendering_is_deterministic() -> None:
    stories = [fixture_story(n) for n in USABLE]
    assert render_rss(feed_meta(), stories) == render_rss(feed_meta(), stories)


def test_feedparser_reads_byline_rights_picture_credits_and_sources() -> None:
    entry = feedparser.parse(render_rss(feed_meta(), [fixture_story("full")])).entries[0]
    assert [a["name"] for a in entry.authors][:2] == ["Jane Doe", "Ahmad Rahimi"]
    assert entry.author == "Jane Doe, Ahmad Rahimi"
    assert entry.rights == "© 2025 Example Wire Service — Editorial use only; no archiving."
    assert [c["content"] for c in entry.media_credit] == [
        "Jane Doe/EWS",
        "Reader photo via Social Media",
    ]
    assert entry.wire_creditline == "Example Wire Service (EWS) / Harbour Desk"
    for name in ("Port Authority Gazette", "Radio Coast", "Coastal Times"):
        assert name in entry.summary


def test_markup_in_headline_is_escaped_text() -> None:
    story = replace(fixture_story("full"), headline="<script>alert(1)</script>")
    parsed = feedparser.parse(render_rss(feed_meta(), [story]))
    assert parsed.entries[0].title == "<script>alert(1)</script>"


def test_every_namespace_element_is_documented() -> None:
    from pathlib import Path

    from wire.formats import wire_namespace as namespace

    docs = (Path(__file__).resolve().parent.parent / "docs" / "namespace.md").read_text("utf-8")
    for name in namespace.ELEMENTS:
        assert f"`wire:{name}`" in docs
        assert f"``wire:{name}" in (namespace.__doc__ or "")
