"""Opaque cursors: the one codec of every position wire hands a client.

Two positions are handed out: an archive page's (``?before=``, the sort time
and guid of the oldest story shown) and a change feed's (``?after=``, the last
change sequence read and the stories then held back by embargo). Both are
URL-safe base64 of a small JSON value, and anything that does not decode to
the expected shape is a ``BadCursor`` naming the query parameter: a 400, the
same for both. Forged cursors are harmless: what they point at goes through
the visibility rule again.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from wire.errors import BadCursor
from wire.instants import format_instant, parse_instant

MAX_PENDING = 256
"""Embargoed stories a change cursor remembers; past that a page stops early (never skips)."""

Pending = tuple[tuple[str, int], ...]


def _encode(value: Any) -> str:
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str) -> Any:
    """The JSON value of a cursor; raises ``ValueError`` when it is none."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from exc


def encode_page(sort_time: datetime, guid: str) -> str:
    """An archive-page position: (sort time, guid) of the oldest story shown."""
    return _encode([format_instant(sort_time), guid])


def decode_page(cursor: str) -> tuple[datetime, str]:
    """The inverse of ``encode_page``. Raises ``BadCursor("before")``."""
    try:
        when, guid = _decode(cursor)
        if not isinstance(when, str) or not isinstance(guid, str):
            raise ValueError("not a position")
        instant = parse_instant(when)
        if instant is None:
            raise ValueError("not a position")
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadCursor("before") from exc
    return instant, guid


def encode_position(seq: int, pending: Pending) -> str:
    """A change-feed position: the last change sequence read and the
    (guid, version) pairs then held back by embargo."""
    return _encode({"s": seq, "p": [list(p) for p in pending]})


def decode_position(cursor: str) -> tuple[int, Pending]:
    """The inverse of ``encode_position``. Raises ``BadCursor("after")``."""
    try:
        doc = _decode(cursor)
        seq = doc["s"]
        pending = tuple((p[0], p[1]) for p in doc["p"])
        valid = (
            isinstance(seq, int)
            and not isinstance(seq, bool)
            and seq >= 0
            and len(pending) <= MAX_PENDING
            and all(isinstance(g, str) and isinstance(v, int) for g, v in pending)
        )
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise BadCursor("after") from exc
    if not valid:
        raise BadCursor("after")
    return seq, pending
