"""RSS 2.0 / RSS 1.0 / Atom 1.0 bytes → draft stories; the only module that touches feedparser.

feedparser is good at what feeds get wrong (date formats, relative links, author
strings) and bad at keeping per-element attribution: it merges ``media:credit``
across pictures, lets ``media:description`` overwrite the item's summary, and
keeps only the last of repeated elements. So the document is parsed twice: once
safely with lxml (``wire.ingest.xmlsafe``, which also refuses hostile XML before
feedparser ever sees it) for everything attribution hangs on — ``dc:creator``,
Media RSS per picture, summary and content, wire's own namespace, RFC 6721
tombstones — and once with feedparser for ids, links, titles, dates, categories,
rights and sources. Items are matched to feedparser's entries by position.
"""

from __future__ import annotations

import calendar
import io
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import MalformedInput
from wire.formats.namespaces import (
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    MEDIA_NS,
    RSS1_NS,
    TOMBSTONE_NS,
    XML_LANG,
)
from wire.formats.rights import notice_of
from wire.formats.wire_namespace import WireElements, read_elements
from wire.formats.xmlpath import all_text, attr, kid, kids, local, namespace, text_of
from wire.ingest.identity import derived_guid
from wire.ingest.values import finish, html_paragraphs, html_text, language_tag, origin_of
from wire.ingest.xmlsafe import parse_xml
from wire.ingest.zones import rfc822_with_named_zone
from wire.instants import in_range, read_instant
from wire.model import (
    InfoSource,
    Origin,
    Picture,
    Provider,
    PubStatus,
    Related,
    Rights,
    SourceRole,
    Story,
)
from wire.text import squash

_HEADLINE_FROM_TEXT = 120
"""How much of the summary becomes the headline of an item that has no title."""


# -- the feedparser adapter: loose dicts in, typed values out ----------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """What wire takes from one feedparser entry."""

    id: str | None = None
    link: str | None = None
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[tuple[str, str | None], ...] = ()
    enclosures: tuple[tuple[str, str | None], ...] = ()
    links: tuple[tuple[str, str, str | None], ...] = ()  # (rel, href, title)


@dataclass(frozen=True, slots=True)
class _Feed:
    """What wire takes from the feed's own head (channel / feed)."""

    entries: tuple[_Entry, ...]
    language: str | None = None


# Dates such as "Mon, 30 Nov 2026 08:00:00 WIB": feedparser would read the zone as UTC.
feedparser.registerDateHandler(rfc822_with_named_zone)


