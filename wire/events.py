"""Events, fanned out in process to whoever listens: a story changed
(``StoryChanged``), a feed's bytes changed (``FeedChanged``), another process
changed a story (``StoredElsewhere``).

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
from typing import Any, TypeVar, overload

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


@dataclass(frozen=True, slots=True)
class FeedChanged:
    """A feed's bytes changed (a story in it changed, or a scheduled re-render
    came out different): its subscribers are due the new body."""

    feed: str


@dataclass(frozen=True, slots=True)
class StoredElsewhere:
    """Another process (an instance sharing the database, ``wire ingest``)
    committed a change to this story: this process's caches of it are stale."""

    guid: str


Event = StoryChanged | FeedChanged | StoredElsewhere
E = TypeVar("E", StoryChanged, FeedChanged, StoredElsewhere)
Listener = Callable[[E], Awaitable[None]]


class EventBus:
    """The one in-process event mechanism: every kind of event, fanned out to the
    async listeners subscribed to that kind. The store's change notices from
    other processes come in as ``StoredElsewhere`` (``wire.runtime``)."""

    def __init__(self) -> None:
        self._listeners: dict[type[Any], list[Callable[[Any], Awaitable[None]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @overload
    def subscribe(self, listener: Listener[StoryChanged]) -> None: ...

    @overload
    def subscribe(self, listener: Listener[E], *, kind: type[E]) -> None: ...

    def subscribe(
        self, listener: Callable[[Any], Awaitable[None]], *, kind: type[Any] = StoryChanged
    ) -> None:
        """Call ``listener`` with every event of ``kind`` (by default ``StoryChanged``)."""
        self._listeners.setdefault(kind, []).append(listener)

    async def publish(self, event: Event) -> None:
        """Start every listener of the event's kind; return without waiting for them."""
        for listener in self._listeners.get(type(event), ()):
            task = asyncio.create_task(self._run(listener, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(listener: Callable[[Any], Awaitable[None]], event: Event) -> None:
        try:
            await listener(event)
        except StoreUnavailable:
            log.info("listener %r skipped %s: the database is away", listener, _subject(event))
        except Exception:
            log.exception("listener %r failed on %s", listener, _subject(event))

    async def drain(self) -> None:
        """Wait for listeners already started (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _subject(event: Event) -> str:
    if isinstance(event, StoryChanged):
        return event.story.guid
    return event.feed if isinstance(event, FeedChanged) else event.guid
