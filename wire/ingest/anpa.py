"""ANPA 1312 (the AP wire format) bytes → draft stories, one a message. Pure.

A message (``wire.ingest.wireframes``) opens ``SYN SYN SOH`` with a service
letter, a four-digit message number and, after a US, the selector. Its second
line holds the priority letter, the category letter, the format bytes (DC3
DC1 text, DC4 DC2 tables), the keyword (``BC-US--HarborStorm``), the version
(``1stLd-Writethru``), the filing date and the word count. The text's header
lines start with ``^`` and end ``<`` (slug, headline, photo, ``Eds:``) or
``=`` (byline and its title); paragraphs start with a tab; table rows with a
BS, their cells parted by US and RS. After ETX, a time stamp such as
``AP-NY-04-15-92 1256EDT`` says when the message was sent.

Where the header's fields go:

- priority → ``urgency`` (``PRIORITIES``): ``f`` flash 1, ``b`` bulletin 2,
  ``u`` urgent 3, ``r`` regular 5 (IPTC's "normal"), ``d`` deferred 6, ``a``
  advance (copy for later use) 7. The letters are ANPA's, in its order of
  precedence; the numbers are wire's reading of them on IPTC's 1–9 scale,
  regular landing on IPTC's normal 5. A letter not in the table is no urgency.
- category → ``subjects``, by AP's name for it (``CATEGORIES``); a letter not
  in the table gives no subject.
- keyword → ``slugline`` when the text has no slug line of its own, and the
  guid with the filing date (a later take of the same keyword and day is the
  same story's next version). Not a keyword: it is the story's slug, and
  feeds filtering on keywords would match one story each.
- version → ``signals`` (``wireframes.version_signals``): a lead,
  write-through or add (``1stLd``, ``Writethru``, ``Update``, ``Sub``,
  ``2ndAdd``) is ``update``, a correction (``Correction``, ``Cor``,
  ``Corrects``) ``correction``.
- the time stamp's agency (``AP`` in ``AP-NY-…``) → ``provider``, as the copy
  names it (a source policy spells the name out, ``wire.attribution``); its
  time → the story's times.

Deliberately dropped: the service letter and message number (the line's
transmission sequence, renumbered every cycle, so no identity), the selector
(routing codes for the receiving terminal, about the subscriber, not the
story), the format bytes (read: they say whether the text is a table), the
word count (the body is there to count) and the time stamp's desk code
(``NY``: the sending desk, no field for it).

Typesetting conventions are printed as partners print them: ```` `` ```` and
``''`` as curly quotes, `` _ `` as a dash, bylines and datelines in capitals
in title case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from wire.attribution import SourcePolicy
from wire.errors import MalformedInput
from wire.ingest.identity import derived_guid
from wire.ingest.values import byline_names, origin_of
from wire.ingest.wireframes import (
    Message,
    at_zone,
    headline_and_review,
    parse_messages,
    plain,
    title_case_caps,
    version_signals,
)
from wire.model import Dateline, Picture, Provider, Story

_IDENT = re.compile(r"(?P<service>[A-Za-z])(?P<number>\d{4})(?:\x1f(?P<selector>[\w-]*))?")
_LINE1 = re.compile(r"\x16*\x01" + _IDENT.pattern)
_LINE2 = re.compile(
    r"(?P<priority>[a-z]) (?P<category>[a-z])(?P<format>[\x13\x14][\x11\x12]) "
    r"(?P<keyword>\S+)(?: (?P<version>\S+))?\s+(?P<date>\d\d-\d\d)(?: +(?P<words>\d{1,5}))?\s*$",
    re.I,
)
_TRAILER = re.compile(
    r"(?P<agency>[A-Z]{2,4})-(?P<desk>[A-Z]{2,3})-(?P<month>\d\d)-(?P<day>\d\d)-(?P<year>\d\d)"
    r" (?P<hour>\d\d)(?P<minute>\d\d)(?P<zone>[A-Z]{2,4})"
)
_CYCLE = re.compile(r"^(?:BC|AM|PM|AP)-", re.I)
_BY = re.compile(r"^By\s+", re.I)
_EDS = re.compile(r"^(?:Eds?:|EDITOR'?S NOTE\s*_?)\s*", re.I)
_PHOTO = re.compile(r"^(?:With\s+)?(?P<credit>AP Photos?)\b", re.I)
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’ -]*[A-Z.](?:, [A-Z][\w.'’ -]*?)?)"
    r" \((?P<agency>[A-Za-z][\w/&. -]{0,30})\) [_—] "  # read after ``typeset``: a dash
)
_CELLS = re.compile(r"[\x1f\x1e]+")
_RULE = re.compile(r"^_{3,}$|^END$", re.I)

CATEGORIES = {
    "a": "Domestic news",
    "b": "Special events",
    "c": "Features",
    "d": "Food",
    "e": "Entertainment",
    "f": "Financial",
    "i": "International news",
    "j": "Lottery results",
    "k": "Commentary",
    "l": "Lifestyles",
    "n": "State and regional news",
    "o": "Weather",
    "p": "Politics",
    "q": "Sports results",
    "r": "Racing",
    "s": "Sports",
    "t": "Travel",
    "v": "Advisories",
    "w": "Washington news",
}
"""AP's category letters, by the names AP gives them: a story's subject."""

PRIORITIES = {"f": 1, "b": 2, "u": 3, "r": 5, "d": 6, "a": 7}
"""ANPA priority letters (flash, bulletin, urgent, regular, deferred, advance)
as IPTC urgencies (1 most urgent … 9)."""


def is_anpa(text: str) -> bool:
    """Whether the document opens the way an ANPA 1312 message does: SOH (after
    SYNs), service letter and message number, then a second line with a
    priority letter, a category letter and the format bytes."""
    first, _, rest = text.lstrip(" \r\n").partition("\n")
    second = rest.split("\n", 1)[0].rstrip("\r")
    return _LINE1.match(first) is not None and _LINE2.match(second) is not None


@dataclass
class _Text:
    """What a message's text holds, sorted out line by line."""

    slug: str | None = None
    headline: str | None = None
    decks: list[str] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)


