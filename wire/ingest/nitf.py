"""NITF 3.x bytes → a draft story, and the NITF body reader NewsML-G2 reuses for inline NITF.

Elements are matched by local name so both the namespaced NITF 3.4+ form and the
older namespace-less documents read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import MalformedInput, NoContent
from wire.formats.roles import role_of_code
from wire.formats.xmlpath import all_text, attr, descendants, kid, kids, local, text_of
from wire.ingest.identity import derived_guid
from wire.ingest.values import finish, language_tag, origin_of, urgency_of
from wire.ingest.xmlsafe import parse_xml
from wire.instants import basic_instant
from wire.model import Dateline, InfoSource, Picture, Provider, PubStatus, Rights, SourceRole, Story
from wire.text import squash

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_BY = re.compile(r"^\s*by\s+", re.I)
_AGENCY_IN_DATELINE = re.compile(r"\((?P<agency>[A-Za-z][\w .&-]{0,30})\)")

MANAGEMENT_STATUS: dict[str, PubStatus] = {
    "usable": PubStatus.USABLE,
    "embargoed": PubStatus.USABLE,  # usable once date.release has passed
    "withheld": PubStatus.WITHHELD,
    "canceled": PubStatus.CANCELED,
    "cancelled": PubStatus.CANCELED,
    "killed": PubStatus.CANCELED,
}
"""NITF ``docdata/@management-status`` values to wire's publishing status."""


@dataclass(frozen=True, slots=True)
class NitfBody:
    """What a NITF ``body`` holds besides metadata: paragraphs and pictures."""

    paragraphs: tuple[str, ...] = ()
    pictures: tuple[Picture, ...] = ()


def read_body(nitf: etree._Element) -> NitfBody:
    """Paragraphs of ``body.content`` (not those inside a picture's caption) and its
    pictures. Preformatted blocks keep their lines, tables their rows: NITF copy
    such as results and tables is never dropped."""
    body = kid(nitf, "body")
    # The body's own blocks, not those of a note in body.head (a copyright note has one).
    contents = list(kids(body, "body.content")) if body is not None else []
    if not contents:
        contents = list(descendants(nitf, "body.content"))[:1]
    paragraphs: list[str] = []
    pictures: list[Picture] = []
    for el in (el for content in contents for el in content.iter()):
        name = local(el)
        if name == "media":
            if (el.get("media-type") or "image").lower() in ("image", "photo", "graphic"):
                ref = kid(el, "media-reference")
                pictures.append(
                    Picture(
                        url=attr(ref, "source"),
                        caption=text_of(kid(el, "media-caption")),
                        credit=text_of(kid(el, "media-producer")),
                        copyright=attr(ref, "copyright"),
                    )
                )
        elif any(local(a) in ("media", "table", "pre") for a in el.iterancestors()):
            continue  # read with its picture, table or preformatted block
        elif name in ("p", "hl2") and (text := text_of(el)):
            paragraphs.append(text)
        elif name == "pre":
            # Preformatted copy (tabulated results, listings): one paragraph a line.
            paragraphs += [line.rstrip() for line in all_text(el).splitlines() if line.strip()]
        elif name == "table":
            # A table as printed: one paragraph a row, its cells apart.
            for row in descendants(el, "tr"):
                cells = [squash(all_text(c)) or "" for c in row if local(c) in ("td", "th")]
                if any(cells):
                    paragraphs.append(" | ".join(cells))
    return NitfBody(tuple(paragraphs), tuple(pictures))


def nitf_headline_and_byline(nitf: etree._Element) -> tuple[str | None, tuple[str, ...]]:
    """The printed headline (``hl1``) and byline of a NITF document (for one nested
    in a NewsML-G2 item, whose own metadata may state neither)."""
    body = kid(nitf, "body")
    body_head = kid(body, "body.head") if body is not None else None
    headline = text_of(next(descendants(body_head, "hl1"), None)) if body_head is not None else None
    return headline, _byline(body_head)


def _byline(head: etree._Element | None) -> tuple[str, ...]:
    """People as printed: ``<person>`` where marked up, else the line minus "By" and title."""
    names: list[str] = []
    for line in kids(head, "byline") if head is not None else ():
        people = [t for p in descendants(line, "person") if (t := text_of(p))]
        if people:
            names += people
            continue
        parts = [line.text or ""]
        for child in line:
            if local(child) != "byttl":
                parts.append(all_text(child))
            parts.append(child.tail or "")
        printed = squash(_BY.sub("", "".join(parts)))
        if printed and (printed := printed.strip(" ,;–-")):
            names.append(printed)
    return tuple(dict.fromkeys(names))


def _dateline(head: etree._Element | None) -> Dateline | None:
    line = kid(head, "dateline")
    if line is None:
        return None
    place = text_of(kid(line, "location"))
    printed = text_of(line) or ""
    if not place:
        place = squash(printed.split(",")[0].split("(")[0].strip(" –-")) or None
    if not place:
        return None
    story_date = kid(line, "story.date")
    when = basic_instant(attr(story_date, "norm"))
    agency = _AGENCY_IN_DATELINE.search(printed)
    return Dateline(
        place=place,
        agency=agency.group("agency").strip() if agency else None,
        date=date.isoformat(when.date()) if when else None,
    )


def _version(docdata: etree._Element | None) -> int:
    key = kid(docdata, "du-key")
    for name in ("version", "generation"):
        value = attr(key, name)
        if value and value.isdigit() and int(value) >= 1:
            return int(value)
    return 1


