"""Stable story identifiers for inputs that carry none of their own.

What identifies a story in copy that names no id: for a page, its URL; for
raw copy, its dateline (place and date) and the opening words of its first
paragraph — not the headline alone, so two "Prayer Times" stories of one
source on two days stay two stories, and a re-sent copy whose headline typo
was fixed, or whose lead was edited after its opening words, stays one.
A source's daily series (its policy's ``series`` headline patterns: prayer
times, the weather) whose copy opens the same way every day is one story per
day: the day is part of its identity.
"""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
LEAD_WORDS = 12  # opening words of the first paragraph that identify raw copy
_WORD = re.compile(r"\w+")


def derived_guid(source: str | None, key: str) -> str:
    """A guid that stays the same for the same source and key (a link, a headline).

    Used only when the input has no id of its own (NewsML-G2 guid, NITF doc-id,
    feed id/guid, ninjs uri always win)."""
    src = _SAFE.sub("-", source or "wire").strip("-") or "wire"
    digest = hashlib.sha256(f"{source or ''}\n{key.strip()}".encode()).hexdigest()[:32]
    return f"urn:wire:{src}:{digest}"


def copy_guid(
    source: str | None,
    *,
    url: str | None,
    headline: str,
    place: str | None,
    date: str | None,
    body: tuple[str, ...],
    series_day: str | None = None,
) -> str:
    """The guid of copy with no id of its own (see the module docstring);
    ``series_day``: the date of an item of a daily series."""
    if url:
        return derived_guid(source, url)
    day = f"\nseries {series_day}" if series_day else ""
    lead = next((p for p in body if p.strip()), None)
    if lead is None:
        return derived_guid(source, headline + day)
    opening = " ".join(_WORD.findall(lead.casefold())[:LEAD_WORDS])
    return derived_guid(source, "\n".join((place or "", date or "", opening)) + day)


def scoped_guid(guid: str, source: str | None) -> str:
    """The guid of an item kept apart because its id is another source's story."""
    return f"{guid}#{source or 'wire'}"
