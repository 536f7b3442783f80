"""Stories: versions written as ``plan_save`` decides, and the indexed reads feeds use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from wire.errors import StoreError, StoryValidationError
from wire.model import Audience, FeedFilter, Story
from wire.store.base import Entry, Hold, SaveResult
from wire.store.plan import plan_exposure, plan_save
from wire.store.queries import (
    changes_query,
    embargoes_query,
    latest_queries,
    next_embargo_query,
    withdrawals_query,
)
from wire.store.rows import (
    decode_story,
    entry_from_row,
    head_values,
    record_values,
    term_values,
    version_values,
)
from wire.store.sql.coordination import CoordinationSQL
from wire.store.sql.engine import _SAVE_ATTEMPTS
from wire.store.tables import CHANGE_SEQ, holds, stories, story_terms, story_versions
from wire.storyjson import encode_story
from wire.visibility import NO_EXPOSURE


class StoriesSQL(CoordinationSQL):
    """Stories: versions written as ``plan_save`` decides, and the indexed reads feeds use."""

    # stories ----------------------------------------------------------------------

    async def save(
        self,
        story: Story,
        *,
        now: datetime,
        expected_version: int | None = None,
        editorial: bool = False,
        id_space: frozenset[str] | None = None,
        hold: Hold | None = None,
        validated: bool = False,
    ) -> SaveResult:
        """Store a story as its guid's next version (see ``Store.save`` and ``plan_save``);
        a new guid's ``hold`` in the same transaction."""
        if not story.guid:
            raise StoreError("a story needs a guid before it is stored")
        if "\x00" in story.guid:
            # PostgreSQL text cannot hold NUL and SQLite cuts the key at it
            raise StoryValidationError("/guid", "must not contain a NUL character")
        attempt = 1
        while True:
            try:
                result = await self._save_once(
                    story, now, expected_version, editorial, id_space, hold, validated
                )
                break
            except IntegrityError as exc:
                # two writers created the same new guid at once; the loser retries and
                # now sees the winner's version as current
                if attempt >= _SAVE_ATTEMPTS:
                    raise StoreError(f"{story.guid}: could not save: {exc.orig}") from exc
                attempt += 1
        if result.changed:
            await self._changed(story.guid)
        return result

    async def _save_once(
        self,
        story: Story,
        now: datetime,
        expected_version: int | None,
        editorial: bool,
        id_space: frozenset[str] | None,
        hold: Hold | None = None,
        validated: bool = False,
    ) -> SaveResult:
        async with self._write() as conn:
            row = (
                await conn.execute(
                    select(stories.c.doc, stories.c.exposure, stories.c.withdrawn_at)
                    .where(stories.c.guid == story.guid)
                    .with_for_update()
                )
            ).first()
            entry = entry_from_row(row) if row else None
            current = entry.story if entry else None
            before = entry.exposure if entry else NO_EXPOSURE
            new, stale = plan_save(
                story,
                current,
                now=now,
                expected_version=expected_version,
                editorial=editorial,
                id_space=id_space,
            )
            if new is None:
                assert current is not None
                return SaveResult(
                    current,
                    created=False,
                    changed=False,
                    stale=stale,
                    exposure=before,
                    previous_exposure=before,
                )
            exposure, withdrawn_at = plan_exposure(new, entry, now)
            doc = encode_story(new, validate=not validated)
            seq = await self._next(conn, CHANGE_SEQ)
            if self._watcher is not None:
                self._own.add(seq)
            await conn.execute(insert(story_versions).values(version_values(new, doc=doc, now=now)))
            head = head_values(new, seq=seq, doc=doc, exposure=exposure, withdrawn_at=withdrawn_at)
            if current is None:
                await conn.execute(insert(stories).values(head))
                if hold is not None:
                    await conn.execute(delete(holds).where(holds.c.guid == new.guid))
                    await conn.execute(
                        insert(holds).values(record_values(replace(hold, guid=new.guid)))
                    )
            else:
                await conn.execute(update(stories).where(stories.c.guid == new.guid).values(head))
                await conn.execute(delete(story_terms).where(story_terms.c.guid == new.guid))
            terms = term_values(new)
            if terms:
                await conn.execute(insert(story_terms), terms)
            if self.is_postgres:
                await conn.execute(
                    select(func.pg_notify(self._channel, f"{self._instance} {new.guid}"))
                )
        return SaveResult(
            new,
            created=current is None,
            changed=True,
            previous=current,
            exposure=exposure,
            previous_exposure=before,
        )

    async def get(self, guid: str) -> Story | None:
        """The current version."""
        async with self._read() as conn:
            row = (await conn.execute(select(stories.c.doc).where(stories.c.guid == guid))).first()
        return decode_story(row.doc) if row else None

    async def get_entry(self, guid: str) -> Entry | None:
        """The current version with its exposure, for the visibility rule."""
        s = stories.c
        async with self._read() as conn:
            row = (
                await conn.execute(select(s.doc, s.exposure, s.withdrawn_at).where(s.guid == guid))
            ).first()
        return entry_from_row(row) if row else None

    async def history(self, guid: str) -> list[Story]:
        """Every version, oldest first; empty if the guid is unknown."""
        async with self._read() as conn:
            rows = await conn.execute(
                select(story_versions.c.doc)
                .where(story_versions.c.guid == guid)
                .order_by(story_versions.c.version)
            )
            return [decode_story(r.doc) for r in rows]

    async def latest(
        self,
        flt: FeedFilter,
        *,
        audience: Audience,
        now: datetime,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Story]:
        """The newest ``limit`` stories the audience may see now, by (sort time, guid)
        descending, strictly older than ``before`` when given. See ``latest_queries``."""
        if limit <= 0:
            return []
        queries = latest_queries(flt, audience, now=now, limit=limit, before=before)
        found: dict[str, tuple[datetime, str]] = {}
        async with self._read() as conn:
            for query in queries:
                for row in await conn.execute(query):
                    found[row.guid] = (row.sort_time, row.doc)
        ordered = sorted(found.items(), key=lambda item: (item[1][0], item[0]), reverse=True)
        return [decode_story(doc) for _guid, (_t, doc) in ordered[:limit]]

    async def withdrawals(
        self, *, since: datetime, limit: int, before: tuple[datetime, str] | None = None
    ) -> list[Entry]:
        """Stories withdrawn after ``since``, newest withdrawal first (a superset:
        the visibility rule decides who hears of each)."""
        query = withdrawals_query(since=since, limit=limit, before=before)
        if query is None:
            return []
        async with self._read() as conn:
            return [entry_from_row(r) for r in await conn.execute(query)]

    async def changes(
        self, flt: FeedFilter, *, audience: Audience, now: datetime, after: int, limit: int
    ) -> list[tuple[int, Entry]]:
        """Current versions by change sequence, strictly after ``after``: what the feed
        may show the audience now, and every withdrawn story (see ``changes_query``)."""
        query = changes_query(flt, audience, now=now, after=after, limit=limit)
        if query is None:
            return []
        async with self._read() as conn:
            return [(int(r.seq), entry_from_row(r)) for r in await conn.execute(query)]

    async def embargoes_between(self, start: datetime, end: datetime) -> list[Story]:
        """Usable stories whose embargo lifts in (start, end], soonest first."""
        async with self._read() as conn:
            return [decode_story(r.doc) for r in await conn.execute(embargoes_query(start, end))]

    async def next_embargo(self, after: datetime) -> datetime | None:
        """When the next usable story's embargo lifts, strictly after ``after``."""
        async with self._read() as conn:
            value: datetime | None = (await conn.execute(next_embargo_query(after))).scalar()
        return value

    # bulk loading ---------------------------------------------------------------------

    async def load_current(self, batch: Sequence[Story], *, now: datetime) -> None:
        """Write brand-new guids as version 1 in one transaction, without the
        per-story change checks of ``save``: for imports and benchmarks. Raises
        ``StoreError`` if a guid already exists."""
        planned = [plan_save(s, None, now=now, expected_version=None)[0] for s in batch]
        ready = [s for s in planned if s is not None]
        try:
            async with self._write() as conn:
                heads, versions, terms = [], [], []
                last = await self._next(conn, CHANGE_SEQ, len(ready))
                for seq, story in enumerate(ready, start=last - len(ready) + 1):
                    doc = encode_story(story)
                    heads.append(head_values(story, seq=seq, doc=doc))
                    versions.append(version_values(story, doc=doc, now=now))
                    terms.extend(term_values(story))
                if heads:
                    await conn.execute(insert(stories), heads)
                    await conn.execute(insert(story_versions), versions)
                if terms:
                    await conn.execute(insert(story_terms), terms)
        except IntegrityError as exc:
            raise StoreError(f"bulk load refused: {exc.orig}") from exc
