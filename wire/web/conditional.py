"""HTTP conditional GET and content negotiation for cached bytes (RFC 9110).

Pure functions of request headers and a ``Rendered`` entry, so the serving hot
path is a handful of dictionary lookups and comparisons. Header names are looked
up in lower case: aiohttp's headers are case-insensitive, and the cached-feed
shortcut (``wire.web.shortcut``) keeps its own in lower case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from wire.publish.cache import Rendered


def not_modified(headers: Mapping[str, str], rendered: Rendered) -> bool:
    """``If-None-Match`` wins when present; otherwise ``If-Modified-Since`` as a date."""
    inm = headers.get("if-none-match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return rendered.etag in tags
    ims = headers.get("if-modified-since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return rendered.last_modified <= since


def wants_gzip(headers: Mapping[str, str]) -> bool:
    """True when ``Accept-Encoding`` lists gzip with a non-zero q."""
    for part in headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "x-gzip", "*"}:
            q = params.strip()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


BROWSABLE_XML = "application/xml; charset=utf-8"


def _negotiated(media_type: str) -> bool:
    """Whether answers of this type depend on ``Accept`` (``served_type``)."""
    return media_type.endswith("+xml")


def _accepts(accept: str, media_type: str) -> bool:
    """True when ``Accept`` names ``media_type`` itself (not by a wildcard)."""
    return any(part.split(";", 1)[0].strip().lower() == media_type for part in accept.split(","))


def served_type(headers: Mapping[str, str], content_type: str) -> str:
    """The ``Content-Type`` to answer with: a browser opening an ``+xml`` feed
    (``Accept`` names ``text/html`` but not the feed's own type) gets the same
    bytes as ``application/xml``, because browsers show ``application/rss+xml``
    and ``application/atom+xml`` as source text and apply a feed's
    ``<?xml-stylesheet?>`` (``wire.publish.feedstyle``) only to XML types. Feed
    readers, which ask for feeds or for anything, get the feed's own type."""
    media_type = content_type.split(";", 1)[0].strip()
    if not _negotiated(media_type):
        return content_type
    accept = headers.get("accept", "")
    if _accepts(accept, "text/html") and not _accepts(accept, media_type):
        return BROWSABLE_XML
    return content_type


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a GET of cached bytes, before any framework sees it."""

    status: int
    headers: dict[str, str]
    body: bytes


def cached_reply(
    headers: Mapping[str, str], rendered: Rendered, *, max_age: int, public: bool, links: str | None
) -> Reply:
    """Validators, caching and compression for one cached entry: 304 when the
    client holds these bytes, else the body (gzipped when asked)."""
    media_type = rendered.content_type.split(";", 1)[0].strip()
    negotiated = "Accept, Accept-Encoding" if _negotiated(media_type) else "Accept-Encoding"
    out = {
        "ETag": rendered.etag,
        "Last-Modified": rendered.last_modified_http,
        "Cache-Control": f"{'public' if public else 'private'}, max-age={max_age}",
        "Vary": negotiated if public else f"{negotiated}, Authorization",
    }
    if links:
        out["Link"] = links
    if not_modified(headers, rendered):
        return Reply(304, out, b"")
    out["Content-Type"] = served_type(headers, rendered.content_type)
    if wants_gzip(headers):
        out["Content-Encoding"] = "gzip"
        return Reply(200, out, rendered.gzipped)
    return Reply(200, out, rendered.body)
