"""One rate limit for every instance of a wire: request counts shared through
Redis (``server.rate_limit_redis_url``), so a client polling two instances gets
the allowance of one, not of each.

The feed shortcut answers a poll synchronously from the request head, in a few
microseconds; a round trip to Redis per poll (what the ``limits`` package's
strategies make) would cost more than the whole answer and hold it up when Redis
is slow. So each instance decides locally and shares in the background: requests
are counted per client key in fixed one-minute windows; every
``rate_limit_sync_ms`` the counts not yet shared are added to Redis (``INCRBY``
of ``wire:rate:<window>:<key>``, one pipeline for all keys) and the totals every
instance has added so far come back. A client is refused once the total last
heard from Redis plus what this instance counted since reaches the limit, with
``Retry-After`` the rest of the window. The cost of never waiting: a client can
overshoot by what the instances let through between two syncs (at 50 ms and two
instances, a handful of requests), and a fixed window lets a burst straddle its
edge — a politeness limit, not a quota.

When Redis cannot be reached every instance goes on counting on its own (the
limit becomes per instance, as without Redis) and says so once in the log; the
counts of the outage are added when it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable

import redis.asyncio as redis
from redis.exceptions import RedisError

from wire.web.ratelimit import WINDOW, Allowance

log = logging.getLogger(__name__)

KEY_PREFIX = "wire:rate:"


class SharedRateLimiter:
    """``per_minute`` requests a minute per key, summed over every instance that
    shares ``url``'s Redis."""

    def __init__(
        self,
        per_minute: int,
        url: str,
        *,
        sync_seconds: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limit = per_minute
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._interval = sync_seconds
        self._clock = clock
        self._window = int(clock() // WINDOW)
        # key -> [counted here and not yet shared, total Redis last reported]
        self._counts: dict[str, list[int]] = {}
        self._task: asyncio.Task[None] | None = None
        self._reachable = True

    def _counts_of(self, key: str, now: float) -> list[int]:
        window = int(now // WINDOW)
        if window != self._window:
            self._window = window
            self._counts = {}
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = [0, 0]
        return counts

    def check(self, key: str, per_minute: int | None = None) -> float:
        now = self._clock()
        counts = self._counts_of(key, now)
        if counts[0] + counts[1] >= (per_minute or self._limit):
            return (self._window + 1) * WINDOW - now
        counts[0] += 1
        return 0.0

    def allowance(self, key: str, per_minute: int | None = None) -> Allowance:
        now = self._clock()
        counts = self._counts_of(key, now)
        limit = per_minute or self._limit
        reset = math.ceil((self._window + 1) * WINDOW - now)
        return Allowance(limit, max(0, limit - counts[0] - counts[1]), reset)

    async def sync(self) -> None:
        """Share the counts not yet shared and learn everyone's totals."""
        window, counts = self._window, self._counts
        if not counts:
            return
        sent = {key: c[0] for key, c in counts.items()}
        pipe = self._redis.pipeline(transaction=False)
        for key, unshared in sent.items():
            name = f"{KEY_PREFIX}{window}:{key}"
            if unshared:
                pipe.incrby(name, unshared)
                pipe.expire(name, 2 * WINDOW)
            else:
                pipe.get(name)
        try:
            replies = await pipe.execute()
        except (RedisError, OSError) as exc:
            if self._reachable:
                log.warning(
                    "rate limit: Redis unreachable, counting per instance",
                    extra={"error": str(exc)},
                )
                self._reachable = False
            return
        if not self._reachable:
            log.warning("rate limit: Redis answers again, counting with every instance")
            self._reachable = True
        if window != self._window:
            return  # a new window began meanwhile: these totals are past
        replies_iter = iter(replies)
        for key, unshared in sent.items():
            total = next(replies_iter)
            if unshared:
                next(replies_iter)  # EXPIRE's answer
            entry = counts[key]
            entry[0] -= unshared
            entry[1] = int(total or 0)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.sync()
            except Exception:  # never let the sync loop die: the next tick tries again
                log.exception("rate limit sync failed")

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(RedisError, OSError):
            await self.sync()  # what this instance counted last still counts
        await self._redis.aclose()
