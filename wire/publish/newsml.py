"""Stories → NewsML-G2 2.35 (Power conformance): one newsItem per story, or a newsMessage.

Built with lxml's ElementMaker in the order the XSD demands: catalogRef/catalog,
rightsInfo, itemMeta, contentMeta, contentSet. The content is an XHTML 1.0
Strict document in ``inlineXML`` whose ``body`` holds the paragraphs directly
(``wire.publish.xhtml1``). Instants are whole seconds in UTC with ``Z``
(``wire.instants.format_second``). Where the XSD types a value as
``g2normalizedString`` (creditline, names, literals) whitespace runs collapse to
one space: the schema forbids newlines there. wire's own values ride in the
``wire:`` namespace at the ``##other`` extension points (see
``wire.publish.namespace``).

A ``newsMessage`` (a feed) always opens its ``itemSet`` with one ``packageItem``
that describes the feed itself: guid = the feed's self URL, itemClass
``ninat:composite``, title and description from the feed, and a ``groupSet`` whose
root group (mode ``pgrmod:seq``) holds one ``itemRef`` per newsItem, in feed
order. The group's role is given both ways the standard allows, as the QCode
``wiregroup:feed`` (``role``, resolved by the package's own catalog) and as the
URI ``FEED_GROUP_ROLE`` (``roleuri``) — the same concept, so both may be
present; consumers that read only ``role`` (Superdesk's parser requires it on
every group) and older readers of wire's ``roleuri`` both find it. The
package's ``contentMeta`` is always present (Superdesk reads it
unconditionally), and each ``itemRef`` carries the item's ``headline`` beside
its ``title``. So an empty feed is still a valid
message (``itemSet`` needs at least one item) that says "this feed, now, holds
nothing", and a full one carries its order and membership explicitly. The
package's version is the feed's ``updated`` instant in Unix seconds, so it
counts up whenever the feed changes. wire's parser recognises the role and
reads no story or related link out of such a package.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final, cast

from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]

from wire.formats import wire_namespace as namespace
from wire.formats.namespaces import (
    FEED_GROUP_QCODE,
    FEED_GROUP_ROLE,
    GROUP_ROLE_ALIAS,
    GROUP_ROLE_SCHEME,
    NAR_NS,
    RENDITION_ALIAS,
    RENDITION_SCHEME,
    SOURCE_ROLE_ALIAS,
    SOURCE_ROLE_SCHEME,
    WIRE_NS,
    WIRE_PREFIX,
)
from wire.formats.printed import byline_line, dateline_line
from wire.formats.roles import IPTC_FALLBACK, IPTC_ROLE
from wire.instants import format_second
from wire.model import Provider, Rights, Story
from wire.publish import xhtml1
from wire.publish.assembly import Frame, Layout, xml_fragment, xml_frame
from wire.publish.feedmeta import FeedMeta
from wire.publish.storyhtml import body_elements, text_direction
from wire.text import one_line
from wire.visibility import as_shown

STANDARD_VERSION: Final = "2.35"
IPTC_CATALOG: Final = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_41.xml"
"""The IPTC catalog published alongside NewsML-G2 2.35 (scheme aliases ninat, stat, sig,
cpprole, irel, drol)."""

NEWS_ITEM_TYPE: Final = "application/vnd.iptc.g2.newsitem+xml"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

G: Any = ElementMaker(namespace=NAR_NS, nsmap={None: NAR_NS, WIRE_PREFIX: WIRE_NS})
"""The NAR-namespace element maker (lxml.builder is untyped: results are cast at the edges)."""


def _qcode_safe(code: str) -> str:
    return "-".join(code.split())


def _name(text: str) -> etree._Element:
    return cast(etree._Element, G.name(one_line(text)))


def _instant(value: datetime) -> str:
    """Whole seconds, ``Z``: see ``wire.instants.format_second``."""
    return format_second(value) or ""


def _rights(r: Rights | None) -> list[etree._Element]:
    if r is None or not (r.copyright_holder or r.copyright_notice or r.usage_terms):
        return []
    info = G.rightsInfo()
    if r.copyright_holder:
        info.append(G.copyrightHolder(_name(r.copyright_holder)))
    if r.copyright_notice:
        info.append(G.copyrightNotice(r.copyright_notice))
    if r.usage_terms:
        info.append(G.usageTerms(r.usage_terms))
    return [info]


def _provider(provider: Provider | None) -> etree._Element:
    """``provider`` with the name as ``name`` and the abbreviation as ``@literal``."""
    prov: etree._Element = G.provider()
    if provider:
        if provider.abbreviation and one_line(provider.abbreviation):
            prov.set("literal", one_line(provider.abbreviation))
        prov.append(_name(provider.name))
    else:
        prov.set("literal", "wire")
    return prov


def _item_meta(story: Story, meta: FeedMeta | None) -> etree._Element:
    prov = _provider(story.provider or (meta.provider if meta else None))
    created = story.version_created or story.sort_time or (meta.updated if meta else _EPOCH)
    im: etree._Element = G.itemMeta(
        G.itemClass(qcode="ninat:text"),
        prov,
        G.versionCreated(_instant(created)),
    )
    if story.first_created:
        im.append(G.firstCreated(_instant(story.first_created)))
    if story.embargoed_until:
        im.append(G.embargoed(_instant(story.embargoed_until)))
    im.append(G.pubStatus(qcode=f"stat:{story.pub_status.value}"))
    if meta is not None:
        im.append(G.generator(meta.generator))
    if story.ed_note:
        im.append(G.edNote(story.ed_note))
    for signal in story.signals:
        code = _qcode_safe(signal)
        if code:
            im.append(G.signal(qcode=f"sig:{code}"))
    for rel in story.related:
        link = G.link(G.title(rel.title), rel="irel:seeAlso")
        if rel.url:
            link.set("href", rel.url)
        im.append(link)
    return im


def _content_meta(story: Story) -> etree._Element:
    cm: etree._Element = G.contentMeta()
    if story.urgency is not None:
        cm.append(G.urgency(str(story.urgency)))
    if story.published_at:
        cm.append(G.contentCreated(_instant(story.published_at)))
    if story.dateline and one_line(story.dateline.place):
        cm.append(G.located(_name(story.dateline.place)))
    for src in story.sources:
        roles = [IPTC_ROLE.get(src.role, IPTC_FALLBACK)]
        if _qcode_safe(src.role):
            roles.append(f"{SOURCE_ROLE_ALIAS}:{_qcode_safe(src.role)}")
        info = G.infoSource(_name(src.name), role=" ".join(roles))
        if src.url:
            info.set("uri", src.url)
        if src.evidence:
            ev = etree.SubElement(info, namespace.wire_tag("source"), role=src.role)
            ev.set("evidence", src.evidence)
            ev.text = src.name
        cm.append(info)
    for person in story.byline:
        cm.append(G.creator(_name(person), role="cpprole:author"))
    if story.editor:
        cm.append(G.contributor(_name(story.editor), role="cpprole:editor"))
    if story.language:
        cm.append(G.language({"tag": story.language}))
    for subject in story.subjects:
        if one_line(subject):
            cm.append(G.subject(_name(subject)))
    for keyword in story.keywords:
        if one_line(keyword):
            cm.append(G.keyword(one_line(keyword)))
    if story.slugline:
        cm.append(G.slugline(one_line(story.slugline)))
    cm.append(G.headline(story.headline))
    if story.dateline:
        cm.append(G.dateline(dateline_line(story.dateline)))
    if story.byline:
        cm.append(G.by(byline_line(story.byline)))
    if story.credit_line and one_line(story.credit_line):
        cm.append(G.creditline(one_line(story.credit_line)))
    if story.summary:
        cm.append(G.description(story.summary, role="drol:summary"))
    # Structured dateline (agency, date) has no G2 home: wire's namespace keeps it.
    cm.extend(
        el
        for el in namespace.item_elements(story)
        if etree.QName(el).localname in ("dateline", "creditline")
    )
    return cm


def _body(story: Story) -> etree._Element:
    """The story's own text and pictures as the XHTML 1.0 Strict document NewsML-G2
    consumers read (``wire.publish.xhtml1``): no attribution box or headline, which
    the item's metadata already carries."""
    return xhtml1.document(
        one_line(story.headline),
        body_elements(story, page=False),
        lang=story.language,
        direction=text_direction(story.language),
    )


