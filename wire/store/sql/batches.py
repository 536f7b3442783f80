"""Many saves at once: one snapshot read up front, one set of statements at the end.

Each read is one statement whatever the batch's size (guids, sha256s and bands
go in ``IN`` lists, cut into chunks below every backend's parameter limit), and
the writes are the single save's own statements run over many rows
(``StoriesSQL._apply_writes``), so a batch of hundreds of stories costs a dozen
statements instead of a dozen per story.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wire.duplicates import SCHEME
from wire.errors import WriteConflict
from wire.model import Story
from wire.store.base import Entry, Hold, SimilarStory, Snapshot, Staged
from wire.store.rows import decode_story, entry_from_row, record_from_row
from wire.store.sql.archive import insert_failures
from wire.store.sql.duplicates import write_index
from wire.store.sql.engine import chunks
from wire.store.sql.stories import StoriesSQL
from wire.store.tables import (
    fingerprint_bands,
    fingerprints,
    holds,
    stories,
    story_versions,
)


class BatchesSQL(StoriesSQL):
    """Many saves at once (``Batches``): the snapshot they read, the rows they write."""

    async def snapshot(
        self,
        *,
        guids: Sequence[str],
        shas: Sequence[str],
        bands: Sequence[str],
        since: datetime,
    ) -> Snapshot:
        """What the saves of a batch read, each kind in one statement per chunk."""
        guids, shas, bands = (list(dict.fromkeys(v)) for v in (guids, shas, bands))
        # refused before any read; sorted, so that two batches lock heads in one order
        guids = sorted(g for g in guids if g and "\x00" not in g)
        s, v, f, b = stories.c, story_versions.c, fingerprints.c, fingerprint_bands.c
        made: dict[str, list[Story]] = {sha: [] for sha in shas}
        banded: dict[str, list[tuple[SimilarStory, datetime]]] = {band: [] for band in bands}
        async with self._write() as conn:
            for chunk in chunks(shas):
                query = (
                    select(v.raw_sha256, v.doc)
                    .where(v.raw_sha256.in_(chunk))
                    .order_by(v.guid, v.version)
                )
                for version in await conn.execute(query):
                    made[version.raw_sha256].append(decode_story(version.doc))
            # the stories those bytes made too: their saves answer "ingested before"
            made_guids = [story.guid for versions in made.values() for story in versions]
            guids = sorted({*guids, *made_guids})
            entries: dict[str, Entry | None] = dict.fromkeys(guids)
            for chunk in chunks(guids):
                query = (
                    select(s.guid, s.doc, s.exposure, s.withdrawn_at)
                    .where(s.guid.in_(chunk))
                    .with_for_update()
                )
                for head in await conn.execute(query):
                    entries[head.guid] = entry_from_row(head)
            for chunk in chunks(bands):
                query = (
                    select(b.band, f.guid, f.source, f.signature, f.recorded_at)
                    .join(fingerprints, f.guid == b.guid)
                    .where(b.band.in_(chunk), f.scheme == SCHEME, f.recorded_at >= since)
                    .order_by(f.guid)
                )
                for hit in await conn.execute(query):
                    similar = SimilarStory(hit.guid, hit.source, bytes(hit.signature))
                    banded[hit.band].append((similar, hit.recorded_at))
            asked = list(dict.fromkeys([*guids, *(x.guid for r in banded.values() for x, _ in r)]))
            held: dict[str, Hold | None] = dict.fromkeys(asked)
            for chunk in chunks(asked):
                for row in await conn.execute(select(holds).where(holds.c.guid.in_(chunk))):
                    held[row.guid] = record_from_row(Hold, row)
        return Snapshot(entries, held, made, banded, since)

    async def apply_batch(self, staged: Staged) -> None:
        """The batch's rows: versions, heads, terms and holds, the index, the failures."""
        try:
            async with self._write() as conn:
                await self._apply_writes(conn, staged.writes)
                await write_index(conn, staged.indexed)
                await insert_failures(conn, staged.failures)
        except IntegrityError as exc:
            raise WriteConflict(
                f"another writer created a story of this batch: {exc.orig}"
            ) from exc
        for guid in dict.fromkeys(w.story.guid for w in staged.writes):
            await self._changed(guid)
