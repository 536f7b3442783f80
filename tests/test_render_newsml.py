"""NewsML-G2 2.35 rendering: XSD validity, element order, attribution and lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.validators import (
    NAMES,
    feed_meta,
    fixture_story,
    validate_newsml,
    validate_xhtml1_strict,
)
from wire.formats import STORY_FORMATS, story_links
from wire.formats.namespaces import (
    FEED_GROUP_ROLE,
    NAR_NS,
    RENDITION_ALIAS,
    RENDITION_SCHEME,
    XHTML_NS,
)
from wire.publish.feedmeta import Alternate
from wire.publish.newsml import (
    IPTC_CATALOG,
    render_newsml,
    render_newsml_item,
    render_newsml_story,
)

NS = {"g": NAR_NS, "x": XHTML_NS}


def _item(name: str) -> etree._Element:
    return etree.fromstring(render_newsml_story(fixture_story(name)))


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_validates_as_a_news_item(shared: Path, name: str) -> None:
    validate_newsml(render_newsml_story(fixture_story(name)))


def test_news_message_with_every_fixture_validates(shared: Path) -> None:
    validate_newsml(render_newsml(feed_meta("xml"), [fixture_story(n) for n in NAMES]))


def test_empty_news_message_validates(shared: Path) -> None:
    # itemSet needs at least one item: the feed's own packageItem is always there.
    validate_newsml(render_newsml(feed_meta("xml"), []))


def _message(*names: str) -> etree._Element:
    return etree.fromstring(render_newsml(feed_meta("xml"), [fixture_story(n) for n in names]))


def test_message_opens_with_the_feed_package_then_one_news_item_per_story() -> None:
    items = _message("full", "mina").find("g:itemSet", NS)
    assert items is not None
    assert [(etree.QName(el).localname, el.get("guid")) for el in items] == [
        ("packageItem", "https://wire.example/feeds/world.xml"),
        ("newsItem", "urn:wire:desk:full-0001"),
        ("newsItem", "urn:wire:mina-en:5f1c0a9e2b7d4c1e8a3f6b0d9c2e7a41"),
    ]


def test_feed_package_is_a_composite_titled_as_the_feed() -> None:
    package = _message().find("g:itemSet/g:packageItem", NS)
    assert package is not None
    assert package.find("g:itemMeta/g:itemClass", NS).get("qcode") == "ninat:composite"  # type: ignore[union-attr]
    assert package.findtext("g:itemMeta/g:versionCreated", namespaces=NS) == (
        "2025-07-06T12:00:00Z"
    )
    assert package.findtext("g:contentMeta/g:headline", namespaces=NS) == "World desk"


def test_feed_package_root_group_lists_every_item_in_feed_order() -> None:
    package = _message("correction", "mina").find("g:itemSet/g:packageItem", NS)
    assert package is not None
    group_set = package.find("g:groupSet", NS)
    assert group_set is not None
    (group,) = group_set.findall("g:group", NS)
    assert (group_set.get("root"), group.get("roleuri")) == ("feed", FEED_GROUP_ROLE)
    refs = [(r.get("residref"), r.get("version")) for r in group.findall("g:itemRef", NS)]
    assert refs == [
        ("urn:wire:desk:corr-0002", "3"),
        ("urn:wire:mina-en:5f1c0a9e2b7d4c1e8a3f6b0d9c2e7a41", "1"),
    ]


def test_every_group_has_a_role_qcode_that_resolves_to_its_roleuri() -> None:
    package = _message("mina").find("g:itemSet/g:packageItem", NS)
    assert package is not None
    groups = package.findall("g:groupSet/g:group", NS)
    assert groups
    schemes = {s.get("alias"): s.get("uri") for s in package.findall("g:catalog/g:scheme", NS)}
    for group in groups:
        alias, _, code = (group.get("role") or "").partition(":")
        assert f"{schemes[alias]}{code}" == group.get("roleuri") == FEED_GROUP_ROLE


def test_feed_package_keeps_content_meta_when_the_feed_has_no_title() -> None:
    meta = feed_meta("xml", title="", description="")
    package = etree.fromstring(render_newsml(meta, [])).find("g:itemSet/g:packageItem", NS)
    assert package is not None
    assert package.find("g:contentMeta", NS) is not None


def test_item_refs_carry_the_headline_beside_the_title() -> None:
    ref = _message("mina").find("g:itemSet/g:packageItem/g:groupSet/g:group/g:itemRef", NS)
    assert ref is not None
    headline = fixture_story("mina").headline
    assert ref.findtext("g:title", namespaces=NS) == headline
    assert ref.findtext("g:headline", namespaces=NS) == headline


def test_empty_feed_package_has_an_empty_root_group() -> None:
    group = _message().find("g:itemSet/g:packageItem/g:groupSet/g:group", NS)
    assert group is not None
    assert len(group) == 0


def test_feed_package_version_counts_up_with_the_feed() -> None:
    def version(hour: int) -> int:
        meta = feed_meta("xml", updated=datetime(2025, 7, 6, hour, tzinfo=UTC))
        package = etree.fromstring(render_newsml(meta, [])).find("g:itemSet/g:packageItem", NS)
        assert package is not None
        return int(package.get("version") or 0)

    assert version(12) < version(13)


def test_rights_info_comes_before_item_meta() -> None:
    names = [etree.QName(el).localname for el in _item("full")]
    assert names.index("rightsInfo") < names.index("itemMeta") < names.index("contentMeta")


def test_guid_and_version_are_attributes_of_the_item() -> None:
    item = _item("correction")
    assert (item.get("guid"), item.get("version")) == ("urn:wire:desk:corr-0002", "3")
    assert item.findtext("g:itemMeta/g:versionCreated", namespaces=NS) == "2025-07-06T08:00:00Z"


def test_catalog_ref_points_at_the_iptc_catalog() -> None:
    assert _item("full").find("g:catalogRef", NS).get("href") == IPTC_CATALOG  # type: ignore[union-attr]


def test_item_meta_has_class_provider_and_status() -> None:
    meta = _item("mina").find("g:itemMeta", NS)
    assert meta is not None
    assert meta.find("g:itemClass", NS).get("qcode") == "ninat:text"  # type: ignore[union-attr]
    assert meta.findtext("g:provider/g:name", namespaces=NS) == "Mi’raj News Agency"
    assert meta.find("g:provider", NS).get("literal") == "MINA"  # type: ignore[union-attr]
    assert meta.find("g:pubStatus", NS).get("qcode") == "stat:usable"  # type: ignore[union-attr]


def test_creditline_has_no_newlines() -> None:
    assert _item("full").findtext("g:contentMeta/g:creditline", namespaces=NS) == (
        "Example Wire Service (EWS) / Harbour Desk"
    )


def test_byline_is_by_and_one_creator_per_person() -> None:
    cm = _item("full").find("g:contentMeta", NS)
    assert cm is not None
    assert cm.findtext("g:by", namespaces=NS) == "Jane Doe, Ahmad Rahimi"
    assert cm.xpath("g:creator/g:name/text()", namespaces=NS) == ["Jane Doe", "Ahmad Rahimi"]


def test_sources_are_info_sources_with_cpprole_roles() -> None:
    sources = _item("full").findall("g:contentMeta/g:infoSource", NS)
    assert [(s.findtext("g:name", namespaces=NS), s.get("role")) for s in sources] == [
        ("Port Authority Gazette", "cpprole:originfo wirerole:according-to"),
        ("Radio Coast", "cpprole:contentSource wirerole:quoted"),
        ("Coastal Times", "cpprole:origcont wirerole:original-source"),
    ]
    assert sources[0].get("uri") == "https://gazette.example/item/1"


def test_dateline_and_located() -> None:
    cm = _item("mina").find("g:contentMeta", NS)
    assert cm is not None
    assert cm.findtext("g:dateline", namespaces=NS) == "Moscow, MINA"
    assert cm.findtext("g:located/g:name", namespaces=NS) == "Moscow"


def test_editor_is_a_contributor_with_the_editor_role() -> None:
    editor = _item("mina").find("g:contentMeta/g:contributor", NS)
    assert editor is not None
    assert (editor.get("role"), editor.findtext("g:name", namespaces=NS)) == (
        "cpprole:editor",
        "Shibgho",
    )


def test_related_are_see_also_links() -> None:
    links = _item("full").findall("g:itemMeta/g:link", NS)
    assert [
        (ln.get("rel"), ln.get("href"), ln.findtext("g:title", namespaces=NS)) for ln in links
    ] == [
        ("irel:seeAlso", "https://news.example/storm-closes", "Storm closes harbour"),
        ("irel:seeAlso", None, "Weather outlook"),
    ]


def test_correction_carries_signal_and_ed_note() -> None:
    meta = _item("correction").find("g:itemMeta", NS)
    assert meta is not None
    assert meta.find("g:signal", NS).get("qcode") == "sig:correction"  # type: ignore[union-attr]
    assert meta.findtext("g:edNote", namespaces=NS) == (
        "Corrects the name of the port authority spokesperson."
    )


def test_kill_is_pub_status_canceled() -> None:
    status = _item("killed").find("g:itemMeta/g:pubStatus", NS)
    assert status is not None
    assert status.get("qcode") == "stat:canceled"


def test_embargo_is_item_meta_embargoed() -> None:
    assert _item("embargoed").findtext("g:itemMeta/g:embargoed", namespaces=NS) == (
        "2025-07-07T06:00:00Z"
    )


def test_content_is_one_xhtml_html_element_with_picture_credits() -> None:
    inline = _item("full").find("g:contentSet/g:inlineXML", NS)
    assert inline is not None
    assert inline.get("contenttype") == "application/xhtml+xml"
    assert [etree.QName(el).localname for el in inline] == ["html"]
    credits = inline.xpath(
        "//x:div[contains(@class, 'wire-picture')]//x:span[@class='credit']/text()",
        namespaces=NS,
    )
    assert credits == ["Jane Doe/EWS", "Reader photo via\nSocial Media"]


def test_html_is_head_with_title_then_body() -> None:
    html = _item("mina").find("g:contentSet/g:inlineXML/x:html", NS)
    assert html is not None
    assert [etree.QName(el).localname for el in html] == ["head", "body"]
    assert [etree.QName(el).localname for el in html[0]] == ["title"]


def test_body_holds_the_paragraphs_directly() -> None:
    # No wrapper element between body and the text: consumers read body's children.
    story = fixture_story("mina")
    body = _item("mina").find("g:contentSet/g:inlineXML/x:html/x:body", NS)
    assert body is not None
    paragraphs = [(etree.QName(el).localname, el.text) for el in body][: len(story.body)]
    assert paragraphs == [("p", para) for para in story.body]


def test_pictures_follow_the_paragraphs_as_divs_named_figure() -> None:
    body = _item("full").find("g:contentSet/g:inlineXML/x:html/x:body", NS)
    assert body is not None
    assert [(etree.QName(el).localname, el.get("class")) for el in body][-2:] == [
        ("div", "figure wire-picture"),
        ("div", "figure wire-picture"),
    ]
    assert not body.xpath(".//x:figure | .//x:figcaption | .//x:article", namespaces=NS)


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_body_is_xhtml_1_0_strict(name: str) -> None:
    html = _item(name).find("g:contentSet/g:inlineXML/x:html", NS)
    assert html is not None
    validate_xhtml1_strict(html)


def test_instants_are_whole_seconds_in_utc() -> None:
    moment = datetime(2026, 12, 1, 10, 0, 0, 987654, tzinfo=UTC)
    story = replace(
        fixture_story("embargoed"),
        version_created=moment,
        first_created=moment,
        published_at=moment,
        embargoed_until=moment,
    )
    item = etree.fromstring(render_newsml_story(story))
    stamps = [
        item.findtext(path, namespaces=NS)
        for path in (
            "g:itemMeta/g:versionCreated",
            "g:itemMeta/g:firstCreated",
            "g:itemMeta/g:embargoed",
            "g:contentMeta/g:contentCreated",
        )
    ]
    assert stamps == ["2026-12-01T10:00:00Z"] * 4


def test_message_sent_and_package_version_created_are_whole_seconds() -> None:
    meta = feed_meta("xml", updated=datetime(2026, 12, 1, 10, 0, 0, 5, tzinfo=UTC))
    message = etree.fromstring(render_newsml(meta, []))
    assert message.findtext("g:header/g:sent", namespaces=NS) == "2026-12-01T10:00:00Z"
    assert message.findtext(
        "g:itemSet/g:packageItem/g:itemMeta/g:versionCreated", namespaces=NS
    ) == ("2026-12-01T10:00:00Z")


def test_item_element_is_usable_on_its_own() -> None:
    element = render_newsml_item(fixture_story("arabic"))
    assert element.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"


def test_newlines_in_names_are_collapsed_where_the_xsd_forbids_them(shared: Path) -> None:
    story = replace(fixture_story("full"), byline=("Jane\nDoe",), editor="M.\tEditor")
    validate_newsml(render_newsml_story(story))


def test_rendering_is_deterministic() -> None:
    stories = [fixture_story(n) for n in NAMES]
    assert render_newsml(feed_meta("xml"), stories) == render_newsml(feed_meta("xml"), stories)


def test_urgency_is_content_meta_urgency() -> None:
    assert _item("full").findtext("g:contentMeta/g:urgency", namespaces=NS) == "3"


def test_a_feed_item_links_the_story_in_every_other_single_story_format(shared: Path) -> None:
    story = fixture_story("full")
    data = render_newsml(feed_meta("xml"), [story])
    validate_newsml(data)
    [item] = etree.fromstring(data).iterfind(".//g:newsItem", NS)
    remote = {
        r.get("rendition"): (r.get("href"), r.get("contenttype"))
        for r in item.iterfind("g:contentSet/g:remoteContent", NS)
    }
    links = story_links(feed_meta("xml").site_url, story.guid)
    assert remote == {
        f"{RENDITION_ALIAS}:{f.name}": (links[f.name], f.media_type.split(";")[0])
        for f in STORY_FORMATS
        if f.name != "newsml"
    }
    scheme = item.find(f"g:catalog/g:scheme[@alias='{RENDITION_ALIAS}']", NS)
    assert scheme is not None
    assert scheme.get("uri") == RENDITION_SCHEME


def test_the_feed_package_links_the_feed_in_its_other_formats(shared: Path) -> None:
    siblings = (
        Alternate("https://wire.example/feeds/all.rss", "application/rss+xml", "RSS 2.0"),
        Alternate("https://wire.example/feeds/all.json", "application/json", "ninjs 2.2"),
    )
    data = render_newsml(replace(feed_meta("xml"), alternates=siblings), [fixture_story("full")])
    validate_newsml(data)
    package = etree.fromstring(data).find(".//g:packageItem", NS)
    assert package is not None
    links = package.findall("g:itemMeta/g:link", NS)
    assert [
        (ln.get("href"), ln.get("contenttype"), ln.findtext("g:title", namespaces=NS))
        for ln in links
    ] == [(a.href, a.media_type, a.title) for a in siblings]
