"""What general feed readers get from wire's feeds, read by the readers themselves:
feedparser for RSS and Atom (every ``wire:`` value, one author per person,
rights and usage terms, sibling links) and JSON Feed parsers for the ninjs feed
(which they must refuse)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonfeed
import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree
from pyjsonfeed import pyjsonfeed

from tests.feed_server import make_config
from tests.strategies import clean_stories
from tests.validators import feed_meta, fixture_story, validate_atom
from wire.config import FeedSpec
from wire.formats import STORY_FORMATS, STORY_PAGE, Format, siblings, story_links
from wire.formats import wire_namespace as namespace
from wire.formats.namespaces import NINJS_FEED_KIND, WIRE_NS
from wire.formats.printed import byline_line
from wire.ingest.feeds import parse_feed
from wire.ingest.ninjs import parse_ninjs
from wire.model import InfoSource, Picture, Provider, PubStatus, Related, Rights, Story
from wire.publish.atom import render_atom
from wire.publish.feedmeta import Alternate, FeedMeta
from wire.publish.ninjs import render_ninjs
from wire.publish.publisher import Publisher, link_header
from wire.publish.rss import render_rss
from wire.store import open_store

RENDERERS = {"rss": render_rss, "atom": render_atom}
FETCHED = datetime(2025, 7, 7, tzinfo=UTC)


def every_field() -> Story:
    """A story with every attribution field filled, the repeated ones several times."""
    full = fixture_story("full")
    return replace(
        full,
        byline=("Jane Doe", "Ahmad Rahimi", "Li Wei"),
        sources=(
            *full.sources,
            InfoSource(name="Harbour Radio", role="told", evidence="told Harbour Radio"),
        ),
        pictures=(*full.pictures, Picture(caption="The quay", credit="Li Wei/EWS")),
        related=(*full.related, Related(title="Ports of the north", url="https://n.example/p")),
        signals=("update", "correction"),
        embargoed_until=datetime(2025, 7, 5, 9, 0, tzinfo=UTC),
    )


def siblings_of(fmt: str) -> tuple[Alternate, ...]:
    return tuple(
        Alternate(f"https://wire.example/feeds/world.{f.extension}", f.media_type, f.label)
        for f in siblings(fmt, tuple(Format))
    )


def meta(fmt: str, **changes: Any) -> FeedMeta:
    return feed_meta(fmt, alternates=siblings_of(fmt), **changes)


def render(fmt: str, *stories: Story, **changes: Any) -> bytes:
    return RENDERERS[fmt](meta(fmt, **changes), list(stories))


def read(fmt: str, *stories: Story, **changes: Any) -> Any:
    parsed = feedparser.parse(render(fmt, *stories, **changes))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def wire_children(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(data)
    item = root.find("channel/item")
    if item is None:
        item = root.find("{http://www.w3.org/2005/Atom}entry")
    assert item is not None
    return [el for el in item if etree.QName(el).namespace == WIRE_NS]


# the wire namespace through feedparser ------------------------------------------------


@pytest.mark.parametrize("fmt", RENDERERS)
def test_feedparser_keeps_every_value_of_every_wire_element(fmt: str) -> None:
    """Each element comes out of feedparser whole: its attributes as a dict, or,
    without attributes, its text; no element is repeated (feedparser keeps one)."""
    data = render(fmt, every_field())
    entry = read(fmt, every_field()).entries[0]
    elements = wire_children(data)
    names = [etree.QName(el).localname for el in elements]
    assert len(names) == len(set(names))
    for el, name in zip(elements, names, strict=True):
        kept = entry[f"wire_{name.lower()}"]
        if el.attrib:
            assert kept == {str(k): str(v) for k, v in el.attrib.items()}
            # the text only repeats a value an attribute already carries
            assert not el.text or el.text in el.attrib.values() or name == "dateline"
        else:
            assert kept == el.text


@pytest.mark.parametrize("fmt", RENDERERS)
def test_every_attribution_value_is_read_back_from_feedparser(fmt: str) -> None:
    story = every_field()
    entry = read(fmt, story).entries[0]
    sources = entry.wire_sources
    assert sources["count"] == str(len(story.sources))
    assert [
        (sources[f"name-{i}"], sources[f"role-{i}"], sources.get(f"evidence-{i}"))
        for i in range(1, len(story.sources) + 1)
    ] == [(s.name, s.role, s.evidence) for s in story.sources]
    assert [sources.get(f"url-{i}") for i in range(1, 5)] == [s.url for s in story.sources]
    related = entry.wire_relatedlinks
    assert [(related[f"title-{i}"], related.get(f"url-{i}")) for i in (1, 2, 3)] == [
        (r.title, r.url) for r in story.related
    ]
    assert [entry.wire_signals[f"signal-{i}"] for i in (1, 2)] == ["update", "correction"]
    assert entry.wire_provider == {"name": "Example Wire Service", "abbreviation": "EWS"}
    assert entry.wire_byline == "Jane Doe, Ahmad Rahimi, Li Wei"
    assert entry.wire_dateline == {"place": "Port Town", "agency": "EWS", "date": "2025-07-05"}
    assert entry.wire_creditline == "Example Wire Service (EWS) / Harbour Desk"
    assert entry.wire_editor == "M. Editor"
    assert entry.wire_embargoed == "2025-07-05T09:00:00Z"
    assert (entry.wire_version, entry.wire_pubstatus) == ("2", "usable")
    assert entry.wire_urgency == "3"
    assert entry.wire_ednote == "Adds quotes from fishermen."
    assert [c["content"] for c in entry.media_credit] == [
        "Jane Doe/EWS",
        "Reader photo via Social Media",
        "Li Wei/EWS",
    ]


@pytest.mark.parametrize("fmt", RENDERERS)
def test_the_feed_level_provider_keeps_its_name_in_feedparser(fmt: str) -> None:
    feed = read(fmt, every_field()).feed
    assert feed.wire_provider == {"name": "Example Wire Service", "abbreviation": "EWS"}


def test_every_written_element_is_a_documented_one() -> None:
    written = {etree.QName(el).localname for el in namespace.item_elements(every_field())}
    assert written <= set(namespace.ELEMENTS)
    assert written.isdisjoint({"source", "related", "signal"})  # the first form is only read


# wire's own reader, both forms ------------------------------------------------------------


@pytest.mark.parametrize("fmt", RENDERERS)
def test_wires_parser_reads_back_every_attribution_field(fmt: str) -> None:
    story = every_field()
    (back,) = parse_feed(render(fmt, story), name=f"world.{fmt}", fetched_at=FETCHED)
    assert back.byline == story.byline
    assert back.sources == story.sources
    assert back.related == story.related
    assert back.signals == story.signals
    assert back.provider == story.provider
    assert (back.credit_line, back.dateline, back.editor) == (
        "Example Wire Service (EWS) / Harbour Desk",
        story.dateline,
        story.editor,
    )
    assert back.rights.copyright_notice == story.rights.copyright_notice
    assert back.rights.usage_terms == story.rights.usage_terms
    assert back.embargoed_until == story.embargoed_until
    assert back.urgency == story.urgency == 3


def _item(*children: str) -> etree._Element:
    return etree.fromstring(f'<item xmlns:wire="{WIRE_NS}">{"".join(children)}</item>')


def test_the_first_form_is_still_read() -> None:
    read = namespace.read_elements(
        _item(
            '<wire:provider abbreviation="HW">Harbour Wire</wire:provider>',
            '<wire:source role="quoted" evidence="the union said">Dockers Union</wire:source>',
            '<wire:source url="https://g.example/">Gazette</wire:source>',
            '<wire:related url="https://h.example/a">Port talks</wire:related>',
            "<wire:related>Weather</wire:related>",
            "<wire:signal>correction</wire:signal><wire:signal>update</wire:signal>",
        )
    )
    assert read.provider == Provider("Harbour Wire", "HW")
    assert read.sources == (
        InfoSource(name="Dockers Union", role="quoted", evidence="the union said"),
        InfoSource(name="Gazette", url="https://g.example/"),
    )
    assert read.related == (
        Related("Port talks", "https://h.example/a"),
        Related("Weather"),
    )
    assert read.signals == ("correction", "update")
    assert read.byline is None  # no wire:byline: the byline is the creators'


def test_list_elements_are_read_in_number_order_and_win_over_the_first_form() -> None:
    read = namespace.read_elements(
        _item(
            '<wire:sources count="2" name-2="Second" role-2="told" name-1="First"/>',
            "<wire:source>Old</wire:source>",
            '<wire:signals count="3" signal-1="update" signal-3="correction"/>',
        )
    )
    assert read.sources == (InfoSource(name="First"), InfoSource(name="Second", role="told"))
    assert read.signals == ("update", "correction")


def test_an_empty_byline_element_means_no_byline() -> None:
    assert namespace.read_elements(_item("<wire:byline/>")).byline == ""
    element = namespace.item_elements(replace(every_field(), byline=()))
    assert [el.text for el in element if etree.QName(el).localname == "byline"] == [""]


# bylines ---------------------------------------------------------------------------------


def test_feedparser_lists_one_atom_author_per_person() -> None:
    entry = read("atom", every_field()).entries[0]
    assert [a["name"] for a in entry.authors] == ["Jane Doe", "Ahmad Rahimi", "Li Wei"]


def test_rss_has_one_creator_per_person_and_the_whole_byline_where_one_author_is_shown() -> None:
    """feedparser's single ``author`` (what most reader UIs print) is the whole
    byline, not the last of the people; each person is still a ``dc:creator``."""
    entry = read("rss", every_field()).entries[0]
    assert entry.author == "Jane Doe, Ahmad Rahimi, Li Wei"
    names = [a["name"] for a in entry.authors]
    assert names == ["Jane Doe", "Ahmad Rahimi", "Li Wei", "Jane Doe, Ahmad Rahimi, Li Wei"]


def test_a_single_person_byline_is_one_rss_creator_and_nothing_else() -> None:
    entry = read("rss", replace(every_field(), byline=("Jane Doe",))).entries[0]
    assert entry.author == "Jane Doe"
    assert [a["name"] for a in entry.authors] == ["Jane Doe"]


def test_an_atom_feed_has_no_author_of_its_own() -> None:
    parsed = read("atom", every_field(), fixture_story("mina"))
    assert "author" not in parsed.feed
    root = etree.fromstring(render("atom", every_field()))
    assert root.find("{http://www.w3.org/2005/Atom}author") is None


@pytest.mark.parametrize(
    ("provider", "feed_provider", "author"),
    [
        (Provider("Harbour Wire", "HW"), Provider("Example Wire Service"), "Harbour Wire"),
        (None, Provider("Example Wire Service"), "Example Wire Service"),
        (None, None, "wire.example"),
    ],
)
def test_an_atom_entry_without_a_byline_names_its_agency(
    provider: Provider | None, feed_provider: Provider | None, author: str
) -> None:
    story = replace(every_field(), byline=(), provider=provider)
    data = render("atom", story, provider=feed_provider)
    validate_atom(data)  # RFC 4287 4.1.1: every entry has an author, the feed has none
    entry = read("atom", story, provider=feed_provider).entries[0]
    assert [a["name"] for a in entry.authors] == [author]
    assert "contributors" not in entry  # the agency is named once
    (back,) = parse_feed(data, name="world.atom", fetched_at=FETCHED)
    assert back.byline == ()


def test_an_rss_item_without_a_byline_has_no_creator() -> None:
    entry = read("rss", replace(every_field(), byline=())).entries[0]
    assert "authors" not in entry
    assert entry.wire_byline == ""


@pytest.mark.parametrize("name", ["full", "mina", "correction", "embargoed", "arabic"])
def test_atom_with_siblings_and_entry_authors_validates(name: str) -> None:
    validate_atom(render("atom", fixture_story(name), replace(fixture_story(name), guid="x:2")))


# rights and usage terms -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RENDERERS)
def test_feedparser_reads_the_rights_statement_and_the_license(fmt: str) -> None:
    entry = read(fmt, every_field()).entries[0]
    assert entry.rights == "© 2025 Example Wire Service — Editorial use only; no archiving."
    assert entry.media_license["content"] == "Editorial use only; no archiving."


@pytest.mark.parametrize("fmt", RENDERERS)
def test_rights_without_usage_terms_are_the_notice_alone(fmt: str) -> None:
    story = replace(every_field(), rights=Rights(copyright_holder="EWS"))
    entry = read(fmt, story).entries[0]
    assert entry.rights == "EWS"
    assert "media_license" not in entry


@pytest.mark.parametrize("fmt", RENDERERS)
def test_usage_terms_alone_are_the_rights_and_come_back_as_terms(fmt: str) -> None:
    story = replace(every_field(), rights=Rights(usage_terms="No resale."))
    data = render(fmt, story, rights=None)
    assert feedparser.parse(data).entries[0].rights == "No resale."
    (back,) = parse_feed(data, name=f"world.{fmt}", fetched_at=FETCHED)
    assert back.rights == Rights(usage_terms="No resale.")


# siblings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RENDERERS)
def test_feedparser_sees_the_feed_in_its_other_formats(fmt: str) -> None:
    feed = read(fmt, every_field()).feed
    alternates = [
        (ln["href"], ln["type"], ln["title"])
        for ln in feed.links
        if ln["rel"] == "alternate" and ln.get("title")
    ]
    assert alternates == [(a.href, a.media_type, a.title) for a in siblings_of(fmt)]
    assert feed.link == "https://wire.example"  # the site is still the feed's page


def test_siblings_follow_the_format_table_and_the_formats_offered() -> None:
    assert siblings("rss", tuple(Format)) == (Format.ATOM, Format.NEWSML, Format.NINJS)
    assert siblings("ninjs", ("ninjs", "rss")) == (Format.RSS,)
    assert siblings("atom", ("atom",)) == ()


def test_the_link_header_names_hub_self_and_siblings() -> None:
    alternates = siblings_of("atom")
    assert link_header(
        "https://w.example/websub", "https://w.example/feeds/x.atom", alternates
    ) == (
        '<https://w.example/websub>; rel="hub", <https://w.example/feeds/x.atom>; rel="self", '
        + ", ".join(
            f'<{a.href}>; rel="alternate"; type="{a.media_type}"; title="{a.title}"'
            for a in alternates
        )
    )


# the ninjs feed is no JSON Feed ----------------------------------------------------------------


def _ninjs(*stories: Story) -> bytes:
    return render_ninjs(meta("ninjs"), list(stories))


def test_the_ninjs_wrapper_says_what_it_is_and_has_no_version() -> None:
    wrapper = json.loads(_ninjs(every_field()))
    assert wrapper["kind"] == NINJS_FEED_KIND
    assert "version" not in wrapper
    assert wrapper["links"] == [
        {
            "rel": "self",
            "href": "https://wire.example/feeds/world.ninjs",
            "type": "application/json",
        },
        *(
            {"rel": "alternate", "href": a.href, "type": a.media_type, "title": a.title}
            for a in siblings_of("ninjs")
        ),
    ]


def test_a_json_feed_parser_that_needs_a_version_refuses_the_ninjs_feed() -> None:
    with pytest.raises(KeyError, match="version"):
        pyjsonfeed.parse(json.loads(_ninjs(every_field())))


def test_a_json_feed_parser_that_ignores_the_version_refuses_its_items() -> None:
    """jsonfeed-util reads any object with a ``title``; ninjs items have no ``id``,
    so a feed with stories is refused (an empty one it cannot be kept from reading)."""
    with pytest.raises(jsonfeed.ParseError):
        jsonfeed.Feed.parse_string(_ninjs(every_field()).decode("utf-8"))


def test_wires_ninjs_parser_still_reads_the_wrapper() -> None:
    (item,) = parse_ninjs(_ninjs(every_field()), name="world.json", fetched_at=FETCHED)
    assert item.guid == every_field().guid


def test_a_feed_offered_in_some_formats_links_only_those(tmp_path: Path) -> None:
    config = replace(
        make_config(tmp_path), feeds=(FeedSpec(name="x", title="X", formats=("ninjs", "rss")),)
    )
    publisher = Publisher(config, open_store(config.server.database_url), lambda: FETCHED)
    assert publisher.link_header("x", "rss") == (
        '<http://wire.test/websub>; rel="hub", <http://wire.test/feeds/x.rss>; rel="self", '
        '<http://wire.test/feeds/x.json>; rel="alternate"; type="application/json"; '
        'title="ninjs 2.2"'
    )
    assert publisher.link_header("x", "atom") is None  # not served in Atom


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=clean_stories)
def test_any_clean_storys_wire_elements_read_back_as_written(story: Story) -> None:
    item = etree.Element("item")
    item.extend(namespace.item_elements(story))
    read = namespace.read_elements(etree.fromstring(etree.tostring(item)))
    assert read.sources == story.sources
    assert read.related == story.related
    assert read.signals == tuple(s for s in story.signals if s)
    assert read.provider == story.provider
    assert read.byline == byline_line(story.byline)
    assert read.version == story.version
    assert read.pub_status is story.pub_status


@pytest.mark.parametrize("fmt", RENDERERS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=clean_stories)
def test_any_clean_storys_attribution_survives_the_feed(fmt: str, story: Story) -> None:
    story = replace(story, pub_status=PubStatus.USABLE)
    (back,) = parse_feed(render(fmt, story), name=f"world.{fmt}", fetched_at=FETCHED)
    assert back.byline == story.byline
    assert back.sources[: len(story.sources)] == story.sources
    assert back.related == story.related
    assert back.signals == story.signals
    assert back.provider == story.provider
    assert back.rights.usage_terms == story.rights.usage_terms
    expected_notice = story.rights.copyright_notice or story.rights.copyright_holder
    assert back.rights.copyright_notice == (expected_notice or "© 2025 wire contributors")


# each item's renditions ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_every_item_links_the_story_in_each_single_story_format(fmt: str) -> None:
    """NITF (what AP partners ingest), NewsML-G2, ninjs and plain text of the same
    story, each a ``rel="alternate"`` link with its media type, as feedparser reads it."""
    story = every_field()
    [entry] = read(fmt, story).entries
    alternates = {link["type"]: link["href"] for link in entry.links if link["rel"] == "alternate"}
    for form in STORY_FORMATS:
        if form.extension == STORY_PAGE:
            continue
        kind = form.media_type.split(";", 1)[0]
        assert alternates[kind] == story_links(meta(fmt).site_url, story.guid)[form.name]
    assert entry.link == story.link  # the item's own link stays its first alternate
