"""The raw archive and the ingest failures recorded with it."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from wire.errors import StoreError
from wire.model import Story
from wire.store.base import IngestFailure, RawInput
from wire.store.rows import decode_story, raw_from_row, raw_values, record_from_row, record_values
from wire.store.sql.engine import SQLBase, chunks
from wire.store.tables import ingest_failures, raw_inputs, story_versions


async def insert_failures(conn: AsyncConnection, failures: Sequence[IngestFailure]) -> None:
    """One save's failure, or a batch's, in one statement."""
    if failures:
        await conn.execute(insert(ingest_failures), [record_values(f) for f in failures])


class RawArchiveSQL(SQLBase):
    """The raw archive and the ingest failures recorded with it."""

    # raw archive ------------------------------------------------------------------

    async def archive_raw(self, raw: RawInput) -> None:
        """Keep raw bytes under their sha256 (checked); the same bytes again are a no-op."""
        await self.archive_many([raw])

    async def archive_many(self, raws: Sequence[RawInput]) -> None:
        """``archive_raw`` for many inputs: one lookup and one insert of those not kept."""
        for raw in raws:
            if hashlib.sha256(raw.data).hexdigest() != raw.sha256:
                raise StoreError(f"raw input {raw.name!r}: sha256 does not match its bytes")
        fresh = {raw.sha256: raw for raw in reversed(raws)}  # the first of equal bytes stands
        try:
            await self._archive(list(fresh.values()))
        except IntegrityError:
            # a concurrent writer archived some of them: the same bytes, so each is
            # archived alone and the ones already kept are passed over
            for raw in fresh.values():
                with contextlib.suppress(IntegrityError):
                    await self._archive([raw])

    async def _archive(self, raws: list[RawInput]) -> None:
        async with self._write() as conn:
            shas = [raw.sha256 for raw in raws]
            kept: set[str] = set()
            for chunk in chunks(shas):
                query = select(raw_inputs.c.sha256).where(raw_inputs.c.sha256.in_(chunk))
                kept.update((await conn.execute(query)).scalars())
            rows = [raw_values(raw) for raw in raws if raw.sha256 not in kept]
            if rows:
                await conn.execute(insert(raw_inputs), rows)

    async def get_raw(self, sha256: str) -> RawInput | None:
        async with self._read() as conn:
            row = (
                await conn.execute(select(raw_inputs).where(raw_inputs.c.sha256 == sha256))
            ).first()
        return raw_from_row(row) if row else None

    async def versions_from_raw(self, sha256: str) -> list[Story]:
        """Every story version that raw input produced (the archive's audit link)."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(story_versions.c.doc)
                .where(story_versions.c.raw_sha256 == sha256)
                .order_by(story_versions.c.guid, story_versions.c.version)
            )
            return [decode_story(r.doc) for r in rows]

    async def record_failure(self, failure: IngestFailure) -> None:
        async with self._write() as conn:
            await insert_failures(conn, [failure])

    async def failures(self, *, limit: int = 100) -> list[IngestFailure]:
        """Newest first."""
        f = ingest_failures.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(ingest_failures).order_by(f.at.desc(), f.id.desc()).limit(limit)
            )
            return [record_from_row(IngestFailure, r) for r in rows]
