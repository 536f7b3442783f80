"""NewsML-G2 bytes (``newsMessage``, ``newsItem``, ``packageItem``) → draft stories.

Every attribution element the standard has is read: ``rightsInfo``, ``provider``,
``creditline``, ``by``, ``creator``/``contributor``, ``infoSource`` with its role,
``located``/``dateline``, and the picture captions and credits in an XHTML body or
in picture items. Catalogs are never fetched, so QCodes are kept as written and
only the role codes of ``wire.formats.roles`` are interpreted.

What wire's own renderer writes reads back exactly: one ``creator`` per byline
person (preferred over the printed ``by`` line, which may join them or add a
title), the provider abbreviation in ``provider/@literal``, ``irel:seeAlso`` links
with a title and no ``href``, a source's evidence in ``infoSource/wire:source``,
the structured ``wire:dateline``, and the feed's own ``packageItem`` (root group
role ``FEED_GROUP_ROLE``), which is a listing and yields neither stories nor links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import MalformedInput, NoContent
from wire.formats.namespaces import FEED_GROUP_ROLE, NAR_NS, SOURCE_ROLE_ALIAS, XML_LANG
from wire.formats.roles import WIRE_ROLES, role_of_code
from wire.formats.wire_namespace import wire_child
from wire.formats.xmlpath import all_text, attr, descendants, kid, kids, local, namespace, text_of
from wire.ingest.identity import derived_guid
from wire.ingest.nitf import nitf_headline_and_byline, read_body
from wire.ingest.skipped import skip
from wire.ingest.values import finish, html_paragraphs, language_tag, origin_of, urgency_of
from wire.ingest.xmlsafe import parse_xml
from wire.instants import read_instant
from wire.model import (
    Dateline,
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

PUB_STATUS: dict[str, PubStatus] = {
    "usable": PubStatus.USABLE,
    "withheld": PubStatus.WITHHELD,
    "canceled": PubStatus.CANCELED,
}
"""``pubStatus`` ``stat:`` codes to wire's publishing status."""

_BY = re.compile(r"^\s*by\s+", re.I)
_PAREN_AGENCY = re.compile(r"\((?P<agency>[A-Za-z][\w .&-]{0,30})\)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _code(qcode: str | None) -> str | None:
    """The code part of a QCode (``stat:usable`` → ``usable``)."""
    return qcode.rpartition(":")[2] if qcode else None


def _name(el: etree._Element | None) -> str | None:
    """A flex party/concept's name: ``name`` child, else ``@literal``, ``@qcode``, ``@uri``."""
    if el is None:
        return None
    return (
        text_of(kid(el, "name"))
        or attr(el, "literal")
        or _code(attr(el, "qcode"))
        or attr(el, "uri")
        or (text_of(el) if not len(el) else None)
    )


def _role(roles: str | None) -> str:
    codes = (roles or "").split()
    for qcode in codes:
        alias, _, code = qcode.partition(":")
        if alias == SOURCE_ROLE_ALIAS and code in WIRE_ROLES:
            return code
    for qcode in codes:
        mapped = role_of_code(qcode)
        if mapped:
            return mapped.value
    return SourceRole.REPORTED_BY.value


_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_WIRE_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’-]*[A-Z])(?:,\s*(?P<region>[^,()]+?))?\s*,?\s+"
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})"
    r"(?:\s*\((?P<paren>[^)]+)\)|\s+(?P<agency>[A-Z][A-Za-z]{1,11}))?\s*[-–—]*\s*$"
)
"""An agency's printed dateline without commas between its parts:
"SYDNEY March 22 AAP", "NEW YORK, Nov 21 (Reuters) -"."""
_DATE_ONLY = re.compile(r"^[\d\s:.TZ+/-]*(?:GMT|UTC)?[\d\s:.+-]*$", re.I)
_DATE_START = re.compile(r"^\s*(?:\d{4}-?\d{2}-?\d{2}|\d{1,2}:\d{2})")


