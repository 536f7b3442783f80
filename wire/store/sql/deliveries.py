"""The delivery queue of webhooks and WebSub: chains, due attempts, dead letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from wire.errors import NotFound
from wire.store.base import Delivery, DeliveryKind, DeliveryState
from wire.store.rows import delivery_from_row, delivery_values
from wire.store.sql.engine import SQLBase
from wire.store.tables import DELIVERY_SEQ, deliveries


class DeliveriesSQL(SQLBase):
    """The delivery queue of webhooks and WebSub: chains, due attempts, dead letters."""

    # deliveries ---------------------------------------------------------------------

    async def enqueue(self, delivery: Delivery) -> None:
        """Queue a delivery; an id already queued is not queued again. Pending
        deliveries of the same chain are superseded in the same transaction, so a
        newer version never waits behind, or goes out before, an older one."""
        d = deliveries.c
        try:
            async with self._write() as conn:
                known = await conn.execute(select(d.id).where(d.id == delivery.id))
                if known.first() is not None:
                    return
                if delivery.chain is not None:
                    await conn.execute(
                        update(deliveries)
                        .where(d.chain == delivery.chain, d.state == DeliveryState.PENDING)
                        .values(state=DeliveryState.SUPERSEDED, next_attempt_at=None)
                    )
                order = await self._next(conn, DELIVERY_SEQ)
                await conn.execute(
                    insert(deliveries).values(
                        id=delivery.id, enqueued=order, **delivery_values(delivery)
                    )
                )
        except IntegrityError:
            return  # queued by a concurrent writer under the same id

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
            return [delivery_from_row(r) for r in rows]

    async def update_delivery(self, delivery: Delivery) -> None:
        """Record an attempt's outcome; ``NotFound`` if the id was never queued.
        A superseded delivery stays so: an attempt that was in flight when a newer
        one arrived must not put it back in the queue."""
        d = deliveries.c
        async with self._write() as conn:
            result = await conn.execute(
                update(deliveries)
                .where(d.id == delivery.id, d.state != DeliveryState.SUPERSEDED)
                .values(**delivery_values(delivery))
            )
            if not result.rowcount:
                known = await conn.execute(select(d.id).where(d.id == delivery.id))
                if known.first() is None:
                    raise NotFound(f"no delivery {delivery.id!r}")

    async def get_delivery(self, id: str) -> Delivery | None:
        """One delivery by id, whatever its state; None if never queued."""
        async with self._read() as conn:
            rows = await conn.execute(select(deliveries).where(deliveries.c.id == id))
            row = rows.first()
        return delivery_from_row(row) if row is not None else None

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
            return [delivery_from_row(r) for r in rows]