def _get(obj: Any, key: str) -> Any:
    """A key as feedparser stored it: ``FeedParserDict.get`` aliases keys (``updated`` ↔
    ``published``) and warns when it does, so its own lookup is bypassed."""
    return dict.get(obj, key) if isinstance(obj, dict) else None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return in_range(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (ValueError, OverflowError, OSError):
        return None


def _str(value: Any) -> str | None:
    return squash(value) if isinstance(value, str) else None


def _detail_text(obj: Any, key: str) -> str | None:
    """A feedparser text construct as plain text (titles and rights may be HTML)."""
    value = _str(_get(obj, key))
    detail = _get(obj, f"{key}_detail")
    if value and isinstance(detail, dict) and "html" in str(_get(detail, "type") or ""):
        return html_text(value)
    return value


def _people(values: Any) -> tuple[str, ...]:
    out: list[str] = []
    for person in values if isinstance(values, list) else ():
        if isinstance(person, dict):
            name = _str(_get(person, "name")) or _str(_get(person, "email"))
            if name:
                out.append(name)
    return tuple(dict.fromkeys(out))


def _entry(raw: Any) -> _Entry:
    links = [lk for lk in _get(raw, "links") or () if _str(_get(lk, "href"))]
    return _Entry(
        id=_str(_get(raw, "id")),
        link=_str(_get(raw, "link")),
        title=_detail_text(raw, "title"),
        published=_instant(_get(raw, "published_parsed")),
        updated=_instant(_get(raw, "updated_parsed")),
        authors=_people(_get(raw, "authors")),
        categories=tuple(
            (term, _str(_get(tag, "scheme")))
            for tag in _get(raw, "tags") or ()
            if (term := _str(_get(tag, "term")) or _str(_get(tag, "label")))
        ),
        enclosures=tuple(
            (str(_get(lk, "href")).strip(), _str(_get(lk, "type")))
            for lk in links
            if _get(lk, "rel") == "enclosure"
        ),
        links=tuple(
            (
                str(_get(lk, "rel") or "alternate"),
                str(_get(lk, "href")).strip(),
                _str(_get(lk, "title")),
            )
            for lk in links
        ),
    )


def _run_feedparser(data: bytes) -> _Feed:
    # A stream, never bytes: feedparser treats a bytes/str argument as a possible
    # file name or URL, and wire's parsers do no I/O.
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    head = _get(parsed, "feed") or {}
    return _Feed(
        entries=tuple(_entry(raw) for raw in _get(parsed, "entries") or ()),
        language=language_tag(_str(_get(head, "language"))),
    )


# -- reading the XML directly ----------------------------------------------------------


def _feed_kind(root: etree._Element, name: str) -> str:
    tag = local(root)
    if tag in ("rss", "RDF"):
        return "rss"
    if tag == "feed":
        return "atom"
    if tag.lower() == "html":
        raise MalformedInput(name, "this is an HTML page, not a feed")
    raise MalformedInput(name, f"root element <{tag}> is neither RSS nor Atom")


def _items(root: etree._Element, kind: str) -> list[etree._Element]:
    if kind == "atom":
        return list(kids(root, "entry"))
    channel = kid(root, "channel")
    in_channel = list(kids(channel, "item")) if channel is not None else []
    return in_channel + list(kids(root, "item"))  # RSS 1.0 puts items beside the channel


def _ns_kids(el: etree._Element | None, ns: str, *names: str) -> list[etree._Element]:
    if el is None:
        return []
    return [c for c in el if namespace(c) == ns and local(c) in names]


def _ns_text(el: etree._Element | None, ns: str, name: str) -> str | None:
    found = _ns_kids(el, ns, name)
    return text_of(found[0]) if found else None


def _construct(el: etree._Element | None) -> tuple[str, ...]:
    """An Atom text construct (or RSS HTML element) as paragraphs of plain text."""
    if el is None:
        return ()
    kind = (el.get("type") or "").lower()
    if kind == "xhtml":
        inner = kid(el, "div")
        holder = inner if inner is not None else el
        markup = (holder.text or "") + "".join(
            etree.tostring(child, encoding="unicode") for child in holder
        )
        return html_paragraphs(markup)
    text = all_text(el)
    if namespace(el) == ATOM_NS and kind in ("", "text"):
        return tuple(p for p in (squash(chunk) for chunk in text.split("\n\n")) if p)
    return html_paragraphs(text)


def _summary_and_body(item: etree._Element, kind: str) -> tuple[str | None, tuple[str, ...]]:
    if kind == "atom":
        summaries = _ns_kids(item, ATOM_NS, "summary")
        contents = _ns_kids(item, ATOM_NS, "content")
        # Out-of-line content (``src``) is not in the feed: the poller may fetch the link.
        inline = contents[0] if contents and not contents[0].get("src") else None
        return squash(" ".join(_construct(summaries[0]))) if summaries else None, _construct(inline)
    desc = next(
        (d for d in kids(item, "description") if namespace(d) in ("", RSS1_NS)),
        None,
    )
    encoded = _ns_kids(item, CONTENT_NS, "encoded")
    summary = squash(" ".join(_construct(desc))) if desc is not None else None
    return summary, _construct(encoded[0]) if encoded else ()


def _credit(el: etree._Element | None) -> str | None:
    credits = [t for c in _ns_kids(el, MEDIA_NS, "credit") if (t := text_of(c))]
    return ", ".join(dict.fromkeys(credits)) or None


def _media_caption(el: etree._Element | None) -> str | None:
    for desc in _ns_kids(el, MEDIA_NS, "description"):
        text = text_of(desc)
        if text and desc.get("type") == "html":
            return html_text(text)
        if text:
            return text
    return _ns_text(el, MEDIA_NS, "title")


def _is_picture(content: etree._Element) -> bool:
    medium = (content.get("medium") or "").lower()
    mime = (content.get("type") or "").lower()
    if medium:
        return medium == "image"
    return not mime or mime.startswith("image/")


def _pictures(item: etree._Element, enclosures: Iterable[tuple[str, str | None]]) -> list[Picture]:
    """Every picture with its own caption, credit and copyright, read per element."""
    found: list[tuple[etree._Element, etree._Element | None]] = [
        (c, None) for c in _ns_kids(item, MEDIA_NS, "content")
    ]
    for media_group in _ns_kids(item, MEDIA_NS, "group"):
        found += [(c, media_group) for c in _ns_kids(media_group, MEDIA_NS, "content")]
    found = [(c, g) for c, g in found if _is_picture(c)]
    # Item-level Media RSS elements describe the picture only when there is just one.
    fallback = item if len(found) == 1 else None
    pictures: list[Picture] = []
    for content, group in found:
        pictures.append(
            Picture(
                url=attr(content, "url"),
                caption=_media_caption(content)
                or _media_caption(group)
                or _media_caption(fallback),
                credit=_credit(content) or _credit(group) or _credit(fallback),
                copyright=_ns_text(content, MEDIA_NS, "copyright")
                or _ns_text(group, MEDIA_NS, "copyright")
                or _ns_text(fallback, MEDIA_NS, "copyright"),
            )
        )
    seen = {p.url for p in pictures}
    for href, mime in enclosures:
        if (mime or "").lower().startswith("image/") and href not in seen:
            seen.add(href)
            pictures.append(Picture(url=href))
    return pictures


# -- wire's own namespace ------------------------------------------------------------------


# -- putting a story together ------------------------------------------------------------


_RSS_AUTHOR = re.compile(r"^\S+@\S+\s*\((?P<name>[^()]+)\)$")


def _rss_author(text: str) -> str:
    """RSS ``<author>`` is "email (Name)"; the name is what was printed."""
    match = _RSS_AUTHOR.match(text)
    return match.group("name").strip() if match else text


def _atom_people(el: etree._Element | None, role: str) -> tuple[str, ...]:
    names = [
        name
        for person in _ns_kids(el, ATOM_NS, role)
        if (name := _ns_text(person, ATOM_NS, "name") or _ns_text(person, ATOM_NS, "email"))
    ]
    return tuple(dict.fromkeys(names))


def _byline(
    item: etree._Element,
    entry: _Entry,
    channel: etree._Element | None,
    kind: str,
    extras: WireElements,
) -> tuple[str, ...]:
    if extras.byline == "":
        # wire's empty ``wire:byline``: no byline; an Atom author is then the
        # agency, named because RFC 4287 asks every entry for an author.
        return ()
    # Read from the XML: feedparser re-decodes character references in 128-255 as
    # if they were bytes, which would alter names.
    if kind == "atom":
        return _atom_people(item, "author") or _atom_people(channel, "author")
    creators = [t for c in _ns_kids(item, DC_NS, "creator") if (t := text_of(c))]
    if not creators:
        creators = [_rss_author(t) for a in kids(item, "author") if (t := text_of(a))]
    return tuple(dict.fromkeys(creators)) or entry.authors


def _feed_source(item: etree._Element, kind: str) -> InfoSource | None:
    """RSS ``<source url>`` or ``atom:source``: the feed the item first appeared in."""
    if kind == "rss":
        el = next((c for c in kids(item, "source") if namespace(c) == ""), None)
        name, url = text_of(el), attr(el, "url")
    else:
        found = _ns_kids(item, ATOM_NS, "source")
        el = found[0] if found else None
        links = {
            attr(lk, "rel") or "alternate": attr(lk, "href") for lk in _ns_kids(el, ATOM_NS, "link")
        }
        url = links.get("alternate") or links.get("self") or _ns_text(el, ATOM_NS, "id")
        titles = _ns_kids(el, ATOM_NS, "title")
        name = squash(" ".join(_construct(titles[0]))) if titles else None
    name = name or url
    return InfoSource(name=name, role=SourceRole.ORIGINAL_SOURCE.value, url=url) if name else None


def _sources(
    item: etree._Element, entry: _Entry, extras: WireElements, kind: str
) -> tuple[InfoSource, ...]:
    sources = list(extras.sources)
    names = {s.name.casefold() for s in sources}
    origin = _feed_source(item, kind)
    if origin and origin.name.casefold() not in names:
        names.add(origin.name.casefold())
        sources.append(origin)
    if not extras.sources:
        for rel, href, title in entry.links:
            if rel == "via" and (title or href).casefold() not in names:
                names.add((title or href).casefold())
                sources.append(InfoSource(name=title or href, url=href))
    return tuple(sources)


def _related(entry: _Entry, extras: WireElements) -> tuple[Related, ...]:
    if extras.related:
        return extras.related
    return tuple(Related(title=t or h, url=h) for rel, h, t in entry.links if rel == "related")


def _publisher(el: etree._Element | None) -> str | None:
    """RSS ``dc:publisher``, else the first Atom ``contributor`` (where wire puts its provider)."""
    contributors = _atom_people(el, "contributor")
    return _ns_text(el, DC_NS, "publisher") or (contributors[0] if contributors else None)


def _provider(
    item: etree._Element, channel: etree._Element | None, extras: WireElements, head: WireElements
) -> Provider | None:
    if extras.provider:
        return extras.provider
    if name := _publisher(item):
        return Provider(name)
    if head.provider:
        return head.provider
    name = _publisher(channel)
    return Provider(name) if name else None


def _rights(el: etree._Element | None, kind: str) -> str | None:
    """Item or feed rights: Atom ``rights``; RSS ``dc:rights``, else channel ``copyright``."""
    if el is None:
        return None
    if kind == "atom":
        found = _ns_kids(el, ATOM_NS, "rights")
        return squash(" ".join(_construct(found[0]))) if found else None
    plain = next((c for c in kids(el, "copyright") if namespace(c) == ""), None)
    return _ns_text(el, DC_NS, "rights") or text_of(plain)


def _headline(entry: _Entry, summary: str | None, body: Sequence[str]) -> tuple[str, list[str]]:
    if entry.title:
        return entry.title, []
    text = summary or (body[0] if body else None) or entry.link
    if not text:
        return "", []
    cut = text if len(text) <= _HEADLINE_FROM_TEXT else text[:_HEADLINE_FROM_TEXT].rsplit(" ", 1)[0]
    return cut, ["item has no title: headline taken from its text"]


def _story(
    item: etree._Element,
    entry: _Entry,
    *,
    feed: _Feed,
    channel: etree._Element | None,
    head: WireElements,
    kind: str,
    origin: Origin,
) -> Story | None:
    extras = read_elements(item)
    terms = _ns_text(item, MEDIA_NS, "license")  # wire writes the usage terms there
    summary, body = _summary_and_body(item, kind)
    headline, review = _headline(entry, summary, body)
    if not headline:
        return None  # an empty item: nothing to keep
    link = entry.link
    if kind == "atom":  # feedparser falls back to the id; an Atom link must be a link
        link = next((h for rel, h, _ in entry.links if rel == "alternate"), None)
    guid = entry.id or derived_guid(origin.source, link or headline)
    if not entry.id:
        review.append("item has no id/guid: guid derived from source and link")
    subjects = tuple(dict.fromkeys(t for t, scheme in entry.categories if scheme))
    keywords = tuple(dict.fromkeys(t for t, scheme in entry.categories if not scheme))
    language = language_tag(item.get(XML_LANG)) or feed.language
    return Story(
        guid=guid,
        version=extras.version or 1,
        pub_status=extras.pub_status or PubStatus.USABLE,
        urgency=extras.urgency,
        version_created=entry.updated or entry.published,
        first_created=entry.published,
        published_at=entry.published,
        embargoed_until=extras.embargoed,
        language=language,
        headline=headline,
        summary=summary,
        body=body,
        link=link,
        byline=_byline(item, entry, channel, kind, extras),
        provider=_provider(item, channel, extras, head),
        credit_line=extras.credit_line or head.credit_line,
        dateline=extras.dateline,
        editor=extras.editor,
        pictures=tuple(_pictures(item, entry.enclosures)),
        sources=_sources(item, entry, extras, kind),
        related=_related(entry, extras),
        rights=Rights(
            copyright_notice=notice_of(_rights(item, kind), terms) or _rights(channel, kind),
            usage_terms=terms,
        ),
        subjects=subjects,
        keywords=keywords,
        signals=extras.signals,
        ed_note=extras.ed_note,
        origin=origin,
        review=tuple(review) + extras.review,
    )


def _tombstones(root: etree._Element, origin: Origin) -> list[Story]:
    """RFC 6721 ``at:deleted-entry``: a kill for the story with that id."""
    stories = []
    for dead in _ns_kids(root, TOMBSTONE_NS, "deleted-entry"):
        ref = attr(dead, "ref")
        if not ref:
            continue
        comment = _ns_text(dead, TOMBSTONE_NS, "comment")
        stories.append(
            Story(
                guid=ref,
                headline=comment or ref,
                pub_status=PubStatus.CANCELED,
                version_created=read_instant(attr(dead, "when")),
                ed_note=comment,
                origin=origin,
                review=("deleted-entry tombstone: the feed withdrew this story",),
            )
        )
    return stories


def parse_feed(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """Every item of an RSS or Atom feed as a draft story, in document order.

    Raises ``UnsafeXML``, ``InputTooLarge`` or ``MalformedInput`` (also for an HTML
    page served where a feed was expected); a feed with no items is ``[]``."""
    root = parse_xml(data, name=name, max_bytes=max_bytes)
    kind = _feed_kind(root, name)
    feed = _run_feedparser(data)
    items = _items(root, kind)
    if len(items) != len(feed.entries):
        raise MalformedInput(
            name, f"{len(items)} items in the XML but feedparser read {len(feed.entries)}"
        )
    origin = origin_of(data, fmt=kind, source=source, fetched_at=fetched_at, url=url)
    channel = kid(root, "channel") if kind == "rss" else root
    head = read_elements(channel)
    stories = [
        story
        for item, entry in zip(items, feed.entries, strict=True)
        if (
            story := _story(
                item, entry, feed=feed, channel=channel, head=head, kind=kind, origin=origin
            )
        )
    ]
    if kind == "atom":
        stories += _tombstones(root, origin)
    return finish(stories, name=name, policy=policy)
