"""A clock tests move by hand: every part of wire takes its time from one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock moved by hand (embargoes, versions, retries, leases)."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **delta: float) -> None:
        """Move on by ``seconds`` and/or ``timedelta`` keywords (``minutes=5``)."""
        self.now += timedelta(seconds=seconds, **delta)


def wall_clock() -> FakeClock:
    """A hand-moved clock starting at the real time, for receivers that check
    signature timestamps against their own clock (Standard Webhooks)."""
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], *, within: float = 10.0
) -> None:
    """Wait until ``condition()`` holds, failing after ``within`` real seconds.

    For what the real clock drives (scheduled polls): a fixed sleep races a
    loaded machine, where the job may still be finishing its database write."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await _holds(condition):
        if loop.time() > deadline:
            raise AssertionError(f"still not true after {within} s: {condition}")
        await asyncio.sleep(0.02)


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    result = condition()
    return await result if isinstance(result, Awaitable) else result
