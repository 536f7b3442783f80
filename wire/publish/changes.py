"""A feed's changes for an audience, page by page: what the change cursor
(``/api/v1/feeds/{name}/items?after=``) delivers.

A position (``wire.cursors``) is the last change sequence read plus the
(guid, version) pairs then held back by embargo, so an embargo lifting later
delivers them once and nothing is ever skipped twice. Every change goes through
the visibility rule, held-back stories again when they are delivered.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

from wire.config import FeedSpec
from wire.cursors import MAX_PENDING, Pending
from wire.model import Audience, FeedFilter, Story
from wire.store.base import Entry, Stories
from wire.visibility import Verdict, decide


async def read_changes(
    store: Stories,
    spec: FeedSpec,
    audience: Audience,
    seq: int,
    pending: Pending,
    limit: int,
    *,
    now: datetime,
) -> tuple[list[Story], int, Pending, bool]:
    """One page of a feed's changes for an audience: (stories, seq, pending, more).

    Each change goes through the visibility rule: what the audience may see is
    delivered with its copy, removals it may learn of as their notices. The
    store is asked with embargo rights so that embargoed stories come back with
    their sequence number; those the audience will see once their embargo lifts
    are held in the cursor and delivered, once, then — unless a newer version
    (a later sequence number) supersedes them first."""
    scope = (spec.filter,)
    out: list[Story] = []
    still: list[tuple[str, int]] = []
    for guid, version in pending:
        entry = await store.get_entry(guid)
        if entry is None or entry.story.version != version:
            continue  # rewritten since: the new version has a later sequence number
        decision = decide(audience, entry.story, entry.exposure, now=now, scope=scope)
        if decision.verdict is Verdict.VISIBLE and decision.story is not None:
            out.append(decision.story)
        elif _after_embargo(audience, entry, now, scope):
            still.append((guid, version))
    rows = await store.changes(
        spec.filter,
        audience=replace(audience, embargo_rights=True),
        now=now,
        after=seq,
        limit=limit,
    )
    more = len(rows) == limit
    for row_seq, entry in rows:
        decision = decide(audience, entry.story, entry.exposure, now=now, scope=scope)
        later = decision.verdict is not Verdict.VISIBLE and _after_embargo(
            audience, entry, now, scope
        )
        if later and len(still) >= MAX_PENDING:
            more = True
            break
        if decision.story is not None:
            out.append(decision.story)
        if later:
            still.append((entry.story.guid, entry.story.version))
        seq = row_seq
    return out, seq, tuple(still), more


def _after_embargo(
    audience: Audience, entry: Entry, now: datetime, scope: tuple[FeedFilter, ...]
) -> bool:
    """Whether the audience will see this version once its embargo lifts."""
    if not entry.story.embargoed_at(now):
        return False
    entitled = replace(audience, embargo_rights=True)
    return decide(entitled, entry.story, entry.exposure, now=now, scope=scope).verdict is (
        Verdict.VISIBLE
    )


Changes = tuple[list[Story], int, Pending, bool]
_ReadKey = tuple[str, frozenset[str] | None, bool, int, Pending, int]


class SharedReads:
    """Identical reads of a feed's changes under way at once are made once: when a
    story wakes a thousand long polls at one position, the partners whose
    entitlements agree (sources, embargo rights: all ``read_changes`` goes by)
    share one query and one pass of the visibility rule. Only reads in flight are
    shared; a finished one is never reused, since later writes extend it."""

    def __init__(self) -> None:
        self._reading: dict[_ReadKey, asyncio.Future[Changes]] = {}

    async def read(
        self,
        store: Stories,
        spec: FeedSpec,
        audience: Audience,
        seq: int,
        pending: Pending,
        limit: int,
        *,
        now: datetime,
    ) -> Changes:
        key = (spec.name, audience.sources, audience.embargo_rights, seq, pending, limit)
        found = self._reading.get(key)
        if found is not None:
            return await asyncio.shield(found)
        future: asyncio.Future[Changes] = asyncio.get_running_loop().create_future()
        self._reading[key] = future
        try:
            result = await read_changes(store, spec, audience, seq, pending, limit, now=now)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, the loop does not log it
            raise
        finally:
            del self._reading[key]
        future.set_result(result)
        return result
