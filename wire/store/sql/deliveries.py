"""The delivery queue of webhooks and WebSub: chains, due attempts, dead letters."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from wire.errors import NotFound
from wire.store.base import Delivery, DeliveryKind, DeliveryState, QueueStats
from wire.store.rows import delivery_from_row, delivery_values
from wire.store.sql.engine import SQLBase, chunks
from wire.store.tables import DELIVERY_SEQ, deliveries, delivery_bodies


class DeliveriesSQL(SQLBase):
    """The delivery queue of webhooks and WebSub: chains, due attempts, dead letters."""

    # deliveries ---------------------------------------------------------------------

    async def enqueue(self, delivery: Delivery) -> None:
        """Queue a delivery; an id already queued is not queued again. Pending
        deliveries of the same chain are superseded in the same transaction, so a
        newer version never waits behind, or goes out before, an older one."""
        await self.enqueue_many([delivery])

    async def enqueue_many(self, batch: Sequence[Delivery]) -> list[Delivery]:
        """Queue every delivery of one change in one transaction (``enqueue`` for
        each, in order); returns those newly queued. A thousand subscribers cost
        one commit, not a thousand."""
        unique = list({delivery.id: delivery for delivery in batch}.values())
        if not unique:
            return []
        try:
            async with self._write() as conn:
                return await self._enqueue_in(conn, unique)
        except IntegrityError:
            # An id queued by a concurrent writer meanwhile: one at a time, each
            # skipped if it is there.
            queued = []
            for delivery in unique:
                try:
                    async with self._write() as conn:
                        queued += await self._enqueue_in(conn, [delivery])
                except IntegrityError:
                    continue
            return queued

    async def _enqueue_in(self, conn: AsyncConnection, batch: list[Delivery]) -> list[Delivery]:
        d = deliveries.c
        known: set[str] = set()
        for chunk in chunks([delivery.id for delivery in batch]):
            known |= {r.id for r in await conn.execute(select(d.id).where(d.id.in_(chunk)))}
        fresh = [delivery for delivery in batch if delivery.id not in known]
        if not fresh:
            return []
        chains = sorted({delivery.chain for delivery in fresh if delivery.chain is not None})
        for chunk in chunks(chains):
            await conn.execute(
                update(deliveries)
                .where(d.chain.in_(chunk), d.state == DeliveryState.PENDING)
                .values(state=DeliveryState.SUPERSEDED, next_attempt_at=None)
            )
        # Within the batch too, the later delivery of a chain supersedes the earlier.
        newest = {delivery.chain: delivery.id for delivery in fresh if delivery.chain is not None}
        rows = []
        for delivery in fresh:
            if delivery.chain is not None and newest[delivery.chain] != delivery.id:
                delivery = replace(delivery, state=DeliveryState.SUPERSEDED, next_attempt_at=None)
            rows.append(delivery)
        # Each distinct body once: the same feed bytes go to every subscriber of a
        # view, as one object, so each is hashed once too (a thousand SHA-256 of a
        # 140 KB feed were most of a fan-out's time before its first send).
        digest_of: dict[int, str] = {}
        for delivery in rows:
            if id(delivery.body) not in digest_of:
                digest_of[id(delivery.body)] = hashlib.sha256(delivery.body).hexdigest()
        bodies = {digest_of[id(delivery.body)]: delivery.body for delivery in rows}
        b = delivery_bodies.c
        stored: set[str] = set()
        for chunk in chunks(list(bodies)):
            found = await conn.execute(select(b.digest).where(b.digest.in_(chunk)))
            stored |= {r.digest for r in found}
        missing = [{"digest": k, "body": v} for k, v in bodies.items() if k not in stored]
        if missing:
            await conn.execute(insert(delivery_bodies), missing)
        last = await self._next(conn, DELIVERY_SEQ, len(rows))
        first = last - len(rows) + 1
        await conn.execute(
            insert(deliveries),
            [
                {
                    "id": delivery.id,
                    "enqueued": first + n,
                    **delivery_values(delivery),
                    "body": b"",
                    "body_digest": digest_of[id(delivery.body)],
                }
                for n, delivery in enumerate(rows)
            ],
        )
        return [delivery for delivery in rows if delivery.state is not DeliveryState.SUPERSEDED]

    async def due(self, *, kind: DeliveryKind, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries of one kind whose next attempt is due, oldest first."""
        d = deliveries.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(deliveries)
                .where(
                    d.state == DeliveryState.PENDING,
                    d.kind == kind,
                    or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
                )
                .order_by(d.next_attempt_at.asc().nulls_first(), d.enqueued)
                .limit(limit)
            )
            return await _with_bodies(conn, list(rows))

    async def update_delivery(self, delivery: Delivery) -> None:
        """Record an attempt's outcome; ``NotFound`` if the id was never queued.
        Only the attempt's state is written (the body and headers were written once,
        when queued). A superseded delivery stays so: an attempt that was in flight
        when a newer one arrived must not put it back in the queue.

        Outcomes are committed in groups: the attempts of one fan-out finish
        together, and those that finish while a commit is under way share the
        next one, so a thousand subscribers cost a few transactions, not a
        thousand. Each caller returns once its outcome is committed."""
        outcomes = self.__dict__.setdefault("_outcomes", _Outcomes(self._record_outcomes))
        await outcomes.record(delivery)

    async def _record_outcomes(self, batch: list[Delivery]) -> set[str]:
        """Write the outcomes in one transaction; the ids that were never queued."""
        d = deliveries.c
        outcome = (
            update(deliveries)
            .where(d.id == bindparam("key"), d.state != DeliveryState.SUPERSEDED)
            .values(
                state=bindparam("b_state"),
                attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"),
                last_error=bindparam("b_error"),
            )
        )
        rows = [
            {
                "key": delivery.id,
                "b_state": delivery.state,
                "b_attempts": delivery.attempts,
                "b_next": delivery.next_attempt_at,
                "b_error": delivery.last_error,
            }
            for delivery in batch
        ]
        async with self._write() as conn:
            await conn.execute(outcome, rows)  # one statement, every row
            known: set[str] = set()
            for chunk in chunks([delivery.id for delivery in batch]):
                known |= {r.id for r in await conn.execute(select(d.id).where(d.id.in_(chunk)))}
        return {delivery.id for delivery in batch} - known

    async def get_delivery(self, id: str) -> Delivery | None:
        """One delivery by id, whatever its state; None if never queued."""
        async with self._read() as conn:
            rows = await conn.execute(select(deliveries).where(deliveries.c.id == id))
            found = await _with_bodies(conn, list(rows))
        return found[0] if found else None

    async def prune_deliveries(self, *, before: datetime) -> int:
        """Delivered and superseded rows queued before ``before`` go, then every
        body no remaining row refers to, in one transaction: a queue of a hundred
        pushes a minute to a thousand subscribers stays the size of a day's."""
        d, b = deliveries.c, delivery_bodies.c
        async with self._write() as conn:
            gone = await conn.execute(
                delete(deliveries).where(
                    d.state.in_([DeliveryState.DELIVERED, DeliveryState.SUPERSEDED]),
                    d.created_at < before,
                )
            )
            referenced = select(d.body_digest).where(d.body_digest.is_not(None))
            await conn.execute(delete(delivery_bodies).where(b.digest.not_in(referenced)))
        return int(gone.rowcount or 0)

    async def dead_letters(self, *, limit: int = 100) -> list[Delivery]:
        """Deliveries given up on, most recently queued first."""
        d = deliveries.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(deliveries)
                .where(d.state == DeliveryState.DEAD)
                .order_by(d.enqueued.desc())
                .limit(limit)
            )
            return await _with_bodies(conn, list(rows))

    async def queue_stats(self) -> list[QueueStats]:
        """Counts of pending and dead deliveries by kind, and the oldest pending one's
        queue time: one grouped query over the (state, …) index."""
        d = deliveries.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(d.kind, d.state, func.count(), func.min(d.created_at))
                .where(d.state.in_([DeliveryState.PENDING, DeliveryState.DEAD]))
                .group_by(d.kind, d.state)
            )
            found = {(r[0], r[1]): (int(r[2]), r[3]) for r in rows}
        stats = []
        for kind in DeliveryKind:
            pending, oldest = found.get((kind.value, DeliveryState.PENDING.value), (0, None))
            dead, _ = found.get((kind.value, DeliveryState.DEAD.value), (0, None))
            stats.append(QueueStats(kind, pending, oldest, dead))
        return stats

    async def chain_deliveries(self, chains: Sequence[str], *, limit: int = 500) -> list[Delivery]:
        """The deliveries of these chains, most recently queued first."""
        d = deliveries.c
        found: list[Any] = []
        async with self._read() as conn:
            for chunk in chunks(list(chains)):
                rows = await conn.execute(
                    select(deliveries)
                    .where(d.chain.in_(chunk))
                    .order_by(d.enqueued.desc())
                    .limit(limit)
                )
                found += list(rows)
            found.sort(key=lambda r: r.enqueued, reverse=True)
            return await _with_bodies(conn, found[:limit])


