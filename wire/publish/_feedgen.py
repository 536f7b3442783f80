"""The one adapter around feedgen: typed heads in, an lxml tree out. No business logic.

feedgen's API is one large get-or-set class per feed and per entry; nothing
outside this module touches it. Callers describe a feed with ``FeedHead`` and
``EntryHead`` values and receive the lxml root feedgen built, to which they add
what feedgen does not know (Media RSS credits, RFC 6721 tombstones, wire's own
namespace). Entries keep the order they are given in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from feedgen.feed import FeedGenerator
from lxml import etree

_ATOM: Final = "{http://www.w3.org/2005/Atom}"
_PARSER: Final = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


@dataclass(frozen=True, slots=True)
class LinkHead:
    """One link; ``rel`` as in RFC 4287 / the IANA link relation registry."""

    href: str
    rel: str = "alternate"
    title: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class FeedHead:
    id: str
    title: str
    description: str
    site_url: str
    updated: datetime
    links: tuple[LinkHead, ...] = ()
    language: str | None = None
    rights: str | None = None
    publisher: str | None = None
    generator: str = "wire"
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntryHead:
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime | None = None
    summary: str | None = None
    content_html: str | None = None
    authors: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    links: tuple[LinkHead, ...] = ()
    categories: tuple[str, ...] = ()
    rights: str | None = None


def _feed(head: FeedHead, *, rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    if rss:
        fg.load_extension("dc", atom=False, rss=True)
    fg.id(head.id)
    fg.title(head.title)
    fg.updated(head.updated)
    for ln in head.links:
        fg.link(_link_dict(ln))
    # feedgen takes the RSS channel link from the last link given: the site.
    fg.link(href=head.site_url, rel="alternate", type="text/html")
    if rss:
        fg.description(head.description or head.title)
        fg.lastBuildDate(head.updated)
        if head.rights:
            fg.copyright(head.rights)
        if head.publisher:
            fg.dc.dc_publisher(head.publisher)
    else:
        fg.subtitle(head.description or None)
        if head.rights:
            fg.rights(head.rights)
    if head.language:
        fg.language(head.language)
    fg.generator(head.generator)
    if not rss:
        for name in head.authors:
            fg.author({"name": name})
    return fg


def _link_dict(ln: LinkHead) -> dict[str, str]:
    out = {"href": ln.href, "rel": ln.rel}
    if ln.title:
        out["title"] = ln.title
    if ln.type:
        out["type"] = ln.type
    return out


def _entry(fg: FeedGenerator, head: EntryHead, *, rss: bool) -> None:
    fe = fg.add_entry(order="append")
    fe.id(head.id)
    fe.title(head.title)
    fe.updated(head.updated)
    if head.published is not None:
        fe.published(head.published)
    if rss:
        fe.guid(head.id, permalink=False)
        fe.link(href=head.link)
        fe.description(head.content_html or head.summary or head.title)
        if head.published is not None:
            fe.pubDate(head.published)
        for name in head.authors:
            fe.dc.dc_creator(name)
        if head.rights:
            fe.dc.dc_rights(head.rights)
    else:
        fe.link(href=head.link, rel="alternate")
        for name in head.authors:
            fe.author({"name": name})
        for name in head.contributors:
            fe.contributor({"name": name})
        if head.summary:
            fe.summary(head.summary)
        if head.content_html:
            fe.content(head.content_html, type="html")
        if head.rights:
            fe.rights(head.rights)
    for term in head.categories:
        fe.category(term=term)


def _build(head: FeedHead, entries: Sequence[EntryHead], *, rss: bool) -> etree._Element:
    fg = _feed(head, rss=rss)
    for entry in entries:
        _entry(fg, entry, rss=rss)
    data = fg.rss_str(pretty=False) if rss else fg.atom_str(pretty=False)
    root = etree.fromstring(data, _PARSER)
    if not rss:
        # feedgen 1.0 drops rel/type/title of entry links (a shadowed loop
        # variable), so entry links other than the alternate are added here.
        for element, entry in zip(root.iterfind(_ATOM + "entry"), entries, strict=True):
            for ln in entry.links:
                element.append(etree.Element(_ATOM + "link", _link_dict(ln)))
    return root


def rss_tree(head: FeedHead, entries: Sequence[EntryHead]) -> etree._Element:
    """The RSS 2.0 ``rss`` root feedgen builds; ``item`` i is ``entries[i]``."""
    return _build(head, entries, rss=True)


def atom_tree(head: FeedHead, entries: Sequence[EntryHead]) -> etree._Element:
    """The Atom 1.0 ``feed`` root feedgen builds; ``entry`` i is ``entries[i]``."""
    return _build(head, entries, rss=False)


def with_namespaces(root: etree._Element, nsmap: dict[str, str]) -> etree._Element:
    """A copy of ``root`` declaring ``nsmap`` too, so added elements get readable
    prefixes (lxml cannot add declarations to an existing element)."""
    merged: dict[str | None, str] = {**root.nsmap}
    merged.update(nsmap)
    attrib = {str(k): str(v) for k, v in root.attrib.items()}
    new = etree.Element(root.tag, attrib=attrib, nsmap=merged)  # type: ignore[arg-type]
    new.text = root.text
    new.extend(list(root))
    return new