def _is_time(text: str) -> bool:
    """A timestamp or a date (``2018-01-03 20:13:08 GMT+00:00``, ``20170102T222800+0000``):
    what some files put in a dateline element, which is not a place."""
    return bool(_DATE_START.match(text)) and bool(_DATE_ONLY.match(text.strip()))


def printed_dateline(
    located: str | None, printed: str | None, *, year: int | None = None
) -> Dateline | None:
    """``located`` gives the place; a printed dateline may add the agency and an ISO date.

    "Moscow, MINA –" → (Moscow, MINA); "NEW YORK, Nov 21 (Reuters) -" → (NEW YORK,
    Reuters, the date in ``year``); "SYDNEY March 22 AAP" → (SYDNEY, AAP, date);
    "Port Town, EWS, 2025-07-05" (as wire prints it) → all three. When the
    printed line starts with ``located`` that prefix is the place even if it holds a
    comma ("Washington, D.C., EWS"). A timestamp where a dateline should be is no
    dateline: a place is never a date. The ninjs parser reads ``located`` and its
    printed dateline description the same way."""
    if located and _is_time(located):
        located = None
    if printed and _is_time(printed):
        printed = None
    if not printed:
        return Dateline(place=located) if located else None
    trimmed = printed.strip(" –—-")
    wire_style = _WIRE_DATELINE.match(trimmed)
    key = wire_style.group("month").lower() if wire_style else ""
    month = _MONTHS.get(key) or _MONTHS.get(key[:3])
    if wire_style and month:
        day = int(wire_style.group("day"))
        date = f"{year:04d}-{month:02d}-{day:02d}" if year and 1 <= day <= 31 else None
        agency = wire_style.group("paren") or wire_style.group("agency")
        return Dateline(place=located or wire_style.group("place"), agency=agency, date=date)
    if located and trimmed.startswith(located):
        place: str | None = located
        rest = trimmed[len(located) :]
    else:
        head, _, rest = trimmed.partition(",")
        place = located or _PAREN_AGENCY.sub("", head).strip() or None
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    date = parts.pop() if parts and _ISO_DATE.match(parts[-1]) else None
    paren = _PAREN_AGENCY.search(trimmed)
    agency = None
    if paren:
        agency = paren.group("agency").strip()
    elif parts and not re.search(r"\d", parts[0]) and len(parts[0]) <= 40:
        agency = parts[0]
    return Dateline(place=place, agency=agency, date=date) if place else None


def _stands_for(el: etree._Element, html5: str) -> bool:
    """``el`` is the HTML5 element ``html5``, or the XHTML 1.0 ``div``/``span`` that
    stands for it: wire writes ``<div class="figure …">`` in XHTML 1.0 Strict
    bodies (``wire.publish.xhtml1``); older wire and HTML5 bodies say ``<figure>``."""
    name = local(el)
    if name == html5:
        return True
    return name in ("div", "span") and (el.get("class") or "").split()[:1] == [html5]


def _xhtml(body: etree._Element) -> tuple[tuple[str, ...], tuple[Picture, ...]]:
    """Paragraphs and pictures of an XHTML body; figure captions are not paragraphs,
    and an XHTML ``header`` (dpa's: headline, subject lists, genre) is metadata the
    item states elsewhere, not body text."""
    paragraphs: list[str] = []
    pictures: list[Picture] = []
    for el in body.iter():
        name = local(el)
        if _stands_for(el, "header") or any(_stands_for(a, "header") for a in el.iterancestors()):
            continue
        if _stands_for(el, "figure"):
            pictures.append(_figure(el))
        elif (
            name in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote")
            and not any(
                local(a) in ("p", "li", "blockquote") or _stands_for(a, "figure")
                for a in el.iterancestors()
            )
            and (text := text_of(el))
        ):
            paragraphs.append(text)
    return tuple(paragraphs), tuple(pictures)


