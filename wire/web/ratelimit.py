"""Per-client rate limiting for feed polls: a token bucket per client key.

Over the limit a client gets 429 with ``Retry-After`` (never 403): it is told
when to come back, not that it is forbidden.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class RateLimiter:
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

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))

    def _sweep(self, now: float) -> None:
        """Forget clients whose bucket has refilled, so memory follows active clients."""
        full_after = self._capacity / self._rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        self._last_sweep = now
