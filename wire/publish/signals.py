"""Waking readers who wait for a feed to change: the cursor API's long polls
(``wait=``) hold one future each, and every change to a feed resolves its
waiters at once.

A waiter takes the feed's signal *before* it reads the feed, then waits on it
only if the read found nothing: a change committed between the read and the wait
has already resolved the signal, so no change falls between the two. The
publisher resolves signals wherever it drops a feed's cached views — a story
saved here, a change heard from another instance, an embargo lifting, a config
reload — so whatever makes a feed render differently wakes its long polls too.
A thousand waiters on one feed are a thousand callbacks on one future.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class FeedSignals:
    """One future per feed, resolved (and replaced) when the feed may have changed."""

    def __init__(self) -> None:
        self._next: dict[str, asyncio.Future[None]] = {}

    def next_change(self, feed: str) -> asyncio.Future[None]:
        """The future the feed's next change resolves."""
        found = self._next.get(feed)
        if found is None or found.done():
            found = self._next[feed] = asyncio.get_running_loop().create_future()
        return found

    def changed(self, feeds: Iterable[str]) -> None:
        for feed in feeds:
            found = self._next.pop(feed, None)
            if found is not None and not found.done():
                found.set_result(None)

    def changed_all(self) -> None:
        self.changed(list(self._next))


async def until(signal: asyncio.Future[None], deadline: float) -> bool:
    """Wait for ``signal`` until the loop's clock reads ``deadline``: True when it
    came. The signal is shared, so a waiter giving up never cancels it for others."""
    try:
        async with asyncio.timeout_at(deadline):
            await asyncio.shield(signal)
    except TimeoutError:
        return signal.done()
    return True
