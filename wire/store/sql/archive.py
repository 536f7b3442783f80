"""The raw archive and the ingest failures recorded with it."""

from __future__ import annotations

import hashlib

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from wire.errors import StoreError
from wire.model import Story
from wire.store.base import IngestFailure, RawInput
from wire.store.rows import decode_story, raw_from_row, raw_values, record_from_row, record_values
from wire.store.sql.engine import SQLBase
from wire.store.tables import ingest_failures, raw_inputs, story_versions


class RawArchiveSQL(SQLBase):
    """The raw archive and the ingest failures recorded with it."""

    # raw archive ------------------------------------------------------------------

    async def archive_raw(self, raw: RawInput) -> None:
        """Keep raw bytes under their sha256 (checked); the same bytes again are a no-op."""
        if hashlib.sha256(raw.data).hexdigest() != raw.sha256:
            raise StoreError(f"raw input {raw.name!r}: sha256 does not match its bytes")
        try:
            async with self._write() as conn:
                exists = await conn.execute(
                    select(raw_inputs.c.sha256).where(raw_inputs.c.sha256 == raw.sha256)
                )
                if exists.first() is not None:
                    return
                await conn.execute(insert(raw_inputs).values(raw_values(raw)))
        except IntegrityError:
            return  # archived by a concurrent writer: same bytes, nothing to add

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
            await conn.execute(insert(ingest_failures).values(record_values(failure)))

    async def failures(self, *, limit: int = 100) -> list[IngestFailure]:
        """Newest first."""
        f = ingest_failures.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(ingest_failures).order_by(f.at.desc(), f.id.desc()).limit(limit)
            )
            return [record_from_row(IngestFailure, r) for r in rows]
