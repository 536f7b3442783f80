"""Scheduled duties of a running wire: releasing embargoes on time, and deciding
which of several instances sharing a database runs the jobs.

Above the store, the desk and the scheduler; below ``wire.web`` (which wires
them up) and used by nothing beneath it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from wire.clock import Clock
from wire.events import StoryChanged, embargo_lifted
from wire.metrics import LEADER
from wire.model import PubStatus
from wire.poll.sources import SourceRunner
from wire.schedule import Jobs
from wire.service import Wire
from wire.store.base import Store
from wire.visibility import NO_EXPOSURE

log = logging.getLogger(__name__)

DELIVERY_INTERVAL = 2  # seconds between delivery retry sweeps
PRUNE_INTERVAL = 600  # seconds between prunings of finished deliveries
DELIVERED_KEPT = timedelta(days=1)  # how long a delivered or superseded push stays listed


class EmbargoWatch:
    """Releases embargoed stories at their exact time: one job, always set for the
    next embargo to lift, re-planned whenever a story with a nearer one arrives."""

    JOB = "embargo-release"

    def __init__(self, wire: Wire, jobs: Jobs) -> None:
        self._wire = wire
        self._jobs = jobs
        self._checked = wire.clock()

    async def plan(self) -> None:
        nxt = await self._wire.store.next_embargo(self._checked)
        if nxt is None:
            self._jobs.cancel(self.JOB)
        else:
            self._jobs.at(self.JOB, self.release_due, nxt)

    async def release_due(self) -> None:
        now = self._wire.clock()
        due = await self._wire.store.embargoes_between(self._checked, now)
        self._checked = now
        for story in due:
            entry = await self._wire.store.get_entry(story.guid)
            exposure = entry.exposure if entry is not None else NO_EXPOSURE
            await self._wire.bus.publish(embargo_lifted(story, exposure))
        await self.plan()

    async def on_story_changed(self, event: StoryChanged) -> None:
        story = event.story
        if (
            story.embargoed_until is not None
            and story.pub_status is PubStatus.USABLE
            and story.embargoed_until > self._wire.clock()
        ):
            await self.plan()


class Leadership:
    """With several instances on one database, only the lock holder polls sources,
    releases embargoes, retries pushes and prunes the finished ones; the others
    serve. Asked on every tick, so another instance takes over when the leader
    goes away."""

    def __init__(
        self,
        store: Store,
        jobs: Jobs,
        sources: SourceRunner,
        embargo: EmbargoWatch,
        deliver: Callable[[], Awaitable[None]],
        clock: Clock,
    ) -> None:
        self._store, self._jobs, self._sources, self._clock = store, jobs, sources, clock
        self._embargo, self._deliver = embargo, deliver
        self.leading = False
        self._following = False  # said so in the log already
        LEADER.set(0)

    async def tick(self) -> None:
        if self.leading:
            return
        if not await self._store.try_leader_lock():
            if not self._following:
                self._following = True
                log.info(
                    "another instance runs the scheduled jobs; this one serves and "
                    "takes over if it goes away"
                )
            return
        self.leading, self._following = True, False
        LEADER.set(1)
        log.info("this instance runs the scheduled jobs")
        self._jobs.every("deliveries", self._deliver, DELIVERY_INTERVAL)
        self._jobs.every("prune-deliveries", self.prune, PRUNE_INTERVAL)
        await self._sources.start()
        await self._embargo.plan()

    async def prune(self) -> int:
        """Forget deliveries finished more than ``DELIVERED_KEPT`` ago (and their bodies)."""
        pruned = await self._store.prune_deliveries(before=self._clock() - DELIVERED_KEPT)
        if pruned:
            log.info("pruned finished deliveries", extra={"deliveries": pruned})
        return pruned


__all__ = ["DELIVERED_KEPT", "DELIVERY_INTERVAL", "EmbargoWatch", "Leadership"]
