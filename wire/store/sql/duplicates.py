"""The near-duplicate index (fingerprints and their LSH bands) and review holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from wire.duplicates import Fingerprint
from wire.store.base import Hold, Indexed, SimilarStory
from wire.store.rows import record_from_row, record_values
from wire.store.sql.engine import SQLBase, chunks
from wire.store.tables import fingerprint_bands, fingerprints, holds


async def write_index(conn: AsyncConnection, indexed: Sequence[Indexed]) -> None:
    """Replace the index entries of these guids (the last of each stands), in a
    few statements however many there are: one save's, or a batch's."""
    last = {i.guid: i for i in indexed}
    for chunk in chunks(list(last)):
        await conn.execute(delete(fingerprint_bands).where(fingerprint_bands.c.guid.in_(chunk)))
        await conn.execute(delete(fingerprints).where(fingerprints.c.guid.in_(chunk)))
    kept = [(i, i.fingerprint) for i in last.values() if i.fingerprint is not None]
    if not kept:
        return
    rows = [
        {
            "guid": i.guid,
            "source": i.source,
            "scheme": fp.scheme,
            "signature": fp.signature,
            "recorded_at": i.recorded_at,
        }
        for i, fp in kept
    ]
    await conn.execute(insert(fingerprints), rows)
    bands = [{"band": b, "guid": i.guid} for i, fp in kept for b in dict.fromkeys(fp.bands)]
    await conn.execute(insert(fingerprint_bands), bands)


class DuplicatesSQL(SQLBase):
    """The near-duplicate index (fingerprints and their LSH bands) and review holds."""

    # near duplicates ----------------------------------------------------------------

    async def put_fingerprint(
        self, guid: str, source: str | None, fingerprint: Fingerprint | None, *, now: datetime
    ) -> None:
        """Index (or, with ``None``, un-index) a story's current text for ``similar``."""
        async with self._write() as conn:
            await write_index(conn, [Indexed(guid, source, fingerprint, now)])

    async def similar(self, fingerprint: Fingerprint, *, since: datetime) -> list[SimilarStory]:
        """Stories indexed since ``since`` sharing a band with ``fingerprint``."""
        f, b = fingerprints.c, fingerprint_bands.c
        sharing = select(b.guid).where(b.band.in_(fingerprint.bands)).distinct().subquery()
        query = (
            select(f.guid, f.source, f.signature)
            .join(sharing, sharing.c.guid == f.guid)
            .where(f.scheme == fingerprint.scheme, f.recorded_at >= since)
            .order_by(f.guid)
        )
        async with self._read() as conn:
            rows = await conn.execute(query)
            return [SimilarStory(r.guid, r.source, bytes(r.signature)) for r in rows]

    async def put_hold(self, hold: Hold) -> None:
        """Insert or replace the hold of one story."""
        async with self._write() as conn:
            await conn.execute(delete(holds).where(holds.c.guid == hold.guid))
            await conn.execute(insert(holds).values(record_values(hold)))

    async def get_hold(self, guid: str) -> Hold | None:
        """The hold on this story, open or decided; None if it was never held."""
        async with self._read() as conn:
            row = (await conn.execute(select(holds).where(holds.c.guid == guid))).first()
        return record_from_row(Hold, row) if row else None

    async def holds(self, *, open_only: bool = True, limit: int = 100) -> list[Hold]:
        """Holds, newest first; by default only those awaiting a decision."""
        h = holds.c
        query = select(holds).order_by(h.held_at.desc(), h.guid).limit(limit)
        if open_only:
            query = query.where(h.decision.is_(None))
        async with self._read() as conn:
            return [record_from_row(Hold, r) for r in await conn.execute(query)]
