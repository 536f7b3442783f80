"""wire's project XML namespace: what no standard feed element carries.

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

from typing import Final

from lxml import etree

from wire.instants import format_instant
from wire.model import Provider, Story

WIRE_NS: Final = "https://wire.example/ns/1.0"
WIRE_PREFIX: Final = "wire"
SOURCE_ROLE_SCHEME: Final = WIRE_NS + "/source-role/"
SOURCE_ROLE_ALIAS: Final = "wirerole"

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
        out.append(_el("creditline", " ".join(story.credit_line.split())))
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
