"""NewsML 1.2 documents (AFP, ANA-MPA and the agencies before G2) become stories
with their identity, management, news lines, rights, text and pictures in place.

The documents in ``tests/fixtures/newsml1/`` were written for these tests after
the published NewsML 1.2 specification: a text item with a NITF body, Greek copy
in ISO-8859-7, a text with a photo of several renditions and its caption, a
withheld revision due to become usable and a canceled one, and a DOCTYPE naming
the NewsML 1.2 DTD by URL. Each ``<name>.expected.json`` holds what must come
out of ``<name>``, story by story.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.matching import subset
from tests.strategies import SURROGATES
from wire.errors import IngestError, MalformedInput, NoContent, UnsafeXML
from wire.ingest.detect import detect_format
from wire.ingest.newsml1 import parse_newsml1
from wire.ingest.pipeline import parse_input
from wire.ingest.skipped import collecting
from wire.model import Story
from wire.storyjson import story_to_dict, validate_story_dict

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "newsml1"
DOCUMENTS = sorted(FIXTURES.glob("*.xml"))
FETCHED = datetime(2025, 7, 6, tzinfo=UTC)


def parsed(path: Path) -> list[Story]:
    return parse_input(path.read_bytes(), name=path.name, fetched_at=FETCHED, source="agency")


def _item(inner: str, *, ident: str = "", management: str = "") -> bytes:
    ident = ident or (
        "<ProviderId>p.example</ProviderId><DateId>20250701</DateId>"
        "<NewsItemId>one</NewsItemId><RevisionId>1</RevisionId>"
    )
    return (
        f"<NewsML><NewsItem><Identification><NewsIdentifier>{ident}</NewsIdentifier>"
        f"</Identification><NewsManagement>{management}</NewsManagement>"
        f"<NewsComponent>{inner}</NewsComponent></NewsItem></NewsML>"
    ).encode()


def _text(paragraph: str = "Text.") -> str:
    return (
        '<ContentItem><MediaType FormalName="Text"/>'
        f"<DataContent><p>{paragraph}</p></DataContent></ContentItem>"
    )


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_each_item_becomes_the_story_it_tells(path: Path) -> None:
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
    assert subset([story_to_dict(s) for s in parsed(path)], expected) == expected


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_newsml1_is_told_by_its_root_element(path: Path) -> None:
    assert detect_format(path.read_bytes()) == "newsml1"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_story_fits_the_story_schema(path: Path) -> None:
    for story in parsed(path):
        validate_story_dict(story_to_dict(story))


def test_every_revision_is_a_version_of_the_same_story() -> None:
    first = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text(),
        ident="<ProviderId>p</ProviderId><DateId>20250701</DateId><NewsItemId>x</NewsItemId>"
        "<RevisionId>1</RevisionId>",
    )
    second = first.replace(b"<RevisionId>1</RevisionId>", b"<RevisionId>2</RevisionId>")
    (one,) = parse_newsml1(first, name="1", fetched_at=FETCHED)
    (two,) = parse_newsml1(second, name="2", fetched_at=FETCHED)
    assert (one.guid, one.version, two.version) == (two.guid, 1, 2)


def test_the_public_identifier_without_its_revision_is_the_guid_when_alone() -> None:
    doc = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text(),
        ident="<PublicIdentifier>urn:newsml:p.example:20250701:abc:3</PublicIdentifier>",
    )
    (story,) = parse_newsml1(doc, name="p", fetched_at=FETCHED)
    assert story.guid == "urn:newsml:p.example:20250701:abc"


def test_an_item_without_identification_gets_a_derived_guid_and_a_note() -> None:
    doc = b"<NewsML><NewsItem><NewsComponent><NewsLines><HeadLine>H</HeadLine></NewsLines>"
    doc += _text().encode() + b"</NewsComponent></NewsItem></NewsML>"
    (story,) = parse_newsml1(doc, name="n", fetched_at=FETCHED, source="agency")
    assert story.guid.startswith("urn:wire:agency:")
    assert any("NewsIdentifier" in note for note in story.review)


def test_a_partial_update_is_refused_by_name() -> None:
    doc = _item(
        "",
        ident="<ProviderId>p</ProviderId><DateId>20250701</DateId><NewsItemId>x</NewsItemId>"
        '<RevisionId PreviousRevision="1" Update="U">2</RevisionId>',
    )
    with pytest.raises(MalformedInput, match="partial update"):
        parse_newsml1(doc, name="u", fetched_at=FETCHED)


def test_a_broken_item_is_left_out_and_the_others_are_read() -> None:
    good = _item("<NewsLines><HeadLine>Good</HeadLine></NewsLines>" + _text())
    empty = _item("")
    doc = good.replace(b"</NewsML>", b"") + empty[len(b"<NewsML>") :]
    with collecting() as skipped:
        stories = parse_newsml1(doc, name="two", fetched_at=FETCHED)
    assert [s.headline for s in stories] == ["Good"]
    assert len(skipped) == 1


@pytest.mark.parametrize(
    ("status", "change", "expected", "embargoed"),
    [
        ("Usable", "", "usable", None),
        ("Canceled", "", "canceled", None),
        ("Withheld", "", "withheld", None),
        (
            "Embargoed",
            '<StatusWillChange><FutureStatus FormalName="Usable"/>'
            "<DateAndTime>20250702T080000Z</DateAndTime></StatusWillChange>",
            "usable",
            datetime(2025, 7, 2, 8, tzinfo=UTC),
        ),
        ("Embargoed", "", "withheld", None),
    ],
)
def test_status_and_its_change_are_the_publishing_status_and_embargo(
    status: str, change: str, expected: str, embargoed: datetime | None
) -> None:
    doc = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text(),
        management=f'<Status FormalName="{status}"/>{change}',
    )
    (story,) = parse_newsml1(doc, name="s", fetched_at=FETCHED)
    assert (story.pub_status.value, story.embargoed_until) == (expected, embargoed)


@pytest.mark.parametrize(("value", "urgency"), [("1", 1), ("9", 9), ("0", None), ("x", None)])
def test_the_urgency_formal_name_is_the_urgency(value: str, urgency: int | None) -> None:
    doc = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text(),
        management=f'<Urgency FormalName="{value}"/>',
    )
    (story,) = parse_newsml1(doc, name="u", fetched_at=FETCHED)
    assert story.urgency == urgency


def test_the_photo_is_its_largest_rendition_with_its_caption_credit_and_copyright() -> None:
    (story,) = parsed(FIXTURES / "afp-text-with-photo.xml")
    (picture,) = story.pictures
    assert picture.url == "https://photos.afp.example/flood-hr.jpg"
    assert picture.caption is not None
    assert picture.caption.startswith("Residents wade")
    assert (picture.credit, picture.copyright) == ("Lena Braun / AFP", "© AFP 2025")
    assert not any("Residents wade" in p for p in story.body)  # the caption is not text


def test_a_photo_beside_the_text_in_one_component_is_a_picture_and_the_text_stays() -> None:
    photo = (
        '<ContentItem Href="https://img.example/a.jpg"><MediaType FormalName="Photo"/>'
        '<Characteristics><Property FormalName="Caption" Value="The harbour"/>'
        "</Characteristics></ContentItem>"
    )
    doc = _item("<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text("Body.") + photo)
    (story,) = parse_newsml1(doc, name="p", fetched_at=FETCHED)
    assert story.body == ("Body.",)
    assert [(p.url, p.caption) for p in story.pictures] == [
        ("https://img.example/a.jpg", "The harbour")
    ]


def test_byline_people_are_split_and_the_agency_and_title_left_out() -> None:
    (story,) = parsed(FIXTURES / "afp-text-nitf.xml")
    assert story.byline == ("Claire Martin", "Hugo Lefebvre")
    (flood,) = parsed(FIXTURES / "afp-text-with-photo.xml")
    assert flood.byline == ("Jan Keller",)  # "By Jan Keller, AFP"


def test_creators_are_the_byline_only_when_nothing_is_printed() -> None:
    doc = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines><AdministrativeMetadata>"
        '<Provider><Party FormalName="AFP"/></Provider>'
        '<Creator><Party FormalName="AFP"/></Creator>'
        '<Creator><Party FormalName="Eva Novak"/></Creator></AdministrativeMetadata>' + _text()
    )
    (story,) = parse_newsml1(doc, name="c", fetched_at=FETCHED)
    assert story.byline == ("Eva Novak",)


def test_a_source_other_than_the_provider_is_an_original_source() -> None:
    doc = _item(
        "<NewsLines><HeadLine>H</HeadLine></NewsLines><AdministrativeMetadata>"
        '<Provider><Party FormalName="ANA-MPA"/></Provider>'
        '<Source><Party FormalName="Reuters"/></Source></AdministrativeMetadata>' + _text()
    )
    (story,) = parse_newsml1(doc, name="s", fetched_at=FETCHED)
    assert [(s.name, s.role) for s in story.sources] == [("Reuters", "original-source")]


@pytest.mark.parametrize(
    ("line", "holder"),
    [
        ("Copyright 2025 AFP", "AFP"),
        ("© AFP 2025", "AFP"),
        ("Copyright 2025 The Associated Press. All rights reserved.", "The Associated Press"),
        ("© 2025", None),
    ],
)
def test_the_copyright_line_is_the_notice_and_names_its_holder(
    line: str, holder: str | None
) -> None:
    doc = _item(
        f"<NewsLines><HeadLine>H</HeadLine><CopyrightLine>{line}</CopyrightLine>"
        "</NewsLines>" + _text()
    )
    (story,) = parse_newsml1(doc, name="c", fetched_at=FETCHED)
    assert (story.rights.copyright_notice, story.rights.copyright_holder) == (line, holder)


def test_greek_copy_in_iso_8859_7_is_read_in_its_declared_encoding() -> None:
    (story,) = parsed(FIXTURES / "ana-mpa-greek-8859-7.xml")
    assert story.headline.startswith("Καύσωνας")
    assert story.language == "el"


def test_the_namespaced_schema_form_is_read_like_the_dtd_form() -> None:
    doc = _item("<NewsLines><HeadLine>H</HeadLine></NewsLines>" + _text()).replace(
        b"<NewsML>", b'<NewsML xmlns="http://iptc.org/std/NewsML/2003-10-10/">'
    )
    assert detect_format(doc) == "newsml1"
    (story,) = parse_input(doc, name="ns", fetched_at=FETCHED)
    assert story.headline == "H"


def test_a_doctype_naming_the_dtd_is_read_without_loading_it() -> None:
    (story,) = parsed(FIXTURES / "doctype-dtd.xml")
    assert story.headline == "Ferry service resumes after storm"


def test_a_doctype_declaring_entities_is_refused() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE NewsML [<!ENTITY x "boom">]>'
        b"<NewsML><NewsItem><NewsComponent><NewsLines><HeadLine>&x;</HeadLine>"
        b"</NewsLines></NewsComponent></NewsItem></NewsML>"
    )
    with pytest.raises(UnsafeXML):
        parse_input(doc, name="e", fetched_at=FETCHED)


def test_an_item_with_neither_headline_nor_text_is_no_content() -> None:
    with pytest.raises(NoContent):
        parse_newsml1(_item(""), name="n", fetched_at=FETCHED)


def test_another_root_is_not_newsml1() -> None:
    with pytest.raises(MalformedInput, match="not a NewsML 1"):
        parse_newsml1(b"<NewsItem/>", name="x", fetched_at=FETCHED)


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=SURROGATES, exclude_characters="\x00"),
    max_size=60,
)


def _escaped(text: str) -> str:
    element = etree.Element("x")
    try:
        element.text = text
    except ValueError:  # a control character XML cannot hold
        element.text = ""
    return etree.tostring(element, encoding="unicode")[3:-4]


@given(headline=_TEXT, byline=_TEXT, dateline=_TEXT, credit=_TEXT, body=_TEXT)
def test_any_news_lines_give_a_valid_story_or_a_named_refusal(
    headline: str, byline: str, dateline: str, credit: str, body: str
) -> None:
    lines = "".join(
        f"<{tag}>{_escaped(value)}</{tag}>"
        for tag, value in (
            ("HeadLine", headline),
            ("ByLine", byline),
            ("DateLine", dateline),
            ("CreditLine", credit),
        )
    )
    doc = _item(f"<NewsLines>{lines}</NewsLines>" + _text(_escaped(body)))
    try:
        stories = parse_input(doc, name="gen", fetched_at=FETCHED)
    except IngestError:
        return
    for story in stories:
        validate_story_dict(story_to_dict(story))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_ingest_errors(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_newsml1(b"<NewsML>" + data, name="fuzz", fetched_at=FETCHED)
