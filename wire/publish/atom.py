"""Stories → Atom 1.0 bytes, with RFC 5005 archive links, RFC 6721 tombstones,
Media RSS and wire's namespace.

feedgen (through ``wire.publish._feedgen``) builds feed and entries; this module
adds the rest. The Atom RELAX NG grammar puts every entry after the feed's
other children, so feed-level extensions (``at:deleted-entry``, ``fh:archive``)
are inserted before the first entry.

The byline is one ``author`` per person. The feed has no ``author`` of its own:
readers show a feed-level author as the byline of entries (one credited every
multi-author entry to it), so an entry without a byline names its agency as
its author (the story's provider, else the feed's, else the site's host), as
RFC 4287 section 4.1.1 requires of an entry in a feed without an author.
``rights`` is the copyright notice and usage terms as one statement
(``wire.formats.rights``), the terms alone in ``media:license``. Beside the
self link, one ``link rel="alternate"`` per other format the feed is served in
(``FeedMeta.alternates``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from lxml import etree

from wire.formats import rights
from wire.formats import wire_namespace as namespace
from wire.formats.namespaces import (
    ATOM_NS,
    HISTORY_NS,
    MEDIA_NS,
    TOMBSTONE_NS,
    WIRE_NS,
    WIRE_PREFIX,
)
from wire.instants import format_instant
from wire.model import Provider, PubStatus, Story
from wire.publish import _feedgen, feedstyle
from wire.publish.assembly import Frame, Layout, xml_fragment, xml_frame
from wire.publish.feedmeta import FeedMeta, story_updated
from wire.publish.rss import license_element, media_elements
from wire.publish.storyhtml import content_html
from wire.text import one_line

_A: Final = "{" + ATOM_NS + "}"
_AT: Final = "{" + TOMBSTONE_NS + "}"
_NSMAP: Final = {
    "media": MEDIA_NS,
    "at": TOMBSTONE_NS,
    "fh": HISTORY_NS,
    WIRE_PREFIX: WIRE_NS,
}


def _entry(meta: FeedMeta, story: Story) -> _feedgen.EntryHead:
    links = [
        _feedgen.LinkHead(src.url, "via", title=one_line(src.name) or None)
        for src in story.sources
        if src.url
    ]
    links += [
        _feedgen.LinkHead(rel.url, "related", title=one_line(rel.title) or None)
        for rel in story.related
        if rel.url
    ]
    links += [
        _feedgen.LinkHead(href, "alternate", title=label, type=kind)
        for href, kind, label in meta.renditions(story.guid)
    ]
    agency = (story.provider or meta.provider or Provider(_host(meta.site_url))).name
    authors = story.byline or (agency,)
    return _feedgen.EntryHead(
        id=story.guid,
        title=story.headline,
        link=story.link or meta.story_url(story.guid),
        updated=story_updated(story, meta),
        published=story.published_at or story.first_created,
        summary=story.summary,
        content_html=content_html(story),
        authors=authors,
        contributors=(story.provider.name,) if story.provider and story.byline else (),
        links=tuple(links),
        categories=tuple(dict.fromkeys(t for t in story.subjects + story.keywords if t)),
        rights=rights.statement(story.rights),
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _feed_links(meta: FeedMeta) -> tuple[_feedgen.LinkHead, ...]:
    links = [_feedgen.LinkHead(meta.self_url, "self", type="application/atom+xml")]
    links += [
        _feedgen.LinkHead(a.href, "alternate", title=a.title, type=a.media_type)
        for a in meta.alternates
    ]
    for rel, href in (
        ("hub", meta.hub_url),
        ("current", meta.current),
        ("prev-archive", meta.prev_archive),
        ("next-archive", meta.next_archive),
    ):
        if href:
            links.append(_feedgen.LinkHead(href, rel))
    return tuple(links)


def tombstone(story: Story, meta: FeedMeta) -> etree._Element:
    """RFC 6721 ``at:deleted-entry`` for a killed or withheld story: ref, when, by,
    and a comment that says which ("Killed: …", "Withheld: …")."""
    when = story_updated(story, meta)
    el = etree.Element(_AT + "deleted-entry", ref=story.guid, when=format_instant(when) or "")
    if story.provider:
        by = etree.SubElement(el, _AT + "by")
        etree.SubElement(by, _A + "name").text = story.provider.name
    comment = etree.SubElement(el, _AT + "comment")
    what = "Killed" if story.pub_status is PubStatus.CANCELED else "Withheld"
    comment.text = what + (f": {one_line(story.ed_note)}" if story.ed_note else "")
    return el


def _usable(story: Story) -> bool:
    return story.pub_status is PubStatus.USABLE


def _tree(meta: FeedMeta, stories: Sequence[Story]) -> etree._Element:
    """The feed: usable ``stories`` as entries (last), killed and withheld ones as
    tombstones before them (each guid once)."""
    usable = [s for s in stories if _usable(s)]
    gone = {s.guid: s for s in stories if not _usable(s)}
    head = _feedgen.FeedHead(
        id=meta.self_url,
        title=meta.title,
        description=meta.description,
        site_url=meta.site_url,
        updated=meta.updated,
        links=_feed_links(meta),
        language=meta.language,
        rights=meta.rights_text,
        generator=meta.generator,
    )
    root = _feedgen.atom_tree(head, [_entry(meta, s) for s in usable])
    root = _feedgen.with_namespaces(root, _NSMAP)
    feed_ext: list[etree._Element] = []
    if meta.archive:
        feed_ext.append(etree.Element(f"{{{HISTORY_NS}}}archive"))
    if meta.provider:
        feed_ext.append(namespace.provider_element(meta.provider))
    feed_ext += [tombstone(s, meta) for s in gone.values()]
    entries = root.findall(_A + "entry")
    for el in feed_ext:
        if entries:
            entries[0].addprevious(el)
        else:
            root.append(el)
    for entry, story in zip(entries, usable, strict=True):
        if story.language:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", story.language)
        entry.extend(media_elements(story, meta))
        if (terms := license_element(story)) is not None:
            entry.append(terms)
        entry.extend(namespace.item_elements(story))
    return root


def _frame(meta: FeedMeta, stories: Sequence[Story]) -> Frame:
    root = _tree(meta, [s for s in stories if not _usable(s)])
    return xml_frame(root, root, preamble=feedstyle.PREAMBLE)


def _fragment(meta: FeedMeta, story: Story) -> bytes:
    root = _tree(meta, (story,))
    entry = root.find(_A + "entry")
    assert entry is not None
    return xml_fragment(root, entry)


ATOM: Final = Layout(frame=_frame, fragment=_fragment, carries=_usable)
"""The feed's head and tombstones, then one ``entry`` per usable story."""


def render_atom(meta: FeedMeta, stories: Sequence[Story]) -> bytes:
    """The Atom document: usable ``stories`` as entries, killed and withheld ones
    as tombstones (each guid once). Which removals a reader may learn of, and for
    how long, is the publisher's to decide (``wire.visibility``)."""
    return ATOM.render(meta, stories)
