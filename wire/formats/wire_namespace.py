"""wire's project XML namespace, written and read: what no standard feed element carries.

The renderers write it with ``item_elements``/``provider_element``; the parsers
read it back with ``read_elements``, so an item wire wrote comes back with every
``wire:`` field as it went out.

URI ``https://wire.example/ns/1.0``, prefix ``wire``. Partners read this as the
spec; ``docs/namespace.md`` says the same at more length. Every element is text
(possibly empty) with optional attributes and never nests other ``wire``
elements, so it fits Atom's "simple/structured extension element" rules and
NewsML-G2's ``##other`` extension points, and feedparser exposes it as
``wire_<name>`` (the last one when an element repeats).

Item / entry level (RSS ``item``, Atom ``entry``, NewsML-G2 extension points):

``wire:creditline``
    The exact credit a partner must print (whitespace collapsed to one line).
``wire:dateline place="" agency="" date=""``
    Text: the dateline as printed (``Moscow, MINA``). ``date`` is YYYY-MM-DD.
``wire:source role="" evidence="" url=""``
    One per outlet the story relies on; text is the outlet's name. ``role`` is
    one of reported-by, according-to, told, citing, original-source, quoted;
    ``evidence`` is the phrase in the copy that says so.
``wire:editor``
    Desk editor sign-off.
``wire:pubStatus``
    usable · withheld · canceled.
``wire:embargoed``
    RFC 3339 instant before which the story must not be shown.
``wire:version``
    Positive integer; the same guid with a higher version replaces the lower.
``wire:related url=""``
    An "Also Read" link; text is its title (``url`` absent when unknown).
``wire:provider abbreviation=""``
    The distributing agency's name (also at feed level).
``wire:signal``
    correction, update, …: one element per signal.
``wire:edNote``
    A note to editors receiving the story (not for print).

The NewsML-G2 source-role scheme alias ``wirerole`` resolves to
``https://wire.example/ns/1.0/source-role/`` (declared inline in each item's
``catalog``), so ``wirerole:reported-by`` keeps wire's role next to the IPTC
``cpprole:`` one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from wire.formats.namespaces import WIRE_NS
from wire.formats.xmlpath import attr, local, namespace, text_of
from wire.instants import format_instant, read_instant
from wire.model import Dateline, InfoSource, Provider, PubStatus, Related, SourceRole, Story
from wire.text import one_line

ELEMENTS: Final = (
    "creditline",
    "dateline",
    "source",
    "editor",
    "pubStatus",
    "embargoed",
    "version",
    "related",
    "provider",
    "signal",
    "edNote",
)
"""Every element name the namespace defines (a test keeps the docs in step)."""


def wire_tag(name: str) -> str:
    """The Clark-notation tag (``{uri}name``) of one of the documented elements."""
    if name not in ELEMENTS:
        raise ValueError(f"wire:{name} is not a documented element of {WIRE_NS}")
    return f"{{{WIRE_NS}}}{name}"


def _el(name: str, text: str | None, **attrs: str | None) -> etree._Element:
    el = etree.Element(wire_tag(name), {k: v for k, v in attrs.items() if v})
    el.text = text or ""
    return el


def item_elements(story: Story) -> list[etree._Element]:
    """The ``wire:`` elements for one story, in the documented order; empty fields omitted."""
    out: list[etree._Element] = [
        _el("version", str(story.version)),
        _el("pubStatus", story.pub_status.value),
    ]
    if story.provider:
        out.append(_el("provider", story.provider.name, abbreviation=story.provider.abbreviation))
    if story.credit_line:
        out.append(_el("creditline", one_line(story.credit_line)))
    if story.dateline:
        d = story.dateline
        printed = ", ".join(p for p in (d.place, d.agency, d.date) if p)
        out.append(_el("dateline", printed, place=d.place, agency=d.agency, date=d.date))
    out.extend(
        _el("source", s.name, role=s.role, evidence=s.evidence, url=s.url) for s in story.sources
    )
    if story.editor:
        out.append(_el("editor", story.editor))
    if story.embargoed_until:
        out.append(_el("embargoed", format_instant(story.embargoed_until)))
    out.extend(_el("related", r.title, url=r.url) for r in story.related)
    out.extend(_el("signal", s) for s in story.signals if s)
    if story.ed_note:
        out.append(_el("edNote", story.ed_note))
    return out


def provider_element(provider: Provider) -> etree._Element:
    """``wire:provider`` for feed (channel) level."""
    return _el("provider", provider.name, abbreviation=provider.abbreviation)


# reading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WireElements:
    """What the ``wire:`` elements of one item (or feed head) say."""

    credit_line: str | None = None
    dateline: Dateline | None = None
    sources: tuple[InfoSource, ...] = ()
    editor: str | None = None
    pub_status: PubStatus | None = None
    embargoed: datetime | None = None
    version: int | None = None
    related: tuple[Related, ...] = ()
    provider: Provider | None = None
    signals: tuple[str, ...] = ()
    ed_note: str | None = None
    review: tuple[str, ...] = ()


def read_elements(el: etree._Element | None) -> WireElements:
    """What the ``wire:`` children of one item (or feed head) say; values that do
    not read (an unknown status, a version that is no positive integer) are left
    out with a review note."""
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
    provider = None
    if "provider" in found and (pname := text_of(found["provider"][0])):
        provider = Provider(pname, attr(found["provider"][0], "abbreviation"))
    return WireElements(
        credit_line=first("creditline"),
        dateline=dateline,
        sources=tuple(
            InfoSource(
                name=nm,
                role=attr(s, "role") or SourceRole.REPORTED_BY.value,
                evidence=attr(s, "evidence"),
                url=attr(s, "url"),
            )
            for s in found.get("source", ())
            if (nm := text_of(s))
        ),
        editor=first("editor"),
        pub_status=status,
        embargoed=read_instant(first("embargoed")),
        version=version,
        related=tuple(
            Related(title=t, url=attr(r, "url"))
            for r in found.get("related", ())
            if (t := text_of(r) or attr(r, "url"))
        ),
        provider=provider,
        signals=tuple(t for s in found.get("signal", ()) if (t := text_of(s))),
        ed_note=first("edNote"),
        review=tuple(review),
    )


def wire_child(el: etree._Element | None, name: str) -> etree._Element | None:
    """The first ``wire:<name>`` child (not a same-named element of another namespace)."""
    if el is None:
        return None
    return next((c for c in el if namespace(c) == WIRE_NS and local(c) == name), None)
