"""HTTP conditional GET and content negotiation for cached bytes (RFC 9110).

Pure functions of request headers and a ``Rendered`` entry, so the serving hot
path is a handful of dictionary lookups and comparisons.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from wire.publish.cache import Rendered


def not_modified(headers: Mapping[str, str], rendered: Rendered) -> bool:
    """``If-None-Match`` wins when present; otherwise ``If-Modified-Since`` as a date."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return rendered.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return rendered.last_modified <= since


def wants_gzip(headers: Mapping[str, str]) -> bool:
    """True when ``Accept-Encoding`` lists gzip with a non-zero q."""
    for part in headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "x-gzip", "*"}:
            q = params.strip()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False