def _is_credit(el: etree._Element) -> bool:
    classes = (el.get("class") or "").lower().split()
    return "credit" in classes or "byline" in classes or local(el) == "small"


def _figure(fig: etree._Element) -> Picture:
    img = next(descendants(fig, "img"), None)
    caption_el = next((d for d in fig.iterdescendants() if _stands_for(d, "figcaption")), None)
    credit_el = next((d for d in fig.iterdescendants() if _is_credit(d)), None)
    caption = None
    if caption_el is not None:
        parts = [caption_el.text or ""]
        for child in caption_el:
            if child is not credit_el:
                parts.append(all_text(child))
            parts.append(child.tail or "")
        caption = squash("".join(parts))
    return Picture(
        url=attr(img, "src"),
        caption=caption or attr(img, "alt"),
        credit=text_of(credit_el),
    )


_LOOKS_LIKE_HTML = re.compile(r"<(?:p|br|div|h[1-6]|ul|ol|li|strong|em|b|i)\b[^>]*>", re.I)


def _nested_nitf(item: etree._Element) -> etree._Element | None:
    """A NITF document carried whole in the item's ``inlineXML``."""
    content_set = kid(item, "contentSet")
    for inline in kids(content_set, "inlineXML") if content_set is not None else ():
        for child in inline:
            if local(child) == "nitf":
                return child
    return None


def _content(item: etree._Element) -> tuple[tuple[str, ...], tuple[Picture, ...]]:
    content_set = kid(item, "contentSet")
    if content_set is None:
        return (), ()
    for inline in kids(content_set, "inlineXML"):
        for child in inline:
            if local(child) == "nitf":
                body = read_body(child)
                return body.paragraphs, body.pictures
            if local(child) == "html":
                html_body = kid(child, "body")
                return _xhtml(html_body if html_body is not None else child)
    for data in kids(content_set, "inlineData"):
        text = all_text(data)
        # Some agencies send HTML labelled text/plain: markup is read as markup.
        if "html" in (data.get("contenttype") or "").lower() or _LOOKS_LIKE_HTML.search(text):
            return html_paragraphs(text), ()
        return tuple(p for p in (squash(c) for c in re.split(r"\n\s*\n", text)) if p), ()
    return (), ()


def _rights(item: etree._Element) -> Rights:
    info = kid(item, "rightsInfo")
    return Rights(
        copyright_holder=_name(kid(info, "copyrightHolder")),
        copyright_notice=text_of(kid(info, "copyrightNotice")),
        usage_terms=text_of(kid(info, "usageTerms")),
    )


_CODE = re.compile(r"\d|/$")
_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.I)


def _looks_like_a_person(name: str, provider: Provider | None) -> bool:
    """Not a desk code ("X01390", "MDJ/"), not the agency itself."""
    if _CODE.search(name) or (name.isupper() and " " not in name and len(name) <= 5):
        return False
    agency = (
        {provider.name.casefold(), (provider.abbreviation or "").casefold()} if provider else set()
    )
    return name.casefold() not in agency


def _people(text: str) -> list[str]:
    return [p for p in _SEPARATORS.split(text.casefold()) if p]


def printed_byline(
    printed: list[str], creators: list[str], provider: Provider | None
) -> tuple[str, ...]:
    """The byline as printed: ``<by>`` first, split into its people only where the
    ``creator`` elements name exactly those people (as wire itself writes it);
    creators only when nothing is printed, and never desk codes or the agency."""
    if printed:
        if creators and _people(", ".join(printed)) == _people(", ".join(creators)):
            return tuple(dict.fromkeys(creators))
        return tuple(dict.fromkeys(printed))
    return tuple(dict.fromkeys(c for c in creators if _looks_like_a_person(c, provider)))


