"""wire's project XML namespace, written and read: what no standard feed element carries.

The renderers write it with ``item_elements``/``provider_element``; the parsers
read it back with ``read_elements``, so an item wire wrote comes back with every
``wire:`` field as it went out.

URI ``https://wire.example/ns/1.0``, prefix ``wire``. Partners read this as the
spec; ``docs/namespace.md`` says the same at more length.

Written so that feedparser keeps every value. feedparser (and every reader
built on it) flattens an element of an unknown namespace to one key per item,
``wire_<localname>`` (lower-cased): an element without attributes becomes its
text, an element with attributes becomes the dict of its attributes and its
text is dropped, and a repeated element keeps only the last one. So each
element here is either text with no attributes, or carries every value in its
attributes (the text then repeats the main one for XML readers), and values
that repeat are numbered attributes of one list element (``name-1``,
``name-2`` …, with ``count``). No element nests another, so each fits Atom's
extension element rules and NewsML-G2's ``##other`` extension points.

Item / entry level (RSS ``item``, Atom ``entry``, NewsML-G2 extension points):

``wire:version``
    Positive integer; the same guid with a higher version replaces the lower.
``wire:pubStatus``
    usable · withheld · canceled.
``wire:urgency``
    IPTC urgency, 1 (most urgent) to 9; absent when the story states none.
``wire:provider name="" abbreviation=""``
    The distributing agency (also at feed level); text: its name again.
``wire:byline``
    The byline as one line, names joined by ", " (one ``dc:creator`` / Atom
    ``author`` per person carries the names one by one). Always written:
    empty says the story has no byline (an Atom entry's author is then the
    agency, because RFC 4287 asks every entry for one).
``wire:creditline``
    The exact credit a partner must print (whitespace collapsed to one line).
``wire:dateline place="" agency="" date=""``
    Text: the dateline as printed (``Moscow, MINA``). ``date`` is YYYY-MM-DD.
``wire:sources count="" name-N="" role-N="" evidence-N="" url-N=""``
    Every outlet the story relies on, numbered from 1 in the story's order.
    ``role-N`` is one of reported-by, according-to, told, citing,
    original-source, quoted; ``evidence-N`` is the phrase in the copy that says so.
``wire:editor``
    Desk editor sign-off.
``wire:embargoed``
    RFC 3339 instant before which the story must not be shown.
``wire:relatedLinks count="" title-N="" url-N=""``
    The "Also Read" links (``url-N`` absent when unknown).
``wire:signals count="" signal-N=""``
    correction, update, …
``wire:edNote``
    A note to editors receiving the story (not for print).

The first form, still read (feeds written before these elements exist), and
kept where a parent holds one value (NewsML-G2 ``infoSource``):

``wire:source role="" evidence="" url=""``
    One per outlet; text is the outlet's name.
``wire:related url=""``
    One per "Also Read" link; text is its title.
``wire:signal``
    One per signal.

The NewsML-G2 source-role scheme alias ``wirerole`` resolves to
``https://wire.example/ns/1.0/source-role/`` (declared inline in each item's
``catalog``), so ``wirerole:reported-by`` keeps wire's role next to the IPTC
``cpprole:`` one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from wire.formats.namespaces import WIRE_NS
from wire.formats.printed import byline_line, dateline_line
from wire.formats.xmlpath import attr, local, namespace, text_of
from wire.instants import format_instant, read_instant
from wire.model import Dateline, InfoSource, Provider, PubStatus, Related, SourceRole, Story
from wire.text import one_line, squash

ELEMENTS: Final = (
    "version",
    "pubStatus",
    "urgency",
    "provider",
    "byline",
    "creditline",
    "dateline",
    "sources",
    "editor",
    "embargoed",
    "relatedLinks",
    "signals",
    "edNote",
    # the first form: read, and written only where a parent holds one value
    "source",
    "related",
    "signal",
)
"""Every element name the namespace defines (a test keeps the docs in step)."""

COUNT: Final = "count"
_NUMBERED: Final = re.compile(r"([a-z]+)-([1-9][0-9]{0,5})")


def wire_tag(name: str) -> str:
    """The Clark-notation tag (``{uri}name``) of one of the documented elements."""
    if name not in ELEMENTS:
        raise ValueError(f"wire:{name} is not a documented element of {WIRE_NS}")
    return f"{{{WIRE_NS}}}{name}"


def _el(tag: str, text: str | None, **attrs: str | None) -> etree._Element:
    el = etree.Element(wire_tag(tag), {k: v for k, v in attrs.items() if v})
    el.text = text or ""
    return el


def _listed(name: str, rows: Sequence[Mapping[str, str | None]]) -> etree._Element:
    """One list element: row ``i`` (from 1) as the attributes ``<key>-<i>``, empty
    values left out, and ``count`` the number of rows."""
    el = etree.Element(wire_tag(name), {COUNT: str(len(rows))})
    for index, row in enumerate(rows, start=1):
        for key, value in row.items():
            if value:
                el.set(f"{key}-{index}", value)
    return el


def item_elements(story: Story) -> list[etree._Element]:
    """The ``wire:`` elements for one story, in the documented order; empty fields omitted."""
    out: list[etree._Element] = [
        _el("version", str(story.version)),
        _el("pubStatus", story.pub_status.value),
    ]
    if story.urgency is not None:
        out.append(_el("urgency", str(story.urgency)))
    if story.provider:
        out.append(provider_element(story.provider))
    out.append(_el("byline", byline_line(story.byline)))
    if story.credit_line:
        out.append(_el("creditline", one_line(story.credit_line)))
    if story.dateline:
        d = story.dateline
        out.append(_el("dateline", dateline_line(d), place=d.place, agency=d.agency, date=d.date))
    if story.sources:
        rows = [
            {"name": s.name, "role": s.role, "evidence": s.evidence, "url": s.url}
            for s in story.sources
        ]
        out.append(_listed("sources", rows))
    if story.editor:
        out.append(_el("editor", story.editor))
    if story.embargoed_until:
        out.append(_el("embargoed", format_instant(story.embargoed_until)))
    if story.related:
        out.append(
            _listed("relatedLinks", [{"title": r.title, "url": r.url} for r in story.related])
        )
    if signals := [s for s in story.signals if s]:
        out.append(_listed("signals", [{"signal": s} for s in signals]))
    if story.ed_note:
        out.append(_el("edNote", story.ed_note))
    return out


def provider_element(provider: Provider) -> etree._Element:
    """``wire:provider`` (item and feed level): the name as an attribute, where
    feedparser keeps it, and as the text, where the first form had it."""
    return _el("provider", provider.name, name=provider.name, abbreviation=provider.abbreviation)


# reading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WireElements:
    """What the ``wire:`` elements of one item (or feed head) say."""

    credit_line: str | None = None
    dateline: Dateline | None = None
    sources: tuple[InfoSource, ...] = ()
    editor: str | None = None
    pub_status: PubStatus | None = None
    urgency: int | None = None
    embargoed: datetime | None = None
    version: int | None = None
    related: tuple[Related, ...] = ()
    provider: Provider | None = None
    byline: str | None = None  # "": an empty wire:byline, "no byline"; None: no element
    signals: tuple[str, ...] = ()
    ed_note: str | None = None
    review: tuple[str, ...] = ()


def _rows(el: etree._Element) -> list[dict[str, str]]:
    """The rows of a list element in their numbered order, each its values by key
    (a number with no value at all was an empty row: there is none)."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in el.attrib.items():
        if (m := _NUMBERED.fullmatch(str(key))) and (text := squash(str(value))):
            rows.setdefault(int(m.group(2)), {})[m.group(1)] = text
    return [rows[number] for number in sorted(rows)]


