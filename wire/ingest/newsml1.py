"""NewsML 1.2 bytes (``NewsML`` → ``NewsItem`` → ``NewsComponent``) → draft stories.

NewsML 1.x is the IPTC standard before NewsML-G2, still what AFP, ANA-MPA and
other agencies send. A document holds one or more ``NewsItem``s; each is
identified by its ``NewsIdentifier``, managed by its ``NewsManagement``, and
carries its content in a tree of ``NewsComponent``s, each of which may state
its own ``NewsLines`` and metadata and hold ``ContentItem``s (inline in
``DataContent`` or by ``Href``). Catalogs and DTDs are never fetched:
``FormalName``s are read as written.

Where each part goes:

- ``ProviderId``, ``DateId`` and ``NewsItemId`` → the guid
  (``urn:newsml:provider:date:item``, the ``PublicIdentifier`` without its
  revision, so every revision is a version of the same story); ``RevisionId``
  → ``version``. A revision with ``Update="U"`` carries only the changed parts
  (``Update`` elements) of a revision wire may not have: refused by name.
- ``FirstCreated``, ``ThisRevisionCreated`` → first and version created (the
  envelope's ``DateAndTime`` when the item states neither); published when
  first created.
- ``Status/@FormalName`` → ``pub_status`` (``Usable``, ``Withheld``,
  ``Canceled``); ``Embargoed``, or a withheld item whose ``StatusWillChange``
  makes it usable at a time, is an embargo until that time (embargoed with no
  time: withheld, noted). ``Urgency/@FormalName`` → ``urgency`` (else the
  envelope's ``Priority``). An ``Instruction`` to correct or rectify → the
  ``correction`` signal.
- ``NewsLines``: ``HeadLine`` → headline, ``SubHeadLine`` → summary,
  ``ByLine`` → byline (people split by ``values.byline_names``, the agency
  left out; ``ByLineTitle`` is not a name), ``DateLine`` → dateline (read like
  G2's, ``newsml.printed_dateline``, with the ``Location`` city as its place),
  ``CreditLine`` → credit line, ``CopyrightLine`` → the copyright notice (its
  holder when the line names one), ``RightsLine`` → usage terms,
  ``SlugLine`` → slugline, each ``KeywordLine`` → a keyword.
- ``DescriptiveMetadata``: ``Language`` → language, ``SubjectCode``'s
  ``Subject``/``SubjectMatter``/``SubjectDetail`` → subjects (an IPTC subject
  code as the G2 QCode ``subj:04000000``), ``Location`` → the dateline's place
  when there is no ``DateLine``.
- ``AdministrativeMetadata``: ``Provider`` → provider, ``Creator`` → the byline
  when nothing is printed (never the agency itself), ``Source`` → an original
  source when it is not the provider.
- ``RightsMetadata``: ``Copyright/CopyrightHolder`` (and ``CopyrightDate``) →
  holder (and notice when no line gives one), ``UsageRights`` ``UsageType``
  and ``Limitations`` → usage terms when no ``RightsLine`` does.
- The text: the first ``ContentItem`` of media type Text outside any picture,
  its ``DataContent`` NITF (``body.content``, read by ``nitf.read_body``),
  XHTML or bare ``<p>``s, or plain text parted by empty lines.
- Pictures: each component holding ``ContentItem``s of media type Photo,
  Picture, Image or Graphic (its renditions) is one picture: the URL of its
  largest rendition (``Characteristics`` width, else the first), its caption
  from a caption text item, a ``Caption`` property or its ``HeadLine``, its
  credit from its ``CreditLine`` (else its provider or creator), its copyright
  from its ``CopyrightLine``.

A component's metadata holds for the components inside it, so the story's
metadata is read from the text's component outwards. Deliberately dropped:
``NewsItemType`` (news, alert and advisory are all stories here), topic sets,
``Genre``, ``OfInterestTo`` and other audience codes (not stated per story in
wire), and the envelope's ``SentFrom`` and ``NewsService`` (the sender and
service, not the story).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from lxml import etree

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import MalformedInput, NoContent
from wire.formats.namespaces import NEWSML1_NS_PREFIX, XML_LANG
from wire.formats.xmlpath import all_text, attr, descendants, kid, kids, local, namespace, text_of
from wire.ingest.identity import derived_guid
from wire.ingest.newsml import printed_dateline
from wire.ingest.nitf import read_body
from wire.ingest.skipped import skip
from wire.ingest.values import (
    byline_names,
    finish,
    html_paragraphs,
    language_tag,
    origin_of,
    urgency_of,
)
from wire.ingest.xmlsafe import parse_xml
from wire.instants import basic_instant
from wire.model import InfoSource, Origin, Picture, Provider, PubStatus, Rights, SourceRole, Story
from wire.text import squash

STATUS: dict[str, PubStatus] = {
    "usable": PubStatus.USABLE,
    "embargoed": PubStatus.USABLE,  # usable once StatusWillChange says so
    "withheld": PubStatus.WITHHELD,
    "canceled": PubStatus.CANCELED,
    "cancelled": PubStatus.CANCELED,
}
"""NewsML 1 ``Status/@FormalName`` values to wire's publishing status."""