def _provider(meta: etree._Element | None) -> Provider | None:
    """The name from ``name`` (else ``@literal``); the abbreviation from ``@literal``
    beside a name (as wire writes it), else the ``@qcode`` code. A provider given
    only by ``@uri`` has no name the copy states: None, so the source's policy
    names it (a URI is never printed as an agency's name)."""
    el = kid(meta, "provider")
    if el is None:
        return None
    named = text_of(kid(el, "name"))
    name = named or attr(el, "literal")
    code = (attr(el, "literal") if named else None) or _code(attr(el, "qcode"))
    if name:
        return Provider(name, code if code and code != name else None)
    return Provider(code) if code else None


def _sources(cmeta: etree._Element | None) -> tuple[InfoSource, ...]:
    """``infoSource`` elements; the evidence phrase rides in a ``wire:source`` child."""
    out = []
    for el in kids(cmeta, "infoSource") if cmeta is not None else ():
        if name := _name(el):
            evidence = attr(wire_child(el, "source"), "evidence")
            out.append(
                InfoSource(
                    name=name, role=_role(el.get("role")), evidence=evidence, url=attr(el, "uri")
                )
            )
    return tuple(out)


def _related(meta: etree._Element | None) -> tuple[Related, ...]:
    """``irel:seeAlso`` links; one with a title and no ``href`` is a link with no URL."""
    out = []
    for link in kids(meta, "link") if meta is not None else ():
        if (_code(link.get("rel")) or "") != "seeAlso":
            continue
        href = attr(link, "href")
        title = attr(link, "title") or text_of(kid(link, "title")) or href or attr(link, "residref")
        if title:
            out.append(Related(title=title, url=href))
    return tuple(out)


def _wire_text(meta: Iterable[etree._Element | None], name: str) -> etree._Element | None:
    """The first ``wire:<name>`` in any of the blocks."""
    return next((c for block in meta if (c := wire_child(block, name)) is not None), None)


@dataclass(frozen=True, slots=True)
class _Item:
    """A parsed newsItem before packages and picture items are joined to it."""

    story: Story
    item_class: str
    picture: Picture


