"""Values every format parser shares: HTML bodies to paragraphs, instants,
language tags, and ``conform``, the last step of every parser.

``conform`` makes a hostile value in any format a review note rather than a
story that fails ``schemas/story.schema.json`` further down the line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import nh3
from lxml import etree, html

from wire.attribution import SourcePolicy, apply_policy
from wire.errors import MalformedInput
from wire.formats.xmlpath import all_text, local, text_of
from wire.ingest.limits import check_markup
from wire.instants import in_range
from wire.model import Dateline, Origin, Story
from wire.text import squash

_BLOCKS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "dd", "dt"}
)
_CONTAINERS = frozenset({"div", "blockquote", "li", "td", "dd"})


def html_paragraphs(markup: str) -> tuple[str, ...]:
    """Untrusted HTML to its paragraphs as plain text, sanitized with nh3 first.

    Block elements become paragraphs; text outside any block becomes a paragraph
    of its own, so a body of bare text with ``<br>`` breaks still splits sensibly."""
    if not markup.strip():
        return ()
    check_markup(markup, "an HTML body")
    markup = _without_furniture(markup)
    cleaned = nh3.clean(markup, tags=_BLOCKS | {"br", "a", "b", "i", "em", "strong", "span"})
    try:
        fragment = html.fragment_fromstring(cleaned, create_parent="div")
    except etree.ParserError:
        return ()
    out: list[str] = []
    loose: list[str] = []

    def flush() -> None:
        text = squash("".join(loose))
        if text:
            out.append(text)
        loose.clear()

    def walk(el: etree._Element) -> None:
        if el.text:
            loose.append(el.text)
        for child in el:
            name = local(child)
            if name in _BLOCKS and not (name in _CONTAINERS and _has_block(child)):
                flush()
                text = text_of(child)
                if text:
                    out.append(text)
            elif name in _CONTAINERS:
                flush()
                walk(child)
                flush()
            elif name == "br":
                flush()
            else:
                loose.append(all_text(child))
            if child.tail:
                loose.append(child.tail)

    walk(fragment)
    flush()
    return tuple(out)


_FURNITURE = frozenset({"wire-attribution", "wire-correction", "wire-pubstatus", "wire-picture"})
"""What wire's own renderers add around a story's text (``wire.publish.storyhtml``):
the attribution box, notes and figures are read back as the structured fields and
pictures they repeat, never as body paragraphs."""


def _without_furniture(markup: str) -> str:
    if "wire-" not in markup:
        return markup
    try:
        root = html.fragment_fromstring(markup, create_parent="div")
    except etree.ParserError:
        return markup
    for el in list(root.iter()):
        if _FURNITURE & set((el.get("class") or "").split()):
            parent = el.getparent()
            if parent is not None:
                if el.tail:  # keep what follows the furniture
                    previous = el.getprevious()
                    if previous is not None:
                        previous.tail = (previous.tail or "") + el.tail
                    else:
                        parent.text = (parent.text or "") + el.tail
                parent.remove(el)
    return etree.tostring(root, encoding="unicode", method="html")


def _has_block(el: etree._Element) -> bool:
    return any(local(d) in _BLOCKS for d in el.iterdescendants())


def html_text(markup: str | None) -> str | None:
    """Untrusted HTML (a title, a summary) flattened to one line of plain text."""
    if not markup:
        return None
    return squash(" ".join(html_paragraphs(markup)))


# -- bylines ------------------------------------------------------------------------------

_BY = re.compile(r"^\s*by\s+", re.I)
_NAME_JOINERS = re.compile(r"\s*(?:,\s*and\s+|\s+and\s+|;\s*|,\s*|\s*&\s*)\s*", re.I)
_TITLE_WORDS = re.compile(
    r"\b(?:writer|correspondent|reporter|editor|staff|bureau|chief|photographer|"
    r"columnist|contributor|analyst|special to)\b",
    re.I,
)


def byline_names(line: str, *, agencies: Iterable[str] = ()) -> list[str]:
    """The people of a printed byline: ``By Jane Doe and John Roe`` → both.

    "By" goes, the names are parted where the line joins them (``and``, ``&``,
    ``;``, commas), and a part that is a title ("Staff Writer") or one of the
    ``agencies`` ("AFP" in "By Jane Doe, AFP") is left out: a byline names
    people, the agency is the provider. The ANPA and NewsML 1 readers split
    their bylines with it."""
    agency = {a.casefold() for a in agencies if a}
    names = []
    for part in _NAME_JOINERS.split(_BY.sub("", line)):
        name = part.strip(" ,;–-")
        if name and not _TITLE_WORDS.search(name) and name.casefold() not in agency:
            names.append(name)
    return names


# -- values every parser checks -------------------------------------------------------------

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
MAX_GUID = 1024
MAX_URL = 4096


def language_tag(text: str | None) -> str | None:
    """A BCP 47-looking language tag (``en``, ``en-GB``), or None."""
    value = squash(text)
    return value if value and _LANGUAGE.match(value) else None


URGENCIES = range(1, 10)
"""IPTC urgency: 1 the most urgent, 5 normal, 9 the least (NITF's ``ed-urg`` stops at 8)."""


def urgency_of(value: object) -> int | None:
    """An urgency as the input writes it (``4``, ``"4"``, ``" 4 "``) when it is one
    of 1–9; None for anything else, which the parsers treat as "not stated"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value in URGENCIES else None


def _url(value: str | None, what: str, review: list[str]) -> str | None:
    if value is not None and len(value) > MAX_URL:
        review.append(f"{what} longer than {MAX_URL} characters dropped")
        return None
    return value


def conform(story: Story, *, name: str) -> Story:
    """The story with values the story schema refuses dropped and noted for review.

    A guid over ``MAX_GUID`` characters, or one holding NUL (which PostgreSQL text
    cannot store and SQLite truncates), is not dropped but refused
    (``MalformedInput``): without its id a story cannot be versioned."""
    if len(story.guid) > MAX_GUID:
        raise MalformedInput(name, f"guid longer than {MAX_GUID} characters")
    if "\x00" in story.guid:
        raise MalformedInput(name, "guid contains a NUL character")
    review = list(story.review)
    language = story.language
    if language is not None and not _LANGUAGE.match(language):
        review.append(f"language {language!r} is not a language tag: dropped")
        language = None
    dateline = story.dateline
    if dateline is not None and dateline.date is not None:
        try:
            date.fromisoformat(dateline.date)
        except ValueError:
            review.append(f"dateline date {dateline.date!r} is not YYYY-MM-DD: dropped")
            dateline = Dateline(place=dateline.place, agency=dateline.agency)
    urgency = story.urgency
    if urgency is not None and urgency_of(urgency) is None:
        review.append(f"urgency {urgency!r} is not 1-9: dropped")
        urgency = None
    return replace(
        story,
        urgency=urgency,
        language=language,
        dateline=dateline,
        link=_url(story.link, "link", review),
        version_created=in_range(story.version_created),
        first_created=in_range(story.first_created),
        published_at=in_range(story.published_at),
        embargoed_until=in_range(story.embargoed_until),
        pictures=tuple(replace(p, url=_url(p.url, "picture url", review)) for p in story.pictures),
        sources=tuple(replace(s, url=_url(s.url, "source url", review)) for s in story.sources),
        related=tuple(replace(r, url=_url(r.url, "related url", review)) for r in story.related),
        review=tuple(dict.fromkeys(review)),
    )


def origin_of(
    data: bytes, *, fmt: str, source: str | None, fetched_at: datetime, url: str | None
) -> Origin:
    """The provenance every story parsed from ``data`` carries: the sha256 names the
    raw bytes in the archive."""
    return Origin(
        source=source,
        format=fmt,
        fetched_at=fetched_at,
        raw_sha256=hashlib.sha256(data).hexdigest(),
        url=url,
    )


def finish(stories: Iterable[Story], *, name: str, policy: SourcePolicy | None) -> list[Story]:
    """The last step of every parser: values conformed, then the source's policy applied
    (after conforming, so the policy fills gaps a dropped value left)."""
    return [apply_policy(conform(s, name=name), policy) for s in stories]