async def _with_bodies(conn: AsyncConnection, rows: list[Any]) -> list[Delivery]:
    """The deliveries of ``rows``, each with its body (read once per distinct body)."""
    digests = sorted({r.body_digest for r in rows if r.body_digest is not None})
    bodies: dict[str, bytes] = {}
    b = delivery_bodies.c
    for chunk in chunks(digests):
        found = await conn.execute(select(b.digest, b.body).where(b.digest.in_(chunk)))
        bodies |= {r.digest: bytes(r.body) for r in found}
    out = []
    for row in rows:
        delivery = delivery_from_row(row)
        if row.body_digest is not None:
            delivery = replace(delivery, body=bodies[row.body_digest])
        out.append(delivery)
    return out


class _Outcomes:
    """Group commit of attempt outcomes: callers wait for the commit that holds
    theirs; outcomes arriving during a commit go in the next."""

    def __init__(self, write: Callable[[list[Delivery]], Awaitable[set[str]]]) -> None:
        self._write = write
        self._waiting: list[tuple[Delivery, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, delivery: Delivery) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush())
        await done

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the attempts finishing now join this commit
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                unknown = await self._write([delivery for delivery, _ in group])
            except asyncio.CancelledError:
                for _, done in [*group, *self._waiting]:
                    done.cancel()
                self._waiting = []
                raise
            except Exception as exc:  # every waiter gets the failure (the store is away…)
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for delivery, done in group:
                if done.done():
                    continue
                if delivery.id in unknown:
                    done.set_exception(NotFound(f"no delivery {delivery.id!r}"))
                else:
                    done.set_result(None)