def _sources(found: dict[str, list[etree._Element]]) -> tuple[InfoSource, ...]:
    def source(name: str, role: str | None, evidence: str | None, url: str | None) -> InfoSource:
        return InfoSource(
            name=name, role=role or SourceRole.REPORTED_BY.value, evidence=evidence, url=url
        )

    if "sources" in found:
        return tuple(
            source(nm, row.get("role"), row.get("evidence"), row.get("url"))
            for row in _rows(found["sources"][0])
            if (nm := row.get("name"))
        )
    return tuple(
        source(nm, attr(s, "role"), attr(s, "evidence"), attr(s, "url"))
        for s in found.get("source", ())
        if (nm := text_of(s) or attr(s, "name"))
    )


def _related(found: dict[str, list[etree._Element]]) -> tuple[Related, ...]:
    if "relatedLinks" in found:
        return tuple(
            Related(title=t, url=row.get("url"))
            for row in _rows(found["relatedLinks"][0])
            if (t := row.get("title") or row.get("url"))
        )
    return tuple(
        Related(title=t, url=attr(r, "url"))
        for r in found.get("related", ())
        if (t := text_of(r) or attr(r, "url"))
    )


def _signals(found: dict[str, list[etree._Element]]) -> tuple[str, ...]:
    if "signals" in found:
        return tuple(t for row in _rows(found["signals"][0]) if (t := row.get("signal")))
    return tuple(t for s in found.get("signal", ()) if (t := text_of(s)))


