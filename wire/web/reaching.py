"""Writing kill reach: what ``wire.reachlog`` recorded, feed renderings resolved
to their versions by the publisher, into the store — every few seconds, before
the reach is read, and on shutdown."""

from __future__ import annotations

from aiohttp import web

from wire.errors import StoreError
from wire.web.keys import PUBLISHER, REACH, WIRE


async def flush_reach(app: web.Application) -> None:
    """Write what reached partners since the last flush (kept for the next one
    while the store is away)."""
    rows = app[REACH].take(app[PUBLISHER].contents)
    try:
        await app[WIRE].store.add_reached(rows)
    except StoreError:
        app[REACH].give_back(rows)
        raise
