"""Queues with receipts: each consumer of a partner takes a feed's items once,
acknowledges them, and gets back what it took and never acknowledged.

A queue is the change cursor (``wire.publish.changes``) with a hand of items in
flight. ``receive`` first hands out again the items whose visibility timeout has
passed, each with a fresh receipt, then reads the feed's next changes — through
the visibility rule, as every channel does — and takes them in flight; ``ack``
drops the items whose current receipt it is given. So:

* every (story, version) enters a queue once, from the cursor, whose position
  only moves forward; it comes back only while unacknowledged, as itself;
* a newer version of a story in flight replaces the older one there (the older
  receipt no longer acknowledges anything), and an item whose story has moved
  on since is not handed out again: its newer version comes from the cursor,
  so a consumer never gets an older version after a newer one;
* kills and withholds reach the queue as the cursor delivers them: as removal
  notices, to audiences that could have seen the story.

The state is one JSON document per (partner, feed, consumer), written only if
no other read of the same queue wrote first (``Queues.put_queue``): two
requests of one consumer never take the same item twice. Pure functions decide;
``receive`` and ``ack`` do the store's I/O around them.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from wire.config import FeedSpec
from wire.cursors import Pending, decode_position, encode_position
from wire.errors import StoreError
from wire.instants import format_instant, parse_instant
from wire.model import Audience, Story
from wire.publish.changes import read_changes
from wire.store.base import QueueState, Store
from wire.visibility import decide

MAX_IN_FLIGHT = 1000  # items one consumer may hold unacknowledged; then only redeliveries
WRITE_ATTEMPTS = 8  # concurrent reads of one queue: each retries on the other's write


@dataclass(frozen=True, slots=True)
class InFlight:
    guid: str
    version: int
    receipt: str
    visible_after: datetime  # handed out again from then on, unless acknowledged


@dataclass(frozen=True, slots=True)
class Queue:
    seq: int = 0
    pending: Pending = ()
    in_flight: tuple[InFlight, ...] = ()


@dataclass(frozen=True, slots=True)
class Received:
    """One item handed out: the story as the consumer may see it, and the receipt
    that acknowledges it."""

    receipt: str
    story: Story


def encode_queue(queue: Queue) -> str:
    return json.dumps(
        {
            "position": encode_position(queue.seq, queue.pending),
            "in_flight": [
                [i.guid, i.version, i.receipt, format_instant(i.visible_after)]
                for i in queue.in_flight
            ],
        },
        separators=(",", ":"),
    )


def decode_queue(text: str) -> Queue:
    data = json.loads(text)
    seq, pending = decode_position(data["position"])
    in_flight = tuple(
        InFlight(guid, int(version), receipt, parse_instant(after) or datetime.min)
        for guid, version, receipt, after in data["in_flight"]
    )
    return Queue(seq, pending, in_flight)


def new_receipt(consumer: str, guid: str, version: int) -> str:
    """A receipt names its consumer (so ``ack`` finds the queue), the item, and a
    secret part that changes with every handing out."""
    raw = json.dumps([consumer, guid, version, secrets.token_urlsafe(12)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def receipt_consumer(receipt: str) -> str | None:
    """The consumer a receipt was made for; None when it is not a receipt."""
    try:
        raw = base64.urlsafe_b64decode(receipt + "=" * (-len(receipt) % 4))
        consumer, _guid, _version, _secret = json.loads(raw)
    except (ValueError, TypeError):
        return None
    return consumer if isinstance(consumer, str) else None


def acknowledged(queue: Queue, receipts: set[str]) -> tuple[Queue, list[InFlight]]:
    """The queue without the items whose current receipt is given, and those items."""
    kept = tuple(i for i in queue.in_flight if i.receipt not in receipts)
    done = [i for i in queue.in_flight if i.receipt in receipts]
    return replace(queue, in_flight=kept), done


async def receive(
    store: Store,
    spec: FeedSpec,
    audience: Audience,
    consumer: str,
    limit: int,
    *,
    now: datetime,
    lease: timedelta,
) -> list[Received]:
    """The next items for this consumer: those due again, then the feed's next
    changes it may see, each taken in flight until ``now + lease`` (the visibility timeout)."""
    for _ in range(WRITE_ATTEMPTS):
        row = await store.get_queue(audience.name, spec.name, consumer)
        queue = decode_queue(row.state) if row is not None else Queue()
        queue, handed = await _take(store, spec, audience, consumer, queue, limit, now, lease)
        state = QueueState(
            audience.name,
            spec.name,
            consumer,
            (row.revision if row is not None else 0) + 1,
            encode_queue(queue),
            now,
        )
        if await store.put_queue(state):
            return handed
    raise StoreError(f"queue {consumer!r} of feed {spec.name!r} is too busy; try again")


async def _take(
    store: Store,
    spec: FeedSpec,
    audience: Audience,
    consumer: str,
    queue: Queue,
    limit: int,
    now: datetime,
    lease: timedelta,
) -> tuple[Queue, list[Received]]:
    until = now + lease
    scope = (spec.filter,)
    handed: list[Received] = []
    held: dict[str, InFlight] = {i.guid: i for i in queue.in_flight}
    for item in queue.in_flight:
        if len(handed) >= limit:
            break
        if item.visible_after > now:
            continue
        entry = await store.get_entry(item.guid)
        decision = (
            decide(audience, entry.story, entry.exposure, now=now, scope=scope)
            if entry is not None and entry.story.version == item.version
            else None
        )
        if decision is None or decision.story is None:
            # Moved on (its newer version comes from the cursor) or no longer the
            # consumer's to see: nothing of this version is handed out again.
            del held[item.guid]
            continue
        again = InFlight(
            item.guid, item.version, new_receipt(consumer, item.guid, item.version), until
        )
        held[item.guid] = again
        handed.append(Received(again.receipt, decision.story))
    room = min(limit - len(handed), MAX_IN_FLIGHT - len(held))
    seq, pending = queue.seq, queue.pending
    if room > 0:
        stories, seq, pending, _more = await read_changes(
            store, spec, audience, seq, pending, room, now=now
        )
        for story in stories:
            taken = InFlight(
                story.guid, story.version, new_receipt(consumer, story.guid, story.version), until
            )
            held.pop(story.guid, None)  # a newer version replaces the one in flight
            handed = [h for h in handed if h.story.guid != story.guid]
            held[story.guid] = taken
            handed.append(Received(taken.receipt, story))
    return Queue(seq, pending, tuple(held.values())), handed


async def ack(
    store: Store, spec: FeedSpec, audience: Audience, receipts: list[str], *, now: datetime
) -> list[InFlight]:
    """Acknowledge receipts (of any of this partner's consumers of the feed): the
    items they removed. Receipts of items acknowledged or replaced since remove
    nothing."""
    by_consumer: dict[str, set[str]] = {}
    for receipt in receipts:
        consumer = receipt_consumer(receipt)
        if consumer is not None:
            by_consumer.setdefault(consumer, set()).add(receipt)
    removed: list[InFlight] = []
    for consumer, given in by_consumer.items():
        for _ in range(WRITE_ATTEMPTS):
            row = await store.get_queue(audience.name, spec.name, consumer)
            if row is None:
                break
            queue, done = acknowledged(decode_queue(row.state), given)
            if not done:
                break
            state = replace(
                row, revision=row.revision + 1, state=encode_queue(queue), updated_at=now
            )
            if await store.put_queue(state):
                removed += done
                break
        else:
            raise StoreError(f"queue {consumer!r} of feed {spec.name!r} is too busy; try again")
    return removed
