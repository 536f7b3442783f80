"""XML safety: hostile documents are refused with a named reason, never expanded or fetched."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from wire.errors import IngestError, InputTooLarge, MalformedInput, UnsafeXML
from wire.ingest.values import conform, html_paragraphs
from wire.ingest.xmlsafe import parse_xml
from wire.instants import read_instant
from wire.model import Dateline, Story
from wire.storyjson import story_to_dict, validate_story_dict


@pytest.fixture
def hostile(fixtures: Path) -> Path:
    return fixtures / "formats" / "hostile"


def read(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


def test_billion_laughs_is_refused_as_unsafe(hostile: Path) -> None:
    with pytest.raises(UnsafeXML, match="declares entities"):
        parse_xml(read(hostile, "billion_laughs.xml"), name="lol")


def test_xxe_file_entity_is_refused_and_never_read(hostile: Path) -> None:
    with pytest.raises(UnsafeXML) as caught:
        parse_xml(read(hostile, "xxe_file.xml"), name="xxe")
    assert "root:" not in str(caught.value)  # /etc/passwd content never appears


def test_an_external_dtd_is_accepted_and_never_loaded(hostile: Path) -> None:
    root = parse_xml(read(hostile, "external_dtd.xml"), name="dtd")
    assert root.tag == "nitf"


async def test_an_external_dtd_on_a_live_server_is_never_fetched(
    aiohttp_server: Any,
) -> None:
    hits: list[str] = []

    async def dtd(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text='<!ENTITY x "fetched">')

    app = web.Application()
    app.router.add_get("/nitf.dtd", dtd)
    server = await aiohttp_server(app)
    doc = f'<!DOCTYPE nitf SYSTEM "{server.make_url("/nitf.dtd")}"><nitf><p>ok</p></nitf>'
    assert parse_xml(doc.encode(), name="live").findtext("p") == "ok"
    # an entity the DTD would define stays an unexpanded reference
    unresolved = parse_xml(doc.replace("ok", "&x;").encode(), name="live")
    assert "fetched" not in etree.tostring(unresolved, encoding="unicode")
    assert hits == []


def test_parameter_entity_is_refused(hostile: Path) -> None:
    with pytest.raises(UnsafeXML, match="declares entities"):
        parse_xml(read(hostile, "parameter_entity.xml"), name="pe")


def test_entity_declared_in_utf16_document_is_refused() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(UnsafeXML):
        parse_xml(doc.encode("utf-16"), name="u16")


def test_unsafe_doctype_wins_over_a_syntax_error() -> None:
    doc = b'<!DOCTYPE r [<!ENTITY a SYSTEM "file:///etc/passwd">]><r>&a;<unclosed></r>'
    with pytest.raises(UnsafeXML):
        parse_xml(doc, name="both")


def test_doctype_without_entities_or_external_id_is_accepted() -> None:
    root = parse_xml(b"<!DOCTYPE r [<!ELEMENT r ANY>]><r>ok</r>", name="plain")
    assert root.text == "ok"


def test_malformed_xml_is_malformed_input_naming_the_input(hostile: Path) -> None:
    with pytest.raises(MalformedInput, match=r"^broken\.xml: not well-formed"):
        parse_xml(read(hostile, "malformed.xml"), name="broken.xml")


def test_truncated_document_is_malformed(hostile: Path) -> None:
    with pytest.raises(MalformedInput):
        parse_xml(read(hostile, "truncated.xml"), name="cut")


def test_latin1_bytes_declared_utf8_are_refused_with_the_encoding_named(hostile: Path) -> None:
    with pytest.raises(MalformedInput, match="declared encoding 'utf-8'"):
        parse_xml(read(hostile, "wrong_encoding_latin1_as_utf8.xml"), name="enc")


def test_utf8_bytes_declared_latin1_are_refused_rather_than_misread(hostile: Path) -> None:
    with pytest.raises(MalformedInput, match="bytes are UTF-8"):
        parse_xml(read(hostile, "wrong_encoding_utf8_as_latin1.xml"), name="enc")


def test_correctly_declared_latin1_is_decoded(fixtures: Path) -> None:
    root = parse_xml((fixtures / "formats" / "rss_latin1.xml").read_bytes(), name="latin1")
    assert root.findtext("channel/item/title") == "Crème brûlée"


def test_unknown_declared_encoding_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="foo-bar"):
        parse_xml(b'<?xml version="1.0" encoding="foo-bar"?><r/>', name="enc")


def test_oversize_input_is_refused_before_parsing() -> None:
    with pytest.raises(InputTooLarge, match="over the 100-byte limit"):
        parse_xml(b"<r>" + b"x" * 200 + b"</r>", name="big", max_bytes=100)


def test_empty_input_is_malformed() -> None:
    with pytest.raises(MalformedInput, match="empty"):
        parse_xml(b"  \n", name="empty")


def test_deep_nesting_is_refused_not_crashing() -> None:
    depth = 100_000
    with pytest.raises(MalformedInput):
        parse_xml(b"<a>" * depth + b"</a>" * depth, name="deep")


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_an_element_or_an_ingest_error(data: bytes) -> None:
    with contextlib.suppress(IngestError):
        parse_xml(data, name="fuzz")


def test_html_paragraphs_drop_scripts_and_keep_block_text() -> None:
    markup = "<p>One &amp; <b>two</b></p><script>alert(1)</script><div><p>three</p></div>tail"
    assert html_paragraphs(markup) == ("One & two", "three", "tail")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-01T12:00:00+02:00", datetime(2025, 7, 1, 10, tzinfo=UTC)),
        ("2025-07-01T12:00:00Z", datetime(2025, 7, 1, 12, tzinfo=UTC)),
        ("2025-07-01T12:00:00", datetime(2025, 7, 1, 12, tzinfo=UTC)),
        ("0001-01-01T00:00:00+05:00", None),
        ("0999-12-31T00:00:00Z", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_iso_instants_are_utc_or_none(text: str | None, expected: datetime | None) -> None:
    assert read_instant(text) == expected


def test_conform_drops_what_the_schema_refuses_and_says_so() -> None:
    story = Story(
        headline="h",
        guid="g",
        language="en[]",
        link="https://x.example/" + "a" * 5000,
        dateline=Dateline(place="Oslo", date="2025-13-01"),
    )
    fixed = conform(story, name="n")
    validate_story_dict(story_to_dict(fixed))
    assert (fixed.language, fixed.link, fixed.dateline) == (None, None, Dateline(place="Oslo"))
    assert len(fixed.review) == 3


def test_conform_refuses_a_guid_too_long_to_store() -> None:
    with pytest.raises(MalformedInput, match="guid"):
        conform(Story(headline="h", guid="g" * 2000), name="n")
