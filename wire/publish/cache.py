"""Rendered feed bytes per (feed, format, view), ready to serve.

A poll must cost little more than sending bytes: each entry holds the body, its
gzip form, a strong ETag and the preformatted Last-Modified. Entries are dropped
when a story in the feed changes and re-rendered on the next request; ETag and
Last-Modified change together (Last-Modified moves only when the bytes do).
While the database is unreachable a feed is answered from its last rendering.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from wire.clock import Clock
from wire.errors import StoreUnavailable
from wire.formats import Format
from wire.model import Audience


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    gzipped: bytes
    etag: str
    last_modified: datetime
    last_modified_http: str
    content_type: str


UNRESTRICTED = Audience()  # the view of every audience without source or embargo rights


@functools.lru_cache(maxsize=1024)
def view_of(audience: Audience) -> Audience:
    """The part of an audience that changes a feed's content: source rights and
    embargo rights. Audiences with the same view share one cached rendering
    (remembered: each poll asks, and partners are few)."""
    if audience.sources is None and not audience.embargo_rights:
        return UNRESTRICTED
    return Audience(name="view", sources=audience.sources, embargo_rights=audience.embargo_rights)


def make_rendered(
    body: bytes, content_type: str, *, previous: Rendered | None, now: datetime
) -> Rendered:
    """Wrap fresh bytes; keep the previous Last-Modified when the bytes are the same."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    if previous is not None and previous.etag == etag:
        return previous
    modified = now.replace(microsecond=0)
    if previous is not None and modified <= previous.last_modified:
        modified = previous.last_modified + timedelta(seconds=1)
    return Rendered(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=etag,
        last_modified=modified,
        last_modified_http=format_datetime(modified, usegmt=True),
        content_type=content_type,
    )


RenderFn = Callable[[str, str, Audience], Awaitable[bytes]]
Key = tuple[str, str, Audience]


class RenderCache:
    """Renders on demand, once per key at a time, and remembers the bytes."""

    def __init__(self, render: RenderFn, clock: Clock) -> None:
        self._render = render
        self._clock = clock
        self._fresh: dict[Key, Rendered] = {}
        self._last: dict[Key, Rendered] = {}
        self._pending: dict[tuple[str, str, Audience, int], asyncio.Future[Rendered]] = {}
        self._generation: dict[str, int] = {}

    def peek(self, feed: str, fmt: str, view: Audience) -> Rendered | None:
        """The current rendering if one is cached, without rendering or waiting."""
        return self._fresh.get((feed, fmt, view))

    async def get(self, feed: str, fmt: str, view: Audience) -> Rendered:
        key = (feed, fmt, view)
        hit = self._fresh.get(key)
        if hit is not None:
            return hit
        generation = self._generation.get(feed, 0)
        pending_key = (*key, generation)
        pending = self._pending.get(pending_key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
        self._pending[pending_key] = future
        try:
            try:
                body = await self._render(feed, fmt, view)
            except StoreUnavailable:
                stale = self._last.get(key)
                if stale is None:
                    raise
                # The database is away: readers get the last bytes, validators and
                # all; nothing is cached as fresh, so the next request tries again.
                future.set_result(stale)
                return stale
            rendered = make_rendered(
                body, Format(fmt).feed_type, previous=self._last.get(key), now=self._clock()
            )
            self._last[key] = rendered
            if self._generation.get(feed, 0) == generation:
                # Not invalidated while rendering: the bytes are current.
                self._fresh[key] = rendered
            future.set_result(rendered)
            return rendered
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, the loop does not log it
            raise
        finally:
            del self._pending[pending_key]

    def invalidate(self, feed: str) -> None:
        """Drop every rendering of a feed; the next request renders afresh."""
        self._generation[feed] = self._generation.get(feed, 0) + 1
        for key in [k for k in self._fresh if k[0] == feed]:
            del self._fresh[key]

    def last(self, feed: str) -> list[tuple[str, Audience, Rendered]]:
        """(format, view, last rendering) for each rendering of a feed so far, fresh or
        not: a scheduled refresh compares against what readers were last given."""
        return [(k[1], k[2], r) for k, r in self._last.items() if k[0] == feed]