def _renditions(story: Story, meta: FeedMeta | None) -> list[etree._Element]:
    """In a feed, the story in every other single-story format (NITF, ninjs, plain
    text, the page) as ``remoteContent`` renditions (``wirernd:nitf``); what a
    NewsML-G2 reader keeps as the item's renditions."""
    if meta is None:
        return []
    return [
        G.remoteContent(href=href, contenttype=kind, rendition=f"{RENDITION_ALIAS}:{name}")
        for name, href, kind in meta.rendition_links(story.guid)
        if name != "newsml"
    ]


def render_newsml_item(story: Story, meta: FeedMeta | None = None) -> etree._Element:
    """One ``newsItem`` element for ``story`` (a kill is ``stat:canceled``, still rendered)."""
    item: etree._Element = G.newsItem(
        G.catalogRef(href=IPTC_CATALOG),
        G.catalog(
            G.scheme(alias=SOURCE_ROLE_ALIAS, uri=SOURCE_ROLE_SCHEME),
            G.scheme(alias=RENDITION_ALIAS, uri=RENDITION_SCHEME),
        ),
        *_rights(story.rights),
        _item_meta(story, meta),
        _content_meta(story),
        G.contentSet(
            G.inlineXML(_body(story), contenttype="application/xhtml+xml"),
            *_renditions(story, meta),
        ),
        guid=story.guid,
        version=str(max(story.version, 1)),
        standard="NewsML-G2",
        standardversion=STANDARD_VERSION,
        conformance="power",
    )
    if story.language:
        item.set("{http://www.w3.org/XML/1998/namespace}lang", story.language)
    return item


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def render_newsml_story(story: Story) -> bytes:
    """A standalone ``newsItem`` document (``GET /stories/{guid}.xml``)."""
    return _bytes(render_newsml_item(story))


