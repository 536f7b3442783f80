"""Printed times in the few forms most agency copy uses, read without dateparser. Pure.

dateparser reads almost any date in any language, at a millisecond or more a
phrase: most of what extracting a story cost. The forms here ("5 hours ago",
"5 jam yang lalu", "Thursday, July 3, 2025 10:30 p.m.", "3 Juli 2025 10:30
+0700", "2025-07-03") are read by a regular expression per language, built
from that language's names in ``wire/ingest/patterns``, and come out exactly
as dateparser reads them with the settings ``wire.ingest.extract`` gives it
(``tests/test_dates.py`` checks it). Anything else, or anything doubtful (an
hour that does not fit "a.m.", a day the month has not), is ``None``: the
caller asks dateparser, so the fast path never decides a phrase dateparser
would read differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["DateNames", "read_date", "read_relative"]

_UNITS = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
}
"""The units a relative phrase may count here: fixed lengths. Months and years
(calendar arithmetic) are left to dateparser."""

_TIME = (
    r"(?:,?\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<half>[ap])\.?m\.?)?)?(?:\s+(?P<offset>[+-]\d{4}))?"
)
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?P<zulu>Z)?)?"
)


@dataclass(frozen=True, slots=True, eq=False)
class DateNames:
    """One language's words for the forms this module reads (all casefolded).

    Compared and hashed by identity: one per shipped language, loaded once."""

    months: dict[str, int]  # a month's names and abbreviations → its number
    weekdays: frozenset[str]
    ago: re.Pattern[str]  # a relative phrase, with groups ``count`` and ``unit``
    counts: dict[str, int]  # number words a relative phrase may count with ("an" → 1)
    units: dict[str, str]  # a unit's word → a key of ``_UNITS``
    absolute: re.Pattern[str] | None  # a printed date in these names (None without months)

    @classmethod
    def build(
        cls,
        *,
        months: Iterable[str],
        weekdays: Iterable[str],
        ago: str,
        counts: dict[str, int],
        units: dict[str, list[str]],
    ) -> DateNames:
        """From the pattern files' shapes: ``months`` one string of names per
        month, in order; ``units`` a key of ``_UNITS`` → its words."""
        unknown = set(units) - set(_UNITS)
        if unknown:
            raise ValueError(f"units must be among {sorted(_UNITS)}, not {sorted(unknown)}")
        month_numbers = {
            n.casefold(): i for i, names in enumerate(months, 1) for n in names.split()
        }
        weekday_names = frozenset(w.casefold() for w in weekdays)
        return cls(
            months=month_numbers,
            weekdays=weekday_names,
            ago=re.compile(ago, re.IGNORECASE),
            counts={k.casefold(): v for k, v in counts.items()},
            units={w.casefold(): unit for unit, words in units.items() for w in words},
            absolute=_absolute(month_numbers, weekday_names),
        )


def _absolute(months: dict[str, int], weekdays: frozenset[str]) -> re.Pattern[str] | None:
    """'[Weekday,] Month D, YYYY' or '[Weekday,] D Month YYYY', then a time and an offset."""
    if not months:
        return None
    month = "|".join(sorted(map(re.escape, months), key=len, reverse=True))
    day = "|".join(sorted(map(re.escape, weekdays), key=len, reverse=True))
    weekday = rf"(?:(?:{day}),?\s+)?" if weekdays else ""
    return re.compile(
        rf"{weekday}(?:(?P<name>{month})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"
        rf"|(?P<day2>\d{{1,2}})\s+(?P<name2>{month})\s+(?P<year2>\d{{4}})){_TIME}",
        re.IGNORECASE,
    )


def read_relative(text: str, names: DateNames, base: datetime) -> datetime | None:
    """ "5 hours ago" in the language of ``names``, counted back from ``base``
    (naive UTC, as dateparser is given it) as an aware UTC instant; else ``None``."""
    m = names.ago.fullmatch(text.strip())
    if m is None:
        return None
    count_word, unit_word = m.group("count").casefold(), m.group("unit").casefold()
    unit = names.units.get(unit_word)
    count = int(count_word) if count_word.isdigit() else names.counts.get(count_word)
    if unit is None or count is None or not count_word.isascii():
        return None
    try:
        return (base - count * _UNITS[unit]).replace(tzinfo=UTC)
    except OverflowError:
        return None


def read_date(text: str, names: DateNames) -> datetime | None:
    """A printed date (and time, and UTC offset) in the language of ``names``, or
    an ISO 8601 date: aware, in its own offset (UTC when none is printed); else ``None``."""
    text = text.strip()
    iso = _ISO.fullmatch(text)
    if iso is not None:
        return _instant(iso, int(iso.group("month")), iso.group("day"), iso.group("year"))
    pattern = names.absolute
    m = pattern.fullmatch(text) if pattern is not None else None
    if m is None:
        return None
    name = (m.group("name") or m.group("name2")).casefold()
    day, year = m.group("day") or m.group("day2"), m.group("year") or m.group("year2")
    return _instant(m, names.months[name], day, year)


def _instant(m: re.Match[str], month: int, day: str, year: str) -> datetime | None:
    groups = m.groupdict()
    hour = int(groups.get("hour") or 0)
    half = groups.get("half")
    if half is not None:
        if not 1 <= hour <= 12:
            return None  # dateparser's reading of "0:30 a.m." or "13:00 p.m." is its own
        hour = hour % 12 + (12 if half.casefold() == "p" else 0)
    zone = UTC
    if groups.get("offset"):
        sign = -1 if groups["offset"][0] == "-" else 1
        hours, minutes = int(groups["offset"][1:3]), int(groups["offset"][3:])
        if hours > 14 or minutes > 59:
            return None
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return datetime(
            int(year),
            month,
            int(day),
            hour,
            int(groups.get("minute") or 0),
            int(groups.get("second") or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None  # no 30 February, no 25 o'clock: dateparser says what those are
