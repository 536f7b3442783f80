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
from typing import Protocol


class RateLimiter(Protocol):
    """What a feed request asks of a limiter before anything else."""

    def check(self, key: str) -> float:
        """Count one request of ``key``: 0.0 if allowed, else seconds to wait."""
        ...


def retry_after(wait: float) -> str:
    """``Retry-After`` for a wait: whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


class TokenBuckets:
    """``per_minute`` requests a minute per key, with bursts up to the same number."""

    def __init__(self, per_minute: int, *, monotonic: Callable[[], float] = time.monotonic):
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._now = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._last_sweep = monotonic()

    def check(self, key: str) -> float:
        """Take one token; 0.0 if allowed, else the seconds until one is available."""
        now = self._now()
        tokens, stamp = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - stamp) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
        if now - self._last_sweep > 300:
            self._sweep(now)
        return wait

    def _sweep(self, now: float) -> None:
        """Forget clients whose bucket has refilled, so memory follows active clients."""
        full_after = self._capacity / self._rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        self._last_sweep = now
