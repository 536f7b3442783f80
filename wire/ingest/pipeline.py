"""Bytes of any supported format → draft stories. Pure: no store, no clock.

Recognition is by content (``detect_format``), never by file name; each format's
parser lives in its own module and is only dispatched to from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.duplicates import fingerprint
from wire.errors import IngestError, InputTooLarge, MalformedInput, StoryValidationError
from wire.formats import INPUT_CHOICES
from wire.ingest.anpa import parse_anpa
from wire.ingest.apmedia import parse_apmedia
from wire.ingest.detect import decode_text, detect_format, root_element
from wire.ingest.feeds import parse_feed
from wire.ingest.iptc7901 import parse_iptc7901
from wire.ingest.limits import Limits, applied, check_markup
from wire.ingest.mail import parse_email
from wire.ingest.newsml import parse_newsml
from wire.ingest.newsml1 import parse_newsml1
from wire.ingest.ninjs import parse_ninjs
from wire.ingest.nitf import parse_nitf
from wire.ingest.page import extract_page
from wire.ingest.skipped import Parsed, collecting
from wire.ingest.textcopy import extract_text
from wire.ingest.xmlsafe import refuse_declarations
from wire.model import Story
from wire.sanitize import sanitize_story
from wire.storyjson import encode_story


class Parser(Protocol):
    """What every format's parser is: bytes in, draft stories out."""

    def __call__(
        self,
        data: bytes,
        *,
        name: str,
        fetched_at: datetime,
        source: str | None,
        policy: SourcePolicy | None,
        url: str | None,
    ) -> list[Story]: ...


def _text(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None,
    policy: SourcePolicy | None,
    url: str | None,
) -> list[Story]:
    """Raw copy carries no address of its own; ``url`` is not used."""
    return [extract_text(data, name=name, fetched_at=fetched_at, source=source, policy=policy)]


def _page(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None,
    policy: SourcePolicy | None,
    url: str | None,
) -> list[Story]:
    return [
        extract_page(data, name=name, fetched_at=fetched_at, url=url, source=source, policy=policy)
    ]


_READ_AS_TEXT = frozenset({"text", "html", "email", "anpa", "iptc7901"})
"""Formats read as text, not parsed as XML: markup declarations in them (a
hostile XML document forced into one) are refused before they are read."""

_PARSERS: dict[str, Parser] = {
    "text": _text,
    "html": _page,
    "rss": parse_feed,
    "atom": parse_feed,
    "newsml": parse_newsml,
    "nitf": parse_nitf,
    "ninjs": parse_ninjs,
    "anpa": parse_anpa,
    "iptc7901": parse_iptc7901,
    "email": parse_email,
    "newsml1": parse_newsml1,
    "apmedia": parse_apmedia,
}


def parse_input(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    fmt: str = "auto",
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
    limits: Limits | None = None,
    fingerprints: bool = False,
) -> Parsed:
    """Parse one input into stories; every failure is an ``IngestError`` naming ``name``.

    ``limits`` (elements, depth) hold for the whole parse, checked as it goes.
    The result's ``skipped`` names items left out of an input that was otherwise
    read; with ``fingerprints``, its ``prints`` are the stories' fingerprints, so
    that a batch parsed on worker processes has them computed there too."""
    with applied(limits or Limits()), collecting() as skipped:
        stories = _parse(
            data,
            name=name,
            fetched_at=fetched_at,
            fmt=fmt,
            source=source,
            policy=policy,
            url=url,
            max_bytes=max_bytes,
        )
    parsed = Parsed(stories)
    parsed.skipped = tuple(skipped)
    if fingerprints:
        parsed.prints = tuple(fingerprint(story) for story in stories)
    return parsed


def _parse(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    fmt: str,
    source: str | None,
    policy: SourcePolicy | None,
    url: str | None,
    max_bytes: int,
) -> list[Story]:
    if len(data) > max_bytes:
        raise InputTooLarge(name, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    if fmt not in INPUT_CHOICES:
        raise MalformedInput(name, f"unknown format {fmt!r}")
    text = decode_text(data)  # once: detection and the markup checks read it
    kind = detect_format(data, text=text) if fmt == "auto" else fmt
    if kind == "xml":
        root = root_element(text)
        raise MalformedInput(
            name,
            f"an XML document in a vocabulary wire does not read (root <{root or '?'}>); "
            "it reads RSS, Atom, NewsML-G2, NewsML 1 and NITF",
        )
    if kind == "framed":
        raise MalformedInput(
            name,
            "text framed by control characters (SOH, STX, ETX) in a layout wire does not "
            "read; it reads ANPA 1312 and IPTC 7901",
        )
    if kind in _READ_AS_TEXT:
        refuse_declarations(text, name)
        if kind == "html":
            check_markup(text, name)
    try:
        stories = _PARSERS[kind](
            data, name=name, fetched_at=fetched_at, source=source, policy=policy, url=url
        )
    except IngestError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeError) as exc:
        # A parser bug on hostile input must still come out as a named, counted failure.
        raise MalformedInput(name, f"could not parse as {kind}: {exc}") from exc
    return [_storable(story, name) for story in stories]


def _storable(story: Story, name: str) -> Story:
    """The story as the door lets it in (``sanitize_story``), or refused, before
    anything is saved, if the store would refuse it.

    Checked here rather than left to the store so that a hostile input fails as
    one ``IngestError`` with its raw bytes archived, instead of as a store error
    after the input's earlier stories were already saved."""
    try:
        clean = sanitize_story(story)
        encode_story(clean)
    except StoryValidationError as exc:
        raise MalformedInput(name, f"story {story.guid!r} would not store: {exc}") from exc
    return clean
