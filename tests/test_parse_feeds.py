"""RSS 2.0 and Atom 1.0 items become stories with every attribution element kept."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from wire.attribution import SourcePolicy
from wire.errors import IngestError, MalformedInput, UnsafeXML
from wire.ingest.feeds import parse_feed
from wire.ingest.identity import derived_guid
from wire.model import Dateline, InfoSource, Picture, PubStatus, Related, Story
from wire.storyjson import story_to_dict, validate_story_dict

FETCHED = datetime(2025, 7, 2, tzinfo=UTC)


def parse(path: Path, **kwargs: object) -> list[Story]:
    return parse_feed(path.read_bytes(), name=path.name, fetched_at=FETCHED, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def rss(fixtures: Path) -> list[Story]:
    return parse(fixtures / "formats" / "rss_full.xml", source="harbour")


@pytest.fixture
def atom(fixtures: Path) -> list[Story]:
    return parse(fixtures / "formats" / "atom_full.xml", source="fjord")


def test_every_parsed_story_fits_the_story_schema(rss: list[Story], atom: list[Story]) -> None:
    for story in rss + atom:
        validate_story_dict(story_to_dict(story))


def test_rss_keeps_every_dc_creator_in_order(rss: list[Story]) -> None:
    assert rss[0].byline == ("Ana Souza", "Lars Jensen")


def test_rss_author_email_form_gives_the_printed_name(rss: list[Story]) -> None:
    assert rss[1].byline == ("Night Desk",)


def test_rss_media_credits_stay_with_their_own_picture(rss: list[Story]) -> None:
    assert rss[0].pictures[:2] == (
        Picture(
            caption="Pickets at the north gate",
            credit="Photo: Mia Berg / Harbour Wire",
            url="https://img.harbour.example/strike-1.jpg",
            copyright="© Harbour Wire",
        ),
        Picture(
            caption="Empty cranes at dawn",
            credit="Photo: Coastal Gazette",
            url="https://img.harbour.example/strike-2.jpg",
        ),
    )


def test_rss_video_is_not_a_picture_but_an_image_enclosure_is(rss: list[Story]) -> None:
    urls = [p.url for p in rss[0].pictures]
    assert "https://video.harbour.example/strike.mp4" not in urls
    assert urls[-1] == "https://img.harbour.example/map.png"


def test_rss_summary_is_the_description_not_a_media_description(rss: list[Story]) -> None:
    assert rss[0].summary == "Dock workers stayed out for an eighth day."


def test_rss_body_is_sanitized_paragraph_text(rss: list[Story]) -> None:
    assert rss[0].body == (
        "Dock workers stayed out for an eighth day on Tuesday.",
        "Talks resume on Friday, the union said.",
    )


def test_rss_title_markup_is_flattened(rss: list[Story]) -> None:
    assert rss[0].headline == "Port strike enters second week"


def test_rss_guid_date_link_and_categories(rss: list[Story]) -> None:
    story = rss[0]
    assert story.guid == "urn:harbour:2025:port-strike"
    assert story.published_at == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert story.link == "https://harbour.example/world/port-strike"
    assert story.subjects == ("economy",)
    assert story.keywords == ("strike",)


def test_rss_item_rights_win_over_channel_copyright(rss: list[Story]) -> None:
    assert (
        rss[0].rights.copyright_notice == "Copyright 2025 Harbour Wire; syndication partners only"
    )
    assert rss[1].rights.copyright_notice == "© 2025 Harbour Wire Ltd. All rights reserved."


def test_rss_channel_publisher_is_the_provider(rss: list[Story]) -> None:
    assert rss[1].provider is not None
    assert rss[1].provider.name == "Harbour Wire"


def test_rss_source_element_is_the_original_source(rss: list[Story]) -> None:
    assert (
        InfoSource(
            name="Coastal Gazette", role="original-source", url="https://gazette.example/rss"
        )
        in rss[0].sources
    )


def test_rss_wire_namespace_elements_are_read(rss: list[Story]) -> None:
    story = rss[0]
    assert story.credit_line == "Harbour Wire (HW)"
    assert story.dateline == Dateline(place="Rotterdam", agency="HW", date="2025-07-01")
    assert story.editor == "Joost"
    assert story.version == 3
    assert story.signals == ("correction",)
    assert story.ed_note == "Corrects day count in first paragraph."
    assert story.related == (
        Related(title="Port talks stall", url="https://harbour.example/world/port-talks"),
    )
    assert story.sources[0] == InfoSource(
        name="Dockers Union", role="quoted", evidence="the union said"
    )


def test_rss_item_without_guid_gets_a_derived_stable_guid(rss: list[Story]) -> None:
    assert rss[1].guid == derived_guid("harbour", "https://harbour.example/world/ferry")


def test_origin_records_source_format_time_and_raw_hash(rss: list[Story]) -> None:
    origin = rss[0].origin
    assert (origin.source, origin.format, origin.fetched_at) == ("harbour", "rss", FETCHED)
    assert origin.raw_sha256 is not None
    assert len(origin.raw_sha256) == 64


def test_atom_authors_rights_and_dates(atom: list[Story]) -> None:
    story = atom[0]
    assert story.byline == ("Ingrid Dahl", "Tomas Lind")
    assert story.rights.copyright_notice == "© 2025 Fjord Press Agency; no resale"
    assert story.version_created == datetime(2025, 7, 2, 9, 15, tzinfo=UTC)
    assert story.published_at == datetime(2025, 7, 2, 6, 0, tzinfo=UTC)
    assert story.language == "en-GB"


def test_atom_entry_without_author_inherits_the_feed_author(atom: list[Story]) -> None:
    assert atom[1].byline == ("Fjord Desk",)


def test_atom_source_via_and_related_links(atom: list[Story]) -> None:
    story = atom[0]
    assert story.sources == (
        InfoSource(
            name="Polar Institute News", role="original-source", url="https://polar.example/feed"
        ),
        InfoSource(name="Polar Institute", url="https://polar.example/report"),
    )
    assert story.related == (
        Related(title="Ice loss in 2024", url="https://fjord.example/ice-2024"),
    )


def test_atom_contributor_is_the_provider(atom: list[Story]) -> None:
    assert atom[0].provider is not None
    assert atom[0].provider.name == "Fjord Press Agency"


def test_atom_xhtml_content_becomes_paragraphs(atom: list[Story]) -> None:
    assert atom[0].body == (
        "The glacier lost 40 metres in a year.",
        "Scientists blame warm summers.",
    )


def test_atom_entry_without_alternate_link_has_no_link(atom: list[Story]) -> None:
    assert atom[1].link is None


def test_atom_deleted_entry_is_a_kill(atom: list[Story]) -> None:
    kill = atom[-1]
    assert kill.guid == "tag:fjord.example,2025:wrong-report"
    assert kill.pub_status is PubStatus.CANCELED
    assert kill.version_created == datetime(2025, 7, 2, 9, 0, tzinfo=UTC)


def test_policy_fills_gaps_last(fixtures: Path) -> None:
    policy = SourcePolicy(
        provider="Harbour Wire", abbreviation="HW", credit_line="HW", usage_terms="x"
    )
    stories = parse(fixtures / "formats" / "rss_full.xml", source="harbour", policy=policy)
    assert stories[1].credit_line == "HW"
    assert stories[1].rights.usage_terms == "x"
    assert stories[1].provider is not None
    assert stories[1].provider.abbreviation == "HW"


def test_html_page_is_refused_as_not_a_feed(fixtures: Path) -> None:
    with pytest.raises(MalformedInput, match="HTML page"):
        parse(fixtures / "formats" / "hostile" / "xhtml_page.xml")


def test_non_xml_html_page_is_malformed(fixtures: Path) -> None:
    with pytest.raises(MalformedInput):
        parse(fixtures / "formats" / "hostile" / "html_page.html")


def test_hostile_feed_is_refused_before_feedparser(fixtures: Path) -> None:
    with pytest.raises(UnsafeXML):
        parse(fixtures / "formats" / "hostile" / "xxe_file.xml")


def test_empty_channel_is_no_stories() -> None:
    feed = b'<rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_feed(feed, name="empty", fetched_at=FETCHED) == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_feed(data, name="fuzz", fetched_at=FETCHED)


_names = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "Zs", "P"), exclude_characters="\u2028\u2029"),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)

DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"


@settings(max_examples=60, deadline=None)
@given(
    creators=st.lists(_names, min_size=1, max_size=4, unique=True),
    credits=st.lists(_names, min_size=1, max_size=4),
    source=_names,
)
def test_generated_rss_keeps_its_attribution(
    creators: list[str], credits: list[str], source: str
) -> None:
    rss = etree.Element("rss", version="2.0", nsmap={"dc": DC, "media": MEDIA})
    channel = etree.SubElement(rss, "channel")
    etree.SubElement(channel, "title").text = "t"
    item = etree.SubElement(channel, "item")
    etree.SubElement(item, "title").text = "headline"
    etree.SubElement(item, "guid").text = "g"
    for name in creators:
        etree.SubElement(item, f"{{{DC}}}creator").text = name
    etree.SubElement(item, "source", url="https://s.example/").text = source
    for i, credit in enumerate(credits):
        content = etree.SubElement(item, f"{{{MEDIA}}}content", url=f"https://i.example/{i}.jpg")
        etree.SubElement(content, f"{{{MEDIA}}}credit").text = credit
    (story,) = parse_feed(etree.tostring(rss), name="gen", fetched_at=FETCHED)
    assert story.byline == tuple(creators)
    assert [p.credit for p in story.pictures] == credits
    assert [s.name for s in story.sources] == [source]
