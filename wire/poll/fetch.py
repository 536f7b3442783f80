"""Conditional HTTP fetching of a source: pure decisions, and a thin aiohttp edge.

The pure half (``request_headers``, ``decide``, ``next_delay`` and the header
parsers) turns what wire remembers about a source and what the upstream
answered into a verdict and a delay, so every case is tested without a network.
``fetch`` is the only function here that does I/O: it sends the request,
follows redirects one hop at a time (so a 301 can be told from a 302), caps the
body, and never raises for anything the network or the upstream does.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import aiohttp

from wire import USER_AGENT
from wire.clock import Clock, utcnow
from wire.net.session import refusal
from wire.store.base import SourceState

__all__ = [
    "BACKOFF_CAP",
    "USER_AGENT",
    "Decision",
    "FetchResult",
    "Response",
    "Verdict",
    "decide",
    "fetch",
    "next_delay",
    "parse_max_age",
    "parse_retry_after",
    "request_headers",
]


BACKOFF_CAP = 3600.0  # the longest wait between polls of a failing source, in seconds
HONOUR_CAP = 86400.0  # the longest max-age or Retry-After wire will honour: a day
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


class Verdict(StrEnum):
    """What one upstream answer means for the poll."""

    NEW = "new"  # content to ingest
    NOT_MODIFIED = "not-modified"  # 304, or the same ETag again
    MOVED = "moved"  # 301/308: follow, and poll the new URL from now on
    REDIRECT = "redirect"  # 302/303/307: follow this time only
    RATE_LIMITED = "rate-limited"  # 429, or 503 with Retry-After
    ERROR = "error"  # anything else: counted, backed off


@dataclass(frozen=True, slots=True)
class Response:
    """An upstream answer as plain values; header names are matched case-insensitively."""

    status: int
    headers: Mapping[str, str]
    url: str
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one answer, with what the poll needs to act on it."""

    verdict: Verdict
    location: str | None = None  # absolute target of a redirect
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None  # seconds, from Cache-Control
    retry_after: float | None = None  # seconds
    reason: str | None = None  # why it is an error or rate limit

    @property
    def ok(self) -> bool:
        return self.verdict in (Verdict.NEW, Verdict.NOT_MODIFIED)


