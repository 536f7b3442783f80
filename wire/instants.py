"""Instants: the one place wire reads and writes points in time as text.

Everything wire stores is an aware UTC ``datetime``. What differs is only how
strict the reading is: ``parse_instant`` is for wire's own documents and the
config (an unreadable value is an error the caller reports), ``read_instant``
and ``basic_instant`` are for upstream copy (an unreadable value is ``None``:
the field is left empty, the story is not refused). HTTP dates are the
standard library's (``email.utils``), not repeated here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone


def format_instant(value: datetime | None) -> str | None:
    """UTC, second precision unless the value has a fraction, ``Z`` suffix."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    spec = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(spec)


def format_second(value: datetime | None) -> str | None:
    """UTC to the whole second (any fraction dropped), ``Z`` suffix:
    ``2026-12-01T10:00:00Z``. What NewsML-G2 and ninjs carry, because their
    common consumers parse no fraction (Superdesk's ninjs reader accepts only
    ``%Y-%m-%dT%H:%M:%SZ`` and two fixed offsets, and refuses the whole item
    otherwise). Dropping, not rounding, so an instant is never moved later."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: str | None) -> datetime | None:
    """An RFC 3339 instant to an aware UTC datetime (no zone: UTC).
    Raises ``ValueError`` when it is not one."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def in_range(value: datetime | None) -> datetime | None:
    """The instant in UTC when it is between the years 1000 and 9999, else None:
    other years are always typos or hostile, and RFC 3339 cannot write them."""
    if value is None:
        return None
    try:
        utc = value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return utc if 1000 <= utc.year <= 9999 else None


def read_instant(text: str | None) -> datetime | None:
    """An RFC 3339 / ISO 8601 extended instant from upstream copy, as aware UTC;
    None when unreadable or out of range. No zone means UTC."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        return in_range(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
    except (ValueError, OverflowError):
        return None


_BASIC = re.compile(
    r"^(?P<y>\d{4})-?(?P<m>\d{2})-?(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2}))?(?:[.,]\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)


def basic_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant in basic (``20240105T123000+0100``, as NITF writes) or
    extended form, as UTC. A date without a time is midnight UTC; no zone means
    UTC. Unreadable → None."""
    if not value:
        return None
    match = _BASIC.match(value.strip())
    if match is None:
        return None
    g = match.groupdict()
    try:
        naive = datetime(
            int(g["y"]),
            int(g["m"]),
            int(g["d"]),
            int(g["H"] or 0),
            int(g["M"] or 0),
            int(g["S"] or 0),
        )
    except ValueError:
        return None
    tz = g["tz"]
    zone = UTC
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        try:
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        except ValueError:  # an offset of a day or more
            return None
    return in_range(naive.replace(tzinfo=zone))
