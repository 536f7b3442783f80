"""IPTC 7901 (the IPTC recommended message format: dpa and other European
agencies) bytes → draft stories, one a message. Pure.

A message (``wire.ingest.wireframes``) opens with SOH and a header line:
source letters and message number (``eca062``), the priority digit (1 flash
… 6), the category (1–3 letters), the word count, then optional selectors
and the originator (``dpa 061``). The keyword line(s) follow (``Germany-
politics/``). The text starts at STX with the headline block, ending `` =``:
take markers (``REFILE``, ``1ST LEAD``), the headline, ``By …``. Paragraphs
are parted by empty lines and open with the dateline (``Berlin (dpa) - ``).
At the end: what is "not for publication" (notes to editors), then the
sign-off (``dpa wsz jln``). After ETX a time stamp, ``DDHHMM [GMT] Mon YY``,
whose month may be written in German (``Okt``).

Where the header's fields go:

- priority → ``urgency`` (``PRIORITIES``): 1 flash, 2 bulletin and 3 urgent
  keep their numbers; 4, the regular priority, is IPTC's normal 5; 5 and 6,
  the deferrable priorities, are 6 and 7. The spec's digits run 1–6, IPTC
  urgency 1–9: the mapping is wire's, made so that "regular" means "normal".
- category → ``subjects``, by name where the category is one of those
  ``CATEGORIES`` knows (dpa's and KNA's German desk codes, the English
  services' letters); another category gives no subject: a bare code would
  mean nothing to a reader.
- the keyword line(s) → ``keywords``, one each between the slashes, and all of
  them together the ``slugline`` (and, with the day, the guid).
- take markers (``1ST LEAD``, ``CORRECTION``) → ``signals`` (``update``,
  ``correction``), and, as printed, the start of ``ed_note``.
- originator (``dpa``, ``dpa-tns``, ``KNA``) → ``provider``, as the copy names
  it (a source policy spells the name out, ``wire.attribution``). It is the
  last word of the header's tail that is followed by the originator's own
  reference number, or the last of several words; a lone word with no number
  after it is taken for a selector.

Deliberately dropped: the source letters and message number (the line's
transmission sequence, no identity across cycles), the selectors (routing
codes for the receiving desks, about the subscriber, not the story), the
originator's reference number (its internal sequence) and the word count (the
body is there to count).
"""

from __future__ import annotations

import re
from datetime import datetime

from wire.attribution import SourcePolicy
from wire.errors import MalformedInput
from wire.ingest.identity import copy_guid, derived_guid
from wire.ingest.values import origin_of
from wire.ingest.wireframes import (
    Message,
    at_zone,
    headline_and_review,
    parse_messages,
    plain,
    version_signals,
)
from wire.model import Dateline, Provider, Story

_HEADER = re.compile(
    r"(?P<source>[A-Za-z]{1,5})(?P<number>\d{2,5}) (?P<priority>\d) (?P<category>[A-Za-z]{1,3})"
    r" (?P<words>\d{1,5})(?P<rest>(?: .*)?)$"
)
_START = re.compile(r"\x01" + _HEADER.pattern.rstrip("$"), re.M)
_STAMP = re.compile(
    r"(?P<day>\d\d)(?P<hour>\d\d)(?P<minute>\d\d)(?: (?P<zone>[A-Z]{2,4}))?"
    r" (?P<month>[A-Za-zä]{3,4})\.? (?P<year>\d\d)"
)
_MONTHS = {
    **{m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), 1)},
    **{m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), 7)},
    "mär": 3,
    "mrz": 3,
    "mai": 5,
    "okt": 10,
    "dez": 12,
    "sept": 9,
}
"""Month abbreviations of time stamps, English and German."""
_MARKER = re.compile(r"^(?:[A-Z0-9][A-Z0-9 .-]*|\([^)]*\))$")
_BY = re.compile(r"^By\s+", re.I)
_AGENCY_SUFFIX = re.compile(r",\s*[a-z][\w-]*$")
_NOT_FOR_PUBLICATION = re.compile(r"not (?:intended )?for publication", re.I)
_NOTEBOOK = re.compile(r"^(?:#+ .*|(?:\* ?){3,})$")
_SIGNOFF = re.compile(r"^[a-z][\w-]{1,10}(?: [a-z]{1,4}){1,6}$")
_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][\w .'’-]{0,40}?) \((?P<agency>[\w/&. -]{1,30})\) [-–] "
)


PRIORITIES = {1: 1, 2: 2, 3: 3, 4: 5, 5: 6, 6: 7}
"""IPTC 7901 priority digits (1 flash … 6) as IPTC urgencies (1 most urgent … 9)."""

CATEGORIES = {
    "pl": "Politics",
    "wi": "Economy",
    "ku": "Culture",
    "sp": "Sports",
    "vm": "Miscellaneous",
    "wt": "Science and technology",
    "i": "International news",
    "s": "Sports",
    "e": "Economy",
    "k": "Culture",
}
"""Category codes of the IPTC 7901 services: the German desks' two letters
(politics, economy, culture, sports, "Vermischtes") and the English services'
one letter, by the subject each names."""