def request_headers(state: SourceState | None) -> dict[str, str]:
    """Headers for a poll: identify ourselves and ask only for what changed."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


def parse_max_age(cache_control: str | None) -> float | None:
    """``max-age`` seconds from a Cache-Control value; None if absent, ``no-store``
    or ``no-cache`` (which ask for no waiting at all)."""
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    ages = {m.group(1).lower(): float(m.group(2)) for m in _MAX_AGE.finditer(cache_control)}
    age = ages.get("max-age", ages.get("s-maxage"))
    return min(age, HONOUR_CAP) if age is not None else None


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Retry-After as seconds from ``now``: either delay-seconds or an HTTP-date.

    A date in the past means "now" (0); garbage means "not given" (None); a value
    beyond a day is held to a day so a hostile header cannot stop polling."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true too
        return min(float(value), HONOUR_CAP)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), HONOUR_CAP)


def decide(state: SourceState | None, response: Response, *, now: datetime) -> Decision:
    """Turn an upstream answer into a verdict. Pure."""
    status = response.status
    etag = response.header("ETag")
    last_modified = response.header("Last-Modified")
    max_age = parse_max_age(response.header("Cache-Control"))
    retry_after = parse_retry_after(response.header("Retry-After"), now=now)
    if status == 304:
        if state is None or not (state.etag or state.last_modified):
            return Decision(Verdict.ERROR, reason="HTTP 304 to an unconditional request")
        return Decision(
            Verdict.NOT_MODIFIED,
            etag=etag or state.etag,
            last_modified=last_modified or state.last_modified,
            max_age=max_age,
        )
    if 200 <= status < 300 and status != 204:
        if etag and state is not None and state.etag == etag:
            # The upstream ignored If-None-Match but says it is the same entity.
            return Decision(
                Verdict.NOT_MODIFIED, etag=etag, last_modified=last_modified, max_age=max_age
            )
        return Decision(Verdict.NEW, etag=etag, last_modified=last_modified, max_age=max_age)
    if status in (301, 302, 303, 307, 308):
        target = response.header("Location")
        if not target:
            return Decision(Verdict.ERROR, reason=f"HTTP {status} without a Location")
        absolute = urljoin(response.url, target.strip())
        if urlsplit(absolute).scheme not in ("http", "https"):
            return Decision(Verdict.ERROR, reason=f"HTTP {status} to a non-HTTP URL {absolute}")
        verdict = Verdict.MOVED if status in (301, 308) else Verdict.REDIRECT
        return Decision(verdict, location=absolute)
    if status == 429 or (status == 503 and retry_after is not None):
        return Decision(
            Verdict.RATE_LIMITED, retry_after=retry_after, reason=f"HTTP {status} rate limited"
        )
    return Decision(Verdict.ERROR, retry_after=retry_after, reason=f"HTTP {status}")


def next_delay(
    poll_interval: float,
    *,
    failures: int = 0,
    max_age: float | None = None,
    retry_after: float | None = None,
    cap: float = BACKOFF_CAP,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next poll.

    Healthy: the poll interval, or the upstream's ``max-age`` when that is longer.
    After ``failures`` consecutive failures: exponential backoff from the poll
    interval, ``interval · 2^failures`` held to ``cap``, with jitter taking a
    random point in its upper half so that sources failing together (one
    upstream down) spread their retries. Never sooner than ``Retry-After``, and
    never sooner than the poll interval. ``jitter`` returns a float in [0, 1)."""
    base = max(float(poll_interval), 0.0)
    if failures > 0:
        ceiling = min(max(cap, base), base * 2.0 ** min(failures, 64))
        delay = ceiling / 2 + (ceiling / 2) * min(max(jitter(), 0.0), 1.0)
    else:
        delay = max(base, max_age or 0.0)
    return max(delay, base, retry_after or 0.0)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One poll's answer after redirects.

    ``decision`` is about the final answer. ``url`` is the URL that gave it.
    ``moved_to`` is the URL to poll from now on when the chain began with
    permanent redirects (the target of the last of them), else None."""

    decision: Decision
    url: str
    moved_to: str | None = None
    body: bytes = b""
    media_type: str | None = None


class _TooLarge(Exception):
    pass


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = resp.content_length
    if declared is not None and declared > max_bytes:
        raise _TooLarge
    parts: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise _TooLarge
        parts.append(chunk)
    return b"".join(parts)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    state: SourceState | None,
    *,
    time_limit: float,
    max_bytes: int,
    clock: Clock = utcnow,
) -> FetchResult:
    """Poll ``url`` once, conditionally. Never raises for network or upstream
    trouble: a timeout, a refused connection, a redirect loop or an oversized
    body all come back as an ``ERROR`` decision with the reason. ``time_limit``
    bounds the whole poll, redirects and body included."""
    current = url
    moved_to: str | None = None
    permanent = True
    headers = request_headers(state)
    try:
        async with asyncio.timeout(time_limit):
            for _ in range(MAX_REDIRECTS + 1):
                async with session.get(
                    current,
                    headers=headers,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=time_limit),
                ) as resp:
                    body = b""
                    if 200 <= resp.status < 300:
                        body = await _read_capped(resp, max_bytes)
                    answer = Response(resp.status, dict(resp.headers), str(resp.url), body)
                decision = decide(state, answer, now=clock())
                if decision.location is not None:  # a redirect: follow it
                    permanent = permanent and decision.verdict is Verdict.MOVED
                    if permanent:
                        moved_to = decision.location
                    current = decision.location
                    continue
                media_type = answer.header("Content-Type")
                return FetchResult(decision, current, moved_to, body, media_type)
            reason = f"more than {MAX_REDIRECTS} redirects"
    except _TooLarge:
        reason = f"too large: more than {max_bytes} bytes"
    except TimeoutError:
        reason = f"timed out after {time_limit:g} s"
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        # OSError/ValueError: an invalid URL, socket trouble outside aiohttp's wrapping
        refused = refusal(exc)
        if refused is not None:  # the guarded session would not connect there
            reason = f"refused: {current} is not a target wire may fetch ({refused})"
        else:
            reason = f"request failed: {type(exc).__name__}: {exc}"
    return FetchResult(Decision(Verdict.ERROR, reason=reason), current, moved_to)
