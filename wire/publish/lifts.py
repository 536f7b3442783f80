"""Cached renderings go stale when an embargo lifts: every instance must know when.

A feed's bytes depend on the time only through embargoes lifting (and tombstone
windows closing, which the scheduled refresh handles). The instance that runs
the scheduled jobs releases each embargo on time and tells its own listeners
(``wire.duties.EmbargoWatch``); the other instances sharing the database —
``wire serve --workers`` processes or separate hosts — hear nothing, since a
lift writes nothing. So each instance's publisher keeps this timer: whenever it
selects a feed afresh it asks the store, once per change, when the next embargo
lifts, and at that moment drops its cached renderings. On the job-running
instance the two meet harmlessly: the second drop finds nothing fresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from wire.clock import Clock

MARGIN = 0.001  # seconds past the lift, so the renderings made then see it lifted


class EmbargoLifts:
    """One timer, set for the next embargo lift whenever ``watch`` sees a change."""

    def __init__(
        self,
        next_lift: Callable[[datetime], Awaitable[datetime | None]],
        lifted: Callable[[], None],
        clock: Clock,
    ) -> None:
        self._next_lift = next_lift
        self._lifted = lifted
        self._clock = clock
        self._seen = -1  # the change count the timer was last set at
        self._timer: asyncio.TimerHandle | None = None

    async def watch(self, changes: int) -> None:
        """Set the timer for the next lift, unless it was set at this change count."""
        if changes == self._seen:
            return
        self._seen = changes
        now = self._clock()
        due = await self._next_lift(now)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if due is not None:
            delay = max(0.0, (due - now).total_seconds()) + MARGIN
            self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._seen = -1  # set it again at the next selection, whatever the count
        self._lifted()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