_N: Final = "{" + NAR_NS + "}"


def _add_item_ref(group: etree._Element, guid: str, version: int, headline: str) -> etree._Element:
    ref = etree.SubElement(
        group,
        _N + "itemRef",
        residref=guid,
        version=str(max(version, 1)),
        contenttype=NEWS_ITEM_TYPE,
    )
    etree.SubElement(ref, _N + "itemClass", qcode="ninat:text")
    etree.SubElement(ref, _N + "title").text = headline
    # The item's headline as contentMeta has it: what Superdesk reads from an itemRef.
    etree.SubElement(ref, _N + "headline").text = headline
    return ref


@functools.lru_cache(maxsize=20_000)
def _item_ref_bytes(guid: str, version: int, headline: str) -> bytes:
    """One ``itemRef`` as it is serialized in a message. The feed's package lists
    every story on every assembly of every view, so each is built once."""
    group = G.group()
    return xml_fragment(group, _add_item_ref(group, guid, version, headline))


def render_feed_package(meta: FeedMeta, stories: Sequence[Story]) -> etree._Element:
    """The ``packageItem`` that describes the feed and lists its newsItems in order
    (see the module docstring)."""
    item_meta = G.itemMeta(
        G.itemClass(qcode="ninat:composite"),
        _provider(meta.provider),
        G.versionCreated(_instant(meta.updated)),
        G.pubStatus(qcode="stat:usable"),
        G.generator(meta.generator),
    )
    if one_line(meta.title):
        item_meta.append(G.title(one_line(meta.title)))
    # The feed in its other formats, as Atom's and RSS's rel="alternate" links say.
    item_meta.extend(
        G.link(G.title(a.title), rel="irel:seeAlso", href=a.href, contenttype=a.media_type)
        for a in meta.alternates
    )
    # Always there, even empty: consumers read contentMeta unconditionally.
    content_meta = G.contentMeta()
    if one_line(meta.title):
        content_meta.append(G.headline(meta.title))
    if meta.description:
        content_meta.append(G.description(meta.description, role="drol:summary"))
    group = G.group(id="feed", role=FEED_GROUP_QCODE, roleuri=FEED_GROUP_ROLE)
    group.set("mode", "pgrmod:seq")
    for story in stories:
        _add_item_ref(group, story.guid, story.version, story.headline)
    package: etree._Element = G.packageItem(
        G.catalogRef(href=IPTC_CATALOG),
        G.catalog(G.scheme(alias=GROUP_ROLE_ALIAS, uri=GROUP_ROLE_SCHEME)),
        *_rights(meta.rights),
        item_meta,
        content_meta,
        G.groupSet(group, root="feed"),
        guid=meta.self_url,
        version=str(max(int(meta.updated.timestamp()), 1)),
        standard="NewsML-G2",
        standardversion=STANDARD_VERSION,
        conformance="power",
    )
    if meta.language:
        package.set("{http://www.w3.org/XML/1998/namespace}lang", meta.language)
    return package


def _message(
    meta: FeedMeta, listed: Sequence[Story], items: Sequence[Story]
) -> tuple[etree._Element, etree._Element]:
    """The ``newsMessage`` and its ``itemSet``: header (sent = ``meta.updated``),
    the feed's packageItem listing ``listed``, then one newsItem per ``items``."""
    header = G.header(G.sent(_instant(meta.updated)), G.catalogRef(href=IPTC_CATALOG))
    sender = meta.provider.name if meta.provider else meta.generator
    if one_line(sender):
        header.append(G.sender(sender))
    item_set = G.itemSet(
        render_feed_package(meta, [as_shown(s) for s in listed]),
        *(render_newsml_item(as_shown(s), meta) for s in items),
    )
    message: etree._Element = G.newsMessage(header, item_set)
    return message, item_set


_REFS_SLOT: Final = "wire:refs"


def _frame(meta: FeedMeta, stories: Sequence[Story]) -> Frame:
    """The message with the package listing ``stories``, without their newsItems;
    the package's ``itemRef`` bytes are joined in, each built once."""
    message, item_set = _message(meta, (), ())
    group = item_set.find(f".//{_N}group")
    assert group is not None
    group.append(etree.Comment(_REFS_SLOT))
    frame = xml_frame(message, item_set)
    shown = [as_shown(s) for s in stories]
    refs = b"".join(_item_ref_bytes(s.guid, s.version, s.headline) for s in shown)
    head = frame.head.replace(f"<!--{_REFS_SLOT}-->".encode(), refs, 1)
    return Frame(head, frame.tail)


def _fragment(meta: FeedMeta, story: Story) -> bytes:
    message, item_set = _message(meta, (story,), (story,))
    return xml_fragment(message, item_set[1])


NEWSML: Final = Layout(frame=_frame, fragment=_fragment)
"""The message header and the feed's package, then one ``newsItem`` per story."""


def render_newsml(meta: FeedMeta, stories: Sequence[Story]) -> bytes:
    """A ``newsMessage``: header (sent = ``meta.updated``), the feed's packageItem,
    then one newsItem per story (killed and withheld ones as their notices)."""
    return NEWSML.render(meta, stories)
