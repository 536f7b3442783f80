"""The partner cursor behind ``/api/v1/feeds/{name}/items``: opaque positions and pages.

A position is the last change sequence read plus the (guid, version) pairs then
held back by embargo, so an embargo lifting later delivers them once and nothing
is ever skipped twice. Forged positions are harmless: every held-back story is
checked against the feed and the audience again before it is delivered.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import datetime

from wire.config import FeedSpec
from wire.model import Audience, FeedFilter, Story
from wire.service import Wire
from wire.store.base import Entry
from wire.visibility import Verdict, decide
from wire.web.problems import Problem

MAX_PENDING = 256
"""Embargoed stories a cursor remembers; past that a page stops early (never skips)."""

Pending = tuple[tuple[str, int], ...]


def _bad_after() -> Problem:
    return Problem(
        400, "after: not a cursor this server gave out", kind="invalid-parameter", parameter="after"
    )


def encode_position(seq: int, pending: Pending) -> str:
    """An opaque cursor: last change sequence read and the (guid, version) pairs
    then held back by embargo."""
    raw = json.dumps({"s": seq, "p": [list(p) for p in pending]}, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_position(cursor: str) -> tuple[int, Pending]:
    """The inverse of ``encode_position``; anything else is a 400 naming ``after``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
        seq = doc["s"]
        pending = tuple((p[0], p[1]) for p in doc["p"])
        valid = (
            isinstance(seq, int)
            and seq >= 0
            and len(pending) <= MAX_PENDING
            and all(isinstance(g, str) and isinstance(v, int) for g, v in pending)
        )
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, RecursionError):
        valid = False
    if not valid:
        raise _bad_after()
    return seq, pending


async def read_changes(
    wire: Wire, spec: FeedSpec, audience: Audience, seq: int, pending: Pending, limit: int
) -> tuple[list[Story], int, Pending, bool]:
    """One page of a feed's changes for an audience: (stories, seq, pending, more).

    Each change goes through the visibility rule: what the audience may see is
    delivered with its copy, removals it may learn of as their notices. The
    store is asked with embargo rights so that embargoed stories come back with
    their sequence number; those the audience will see once their embargo lifts
    are held in the cursor and delivered, once, then — unless a newer version
    (a later sequence number) supersedes them first."""
    now = wire.clock()
    scope = (spec.filter,)
    out: list[Story] = []
    still: list[tuple[str, int]] = []
    for guid, version in pending:
        entry = await wire.store.get_entry(guid)
        if entry is None or entry.story.version != version:
            continue  # rewritten since: the new version has a later sequence number
        decision = decide(audience, entry.story, entry.exposure, now=now, scope=scope)
        if decision.verdict is Verdict.VISIBLE and decision.story is not None:
            out.append(decision.story)
        elif _after_embargo(audience, entry, now, scope):
            still.append((guid, version))
    rows = await wire.store.changes(
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


__all__ = ["MAX_PENDING", "Pending", "decode_position", "encode_position", "read_changes"]
