"""Rendered feed bytes per (feed, format, view), ready to serve.

A poll must cost little more than sending bytes: each entry holds the body, its
gzip form, a strong ETag and the preformatted Last-Modified. A story change
drops the entries of the views it can show in (``invalidate``); the next request
assembles them again from fragments (``wire.publish.assembly``). ETag and
Last-Modified change together (Last-Modified moves only when the bytes do).
While the database is unreachable a feed is answered from its last rendering.

Memory is bounded: renderings are kept in an LRU by size, so a thousand partner
views cost at most ``server.render_cache_mb``; an evicted view is assembled
again on its next poll, with the same validators (they are kept apart, small).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from cachetools import LRUCache

from wire.errors import StoreUnavailable
from wire.formats import Format
from wire.metrics import RENDER_SECONDS
from wire.model import Audience
from wire.publish.assembly import Assembled


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Rendered:
    """One view's bytes, ready to serve (weakly referable: the feed shortcut
    remembers which rendering its prepared answers were made for)."""

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


def make_rendered(document: Assembled, content_type: str, *, modified: datetime) -> Rendered:
    """Wrap a fresh document. ``modified`` is the newest change the document shows
    (taken from its content, never from the clock), so every instance serving the
    same bytes sends the same ``Last-Modified`` as well as the same ETag.

    An HTTP date holds whole seconds: two changes within one second share a
    ``Last-Modified`` while their ETags differ, so a client validating with
    ``If-Modified-Since`` alone may see the second a poll late; ``If-None-Match``
    (which wins when both are sent, ``wire.web.conditional``) is exact."""
    modified = modified.replace(microsecond=0)
    return Rendered(
        body=document.body,
        gzipped=document.gzipped,
        etag=document.etag,
        last_modified=modified,
        last_modified_http=format_datetime(modified, usegmt=True),
        content_type=content_type,
    )


def _size(rendered: Rendered) -> int:
    return len(rendered.body) + len(rendered.gzipped) + 200


RenderFn = Callable[[str, str, Audience], Awaitable[tuple[Assembled, datetime]]]
"""A view's document and the newest change it shows."""
Key = tuple[str, str, Audience]


class _Renderings(LRUCache[Key, Rendered]):
    """An LRU by bytes in which renderings that share one document's bytes (views
    whose entitlements differ but whose stories do not) count them once: the
    first holder counts the bytes, the others a few hundred bytes each. Holders of
    one body are made by the same change, so they age out together."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize, getsizeof=self._sizeof)
        self._holders: dict[int, int] = {}  # id(body) → renderings holding it
        self._body_of: dict[Key, int] = {}

    def _sizeof(self, rendered: Rendered) -> int:
        return 200 if self._holders.get(id(rendered.body)) else _size(rendered)

    def __setitem__(self, key: Key, value: Rendered) -> None:
        self._release(key)
        super().__setitem__(key, value)
        body = id(value.body)
        self._holders[body] = self._holders.get(body, 0) + 1
        self._body_of[key] = body

    def popitem(self) -> tuple[Key, Rendered]:
        key, value = super().popitem()
        self._release(key)
        return key, value

    def _release(self, key: Key) -> None:
        body = self._body_of.pop(key, None)
        if body is None:
            return
        left = self._holders[body] - 1
        if left:
            self._holders[body] = left
        else:
            del self._holders[body]


class RenderCache:
    """Renders on demand, once per key at a time, and remembers the bytes."""

    def __init__(self, render: RenderFn, *, max_bytes: int = 256 << 20) -> None:
        self._render = render
        self._rendered = _Renderings(max_bytes)
        self._fresh: set[Key] = set()
        self._served: dict[Key, str] = {}  # the ETag last served, kept past eviction
        self._pending: dict[tuple[str, str, Audience, int], asyncio.Future[Rendered]] = {}
        self._generation: dict[str, int] = {}

    def generation(self, feed: str) -> int:
        """How many times the feed has been invalidated: what was worked out for it
        at one generation stands until the next."""
        return self._generation.get(feed, 0)

    @property
    def size(self) -> int:
        """Bytes held by cached renderings."""
        return int(self._rendered.currsize)

    def peek(self, feed: str, fmt: str, view: Audience) -> Rendered | None:
        """The current rendering if one is cached, without rendering or waiting."""
        key = (feed, fmt, view)
        return self._rendered.get(key) if key in self._fresh else None

    async def get(self, feed: str, fmt: str, view: Audience) -> Rendered:
        key = (feed, fmt, view)
        hit = self.peek(feed, fmt, view)
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
                started = time.perf_counter()
                document, modified = await self._render(feed, fmt, view)
                RENDER_SECONDS.labels(fmt).observe(time.perf_counter() - started)
            except StoreUnavailable:
                stale = self._rendered.get(key)
                if stale is None:
                    raise
                # The database is away: readers get the last bytes, validators and
                # all; nothing is cached as fresh, so the next request tries again.
                future.set_result(stale)
                return stale
            rendered = make_rendered(document, Format(fmt).feed_type, modified=modified)
            self._served[key] = rendered.etag
            if _size(rendered) > self._rendered.maxsize:
                # Larger than the whole bound: served, never kept.
                future.set_result(rendered)
                return rendered
            self._rendered[key] = rendered
            if self._generation.get(feed, 0) == generation:
                # Not invalidated while rendering: the bytes are current.
                self._fresh.add(key)
            else:
                self._fresh.discard(key)
            future.set_result(rendered)
            return rendered
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, the loop does not log it
            raise
        finally:
            del self._pending[pending_key]

    def invalidate(self, feed: str, shows: Callable[[Audience], bool] | None = None) -> list[Key]:
        """Drop the renderings of a feed for the views ``shows`` selects (every view
        when None); the next request for each assembles it afresh. Returns the
        keys of the renderings dropped."""
        self._generation[feed] = self._generation.get(feed, 0) + 1
        stale = [k for k in self._fresh if k[0] == feed and (shows is None or shows(k[2]))]
        self._fresh.difference_update(stale)
        return stale

    def last(self, feed: str) -> list[tuple[str, Audience, str]]:
        """(format, view, ETag last served) for each rendering of a feed so far,
        fresh or not: a scheduled refresh compares against what readers were given."""
        return [(k[1], k[2], etag) for k, etag in self._served.items() if k[0] == feed]
