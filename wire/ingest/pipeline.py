"""Bytes of any supported format → draft stories. Pure: no store, no clock.

Recognition is by content (``detect_format``), never by file name; each format's
parser lives in its own module and is only dispatched to from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from wire.attribution import SourcePolicy
from wire.errors import IngestError, InputTooLarge, MalformedInput
from wire.ingest.detect import detect_format
from wire.ingest.feeds import parse_feed
from wire.ingest.newsml import parse_newsml
from wire.ingest.ninjs import parse_ninjs
from wire.ingest.nitf import parse_nitf
from wire.ingest.page import extract_page
from wire.ingest.textcopy import extract_text
from wire.model import Story

FORMATS = ("auto", "text", "html", "rss", "atom", "newsml", "nitf", "ninjs")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

Parser = Callable[..., list[Story]]


def _one(fn: Callable[..., Story]) -> Parser:
    def parse(data: bytes, **kwargs: object) -> list[Story]:
        return [fn(data, **kwargs)]

    return parse


_PARSERS: dict[str, Parser] = {
    "text": _one(extract_text),
    "html": _one(extract_page),
    "rss": parse_feed,
    "atom": parse_feed,
    "newsml": parse_newsml,
    "nitf": parse_nitf,
    "ninjs": parse_ninjs,
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
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Story]:
    """Parse one input into stories; every failure is an ``IngestError`` naming ``name``."""
    if len(data) > max_bytes:
        raise InputTooLarge(name, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    if fmt not in FORMATS:
        raise MalformedInput(name, f"unknown format {fmt!r}")
    kind = detect_format(data) if fmt == "auto" else fmt
    kwargs: dict[str, object] = {
        "name": name,
        "fetched_at": fetched_at,
        "source": source,
        "policy": policy,
    }
    if kind == "html":
        kwargs["url"] = url
    try:
        return _PARSERS[kind](data, **kwargs)
    except IngestError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeError) as exc:
        # A parser bug on hostile input must still come out as a named, counted failure.
        raise MalformedInput(name, f"could not parse as {kind}: {exc}") from exc