def _rights(docdata: etree._Element | None, body_head: etree._Element | None) -> Rights:
    """``doc.copyright``/``doc.rights``; the notice as printed in a copyright note
    (``note noteclass="cpyrt"``) where there is one, else made from year and holder."""
    copyright_el = kid(docdata, "doc.copyright")
    rights_el = kid(docdata, "doc.rights")
    holder = attr(copyright_el, "holder") or attr(rights_el, "owner")
    year = attr(copyright_el, "year")
    printed = (
        next((n for n in kids(body_head, "note") if attr(n, "noteclass") == "cpyrt"), None)
        if body_head is not None
        else None
    )
    notice = text_of(printed) or (f"Copyright {year} {holder}" if holder and year else None)
    return Rights(
        copyright_holder=holder,
        copyright_notice=notice,
        usage_terms=attr(rights_el, "limitations"),
    )


def _subject(el: etree._Element) -> str | None:
    """A ``tobject.subject`` as wire names subjects: an IPTC code as its number, a
    code of another scheme as ``scheme:code``, wire's own (``ipr="wire"``) as its text."""
    refnum = attr(el, "tobject.subject.refnum")
    ipr = attr(el, "tobject.subject.ipr")
    if ipr == "wire":
        return attr(el, "tobject.subject.matter") or refnum
    if ipr and ipr.upper() != "IPTC" and refnum:
        return f"{ipr}:{refnum}"
    return refnum or attr(el, "tobject.subject.matter")


def _sources(docdata: etree._Element | None) -> tuple[InfoSource, ...]:
    """Outlets named in ``identified-content`` with their role (``idsrc="wire:role"``)."""
    content = kid(docdata, "identified-content")
    if content is None:
        return ()
    return tuple(
        InfoSource(name=name, role=role_of_code(attr(org, "value")) or SourceRole.REPORTED_BY)
        for org in kids(content, "org")
        if attr(org, "idsrc") == "wire:role" and (name := text_of(org))
    )


def _editor(head: etree._Element | None) -> str | None:
    return (
        next(
            (
                name
                for rev in kids(head, "revision-history")
                if attr(rev, "function") == "editor" and (name := attr(rev, "name"))
            ),
            None,
        )
        if head is not None
        else None
    )


def _keywords(docdata: etree._Element | None) -> tuple[str, ...]:
    key_list = kid(docdata, "key-list")
    if key_list is None:
        return ()
    return tuple(dict.fromkeys(k for el in kids(key_list, "keyword") if (k := attr(el, "key"))))


def parse_nitf(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """A NITF document as one draft story.

    Raises ``UnsafeXML``, ``InputTooLarge``, ``MalformedInput`` (not NITF) or
    ``NoContent`` (no headline and no body)."""
    root = parse_xml(data, name=name, max_bytes=max_bytes)
    if local(root) != "nitf":
        raise MalformedInput(name, f"root element <{local(root)}> is not <nitf>")
    head = kid(root, "head")
    docdata = kid(head, "docdata")
    body = kid(root, "body")
    body_head = kid(body, "body.head")
    body_text = read_body(root)
    headline = (
        text_of(next(descendants(body_head, "hl1"), None)) if body_head is not None else None
    ) or text_of(kid(head, "title"))
    if not headline and not body_text.paragraphs:
        raise NoContent(name, "NITF document with neither a headline nor body text")
    review: list[str] = []
    if not headline:
        headline = body_text.paragraphs[0][:120]
        review.append("no hedline or title: headline taken from the first paragraph")
    doc_id = attr(kid(docdata, "doc-id"), "id-string")
    status_raw = (attr(docdata, "management-status") or "usable").lower()
    status = MANAGEMENT_STATUS.get(status_raw)
    if status is None:
        status = PubStatus.USABLE
        review.append(f"unknown management-status {status_raw!r}: taken as usable")
    issued = basic_instant(attr(kid(docdata, "date.issue"), "norm"))
    release = basic_instant(attr(kid(docdata, "date.release"), "norm"))
    embargoed = (
        release if status_raw == "embargoed" or (release and issued and release > issued) else None
    )
    distributor = text_of(kid(body_head, "distributor"))
    abstract = text_of(kid(body_head, "abstract"))
    hl2 = text_of(next(descendants(body_head, "hl2"), None)) if body_head is not None else None
    story = Story(
        guid=doc_id or derived_guid(source, url or headline),
        version=_version(docdata),
        pub_status=status,
        urgency=urgency_of(attr(kid(docdata, "urgency"), "ed-urg")),
        version_created=issued,
        first_created=issued,
        published_at=issued,
        embargoed_until=embargoed,
        language=language_tag(root.get(_XML_LANG))
        or language_tag(root.get("baselang"))
        or language_tag(body.get(_XML_LANG) if body is not None else None),
        headline=headline,
        summary=abstract or hl2,
        body=body_text.paragraphs,
        byline=_byline(body_head),
        provider=Provider(distributor) if distributor else None,
        dateline=_dateline(body_head),
        pictures=body_text.pictures,
        rights=_rights(docdata, body_head),
        credit_line=text_of(kid(kid(body, "body.end"), "tagline")) if body is not None else None,
        sources=_sources(docdata),
        editor=_editor(head),
        slugline=attr(kid(docdata, "du-key"), "key"),
        link=attr(kid(head, "pubdata"), "ex-ref"),
        subjects=tuple(
            dict.fromkeys(s for el in descendants(head, "tobject.subject") if (s := _subject(el)))
        )
        if head is not None
        else (),
        keywords=_keywords(docdata),
        ed_note=attr(kid(docdata, "ed-msg"), "info"),
        origin=origin_of(data, fmt="nitf", source=source, fetched_at=fetched_at, url=url),
        review=tuple(review) + (() if doc_id else ("no doc-id: guid derived from source",)),
    )
    return finish([story], name=name, policy=policy)