def _item(el: etree._Element, *, origin: Origin, name: str) -> _Item:
    meta = kid(el, "itemMeta")
    cmeta = kid(el, "contentMeta")
    review: list[str] = []
    headline = text_of(kid(cmeta, "headline"))
    slugline = text_of(kid(cmeta, "slugline"))
    descriptions = list(kids(cmeta, "description")) if cmeta is not None else []
    summary_el = next(
        (d for d in descriptions if (d.get("role") or "").endswith("summary")),
        descriptions[0] if descriptions else None,
    )
    summary = text_of(summary_el)
    paragraphs, pictures = _content(el)
    nested = _nested_nitf(el)
    nested_headline, nested_byline = (
        nitf_headline_and_byline(nested) if nested is not None else (None, ())
    )
    headline = headline or nested_headline
    if not headline:
        headline = slugline or summary or (paragraphs[0][:120] if paragraphs else None)
        if not headline:
            raise NoContent(name, f"newsItem {el.get('guid')!r} has no headline and no text")
        review.append("no headline: taken from slugline, description or text")
    guid = squash(el.get("guid"))
    if not guid:
        guid = derived_guid(origin.source, headline)
        review.append("newsItem has no guid: guid derived from source and headline")
    version_raw = squash(el.get("version")) or "1"
    version = int(version_raw) if version_raw.isdigit() and int(version_raw) >= 1 else 1
    status_code = (_code(attr(kid(meta, "pubStatus"), "qcode")) or "usable").lower()
    status = PUB_STATUS.get(status_code, PubStatus.USABLE)
    if status_code not in PUB_STATUS:
        review.append(f"unknown pubStatus {status_code!r}: taken as usable")
    embargo_el = kid(meta, "embargoed")
    embargoed = read_instant(text_of(embargo_el))
    if embargo_el is not None and embargoed is None:
        status = PubStatus.WITHHELD if status is PubStatus.USABLE else status
        review.append("embargoed with no time given: held as withheld")
    creators = [n for c in kids(cmeta, "creator") if (n := _name(c))] if cmeta is not None else []
    contributors = list(kids(cmeta, "contributor")) if cmeta is not None else []
    editors = [
        n for c in contributors if "editor" in (c.get("role") or "").lower() if (n := _name(c))
    ]
    others = [
        n for c in contributors if "editor" not in (c.get("role") or "").lower() if (n := _name(c))
    ]
    by_lines = (
        [b for el_by in kids(cmeta, "by") if (b := squash(_BY.sub("", all_text(el_by))))]
        if cmeta is not None
        else []
    )
    wire_editor = text_of(_wire_text((meta, cmeta), "editor"))
    wire_dateline = _wire_text((meta, cmeta), "dateline")
    created = read_instant(text_of(kid(meta, "versionCreated")))
    dateline = printed_dateline(
        _name(kid(cmeta, "located")),
        text_of(kid(cmeta, "dateline")),
        year=created.year if created else None,
    )
    if wire_place := attr(wire_dateline, "place"):
        # wire's own structured dateline is exact: it wins over reading the printed one.
        dateline = Dateline(
            place=wire_place,
            agency=attr(wire_dateline, "agency"),
            date=attr(wire_dateline, "date"),
        )
    language = language_tag(attr(kid(cmeta, "language"), "tag")) or language_tag(el.get(XML_LANG))
    story = Story(
        guid=guid,
        version=version,
        pub_status=status,
        urgency=urgency_of(text_of(kid(cmeta, "urgency"))),
        version_created=created,
        first_created=read_instant(text_of(kid(meta, "firstCreated"))),
        # Published when the content was created (as wire writes it), else first created.
        published_at=read_instant(text_of(kid(cmeta, "contentCreated")))
        or read_instant(text_of(kid(meta, "firstCreated"))),
        embargoed_until=embargoed,
        language=language,
        headline=headline,
        slugline=slugline,
        summary=summary,
        body=paragraphs,
        byline=printed_byline(by_lines, creators + others, _provider(meta)) or nested_byline,
        provider=_provider(meta),
        credit_line=text_of(kid(cmeta, "creditline")),
        dateline=dateline,
        editor=wire_editor or (editors[0] if editors else None),
        pictures=pictures,
        sources=_sources(cmeta),
        related=_related(meta),
        rights=_rights(el),
        subjects=tuple(
            dict.fromkeys(
                # The subject's name as the agency wrote it; its bare code only without one.
                s
                for sub in kids(cmeta, "subject")
                if (s := text_of(kid(sub, "name")) or attr(sub, "qcode"))
            )
        )
        if cmeta is not None
        else (),
        keywords=tuple(dict.fromkeys(k for kw in kids(cmeta, "keyword") if (k := text_of(kw))))
        if cmeta is not None
        else (),
        signals=tuple(
            dict.fromkeys(
                c
                for sig in kids(meta, "signal")
                if (c := _code(attr(sig, "qcode")) or text_of(sig))
            )
        )
        if meta is not None
        else (),
        ed_note=" ".join(t for n in kids(meta, "edNote") if (t := text_of(n))) or None
        if meta is not None
        else None,
        origin=origin,
        review=tuple(review),
    )
    remote = next(descendants(el, "remoteContent"), None)
    picture = Picture(
        url=attr(remote, "href"),
        caption=summary or (headline if headline != slugline else None),
        credit=story.credit_line or (story.byline[0] if story.byline else None),
        copyright=story.rights.copyright_notice,
    )
    item_class = (_code(attr(kid(meta, "itemClass"), "qcode")) or "text").lower()
    return _Item(story, item_class, picture)


def _is_feed_listing(package: etree._Element) -> bool:
    """wire's feed package: its groups list the feed, they do not relate its stories."""
    return any(attr(g, "roleuri") == FEED_GROUP_ROLE for g in descendants(package, "group"))


