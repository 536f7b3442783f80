"""Story change events, fanned out in process to whoever listens.

Publishing never waits on a slow listener: each listener runs as its own task,
and one that fails is logged, not propagated to the writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wire.errors import StoreUnavailable
from wire.model import Story
from wire.visibility import NO_EXPOSURE, Exposure

log = logging.getLogger(__name__)


class ChangeReason(StrEnum):
    """Why a story changed: the event's reason, and a webhook's ``story.<reason>``."""

    CREATED = "created"
    UPDATED = "updated"
    CORRECTED = "corrected"
    KILLED = "killed"
    WITHHELD = "withheld"
    RELEASED = "released"
    MERGED = "merged"  # a held near duplicate merged into the story it resembles


@dataclass(frozen=True, slots=True)
class StoryChanged:
    """A new current version (``previous`` is the one it replaced, if any), or an
    embargo that lifted (``previous`` is then the story itself).

    ``reason``: a ``ChangeReason``.
    ``exposure`` and ``previous_exposure`` are the story's exposure now and while
    ``previous`` was current, and ``previous_until`` the instant ``previous``
    was last what audiences saw, so a listener can ask the visibility rule what
    each audience saw before and sees now (``wire.visibility``)."""

    story: Story
    previous: Story | None
    reason: ChangeReason
    exposure: Exposure = NO_EXPOSURE
    previous_exposure: Exposure = NO_EXPOSURE
    previous_until: datetime | None = None


def embargo_lifted(story: Story, exposure: Exposure = NO_EXPOSURE) -> StoryChanged:
    """The event of ``story``'s embargo lifting: no new version, but audiences
    without embargo rights see it from now on (it was hidden an instant before)."""
    if story.embargoed_until is None:
        raise ValueError(f"{story.guid} has no embargo to lift")
    return StoryChanged(
        story,
        story,
        ChangeReason.RELEASED,
        exposure=exposure,
        previous_exposure=exposure,
        previous_until=story.embargoed_until - timedelta(microseconds=1),
    )


Listener = Callable[[StoryChanged], Awaitable[None]]


class EventBus:
    """In-process fan-out of ``StoryChanged`` to async listeners."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def publish(self, event: StoryChanged) -> None:
        """Start every listener; return without waiting for them."""
        for listener in self._listeners:
            task = asyncio.create_task(self._run(listener, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(listener: Listener, event: StoryChanged) -> None:
        try:
            await listener(event)
        except StoreUnavailable:
            log.info("listener %r skipped %s: the database is away", listener, event.story.guid)
        except Exception:
            log.exception("listener %r failed on %s", listener, event.story.guid)

    async def drain(self) -> None:
        """Wait for listeners already started (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
