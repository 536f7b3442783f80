"""Stable story identifiers for inputs that carry none of their own."""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def derived_guid(source: str | None, key: str) -> str:
    """A guid that stays the same for the same source and key (a link, a headline).

    Used only when the input has no id of its own (NewsML-G2 guid, NITF doc-id,
    feed id/guid, ninjs uri always win)."""
    src = _SAFE.sub("-", source or "wire").strip("-") or "wire"
    digest = hashlib.sha256(f"{source or ''}\n{key.strip()}".encode()).hexdigest()[:32]
    return f"urn:wire:{src}:{digest}"


def scoped_guid(guid: str, source: str | None) -> str:
    """The guid of an item kept apart because its id is another source's story."""
    return f"{guid}#{source or 'wire'}"