def typeset(text: str) -> str:
    """Wire typing conventions as printed: quotes, the dash, hard spaces."""
    text = text.replace("\x10", " ").replace("``", "“").replace("''", "”")
    text = re.sub(r"(?<=\S) _ (?=\S)", " — ", text)
    return plain(text)


def _names(line: str) -> list[str]:
    return [title_case_caps(n) for n in byline_names(line)]


def _read_text(body: str) -> _Text:
    out = _Text()
    after_byline = False
    for raw in body.split("\n"):
        if raw.startswith("\x08"):  # a table row: its cells, apart
            row = raw[1:].lstrip("^")
            cells = [typeset(c) for c in _CELLS.split(row)]
            if any(cells):
                out.paragraphs.append(" | ".join(c for c in cells if c))
            continue
        if raw.startswith("^"):
            line = typeset(raw[1:].rstrip().rstrip("<=").rstrip())
            ends = raw.rstrip()[-1:]
            if not line:
                continue
            if out.slug is None and not out.headline and _CYCLE.match(line):
                out.slug = line.split(",", 1)[0].strip()
            elif line.upper() == "END":
                break
            elif _EDS.match(line):
                out.notes.append(_EDS.sub("", line))
            elif photo := _PHOTO.match(line):
                out.pictures.append(Picture(credit=photo.group("credit")))
            elif ends == "=" and _BY.match(line):
                out.byline += _names(line)
                after_byline = True
            elif ends == "=" and after_byline:
                continue  # the byline's title ("Associated Press Writer")
            elif out.headline is None:
                out.headline = line
            else:
                out.decks.append(line)
            continue
        line = typeset(raw)
        if not line or _RULE.match(line):
            continue
        if raw.startswith("\t") or not out.paragraphs:
            out.paragraphs.append(line)
        else:  # a line that continues the paragraph above it
            out.paragraphs[-1] += " " + line
    return out


def _dateline(paragraphs: list[str]) -> Dateline | None:
    """The dateline opening the first paragraph, taken out of it."""
    if not paragraphs:
        return None
    m = _DATELINE.match(paragraphs[0])
    if m is None:
        return None
    paragraphs[0] = paragraphs[0][m.end() :]
    city, comma, region = m.group("place").partition(",")  # "BUENOS AIRES, Argentina"
    return Dateline(place=title_case_caps(city) + comma + region, agency=m.group("agency"))


def _agency(trailer: str) -> Provider | None:
    m = _TRAILER.search(trailer)
    return Provider(m["agency"]) if m else None


def _sent_at(trailer: str) -> datetime | None:
    m = _TRAILER.search(trailer)
    if m is None:
        return None
    try:
        wall = datetime.strptime(
            f"{m['year']}-{m['month']}-{m['day']} {m['hour']}:{m['minute']}", "%y-%m-%d %H:%M"
        )
    except ValueError:
        return None
    return at_zone(wall, m["zone"])


def _story(
    message: Message,
    *,
    data: bytes,
    name: str,
    fetched_at: datetime,
    source: str | None,
    url: str | None,
) -> Story:
    first, _, rest = message.header.partition("\n")
    second = rest.strip("\n").split("\n", 1)[0]
    head = _LINE2.match(second)
    if _IDENT.match(first) is None or head is None:
        raise MalformedInput(name, "not an ANPA 1312 header (service, number, priority line)")
    text = _read_text(message.text)
    dateline = _dateline(text.paragraphs)
    sent = _sent_at(message.trailer)
    headline, review = headline_and_review(
        text.headline, text.paragraphs, sent, name=name, layout="ANPA"
    )
    category = CATEGORIES.get(head["category"].lower())
    keyword = head["keyword"]
    return Story(
        guid=derived_guid(source, f"anpa\n{keyword.casefold()}\n{head['date']}"),
        urgency=PRIORITIES.get(head["priority"].lower()),
        provider=_agency(message.trailer),
        signals=version_signals(head["version"]),
        version_created=sent or fetched_at,
        first_created=sent,
        published_at=sent,
        headline=headline,
        summary=" ".join(text.decks) or None,
        slugline=text.slug or keyword,
        body=tuple(text.paragraphs),
        byline=tuple(dict.fromkeys(text.byline)),
        dateline=dateline,
        pictures=tuple(dict.fromkeys(text.pictures)),
        ed_note=" ".join(text.notes) or None,
        subjects=(category,) if category else (),
        origin=origin_of(data, fmt="anpa", source=source, fetched_at=fetched_at, url=url),
        review=review,
    )


def parse_anpa(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
) -> list[Story]:
    """Every message of an ANPA 1312 document as a draft story, in order (a
    later take of the same keyword on the same day is the same story's next
    version). Raises ``MalformedInput`` or ``NoContent``."""
    return parse_messages(
        _story, data, name=name, fetched_at=fetched_at, source=source, policy=policy, url=url
    )
