"""Time-zone abbreviations agencies print in dates, as UTC offsets.

feedparser knows the North American abbreviations and UTC/GMT; an Indonesian
feed's "08:00:00 WIB" it reads as UTC, seven hours off. These are the
unambiguous abbreviations of the regions wire's sources write from (ambiguous
ones such as IST or AST are left out: guessing would be worse than UTC with a
review). Data, not logic: extend the table, not the code.
"""

from __future__ import annotations

import calendar
import re
import time
from email.utils import parsedate_tz

OFFSETS = {
    "WIB": "+0700",  # Western Indonesia
    "WITA": "+0800",  # Central Indonesia
    "WIT": "+0900",  # Eastern Indonesia
    "ICT": "+0700",
    "SGT": "+0800",
    "MYT": "+0800",
    "PHT": "+0800",
    "HKT": "+0800",
    "AWST": "+0800",
    "JST": "+0900",
    "KST": "+0900",
    "ACST": "+0930",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "PKT": "+0500",
    "GST": "+0400",  # Gulf
    "MSK": "+0300",
    "EAT": "+0300",
    "EET": "+0200",
    "EEST": "+0300",
    "CAT": "+0200",
    "CET": "+0100",
    "CEST": "+0200",
    "WAT": "+0100",
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
}
_TRAILING_ZONE = re.compile(r"^(?P<head>.*\d)\s+(?P<zone>[A-Za-z]{3,4})\s*$")


def rfc822_with_named_zone(value: str) -> time.struct_time | None:
    """An RFC 822 date whose zone is one of ``OFFSETS``, as a UTC ``struct_time``
    (the form feedparser's date handlers return); None for anything else."""
    match = _TRAILING_ZONE.match(value.strip())
    if match is None:
        return None
    offset = OFFSETS.get(match.group("zone").upper())
    if offset is None:
        return None
    parsed = parsedate_tz(f"{match.group('head')} {offset}")
    if parsed is None or parsed[9] is None:
        return None
    utc = calendar.timegm(parsed[:9]) - parsed[9]
    return time.gmtime(utc)