def _packages(items: Iterable[etree._Element]) -> list[list[tuple[str | None, Related]]]:
    """Each package's references as (residref, Related) pairs."""
    packages = []
    for package in items:
        refs = []
        for ref in descendants(package, "itemRef"):
            residref = attr(ref, "residref")
            title = text_of(kid(ref, "title")) or residref or attr(ref, "href")
            if title:
                refs.append((residref, Related(title=title, url=attr(ref, "href"))))
        packages.append(refs)
    return packages


def _join(items: list[_Item], packages: list[list[tuple[str | None, Related]]]) -> list[Story]:
    """Picture items become pictures of the text they are packaged (or sent alone) with;
    a package's other references become each packaged story's related links."""
    texts = [i for i in items if i.item_class != "picture"]
    pics = {i.story.guid: i for i in items if i.item_class == "picture"}
    stories = {i.story.guid: i.story for i in texts}
    attached: set[str] = set()
    for refs in packages:
        members = [r for r, _ in refs if r in stories]
        for guid in members:
            story = stories[guid]
            extra_pics = [pics[r].picture for r, _ in refs if r in pics]
            attached.update(r for r, _ in refs if r in pics)
            links = [rel for r, rel in refs if r != guid and r not in pics]
            stories[guid] = replace(
                story,
                pictures=story.pictures + tuple(extra_pics),
                related=story.related + tuple(links),
            )
    loose = [p for g, p in pics.items() if g not in attached]
    if len(stories) == 1 and loose:
        (guid,) = stories
        stories[guid] = replace(
            stories[guid], pictures=stories[guid].pictures + tuple(p.picture for p in loose)
        )
        loose = []
    out = list(stories.values())
    out += [replace(p.story, pictures=(*p.story.pictures, p.picture)) for p in loose]
    return out


def parse_newsml(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """Every newsItem of a NewsML-G2 document as a draft story.

    A packageItem is not a story: its references become ``related`` links of the
    stories it packages and its picture items their pictures, except wire's feed
    package, which only lists the message's items and is skipped. Raises
    ``UnsafeXML``, ``InputTooLarge``, ``MalformedInput`` (not NewsML-G2) or
    ``NoContent`` (only packages, an empty wire feed, or an item with no headline
    and no text). In a message of several items, a broken item is left out with
    its reason (``wire.ingest.skipped.skip``) and the others are read; only when
    none is left does the message fail."""
    root = parse_xml(data, name=name, max_bytes=max_bytes)
    kind = local(root)
    if kind == "newsMessage":
        item_set = kid(root, "itemSet")
        members = list(item_set) if item_set is not None else []
    elif kind in ("newsItem", "packageItem"):
        members = [root]
    else:
        raise MalformedInput(name, f"root element <{kind}> is not a NewsML-G2 item or message")
    if namespace(root) != NAR_NS:
        raise MalformedInput(name, f"<{kind}> is not in the NewsML-G2 namespace {NAR_NS}")
    origin = origin_of(data, fmt="newsml", source=source, fetched_at=fetched_at, url=url)
    news: list[_Item] = []
    items = [m for m in members if local(m) == "newsItem"]
    for member in items:
        try:
            news.append(_item(member, origin=origin, name=name))
        except (MalformedInput, NoContent) as exc:
            if len(items) == 1:
                raise
            # One broken item of a message is left out, named; the rest is read.
            skip(f"newsItem {member.get('guid') or '?'}: {exc.reason}")
    package_items = [m for m in members if local(m) == "packageItem"]
    listings = [p for p in package_items if _is_feed_listing(p)]
    packages = _packages(p for p in package_items if not _is_feed_listing(p))
    if not news:
        if listings and not packages:
            raise NoContent(name, "an empty feed: its packageItem lists no newsItem")
        if packages:
            raise NoContent(name, "only packageItems: their referenced items are not included")
        raise NoContent(name, "no newsItem in the document")
    return finish(_join(news, packages), name=name, policy=policy)
