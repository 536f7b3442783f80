"""Formats are recognised by content, never by file name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.config import Config, ServerSettings
from wire.errors import IngestError, MalformedInput, NoContent
from wire.formats import INPUT_FORMATS
from wire.ingest.detect import DETECTED, detect_format
from wire.ingest.pipeline import parse_input
from wire.service import Wire
from wire.store import SQLStore

FETCHED = datetime(2025, 7, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("rss_full.xml", "rss"),
        ("rss_latin1.xml", "rss"),
        ("atom_full.xml", "atom"),
        ("newsml_message.xml", "newsml"),
        ("newsml_canceled.xml", "newsml"),
        ("nitf_full.xml", "nitf"),
        ("ninjs_v1.json", "ninjs"),
        ("ninjs_v2.json", "ninjs"),
        ("hostile/html_page.html", "html"),
        ("hostile/xhtml_page.xml", "html"),
        ("hostile/truncated.xml", "rss"),
        ("hostile/billion_laughs.xml", "rss"),
        ("hostile/external_dtd.xml", "nitf"),
        ("hostile/parameter_entity.xml", "atom"),
    ],
)
def test_fixture_formats(fixtures: Path, fixture: str, expected: str) -> None:
    assert detect_format((fixtures / "formats" / fixture).read_bytes()) == expected


@pytest.mark.shared
def test_iptc_examples_are_newsml(shared: Path) -> None:
    for sample in sorted((shared / "samples" / "newsml-g2").glob("*.xml")):
        assert detect_format(sample.read_bytes()) == "newsml", sample.name


@pytest.mark.shared
def test_raw_agency_copy_is_text(shared: Path) -> None:
    for sample in sorted((shared / "samples" / "raw").glob("*.txt")):
        assert detect_format(sample.read_bytes()) == "text", sample.name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><feed/>", "atom"),
        ('<?xml version="1.0" encoding="UTF-16"?><rss/>'.encode("utf-16"), "rss"),
        (b'<rdf:RDF xmlns:rdf="x" xmlns="http://purl.org/rss/1.0/"><channel/></rdf:RDF>', "rss"),
        (b'<g2:newsItem xmlns:g2="http://iptc.org/std/nar/2006-10-01/"/>', "newsml"),
        (b'<knowledgeItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>', "newsml"),
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"<!doctype HTML>\n<title>x</title>", "html"),
        (b"<div><p>fragment</p></div>", "html"),
        (b'{"uri": "x", "headline": "y"}', "ninjs"),
        (b'{"type": "FeatureCollection"}', "ninjs"),
        (b'[{"uri": "x"}]', "ninjs"),
        (b"[UPDATE] Moscow, MINA - Russia said...", "text"),
        (b"Moscow, MINA - Russia said on Thursday...", "text"),
        (b"", "text"),
    ],
)
def test_content_decides(data: bytes, expected: str) -> None:
    assert detect_format(data) == expected


@given(st.binary(max_size=2000))
def test_any_bytes_get_one_of_the_known_formats(data: bytes) -> None:
    assert detect_format(data) in DETECTED


# every fixture of every format, to its own parser ------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_FORMATS_PREFIX = {
    "rss": "rss",
    "atom": "atom",
    "newsml": "newsml",
    "nitf": "nitf",
    "ninjs": "ninjs",
}


def _own_format(path: Path) -> str | None:
    """The format a fixture is in, by where it is kept and how it is named."""
    folder, suffix = path.parent.name, path.suffix
    if path.name.endswith(".expected.json"):
        return None
    if folder == "formats":
        return _FORMATS_PREFIX.get(path.name.split("_", 1)[0])
    by_folder = {
        "wires": {".anpa": "anpa", ".7901": "iptc7901"}.get(suffix),
        "mail": "email" if suffix == ".eml" else None,
        "newsml1": "newsml1" if suffix == ".xml" else None,
        "apmedia": "apmedia" if suffix == ".json" else None,
        "raw": "text" if suffix == ".txt" else None,
        "pages": "html" if suffix == ".html" else None,
    }
    return by_folder.get(folder)


OWN = sorted(
    (p, fmt)
    for folder in ("formats", "wires", "mail", "newsml1", "apmedia", "raw", "pages")
    for p in (FIXTURES / folder).iterdir()
    if p.is_file() and (fmt := _own_format(p)) is not None
)


def test_every_fixture_folder_is_covered() -> None:
    formats = {fmt for _, fmt in OWN}
    assert formats >= {f for f in INPUT_FORMATS if f != "html"} | {"html"}


@pytest.mark.parametrize(("path", "fmt"), OWN, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_fixture_goes_to_its_own_parser_and_no_other(path: Path, fmt: str) -> None:
    data = path.read_bytes()
    assert detect_format(data) == fmt
    try:
        stories = parse_input(data, name=path.name, fetched_at=FETCHED, source="agency")
    except NoContent:  # read by its own parser, which found no story (a page without one)
        return
    assert stories
    assert {s.origin.format for s in stories} == {fmt}


def _redeclared(data: bytes, codec: str) -> bytes | None:
    """The document with its XML declaration naming ``codec`` (added if it has none)."""
    if not data.lstrip().startswith(b"<"):
        return None
    if DECLARATION.match(data):
        return DECLARATION.sub(f'<?xml version="1.0" encoding="{codec}"?>'.encode(), data, 1)
    return f'<?xml version="1.0" encoding="{codec}"?>\n'.encode() + data


DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_MUTATIONS = ("whitespace", "bom", "declaration", "utf-16")


@given(
    case=st.sampled_from(OWN),
    mutation=st.sampled_from(_MUTATIONS),
    padding=st.text(" \t\r\n", min_size=1, max_size=6),
    codec=st.sampled_from(["UTF-8", "utf-8", "ISO-8859-1", "windows-1252", "US-ASCII"]),
)
def test_small_changes_around_a_fixture_do_not_change_its_format(
    case: tuple[Path, str], mutation: str, padding: str, codec: str
) -> None:
    path, fmt = case
    data = path.read_bytes()
    markup_or_json = data.lstrip().startswith((b"<", b"{", b"["))
    if mutation == "whitespace":
        changed: bytes | None = padding.encode() + data
    elif mutation == "bom":
        changed = b"\xef\xbb\xbf" + data if not data.startswith(b"\xef\xbb\xbf") else None
    elif mutation == "declaration":
        changed = _redeclared(data, codec) if fmt not in ("html", "text") else None
    else:  # the same text in UTF-16, declared so where it is XML
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        changed = None
        if text is not None and markup_or_json:
            text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-16"?>', text)
            changed = text.encode("utf-16")
    if changed is not None:
        assert detect_format(changed) == fmt


# what wire does not read, refused by name ------------------------------------------------

UNKNOWN_XML = [
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ritzau:Story xmlns:ritzau="http://ritzau.example/ns">'
    b"<ritzau:Headline>Regeringen</ritzau:Headline></ritzau:Story>",
    b'<ritzau:Story xmlns:ritzau="http://ritzau.example/ns"><ritzau:Body/></ritzau:Story>',
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect/></svg>',
    b'<?xml version="1.0"?>\n<!-- stock --><catalog><book id="1"><title>T</title></book></catalog>',
    b'<Story xmlns="urn:example:cms"><Title>Not a page</Title></Story>',
]
UNKNOWN_FRAMING = [
    b"\x01ZCZC 123 garbled routing\r\n\x02Some text\r\n\x03\x04",
    b"\x16\x16\x01 not a header at all\n\x02text\x03\x04",
]


@pytest.mark.parametrize("data", UNKNOWN_XML)
def test_xml_of_a_vocabulary_wire_does_not_read_is_refused_by_name(data: bytes) -> None:
    assert detect_format(data) == "xml"
    with pytest.raises(MalformedInput, match="vocabulary wire does not read"):
        parse_input(data, name="x", fetched_at=FETCHED)


@pytest.mark.parametrize("data", UNKNOWN_FRAMING)
def test_framing_of_no_known_layout_stays_refused_by_name(data: bytes) -> None:
    assert detect_format(data) == "framed"


@pytest.fixture
def wire(tmp_path: Path, store: SQLStore) -> Wire:
    return Wire(Config(server=ServerSettings(data_dir=tmp_path)), store)


REFUSED = [
    *UNKNOWN_XML[:3],
    UNKNOWN_FRAMING[0],
    (FIXTURES / "newsml1" / "doctype-dtd.xml")
    .read_bytes()
    .replace(b'Update="N">1<', b'Update="U">2<'),  # a partial update
    b'{"api_version": "2.2", "data": {"items": []}}',  # an empty AP feed page
    b'{"api_version": "2.2", "data": {"item": {"altids": {}, "headline": 7}}}',
]


@pytest.mark.parametrize("data", REFUSED, ids=range(len(REFUSED)))
async def test_a_refused_input_is_recorded_with_its_raw_bytes_archived(
    wire: Wire, data: bytes
) -> None:
    outcome = await wire.ingest(data, name="refused", fetched_at=FETCHED)
    assert isinstance(outcome.error, IngestError)
    assert [f.name for f in await wire.store.failures()] == ["refused"]
    raw = await wire.store.get_raw(outcome.raw_sha256)
    assert raw is not None
    assert raw.data == data
