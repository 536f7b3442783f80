"""Per-client rate limiting for feed polls.

Over the limit a client gets 429 with ``Retry-After`` (never 403): it is told
when to come back, not that it is forbidden. By default each process keeps a
token bucket per client key (``TokenBuckets``); instances that share a Redis
count together instead (``wire.web.sharedlimit``). Either answers ``check``
synchronously, so the feed shortcut can ask it for every poll.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW = 60  # seconds: limits are per minute


@dataclass(frozen=True, slots=True)
class Allowance:
    """What a client has left, as the IETF ``RateLimit-Policy`` and ``RateLimit``
    headers say it (draft-ietf-httpapi-ratelimit-headers): its quota per window,
    what remains of it, and the seconds until it is whole again."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": f'"default";q={self.limit};w={WINDOW}',
            "RateLimit": f'"default";r={self.remaining};t={self.reset}',
        }

    def lines(self) -> bytes:
        """The headers as lines of a response head (the feed shortcut's)."""
        return "".join(f"{k}: {v}\r\n" for k, v in self.headers().items()).encode()


class RateLimiter(Protocol):
    """What a feed request asks of a limiter before anything else. ``per_minute``
    is the client's own quota when it has one (a partner's), else the default."""

    def check(self, key: str, per_minute: int | None = None) -> float:
        """Count one request of ``key``: 0.0 if allowed, else seconds to wait."""
        ...

    def allowance(self, key: str, per_minute: int | None = None) -> Allowance:
        """What ``key`` has left now (after the requests counted)."""
        ...


def retry_after(wait: float) -> str:
    """``Retry-After`` for a wait: whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


class TokenBuckets:
    """``per_minute`` requests a minute per key, with bursts up to the same number."""

    def __init__(self, per_minute: int, *, monotonic: Callable[[], float] = time.monotonic):
        self._default = per_minute
        self._now = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._last_sweep = monotonic()

    def _tokens(self, key: str, capacity: float, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (capacity, now))
        return min(capacity, tokens + (now - stamp) * capacity / WINDOW)

    def check(self, key: str, per_minute: int | None = None) -> float:
        """Take one token; 0.0 if allowed, else the seconds until one is available."""
        now = self._now()
        capacity = float(per_minute or self._default)
        tokens = self._tokens(key, capacity, now)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) * WINDOW / capacity
        if now - self._last_sweep > 300:
            self._sweep(now)
        return wait

    def allowance(self, key: str, per_minute: int | None = None) -> Allowance:
        capacity = per_minute or self._default
        tokens = self._tokens(key, float(capacity), self._now())
        reset = math.ceil((capacity - tokens) * WINDOW / capacity)
        return Allowance(capacity, int(tokens), reset)

    def _sweep(self, now: float) -> None:
        """Forget clients whose bucket has refilled (a minute at most), so memory
        follows active clients."""
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < WINDOW}
        self._last_sweep = now
