"""Attribution as a partner prints it: the byline, dateline, credit, sources and
rights of a story in words, one pure function each.

Formats that carry attribution as text rather than fields — the plain-text story,
NITF's byline, tagline and bibliography, the printed byline of feeds (``wire:byline``,
NewsML-G2 ``by``), the story page — print it from here, so the words a partner is
told to print are the same wherever it reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Final

from wire.formats.roles import ROLE_WORDS, ROLE_WORDS_FALLBACK
from wire.model import Dateline, InfoSource, Picture, PubStatus, Rights, Story
from wire.text import one_line


def list_in_words(names: Sequence[str], also: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C`` (``also``: the language's "and")."""
    if len(names) <= 2:
        return f" {also} ".join(names)
    return ", ".join(names[:-1]) + f" {also} " + names[-1]


def byline_line(byline: Sequence[str]) -> str:
    """``Eva Novak, Piet de Vries``: the names on one line ("" without a byline),
    in no language's words, where a format or a reader shows one author field
    (``wire:byline``, NewsML-G2 ``by``, ninjs ``by``, the page's "By")."""
    return ", ".join(n for n in (one_line(n) for n in byline) if n)


def printed_byline(byline: Sequence[str]) -> str | None:
    """``By Eva Novak and Piet de Vries``, the English printed line of the
    plain-text story; None without a byline."""
    names = [n for n in (one_line(n) for n in byline) if n]
    return f"By {list_in_words(names)}" if names else None


def printed_date(iso: str | None) -> str | None:
    """A dateline's ISO calendar date as printed (``December 1, 2026``), else as given."""
    if not iso:
        return None
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day:%B} {day.day}, {day.year}"


def dateline_line(dateline: Dateline) -> str:
    """``Moscow, MINA, 2026-12-01``: the dateline's parts on one line, as the
    dateline elements of feeds carry it (``wire:dateline``, NewsML-G2 ``dateline``,
    ninjs's dateline description, the page's "Dateline")."""
    return ", ".join(p for p in (dateline.place, dateline.agency, dateline.date) if p)


def printed_dateline(dateline: Dateline | None) -> str | None:
    """``MOSCOW, December 1, 2026 (MINA) –``: place in capitals, date, agency."""
    if dateline is None or not dateline.place.strip():
        return None
    line = one_line(dateline.place).upper()
    if (when := printed_date(dateline.date)) is not None:
        line += f", {when}"
    if dateline.agency:
        line += f" ({one_line(dateline.agency)})"
    return line + " –"


def printed_credit(credit_line: str | None) -> str | None:
    """``Credit: Harbour Wire``: the credit line a partner must print."""
    return f"Credit: {one_line(credit_line)}" if credit_line and credit_line.strip() else None


def sources_in_words(
    sources: tuple[InfoSource, ...],
    roles: Mapping[str, str] = ROLE_WORDS,
    fallback: str = ROLE_WORDS_FALLBACK,
    also: str = "and",
) -> str | None:
    """``As reported by Al Jazeera and Reuters; according to AFP.``: the outlets a
    story relies on, those of one role together, in the order the story names them
    (in English unless ``roles``, ``fallback`` and ``also`` give another language)."""
    by_role: dict[str, dict[str, None]] = {}
    for source in sources:
        by_role.setdefault(source.role, {})[one_line(source.name)] = None
    phrases = [
        f"{roles.get(role, fallback)} {list_in_words(list(names), also)}"
        for role, names in by_role.items()
    ]
    if not phrases:
        return None
    text = "; ".join(phrases)
    return text[0].upper() + text[1:] + "."


def printed_rights(rights: Rights) -> list[str]:
    """The copyright line (the notice, else ``© holder``) and the usage terms."""
    lines: list[str] = []
    if rights.copyright_notice:
        lines.append(one_line(rights.copyright_notice))
    elif rights.copyright_holder:
        lines.append(f"© {one_line(rights.copyright_holder)}")
    if rights.usage_terms:
        lines.append(f"Usage terms: {one_line(rights.usage_terms)}")
    return lines


def picture_line(index: int, picture: Picture) -> str:
    """``Picture 1: The bridge at dusk. Credit: Kees Vos / HW. © HW``."""
    parts = [f"Picture {index}:"]
    if picture.caption:
        parts.append(one_line(picture.caption).rstrip(".") + ".")
    if picture.credit:
        parts.append(f"Credit: {one_line(picture.credit)}.")
    if picture.copyright:
        parts.append(one_line(picture.copyright))
    if picture.url:
        parts.append(f"<{picture.url}>")
    return " ".join(parts)


STATUS_WORDS: Final = {
    PubStatus.WITHHELD: "Withheld: do not publish this story until further notice.",
    PubStatus.CANCELED: "Killed: this story has been withdrawn and must not be published.",
}
"""What a reader is told of a story no longer usable (a usable story says nothing)."""


def printed_status(status: PubStatus) -> str | None:
    """The notice a withheld or killed story carries, in words; None when usable."""
    return STATUS_WORDS.get(status)


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def machine_time(when: datetime) -> str:
    """``2026-11-28T11:00:00Z``: the same instant for a ``<time datetime>``."""
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def printed_time(when: datetime) -> str:
    """``28 November 2026, 11:00 UTC``: an instant as a page prints it, in UTC
    (the page says which zone, the ``<time>`` element carries the instant)."""
    utc = _utc(when)
    return f"{utc.day} {utc:%B %Y, %H:%M} UTC"


CORRECTION_SIGNAL: Final = "correction"
"""The signal a corrected version carries (``Wire.correct`` sets it)."""


def correction_note(story: Story) -> str | None:
    """The visible note a corrected story carries, or None when it is no correction."""
    if CORRECTION_SIGNAL not in story.signals:
        return None
    note = one_line(story.ed_note) if story.ed_note else ""
    return f"Correction (version {story.version}): {note}".rstrip(": ").rstrip()


def notices(story: Story) -> tuple[str, ...]:
    """What a reader must see before the story: its status in words when it is
    not usable (a kill first of all), then its correction note."""
    return tuple(n for n in (printed_status(story.pub_status), correction_note(story)) if n)
