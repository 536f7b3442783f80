"""What the older agency wires share: messages framed by control characters. Pure.

ANPA 1312 (AP and the American agencies) and IPTC 7901 (dpa and the European
agencies) were made for teleprinter lines: a message opens with SOH (after two
SYNs in ANPA), its header runs to STX, its text to ETX, a time stamp follows,
and EOT closes it; a file may carry several messages. This module finds the
messages and decodes their text; ``wire.ingest.anpa`` and
``wire.ingest.iptc7901`` read each layout. Hand-written: no maintained Python
library reads either format (the readers that exist live inside newsroom
systems, bound to their own item models), and both are fixed byte layouts
that a few regular expressions describe exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from wire.attribution import SourcePolicy
from wire.errors import MalformedInput, NoContent
from wire.ingest.values import finish
from wire.model import Story
from wire.text import one_line

SYN, SOH, STX, ETX, EOT = "\x16", "\x01", "\x02", "\x03", "\x04"
FRAMING = frozenset(SYN + SOH + STX + ETX + EOT)

_MESSAGE_START = re.compile(r"\x16*\x01")
_LINE_END = re.compile(r"\r\n|\r")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Message:
    """One framed message: its header (SOH to STX), its text (STX to ETX) and
    what follows ETX (the time stamp), with line ends folded to ``\\n``."""

    header: str
    text: str
    trailer: str


def decode_wire(data: bytes) -> str:
    """The bytes as text: UTF-8 when they are valid UTF-8, else Windows-1252 (the
    8-bit set agency desks sent, a superset of ISO-8859-1's printable
    characters), else ISO-8859-1, which decodes any byte. Control characters
    stay: they are the framing."""
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def messages(text: str, name: str) -> list[Message]:
    """Every message in the document, in order. ``MalformedInput`` when one has
    no STX (a header with no text) or the document has no message at all."""
    text = _LINE_END.sub("\n", text)
    starts = [m.end() for m in _MESSAGE_START.finditer(text)]
    found: list[Message] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        chunk = chunk.split(EOT, 1)[0]
        header, stx, rest = chunk.partition(STX)
        if not stx:
            raise MalformedInput(name, f"message {i + 1} has a header but no STX (no text)")
        body, _, trailer = rest.partition(ETX)
        found.append(Message(header, body, trailer))
    if not found:
        raise MalformedInput(name, "no SOH-framed message found")
    return found


def plain(line: str) -> str:
    """A line of wire text as it prints: other control characters gone, runs of
    spaces one space."""
    return one_line(_OTHER_CONTROLS.sub(" ", line))


def title_case_caps(text: str) -> str:
    """``BUENOS AIRES`` → ``Buenos Aires``: wire copy sets datelines and bylines
    in capitals; text with any lower-case letter is left as it is."""
    if any(c.islower() for c in text):
        return text
    return re.sub(r"[^\W\d_]+(?:['’][^\W\d_]+)?", lambda m: m.group(0).capitalize(), text)


ZONES = {
    "GMT": 0,
    "UTC": 0,
    "UT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "MEZ": 1,
    "CET": 1,
    "MESZ": 2,
    "CEST": 2,
}
"""Zone abbreviations agency time stamps use, as hours from UTC."""


def at_zone(moment: datetime, zone: str) -> datetime | None:
    """``moment`` (naive, wall time) in the named zone as an aware instant; None
    for a zone this table does not know."""
    hours = ZONES.get(zone.upper())
    if hours is None:
        return None
    return moment.replace(tzinfo=timezone(timedelta(hours=hours)))


def headline_and_review(
    headline: str | None,
    paragraphs: Sequence[str],
    sent: datetime | None,
    *,
    name: str,
    layout: str,
) -> tuple[str, tuple[str, ...]]:
    """A message's headline, and what the desk is told of it: a message with no
    headline (an alert) is headed by its first paragraph, one with no time stamp
    is dated at its receipt. ``NoContent`` when there is neither headline nor text."""
    review: list[str] = []
    if not headline:
        if not paragraphs:
            raise NoContent(name, f"{layout} message with neither a headline nor text")
        headline = paragraphs[0][:120]
        review.append("no headline (an alert): headline taken from the first paragraph")
    if sent is None:
        review.append("no time stamp after ETX: the time of receipt is used")
    return headline, tuple(review)


_UPDATE = re.compile(r"ld\b|lead|writethru|update|\bsub\b|add\b", re.I)
_CORRECTION = re.compile(r"\bcor(?:rection|rects|rective)?\b", re.I)


def version_signals(version: str | None) -> tuple[str, ...]:
    """The signals a take's version names (ANPA's ``1stLd-Writethru``, IPTC
    7901's ``1ST LEAD``) → ``update``, ``Correction`` → ``correction``; none for
    a first take."""
    if not version:
        return ()
    words = version.replace("-", " ")
    found = []
    if _CORRECTION.search(words):
        found.append("correction")
    if _UPDATE.search(words):
        found.append("update")
    return tuple(found)


MessageReader = Callable[..., Story]
"""One layout's reader of a message: ``(message, *, data, name, fetched_at,
source, url) → Story``."""


def parse_messages(
    read: MessageReader,
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None,
    policy: SourcePolicy | None,
    url: str | None,
) -> list[Story]:
    """Every message of the document read by ``read``, in order, then finished
    (``wire.ingest.values.finish``) like every parser's stories."""
    found = messages(decode_wire(data), name)
    stories = [
        read(m, data=data, name=name, fetched_at=fetched_at, source=source, url=url) for m in found
    ]
    return finish(stories, name=name, policy=policy)