_PICTURE_MEDIA = frozenset({"photo", "picture", "image", "graphic"})
_RENDITION_ROLES = frozenset(
    {"quicklook", "thumbnail", "preview", "highres", "hires", "web", "main", "original"}
)
_CAPTION_ROLES = frozenset({"caption", "description"})
_SUBJECT_PARTS = ("Subject", "SubjectMatter", "SubjectDetail")
_IPTC_SUBJECT = re.compile(r"^\d{8}$")
_CORRECTION = re.compile(r"correct|rectif", re.I)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?(?P<holder>[^\d©]*?[^\W\d_][^\d©]*?)"
    r"[\s.,]*(?:\d{4})?(?:[\s.,]*all rights reserved)?\.?$",
    re.I,
)
"""A copyright line that names its holder: "Copyright 2025 AFP", "© AFP 2025",
"(c) Harbour Wire 2025. All rights reserved."."""
_LOOKS_LIKE_MARKUP = re.compile(r"<(?:p|br|div)\b", re.I)


def is_newsml1(root_name: str, uri: str) -> bool:
    """Whether a document's root element (local name, namespace) is NewsML 1's."""
    return root_name == "NewsML" and (uri == "" or uri.startswith(NEWSML1_NS_PREFIX))


def _formal(el: etree._Element | None) -> str | None:
    return attr(el, "FormalName")


def _party(el: etree._Element | None) -> str | None:
    """A ``Party``'s name: its ``FormalName``, else its text."""
    party = kid(el, "Party")
    return _formal(party) or text_of(party)


def _media(content: etree._Element) -> str:
    return (_formal(kid(content, "MediaType")) or "").lower()


def _role(component: etree._Element | None) -> str:
    return (_formal(kid(component, "Role")) or "").lower()


def _chain(el: etree._Element, item: etree._Element) -> list[etree._Element]:
    """The NewsComponents from ``el``'s nearest outwards to the item."""
    out = []
    node: etree._Element | None = el
    while node is not None and node is not item:
        if local(node) == "NewsComponent":
            out.append(node)
        node = node.getparent()
    return out


def _nearest(
    chain: list[etree._Element], block: str, child: str | None = None
) -> etree._Element | None:
    """The nearest ``block`` (``NewsLines``…) along the chain, or the nearest
    that has ``child`` when one is named."""
    for component in chain:
        found = kid(component, block)
        if found is not None and (child is None or kid(found, child) is not None):
            return found
    return None


@dataclass(frozen=True, slots=True)
class _Parts:
    """An item's content sorted out: its text and its pictures' components."""

    text: etree._Element | None
    text_chain: list[etree._Element]
    pictures: list[etree._Element]


def _story_texts(el: etree._Element) -> list[etree._Element]:
    """The Text ContentItems under ``el`` that are not a picture's caption."""
    return [
        c
        for c in descendants(el, "ContentItem")
        if _media(c) == "text" and _role(c.getparent()) not in _CAPTION_ROLES
    ]