_REFERENCE = re.compile(r"\d")
_WORD = re.compile(r"^[^\W\d_][\w-]*$")


def originator(tail: str) -> Provider | None:
    """The agency at the end of the header line: ``ccccb   dpa 061`` → dpa."""
    words = tail.split()
    named = [i for i, w in enumerate(words) if _WORD.match(w)]
    if not named:
        return None
    last = named[-1]
    followed = any(_REFERENCE.search(w) for w in words[last + 1 :])
    return Provider(words[last]) if followed or len(named) > 1 else None


def is_iptc7901(text: str) -> bool:
    """Whether the document opens the way an IPTC 7901 message does: SOH, then
    source and number, a priority digit, a category and a word count."""
    return _START.match(text.lstrip(" \r\n")) is not None


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines to paragraphs: an empty line parts them, the lines of one are joined."""
    out: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        text = plain(line)
        if text:
            current.append(text)
        elif current:
            out.append(" ".join(current))
            current = []
    return out


def _stamp(trailer: str) -> datetime | None:
    m = _STAMP.search(trailer)
    month = _MONTHS.get(m["month"].lower()) if m else None
    if m is None or month is None:
        return None
    try:
        year = datetime.strptime(m["year"], "%y").year
        wall = datetime(year, month, int(m["day"]), int(m["hour"]), int(m["minute"]))
    except ValueError:
        return None
    return at_zone(wall, m["zone"] or "GMT")


def _story(
    message: Message,
    *,
    data: bytes,
    name: str,
    fetched_at: datetime,
    source: str | None,
    url: str | None,
) -> Story:
    first, _, keyword_lines = message.header.partition("\n")
    head = _HEADER.match(first.strip())
    if head is None:
        raise MalformedInput(name, "not an IPTC 7901 header (source, number, priority, category)")
    keywords = [k for line in keyword_lines.split("\n") for k in plain(line).split("/") if k]
    slug = "/".join(keywords) or None
    block, equals, rest = message.text.partition(" =")
    if not equals:  # no headline block: the first line is the headline
        block, _, rest = message.text.partition("\n")
    heads = [plain(line) for line in block.split("\n") if plain(line)]
    byline: tuple[str, ...] = ()
    if heads and _BY.match(heads[-1]):
        who = _AGENCY_SUFFIX.sub("", _BY.sub("", heads.pop()))
        byline = (who,) if who else ()
    headline = heads.pop() if heads else None
    markers = [h for h in heads if _MARKER.match(h)]
    lines = rest.split("\n")
    notes: list[str] = []
    for i, line in enumerate(lines):
        if _NOT_FOR_PUBLICATION.search(line):
            notes = _paragraphs(lines[i + 1 :])
            lines = lines[:i]
            break
    paragraphs = [p for p in _paragraphs(lines) if not _NOTEBOOK.match(p)]
    editor = None
    if notes and _SIGNOFF.match(notes[-1]):
        editor = notes.pop()
    elif paragraphs and _SIGNOFF.match(paragraphs[-1]):
        editor = paragraphs.pop()
    dateline = None
    if paragraphs and (m := _DATELINE.match(paragraphs[0])):
        paragraphs[0] = paragraphs[0][m.end() :]
        dateline = Dateline(place=m["place"], agency=m["agency"])
    sent = _stamp(message.trailer)
    headline, review = headline_and_review(
        headline, paragraphs, sent, name=name, layout="IPTC 7901"
    )
    day = (sent or fetched_at).date().isoformat()
    guid = (
        derived_guid(source, f"iptc7901\n{slug.casefold()}\n{day}")
        if slug
        else copy_guid(
            source,
            url=url,
            headline=headline,
            place=dateline.place if dateline else None,
            date=day,
            body=tuple(paragraphs),
        )
    )
    notes = [" / ".join(markers)] * bool(markers) + notes  # the take markers first
    category = CATEGORIES.get(head["category"].lower())
    return Story(
        guid=guid,
        urgency=PRIORITIES.get(int(head["priority"])),
        provider=originator(head["rest"]),
        subjects=(category,) if category else (),
        signals=version_signals(" ".join(markers)),
        version_created=sent or fetched_at,
        first_created=sent,
        published_at=sent,
        headline=headline,
        slugline=slug,
        body=tuple(paragraphs),
        byline=byline,
        dateline=dateline,
        editor=editor,
        ed_note="; ".join(notes) or None,
        keywords=tuple(dict.fromkeys(keywords)),
        origin=origin_of(data, fmt="iptc7901", source=source, fetched_at=fetched_at, url=url),
        review=review,
    )


def parse_iptc7901(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
) -> list[Story]:
    """Every message of an IPTC 7901 document as a draft story, in order (a lead
    under the same keywords on the same day is the same story's next version).
    Raises ``MalformedInput`` or ``NoContent``."""
    return parse_messages(
        _story, data, name=name, fetched_at=fetched_at, source=source, policy=policy, url=url
    )