def read_elements(el: etree._Element | None) -> WireElements:
    """What the ``wire:`` children of one item (or feed head) say, in either form
    (list elements, or the first form's repeated ones); values that do not read
    (an unknown status, a version that is no positive integer) are left out
    with a review note."""
    if el is None:
        return WireElements()
    found: dict[str, list[etree._Element]] = {}
    for child in el:
        if namespace(child) == WIRE_NS:
            found.setdefault(local(child), []).append(child)

    def first(name: str) -> str | None:
        return text_of(found[name][0]) if name in found else None

    review: list[str] = []
    dateline = None
    if "dateline" in found:
        dl = found["dateline"][0]
        place = attr(dl, "place") or text_of(dl)
        if place:
            dateline = Dateline(place=place, agency=attr(dl, "agency"), date=attr(dl, "date"))
    status = None
    if (raw_status := first("pubStatus")) is not None:
        try:
            status = PubStatus(raw_status.lower())
        except ValueError:
            review.append(f"unknown wire:pubStatus {raw_status!r} ignored")
    version = None
    if (raw_version := first("version")) is not None:
        if raw_version.isdigit() and int(raw_version) >= 1:
            version = int(raw_version)
        else:
            review.append(f"wire:version {raw_version!r} is not a positive integer")
    urgency = None
    if (raw_urgency := first("urgency")) is not None:
        if raw_urgency.isdigit() and 1 <= int(raw_urgency) <= 9:
            urgency = int(raw_urgency)
        else:
            review.append(f"wire:urgency {raw_urgency!r} is not an IPTC urgency (1-9)")
    provider = None
    if "provider" in found:
        prov = found["provider"][0]
        if pname := attr(prov, "name") or text_of(prov):
            provider = Provider(pname, attr(prov, "abbreviation"))
    return WireElements(
        credit_line=first("creditline"),
        dateline=dateline,
        sources=_sources(found),
        editor=first("editor"),
        pub_status=status,
        urgency=urgency,
        embargoed=read_instant(first("embargoed")),
        version=version,
        related=_related(found),
        provider=provider,
        byline=(text_of(found["byline"][0]) or "") if "byline" in found else None,
        signals=_signals(found),
        ed_note=first("edNote"),
        review=tuple(review),
    )


def wire_child(el: etree._Element | None, name: str) -> etree._Element | None:
    """The first ``wire:<name>`` child (not a same-named element of another namespace)."""
    if el is None:
        return None
    return next((c for c in el if namespace(c) == WIRE_NS and local(c) == name), None)
