"""Writing kill reach: what ``wire.reachlog`` recorded, feed renderings resolved
to their versions by the publisher, into the store — every few seconds, before
the reach is read, and on shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from wire.errors import StoreError
from wire.model import PubStatus, Story
from wire.reachlog import reach_of
from wire.web.keys import HOOKS, PUBLISHER, REACH, WIRE

SCANNED = 1000  # withdrawals looked at, newest first, for outstanding kills


async def flush_reach(app: web.Application) -> None:
    """Write what reached partners since the last flush (kept for the next one
    while the store is away)."""
    rows = app[REACH].take(app[PUBLISHER].contents)
    try:
        await app[WIRE].store.add_reached(rows)
    except StoreError:
        app[REACH].give_back(rows)
        raise


@dataclass(frozen=True, slots=True)
class OutstandingKill:
    story: Story  # the kill (its current version)
    killed_at: datetime
    partners: tuple[str, ...]  # had an earlier version, have not acknowledged the kill


async def outstanding_kills(app: web.Application) -> list[OutstandingKill]:
    """The kills of the last ``server.kill_ack_hours`` that some partner owes an
    acknowledgement of, newest first."""
    wire = app[WIRE]
    now = wire.clock()
    since = now - timedelta(hours=wire.config.server.kill_ack_hours)
    await flush_reach(app)
    out = []
    for entry in await wire.store.withdrawals(since=since, limit=SCANNED):
        story = entry.story
        if story.pub_status is not PubStatus.CANCELED or entry.withdrawn_at is None:
            continue
        reach = reach_of(
            story, await wire.store.reached(story.guid), await wire.store.acks(story.guid)
        )
        owing = tuple(r.partner for r in reach if r.outstanding)
        if owing:
            out.append(OutstandingKill(story, entry.withdrawn_at, owing))
    return out


async def reannounce_kills(app: web.Application) -> int:
    """Push ``story.killed`` again to the partners that owe an acknowledgement, one
    round per ``server.kill_reannounce_minutes`` since the kill (the first round is
    the kill itself); how many were queued. Every instance may run it: a round's
    message id is the same everywhere, so it is queued once."""
    wire = app[WIRE]
    interval = timedelta(minutes=wire.config.server.kill_reannounce_minutes)
    now = wire.clock()
    queued = 0
    for kill in await outstanding_kills(app):
        round_ = int((now - kill.killed_at) / interval)
        if round_ < 1:
            continue
        for partner in kill.partners:
            queued += await app[HOOKS].reannounce_kill(partner, kill.story, round_)
    return queued
