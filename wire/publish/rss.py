"""Stories → RSS 2.0 bytes, with Dublin Core, Media RSS and wire's namespace.

feedgen (through ``wire.publish._feedgen``) builds the channel and items; this
module adds what it lacks: per-picture ``media:content`` with its own
description, credit and copyright, the usage terms in ``media:license``,
``atom:link rel="hub"`` and one ``atom:link rel="alternate"`` per other format
the feed is served in, and the ``wire:`` elements of
``wire.formats.wire_namespace``. The byline is one ``dc:creator`` per person
(feedparser's ``entry.authors``) and ``wire:byline`` as printed; ``dc:rights``
is the copyright notice and usage terms as one statement
(``wire.formats.rights``). A killed or withheld story passed in
(the publisher passes only removals the reader may learn of) is rendered as its
removal notice under the same guid: RSS readers that update items by guid then
show "Withdrawn: do not use" in place of the copy. ``pubDate`` is the story's
place in the feed (``Story.sort_time``), so dates and order agree; a later
correction or update is dated by ``dcterms:modified``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from wire.formats import rights
from wire.formats import wire_namespace as namespace
from wire.formats.namespaces import ATOM_NS, DCTERMS_NS, MEDIA_NS, WIRE_NS, WIRE_PREFIX
from wire.formats.printed import byline_line
from wire.instants import format_instant
from wire.model import Story
from wire.publish import _feedgen, feedstyle
from wire.publish.assembly import Frame, Layout, xml_fragment, xml_frame
from wire.publish.feedmeta import FeedMeta, story_updated
from wire.publish.storyhtml import content_html
from wire.text import one_line
from wire.visibility import as_shown

_M: Final = "{" + MEDIA_NS + "}"
_A: Final = "{" + ATOM_NS + "}"
DCTERMS: Final = "{" + DCTERMS_NS + "}"
_NSMAP: Final = {
    "media": MEDIA_NS,
    "dcterms": DCTERMS_NS,
    WIRE_PREFIX: WIRE_NS,
}


def media_elements(story: Story, meta: FeedMeta) -> list[etree._Element]:
    """One ``media:content`` per picture, each with its own description, credit, copyright.

    A picture without a URL still gets its element (its credit must travel):
    Media RSS then asks for a ``media:player``, which points at the picture's
    figure on the story page."""
    out = []
    for index, pic in enumerate(story.pictures, start=1):
        content = etree.Element(_M + "content", medium="image")
        if pic.url:
            content.set("url", pic.url)
        else:
            player_url = f"{meta.story_url(story.guid)}#picture-{index}"
            etree.SubElement(content, _M + "player", url=player_url)
        if pic.caption:
            desc = etree.SubElement(content, _M + "description", type="plain")
            desc.text = pic.caption
        if pic.credit:
            credit = etree.SubElement(content, _M + "credit", role="photographer", scheme="urn:ebu")
            credit.text = one_line(pic.credit)
        if pic.copyright:
            etree.SubElement(content, _M + "copyright").text = pic.copyright
        out.append(content)
    return out


def license_element(story: Story) -> etree._Element | None:
    """``media:license``: the story's usage terms on their own (Media RSS, read by
    feedparser as ``media_license``), in RSS items and Atom entries alike."""
    if not story.rights.usage_terms or not (terms := one_line(story.rights.usage_terms)):
        return None
    el = etree.Element(_M + "license")
    el.text = terms
    return el


def _entry(meta: FeedMeta, story: Story) -> _feedgen.EntryHead:
    updated = story_updated(story, meta)
    return _feedgen.EntryHead(
        id=story.guid,
        title=story.headline,
        link=story.link or meta.story_url(story.guid),
        updated=updated,
        published=story.sort_time or updated,
        summary=story.summary,
        content_html=content_html(story),
        authors=story.byline,
        categories=tuple(dict.fromkeys(story.subjects + story.keywords)),
        rights=rights.statement(story.rights),
    )


def _tree(meta: FeedMeta, stories: Sequence[Story]) -> tuple[etree._Element, etree._Element]:
    """The document's root and its ``channel``, items last, for ``stories`` as shown."""
    usable = [as_shown(s) for s in stories]
    head = _feedgen.FeedHead(
        id=meta.self_url,
        title=meta.title,
        description=meta.description,
        site_url=meta.site_url,
        updated=meta.updated,
        links=(_feedgen.LinkHead(meta.self_url, "self", type="application/rss+xml"),),
        language=meta.language,
        rights=meta.rights_text,
        publisher=meta.provider.name if meta.provider else None,
        generator=meta.generator,
    )
    root = _feedgen.rss_tree(head, [_entry(meta, s) for s in usable])
    root = _feedgen.with_namespaces(root, _NSMAP)
    channel = root.find("channel")
    if channel is None:  # pragma: no cover - feedgen always writes one
        raise AssertionError("feedgen wrote no channel")
    self_link = channel.find(f"{{{ATOM_NS}}}link")
    assert self_link is not None  # feedgen writes the self link given above
    links = [
        etree.Element(_A + "link", href=a.href, rel="alternate", type=a.media_type, title=a.title)
        for a in meta.alternates
    ]
    if meta.hub_url:
        links.append(etree.Element(_A + "link", href=meta.hub_url, rel="hub"))
    for link in reversed(links):
        self_link.addnext(link)
    items = channel.findall("item")
    if meta.provider:
        provider = namespace.provider_element(meta.provider)
        if items:
            items[0].addprevious(provider)
        else:
            channel.append(provider)
    for item, story in zip(items, usable, strict=True):
        if len(story.byline) > 1:
            # Readers that show one author show RSS's <author> (feedparser: the last
            # author element): the whole byline, after one dc:creator per person.
            etree.SubElement(item, "author").text = byline_line(story.byline)
        item.extend(
            etree.Element(_A + "link", href=href, rel="alternate", type=kind, title=label)
            for href, kind, label in meta.renditions(story.guid)
        )
        item.extend(media_elements(story, meta))
        if (terms := license_element(story)) is not None:
            item.append(terms)
        modified = story_updated(story, meta)
        if story.sort_time is not None and modified > story.sort_time:
            etree.SubElement(item, DCTERMS + "modified").text = format_instant(modified)
        item.extend(namespace.item_elements(story))
    return root, channel


def _frame(meta: FeedMeta, stories: Sequence[Story]) -> Frame:
    root, channel = _tree(meta, ())
    return xml_frame(root, channel, preamble=feedstyle.PREAMBLE)


def _fragment(meta: FeedMeta, story: Story) -> bytes:
    root, channel = _tree(meta, (story,))
    item = channel.find("item")
    assert item is not None
    return xml_fragment(root, item)


RSS: Final = Layout(frame=_frame, fragment=_fragment)
"""The channel, then one ``item`` per story (a removal as its notice)."""


def render_rss(meta: FeedMeta, stories: Sequence[Story]) -> bytes:
    """The RSS 2.0 document for ``stories`` in the order given; killed and withheld
    ones as their removal notices."""
    return RSS.render(meta, stories)
