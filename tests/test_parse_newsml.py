"""NewsML-G2 items become stories with rights, roles, embargo and signals kept."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.validators import feed_meta, fixture_story
from wire.errors import IngestError, MalformedInput, NoContent
from wire.ingest.newsml import parse_newsml, printed_dateline
from wire.model import Dateline, InfoSource, Picture, Provider, PubStatus, Related, Rights, Story
from wire.publish.newsml import render_newsml
from wire.storyjson import story_to_dict, validate_story_dict

FETCHED = datetime(2025, 7, 2, tzinfo=UTC)
IPTC_SAMPLES = (
    "LISTING_1_A_NewsML-G2_News_Item.xml",
    "LISTING_2_NewsML-G2_Text_Document.xml",
    "Receiver_View.xml",
)


def parse(path: Path) -> list[Story]:
    return parse_newsml(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="harbour")


@pytest.fixture
def message(fixtures: Path) -> list[Story]:
    return parse(fixtures / "formats" / "newsml_message.xml")


@pytest.fixture
def story(message: list[Story]) -> Story:
    return message[0]


def test_message_yields_the_text_item_with_the_picture_item_attached(
    message: list[Story],
) -> None:
    assert [s.guid for s in message] == ["urn:newsml:harbour.example:20250701:floods"]


def test_story_fits_the_schema(story: Story) -> None:
    validate_story_dict(story_to_dict(story))


def test_guid_version_and_times(story: Story) -> None:
    assert story.version == 4
    assert story.version_created == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)
    assert story.first_created == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)


def test_content_meta_urgency_is_the_urgency(story: Story) -> None:
    assert story.urgency == 3


def test_full_rights_info(story: Story) -> None:
    assert story.rights == Rights(
        copyright_holder="Harbour Wire Ltd",
        copyright_notice="Copyright 2025 Harbour Wire Ltd. All rights reserved.",
        usage_terms="Editorial use only. No archiving.",
    )


def test_provider_name_and_qcode(story: Story) -> None:
    assert story.provider == Provider("Harbour Wire", "HW")


def test_embargo_signal_and_ed_note(story: Story) -> None:
    assert story.embargoed_until == datetime(2025, 7, 1, 14, 0, tzinfo=UTC)
    assert story.signals == ("correction",)
    assert story.ed_note == "Corrects the number of evacuated villages."


def test_creditline_by_and_editor(story: Story) -> None:
    assert story.credit_line == "Harbour Wire (HW)"
    assert story.byline == ("Eva Novak",)
    assert story.editor == "Joost Bakker"


def test_info_sources_with_mapped_roles(story: Story) -> None:
    assert story.sources == (
        InfoSource(name="Rijkswaterstaat", role="original-source"),
        InfoSource(name="Regional Broadcaster Oost", role="original-source"),
        InfoSource(name="Flood Watch", role="reported-by"),
        InfoSource(name="Mayor's Office", role="quoted"),
    )


def test_located_and_printed_dateline(story: Story) -> None:
    assert story.dateline == Dateline(place="Arnhem", agency="HW")


def test_headline_slugline_summary_language(story: Story) -> None:
    assert story.headline == "Rhine floods force evacuation of six villages"
    assert story.slugline == "NETHERLANDS-FLOODS"
    assert story.summary == "Water levels reached a 30-year high on Tuesday."
    assert story.language == "en"


def test_subjects_by_name_else_qcode_and_keywords(story: Story) -> None:
    assert story.subjects == ("environment", "river floods")
    assert story.keywords == ("flood", "Rhine")


def test_xhtml_body_paragraphs_exclude_figure_captions(story: Story) -> None:
    assert story.body == (
        "Six villages near Arnhem were evacuated on Tuesday as the Rhine rose.",
        '"We have never seen this," the mayor said.',
    )


def test_pictures_from_xhtml_figure_and_picture_item(story: Story) -> None:
    assert story.pictures == (
        Picture(
            caption="A flooded street in Arnhem",
            credit="Photo: Kees Vos / HW",
            url="https://img.harbour.example/floods.jpg",
        ),
        Picture(
            caption="Sandbags on the dike at Lobith",
            credit="Photo: Anna Smit / Polder Photo",
            url="https://img.polder.example/lobith.jpg",
            copyright="© 2025 Polder Photo Agency",
        ),
    )


def test_see_also_link_and_package_references_are_related(story: Story) -> None:
    assert story.related == (
        Related(title="Floods of 2024", url="https://harbour.example/floods-2024"),
        Related(title="Dikes hold after record rain", url="https://harbour.example/dikes"),
    )


def test_canceled_pub_status_is_a_kill_of_the_same_guid(fixtures: Path) -> None:
    (kill,) = parse(fixtures / "formats" / "newsml_canceled.xml")
    assert kill.guid == "urn:newsml:harbour.example:20250701:floods"
    assert kill.pub_status is PubStatus.CANCELED
    assert kill.version == 5
    assert kill.body == ("Withdrawn.", "Do not use.")


def test_package_only_message_is_no_content() -> None:
    doc = (
        b'<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>'
        b'<packageItem guid="p"><groupSet><group><itemRef residref="x"/></group></groupSet>'
        b"</packageItem></itemSet></newsMessage>"
    )
    with pytest.raises(NoContent, match="packageItem"):
        parse_newsml(doc, name="pkg", fetched_at=FETCHED)


def test_wire_feed_package_yields_no_story_and_no_related_links() -> None:
    stories = [fixture_story("mina"), fixture_story("full")]
    parsed = parse_newsml(render_newsml(feed_meta("xml"), stories), name="feed", fetched_at=FETCHED)
    assert [s.guid for s in parsed] == [s.guid for s in stories]
    assert [s.related for s in parsed] == [s.related for s in stories]


def test_empty_wire_feed_is_no_content_saying_so() -> None:
    with pytest.raises(NoContent, match="empty feed"):
        parse_newsml(render_newsml(feed_meta("xml"), []), name="feed", fetched_at=FETCHED)


def test_provider_literal_beside_a_name_is_the_abbreviation() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b'<itemMeta><provider literal="EWS" qcode="nprov:X"><name>Example Wire</name></provider>'
        b"</itemMeta><contentMeta><headline>H</headline></contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="p", fetched_at=FETCHED)
    assert story.provider == Provider("Example Wire", "EWS")


def test_the_printed_by_line_wins_over_creators_that_do_not_match_it() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta/><contentMeta><creator><name>Jane Doe</name></creator>"
        b"<creator><name>Ahmad Rahimi</name></creator><headline>H</headline>"
        b"<by>By Jane Doe, Ahmad Rahimi, Staff Writers</by></contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="c", fetched_at=FETCHED)
    assert story.byline == ("Jane Doe, Ahmad Rahimi, Staff Writers",)


def test_one_creator_per_person_when_they_are_the_printed_by_line() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta/><contentMeta><creator><name>Jane Doe</name></creator>"
        b"<creator><name>Ahmad Rahimi</name></creator><headline>H</headline>"
        b"<by>By Jane Doe and Ahmad Rahimi</by></contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="c", fetched_at=FETCHED)
    assert story.byline == ("Jane Doe", "Ahmad Rahimi")


@pytest.mark.parametrize(
    ("creators", "by", "expected"),
    [
        (["X01390", "MDJ/"], "MARKO DJURICA", ("MARKO DJURICA",)),
        (["Reuters"], "By Marwan Makdisi", ("Marwan Makdisi",)),
        (["Jane Doe"], "By Jane Doe and John Roe", ("Jane Doe and John Roe",)),
        (["X01390", "Reuters", "Ann Lee"], None, ("Ann Lee",)),
    ],
)
def test_desk_codes_and_the_agency_are_never_the_byline(
    creators: list[str], by: str | None, expected: tuple[str, ...]
) -> None:
    people = "".join(f"<creator><name>{c}</name></creator>" for c in creators)
    printed = f"<by>{by}</by>" if by else ""
    doc = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        '<itemMeta><provider literal="Reuters"/></itemMeta>'
        f"<contentMeta>{people}<headline>H</headline>{printed}</contentMeta></newsItem>"
    ).encode()
    (story,) = parse_newsml(doc, name="c", fetched_at=FETCHED)
    assert story.byline == expected


def test_by_line_alone_is_one_printed_entry() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta/><contentMeta><headline>H</headline><by>By Jane Doe, Staff Writer</by>"
        b"</contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="b", fetched_at=FETCHED)
    assert story.byline == ("Jane Doe, Staff Writer",)


def test_see_also_link_without_href_is_a_related_title_with_no_url() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b'<itemMeta><link rel="irel:seeAlso"><title>Weather outlook</title></link>'
        b'<link rel="irel:seeAlso"/></itemMeta>'
        b"<contentMeta><headline>H</headline></contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="r", fetched_at=FETCHED)
    assert story.related == (Related(title="Weather outlook"),)


def test_wire_source_child_gives_the_evidence_of_its_info_source() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" xmlns:wire="https://wire.example/ns/1.0"'
        b' xmlns:other="urn:other" guid="g" version="1"><itemMeta/><contentMeta>'
        b'<infoSource role="wirerole:quoted"><name>Radio Coast</name>'
        b'<other:source evidence="not this"/>'
        b'<wire:source role="quoted" evidence="told Radio Coast">Radio Coast</wire:source>'
        b"</infoSource><headline>H</headline></contentMeta></newsItem>"
    )
    (story,) = parse_newsml(doc, name="s", fetched_at=FETCHED)
    assert story.sources == (InfoSource("Radio Coast", "quoted", evidence="told Radio Coast"),)


@pytest.mark.parametrize(
    ("located", "printed", "expected"),
    [
        ("Moscow", "Moscow, MINA –", Dateline("Moscow", "MINA")),
        (None, "NEW YORK, Nov 21 (Reuters) -", Dateline("NEW YORK", "Reuters")),
        ("Port Town", "Port Town, EWS, 2025-07-05", Dateline("Port Town", "EWS", "2025-07-05")),
        ("Washington, D.C.", "Washington, D.C., EWS", Dateline("Washington, D.C.", "EWS")),
        ("Berlin", "Berlin, Oct 23 -", Dateline("Berlin")),
        ("Berlin", None, Dateline("Berlin")),
        (None, None, None),
    ],
)
def test_printed_dateline_reading(
    located: str | None, printed: str | None, expected: Dateline | None
) -> None:
    assert printed_dateline(located, printed) == expected


def test_newsitem_outside_the_nar_namespace_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="namespace"):
        parse_newsml(b'<newsItem guid="x"/>', name="nons", fetched_at=FETCHED)


def test_embargoed_without_time_is_withheld() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta><embargoed/></itemMeta><contentMeta><headline>H</headline></contentMeta>"
        b"</newsItem>"
    )
    (story,) = parse_newsml(doc, name="e", fetched_at=FETCHED)
    assert story.pub_status is PubStatus.WITHHELD


@pytest.mark.shared
@pytest.mark.parametrize("sample", IPTC_SAMPLES)
def test_iptc_examples_parse_with_guid_headline_and_rights(shared: Path, sample: str) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / sample)
    validate_story_dict(story_to_dict(story))
    assert story.guid.startswith("urn:newsml:")
    assert story.version == 11
    assert story.headline == 'Fed to halt QE to avert "bubble"'
    assert story.byline == ("Meredith Jameson",)
    assert story.rights.copyright_holder


@pytest.mark.shared
def test_iptc_listing_1_embargo_signal_and_located(shared: Path) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / IPTC_SAMPLES[0])
    assert story.embargoed_until == datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
    assert story.signals == ("update",)
    assert story.dateline == Dateline(place="Berlin")
    assert story.provider == Provider("REUTERS")
    assert story.rights.usage_terms == "Not for use outside the United States"


@pytest.mark.shared
def test_iptc_listing_2_inline_nitf_body(shared: Path) -> None:
    (story,) = parse(shared / "samples" / "newsml-g2" / IPTC_SAMPLES[1])
    assert len(story.body) == 2
    assert story.body[0].startswith("(New York, NY - October 21) Et, sent luptat")
    assert story.sources == (InfoSource(name="Associated Press", role="reported-by"),)
    assert story.language == "en-US"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_newsml(data, name="fuzz", fetched_at=FETCHED)


_text = (
    st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(holder=_text, notice=_text, credit=_text, source=_text)
def test_generated_items_keep_rights_credit_and_sources(
    holder: str, notice: str, credit: str, source: str
) -> None:
    doc = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="2">'
        f"<rightsInfo><copyrightHolder literal={quoteattr(holder)}/>"
        f"<copyrightNotice>{escape(notice)}</copyrightNotice></rightsInfo>"
        "<itemMeta/><contentMeta>"
        f'<infoSource role="cpprole:origProv"><name>{escape(source)}</name></infoSource>'
        f"<headline>H</headline><creditline>{escape(credit)}</creditline></contentMeta>"
        "</newsItem>"
    ).encode()
    (story,) = parse_newsml(doc, name="gen", fetched_at=FETCHED)
    assert story.rights.copyright_holder == holder
    assert story.rights.copyright_notice == notice
    assert story.credit_line == credit
    assert story.sources == (InfoSource(name=source, role="original-source"),)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("SYDNEY March 22 AAP", ("SYDNEY", "AAP", "2026-03-22")),
        ("NEW YORK, Nov 21 (Reuters) -", ("NEW YORK", "Reuters", "2026-11-21")),
        ("2018-01-03 20:13:08 GMT+00:00", None),
        ("20170102T222800+0000", None),
        ("Moscow, MINA –", ("Moscow", "MINA", None)),
    ],
)
def test_datelines_are_read_as_printed_and_a_timestamp_is_no_place(
    printed: str, expected: tuple[str, str | None, str | None] | None
) -> None:
    doc = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        "<itemMeta><versionCreated>2026-11-30T10:00:00Z</versionCreated></itemMeta>"
        f"<contentMeta><headline>H</headline><dateline>{printed}</dateline></contentMeta>"
        "</newsItem>"
    ).encode()
    (story,) = parse_newsml(doc, name="d", fetched_at=FETCHED)
    got = story.dateline
    assert (None if got is None else (got.place, got.agency, got.date)) == expected


def _item_with(content: str) -> bytes:
    return (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        "<itemMeta/><contentMeta><headline>H</headline></contentMeta>"
        f"<contentSet>{content}</contentSet></newsItem>"
    ).encode()


def test_html_sent_as_text_plain_inline_data_is_read_as_markup() -> None:
    doc = _item_with(
        '<inlineData contenttype="text/plain">&lt;p&gt;First.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;'
        "</inlineData>"
    )
    (story,) = parse_newsml(doc, name="t", fetched_at=FETCHED)
    assert story.body == ("First.", "Second.")


def test_an_xhtml_header_is_not_body_text() -> None:
    doc = _item_with(
        '<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">'
        "<body><header><h1>H</h1><p>Politik, Wahlen</p></header><p>The body.</p></body></html>"
        "</inlineXML>"
    )
    (story,) = parse_newsml(doc, name="x", fetched_at=FETCHED)
    assert story.body == ("The body.",)


def test_a_nitf_document_inside_inline_xml_gives_its_headline_and_byline() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta/><contentMeta/><contentSet><inlineXML contenttype='application/nitf+xml'>"
        b"<nitf><body><body.head><hedline><hl1>Nested headline</hl1></hedline>"
        b"<byline>By Ann Writer</byline></body.head><body.content><p>Nested text.</p>"
        b"</body.content></body></nitf></inlineXML></contentSet></newsItem>"
    )
    (story,) = parse_newsml(doc, name="n", fetched_at=FETCHED)
    assert (story.headline, story.byline, story.body) == (
        "Nested headline",
        ("Ann Writer",),
        ("Nested text.",),
    )


def test_a_subject_is_its_name_and_its_code_only_without_one() -> None:
    doc = (
        b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1">'
        b"<itemMeta/><contentMeta><headline>H</headline>"
        b'<subject qcode="medtop:04000000"><name xml:lang="en">economy, business and finance</name>'
        b'</subject><subject qcode="medtop:20000763"/></contentMeta></newsItem>'
    )
    (story,) = parse_newsml(doc, name="s", fetched_at=FETCHED)
    assert story.subjects == ("economy, business and finance", "medtop:20000763")