def _in(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _picture_of(content: etree._Element, item: etree._Element) -> etree._Element:
    """What stands for the picture a rendition belongs to: its component, and up
    from there while that is only a rendition (its role a size, no lines of its
    own); the ContentItem itself when its component also holds the story's text."""
    chain = _chain(content, item)
    if not chain or _story_texts(chain[0]):
        return content
    picture = chain[0]
    for inner, outer in pairwise(chain):
        if _role(inner) not in _RENDITION_ROLES or kid(inner, "NewsLines") is not None:
            break
        if any(not _in(c, inner) for c in _story_texts(outer)):
            break  # the outer one holds the story's text: the picture stops here
        picture = outer
    return picture


def _parts(item: etree._Element) -> _Parts:
    contents = list(descendants(item, "ContentItem"))
    pictures: list[etree._Element] = []
    for content in contents:
        if _media(content) in _PICTURE_MEDIA:
            picture = _picture_of(content, item)
            if not any(p is picture or _in(picture, p) for p in pictures):
                pictures.append(picture)
    texts = [
        c
        for c in _story_texts(item)
        if not any(_in(c, p) for p in pictures if local(p) == "NewsComponent")
    ]
    main = next((c for c in texts if _role(c.getparent()) == "main"), texts[0] if texts else None)
    chain = _chain(main, item) if main is not None else list(kids(item, "NewsComponent"))[:1]
    return _Parts(main, chain, pictures)


def _paragraphs(content: etree._Element | None) -> tuple[tuple[str, ...], tuple[Picture, ...]]:
    """The text of a ContentItem's DataContent: NITF, XHTML, ``<p>``s or plain text."""
    data = kid(content, "DataContent")
    if data is None:
        return (), ()
    for child in data:
        name = local(child)
        if name == "nitf":
            body = read_body(child)
            return body.paragraphs, body.pictures
        if name in ("html", "body", "div"):
            return _blocks(kid(child, "body") if name == "html" else child), ()
    if len(data):
        return _blocks(data), ()
    text = all_text(data)
    if _LOOKS_LIKE_MARKUP.search(text):  # escaped HTML
        return html_paragraphs(text), ()
    return tuple(p for p in (squash(c) for c in re.split(r"\n\s*\n", text)) if p), ()


def _blocks(el: etree._Element | None) -> tuple[str, ...]:
    if el is None:
        return ()
    blocks = [
        t
        for b in el.iter()
        if local(b) in ("p", "h1", "h2", "h3", "h4", "li", "blockquote", "hl2")
        and not any(local(a) in ("p", "li", "blockquote") for a in b.iterancestors())
        and (t := text_of(b))
    ]
    if not blocks and (text := text_of(el)):
        return (text,)
    return tuple(blocks)


def _width(content: etree._Element) -> int:
    for prop in descendants(content, "Property"):
        if (attr(prop, "FormalName") or "").lower() == "width":
            value = attr(prop, "Value") or ""
            return int(value) if value.isdigit() else 0
    return 0


def _caption_property(component: etree._Element) -> str | None:
    for prop in descendants(component, "Property"):
        if (attr(prop, "FormalName") or "").lower() == "caption":
            return attr(prop, "Value")
    return None


def _picture(picture: etree._Element, item: etree._Element) -> Picture:
    """One picture: a component of renditions, or a lone photo ContentItem."""
    chain = _chain(picture, item)
    if local(picture) == "ContentItem":
        renditions = [picture]
        captions: list[str] = []
        lines = None
    else:
        renditions = [c for c in descendants(picture, "ContentItem") if _media(c) in _PICTURE_MEDIA]
        captions = [" ".join(_paragraphs(c)[0]) for c in descendants(picture, "ContentItem")]
        lines = kid(picture, "NewsLines")
    best = max((r for r in renditions if attr(r, "Href")), key=_width, default=None)
    admin = _nearest(chain, "AdministrativeMetadata")
    return Picture(
        url=attr(best, "Href"),
        caption=next((c for c in captions if c), None)
        or _caption_property(picture)
        or text_of(kid(lines, "HeadLine")),
        credit=text_of(kid(lines, "CreditLine"))
        or _party(kid(admin, "Provider"))
        or _party(kid(admin, "Creator")),
        copyright=text_of(kid(lines, "CopyrightLine")),
    )


def _subjects(chain: list[etree._Element]) -> tuple[str, ...]:
    meta = _nearest(chain, "DescriptiveMetadata", "SubjectCode")
    out = []
    for code in kids(meta, "SubjectCode") if meta is not None else ():
        for part in kids(code, *_SUBJECT_PARTS):
            if value := _formal(part):
                out.append(f"subj:{value}" if _IPTC_SUBJECT.match(value) else value)
    return tuple(dict.fromkeys(out))


def _location(chain: list[etree._Element]) -> str | None:
    meta = _nearest(chain, "DescriptiveMetadata", "Location")
    location = kid(meta, "Location")
    values = {
        (attr(p, "FormalName") or "").lower(): attr(p, "Value")
        for p in (kids(location, "Property") if location is not None else ())
    }
    return values.get("city") or values.get("location") or values.get("country")


def _rights(lines: etree._Element | None, meta: etree._Element | None) -> Rights:
    copyright_el = kid(meta, "Copyright")
    holder = text_of(kid(copyright_el, "CopyrightHolder")) or _party(
        kid(copyright_el, "CopyrightHolder")
    )
    year = text_of(kid(copyright_el, "CopyrightDate"))
    notice = text_of(kid(lines, "CopyrightLine"))
    if holder is None and notice and (m := _COPYRIGHT.match(notice)):
        holder = squash(m["holder"])
    if notice is None and holder:
        notice = f"Copyright {year} {holder}" if year else f"Copyright {holder}"
    usage = kid(meta, "UsageRights")
    terms = [t for name in ("UsageType", "Limitations") if (t := text_of(kid(usage, name)))]
    return Rights(
        copyright_holder=holder,
        copyright_notice=notice,
        usage_terms=text_of(kid(lines, "RightsLine")) or "; ".join(terms) or None,
    )


def _byline(
    lines: etree._Element | None, creators: list[str], agencies: list[str]
) -> tuple[str, ...]:
    names: list[str] = []
    for line in kids(lines, "ByLine") if lines is not None else ():
        parts = [line.text or ""]
        for child in line:
            if local(child) != "ByLineTitle":
                parts.append(all_text(child))
            parts.append(child.tail or "")
        names += byline_names(squash("".join(parts)) or "", agencies=agencies)
    if not names:
        agency = {a.casefold() for a in agencies}
        names = [c for c in creators if c.casefold() not in agency]
    return tuple(dict.fromkeys(names))


def _identity(item: etree._Element, origin: Origin, headline: str) -> tuple[str, int, list[str]]:
    ident = kid(kid(item, "Identification"), "NewsIdentifier")
    review: list[str] = []
    provider, date, item_id = (
        text_of(kid(ident, n)) for n in ("ProviderId", "DateId", "NewsItemId")
    )
    revision = kid(ident, "RevisionId")
    raw = text_of(revision) or "1"
    version = max(int(raw), 1) if raw.isdigit() else 1
    public = text_of(kid(ident, "PublicIdentifier"))
    if provider and date and item_id:
        guid = f"urn:newsml:{provider}:{date}:{item_id}"
    elif public and public.count(":") >= 5:
        guid = public.rsplit(":", 1)[0]  # the revision off the end
    else:
        guid = derived_guid(origin.source, headline)
        review.append("NewsItem has no NewsIdentifier: guid derived from source and headline")
    return guid, version, review


def _management(
    item: etree._Element, envelope: etree._Element | None
) -> tuple[PubStatus, datetime | None, int | None, tuple[str, ...], list[str]]:
    meta = kid(item, "NewsManagement")
    review: list[str] = []
    raw = (_formal(kid(meta, "Status")) or "Usable").lower()
    status = STATUS.get(raw)
    if status is None:
        status = PubStatus.USABLE
        review.append(f"unknown Status {raw!r}: taken as usable")
    change = kid(meta, "StatusWillChange")
    future = (_formal(kid(change, "FutureStatus")) or "").lower()
    when = basic_instant(text_of(kid(change, "DateAndTime")))
    embargo = None
    if raw == "embargoed" or (raw == "withheld" and future == "usable" and when):
        if when is None:
            status = PubStatus.WITHHELD
            review.append("embargoed with no time given: held as withheld")
        else:
            status, embargo = PubStatus.USABLE, when
    urgency = urgency_of(_formal(kid(meta, "Urgency"))) or urgency_of(
        _formal(kid(envelope, "Priority"))
    )
    signals = (
        tuple(
            "correction" for i in kids(meta, "Instruction") if _CORRECTION.search(_formal(i) or "")
        )[:1]
        if meta is not None
        else ()
    )
    return status, embargo, urgency, signals, review


def _item(
    item: etree._Element, *, envelope: etree._Element | None, origin: Origin, name: str
) -> Story:
    ident = kid(kid(item, "Identification"), "NewsIdentifier")
    if (attr(kid(ident, "RevisionId"), "Update") or "N").upper() == "U":
        raise MalformedInput(
            name, 'a partial update (RevisionId Update="U"): wire reads whole revisions only'
        )
    parts = _parts(item)
    chain = parts.text_chain
    lines = _nearest(chain, "NewsLines", "HeadLine")
    if lines is None:
        lines = _nearest(chain, "NewsLines")
    admin = _nearest(chain, "AdministrativeMetadata")
    rights_meta = _nearest(chain, "RightsMetadata")
    descriptive = _nearest(chain, "DescriptiveMetadata", "Language")
    paragraphs, inline_pictures = _paragraphs(parts.text)
    review: list[str] = []
    headline = text_of(kid(lines, "HeadLine"))
    summary = text_of(kid(lines, "SubHeadLine"))
    slugline = text_of(kid(lines, "SlugLine"))
    if not headline:
        headline = slugline or summary or (paragraphs[0][:120] if paragraphs else None)
        if not headline:
            raise NoContent(name, "NewsItem with no HeadLine and no text")
        review.append("no HeadLine: taken from the slug line, sub-headline or text")
    guid, version, id_review = _identity(item, origin, headline)
    status, embargo, urgency, signals, status_review = _management(item, envelope)
    meta = kid(item, "NewsManagement")
    first = basic_instant(text_of(kid(meta, "FirstCreated")))
    sent = basic_instant(text_of(kid(envelope, "DateAndTime")))
    created = basic_instant(text_of(kid(meta, "ThisRevisionCreated"))) or first or sent
    provider_name = _party(kid(admin, "Provider"))
    provider = Provider(provider_name) if provider_name else None
    creators = [n for c in kids(admin, "Creator") if (n := _party(c))] if admin is not None else []
    source_name = _party(kid(admin, "Source"))
    agencies = [a for a in (provider_name, source_name, _provider_id(item)) if a]
    components = [c for c in chain if c.get(XML_LANG)]
    language = language_tag(_formal(kid(descriptive, "Language"))) or (
        language_tag(components[0].get(XML_LANG)) if components else None
    )
    return Story(
        guid=guid,
        version=version,
        pub_status=status,
        urgency=urgency,
        version_created=created,
        first_created=first,
        published_at=first or created,
        embargoed_until=embargo,
        language=language,
        headline=headline,
        slugline=slugline,
        summary=summary,
        body=paragraphs,
        byline=_byline(lines, creators, agencies),
        provider=provider,
        credit_line=text_of(kid(lines, "CreditLine")),
        dateline=printed_dateline(
            _location(chain),
            text_of(kid(lines, "DateLine")),
            year=created.year if created else None,
        ),
        pictures=inline_pictures + tuple(_picture(p, item) for p in parts.pictures),
        sources=(InfoSource(source_name, SourceRole.ORIGINAL_SOURCE.value),)
        if source_name and source_name != provider_name
        else (),
        rights=_rights(lines, rights_meta),
        subjects=_subjects(chain),
        keywords=tuple(dict.fromkeys(k for el in kids(lines, "KeywordLine") if (k := text_of(el))))
        if lines is not None
        else (),
        signals=signals,
        origin=origin,
        review=tuple(id_review + status_review + review),
    )


def _provider_id(item: etree._Element) -> str | None:
    """The ``ProviderId`` (``afp.com``): a name of the agency too, never a person."""
    return text_of(kid(kid(kid(item, "Identification"), "NewsIdentifier"), "ProviderId"))


def parse_newsml1(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """Every NewsItem of a NewsML 1.x document as a draft story.

    Raises ``UnsafeXML``, ``InputTooLarge``, ``MalformedInput`` (not NewsML 1, or
    a partial update) or ``NoContent``. In a document of several items a broken
    one is left out with its reason (``wire.ingest.skipped.skip``) and the others
    are read; only when none is left does the document fail."""
    root = parse_xml(data, name=name, max_bytes=max_bytes)
    if not is_newsml1(local(root), namespace(root)):
        raise MalformedInput(name, f"root element <{local(root)}> is not a NewsML 1 <NewsML>")
    envelope = kid(root, "NewsEnvelope")
    origin = origin_of(data, fmt="newsml1", source=source, fetched_at=fetched_at, url=url)
    items = list(kids(root, "NewsItem"))
    if not items:
        raise NoContent(name, "a NewsML document with no NewsItem")
    stories = []
    for item in items:
        try:
            stories.append(_item(item, envelope=envelope, origin=origin, name=name))
        except (MalformedInput, NoContent) as exc:
            if len(items) == 1:
                raise
            skip(f"NewsItem {item.get('Duid') or '?'}: {exc.reason}")
    if not stories:
        raise NoContent(name, "no NewsItem could be read")
    return finish(stories, name=name, policy=policy)
