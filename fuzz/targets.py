"""What wire must survive, as hypothesis strategies and checks.

Inputs are wire's own fixtures of every format, mutated: bytes flipped, cut,
repeated, and hostile snippets (control characters, entity declarations, CDATA
ends, NULs, byte-order marks, huge attributes) spliced in at random places. The
check is the promise of the ingest path: an input either becomes stories that
store and render in every format, or is refused with an ``IngestError`` — never
any other exception. ``tests/test_fuzz.py`` runs a bounded number of examples in
CI; ``python -m fuzz.run`` runs as many as you give it time for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import strategies as st

from wire.errors import IngestError, StoryValidationError
from wire.formats import INPUT_CHOICES
from wire.ingest.pipeline import parse_input
from wire.publish.atom import render_atom
from wire.publish.feedmeta import FeedMeta
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs, render_ninjs_story
from wire.publish.rss import render_rss
from wire.publish.storyhtml import render_story_html
from wire.sanitize import sanitize_story
from wire.storyjson import encode_story

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FETCHED = datetime(2026, 12, 1, tzinfo=UTC)
META = FeedMeta(
    name="fuzz",
    title="Fuzz",
    description="Fuzz",
    self_url="http://wire.test/feeds/fuzz.rss",
    site_url="http://wire.test/",
    updated=FETCHED,
)


def _corpus() -> list[bytes]:
    files = [
        *sorted((ROOT / "formats").glob("*.*")),
        *sorted((ROOT / "formats" / "hostile").glob("*.*")),
        *sorted((ROOT / "raw").glob("*.txt")),
        *sorted((ROOT / "pages").glob("*.html")),
        *sorted((ROOT / "upstream").glob("*.*")),
        *sorted(p for p in (ROOT / "wires").glob("*.*") if p.suffix != ".json"),
        *sorted((ROOT / "newsml1").glob("*.xml")),
        *sorted(p for p in (ROOT / "apmedia").glob("*.json") if ".expected" not in p.suffixes),
    ]
    return [f.read_bytes() for f in files]


CORPUS = _corpus()
SNIPPETS = [
    b"\x00",
    b"\x1b[31m",
    b"\x07\x08\x0b\x0c",
    "\ufffe\uffff".encode(),
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"]]>",
    b"<![CDATA[",
    b'<!DOCTYPE x [<!ENTITY e "boom">]>',
    b'<!ENTITY % p SYSTEM "file:///etc/passwd">',
    b"&e;&#0;&#x1b;&#xfffe;",
    b"<script>alert(1)</script>",
    b'<a href="javascript:alert(1)">x</a>',
    b'<x a="' + b"A" * 5000 + b'">',
    b"<p>" * 300,
    b'{"uri": "\\u0000", "headlines": [{"value": "\\ud800"}]}',
    b"\r\n\r\n",
]


@st.composite
def mutated_inputs(draw: st.DrawFn) -> bytes:
    """A fixture of some format with one to four mutations."""
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        at = draw(st.integers(0, size))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        if kind == "flip" and size:
            index = min(at, size - 1)
            data[index] = draw(st.integers(0, 255))
        elif kind == "cut":
            end = draw(st.integers(at, min(size, at + 200)))
            del data[at:end]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(SNIPPETS))
        elif kind == "repeat":
            end = draw(st.integers(at, min(size, at + 100)))
            data[at:at] = data[at:end] * draw(st.integers(1, 20))
        else:
            del data[at:]
    return bytes(data)


formats = st.sampled_from(INPUT_CHOICES)


def check_input(data: bytes, fmt: str = "auto") -> None:
    """An input becomes stories that store and render everywhere, or an ``IngestError``."""
    try:
        stories = parse_input(data, name="fuzz", fetched_at=FETCHED, fmt=fmt)
    except IngestError:
        return
    for story in stories:
        try:
            clean = sanitize_story(story)
        except StoryValidationError:
            continue  # refused at the door, with the field named
        encode_story(clean)
        render_rss(META, [clean])
        render_atom(META, [clean])
        render_newsml(META, [clean])
        render_ninjs(META, [clean])
        render_newsml_story(clean)
        render_ninjs_story(clean)
        render_story_html(clean)


MEDIA_TYPES = [
    "application/json",
    "application/ninjs+json",
    "text/plain",
    "text/html",
    "application/xml",
    "application/rss+xml",
    "application/vnd.iptc.g2.newsitem+xml",
    "application/nitf+xml",
    "application/x-unknown",
]
push_bodies = st.one_of(mutated_inputs(), st.binary(max_size=2000))
