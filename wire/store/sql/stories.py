"""Stories: versions written as ``plan_save`` decides, and the indexed reads feeds use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from wire.errors import StoreError
from wire.model import Audience, FeedFilter, Story
from wire.store.base import DeskQuery, Entry, Hold, Listed, SaveResult, Write
from wire.store.plan import check_guid, plan_save, plan_write
from wire.store.queries import (
    changes_query,
    desk_query,
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
    search_values,
    term_values,
    version_values,
)
from wire.store.search import story_words
from wire.store.sql.coordination import CoordinationSQL
from wire.store.sql.engine import _SAVE_ATTEMPTS, chunks
from wire.store.tables import (
    CHANGE_SEQ,
    holds,
    stories,
    story_search,
    story_terms,
    story_versions,
)
from wire.storyjson import encode_story


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
        """Store a story as its guid's next version (see ``Store.save`` and ``plan_write``);
        a new guid's ``hold`` in the same transaction."""
        check_guid(story.guid)
        attempt = 1
        while True:
            try:
                async with self._write() as conn:
                    row = (
                        await conn.execute(
                            select(stories.c.doc, stories.c.exposure, stories.c.withdrawn_at)
                            .where(stories.c.guid == story.guid)
                            .with_for_update()
                        )
                    ).first()
                    result, write = plan_write(
                        story,
                        entry_from_row(row) if row else None,
                        now=now,
                        expected_version=expected_version,
                        editorial=editorial,
                        id_space=id_space,
                        hold=hold,
                        validated=validated,
                    )
                    if write is not None:
                        await self._apply_writes(conn, [write])
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

    async def _apply_writes(self, conn: AsyncConnection, writes: Sequence[Write]) -> None:
        """Carry out planned writes, in order, in a fixed handful of statements however
        many there are: every version appended; of each guid, the head, terms,
        search words and hold of its last write. One change number per guid, in the order of their
        last writes, so a cursor sees each change once."""
        if not writes:
            return
        last: dict[str, Write] = {}
        created: set[str] = set()
        for write in writes:
            last.pop(write.story.guid, None)  # re-inserted: ordered by its last write
            last[write.story.guid] = write
            if write.created:
                created.add(write.story.guid)
        top = await self._next(conn, CHANGE_SEQ, len(last))
        seqs = range(top - len(last) + 1, top + 1)
        if self._watcher is not None:
            self._own.update(seqs)
        await conn.execute(
            insert(story_versions), [version_values(w.story, doc=w.doc, now=w.now) for w in writes]
        )
        heads = {
            guid: head_values(
                w.story, seq=seq, doc=w.doc, exposure=w.exposure, withdrawn_at=w.withdrawn_at
            )
            for seq, (guid, w) in zip(seqs, last.items(), strict=True)
        }
        fresh = [head for guid, head in heads.items() if guid in created]
        if fresh:
            await conn.execute(insert(stories), fresh)
        kept = [{**head, "key": guid} for guid, head in heads.items() if guid not in created]
        if kept:
            await conn.execute(update(stories).where(stories.c.guid == bindparam("key")), kept)
        replaced = [guid for guid in last if guid not in created]
        for chunk in chunks(replaced):
            await conn.execute(delete(story_terms).where(story_terms.c.guid.in_(chunk)))
        terms = [term for w in last.values() for term in term_values(w.story)]
        if terms:
            await conn.execute(insert(story_terms), terms)
        for chunk in chunks(replaced):
            await conn.execute(delete(story_search).where(story_search.c.guid.in_(chunk)))
        await conn.execute(
            insert(story_search), [search_values(guid, w.words) for guid, w in last.items()]
        )
        held = [w.hold for w in writes if w.hold is not None]
        for chunk in chunks([h.guid for h in held]):
            await conn.execute(delete(holds).where(holds.c.guid.in_(chunk)))
        if held:
            await conn.execute(insert(holds), [record_values(h) for h in held])
        if self.is_postgres:
            for guid in last:
                await conn.execute(
                    select(func.pg_notify(self._channel, f"{self._instance} {guid}"))
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

    async def change_position(self, since: datetime | None = None) -> int:
        """See ``Stories.change_position``: ``max(seq)``, or the smallest ``seq`` of
        the versions made since, less one (``seq`` is unique and increasing)."""
        latest = select(func.coalesce(func.max(stories.c.seq), 0))
        async with self._read() as conn:
            if since is not None:
                first = select(func.min(stories.c.seq)).where(stories.c.version_created >= since)
                found = (await conn.execute(first)).scalar()
                if found is not None:
                    return int(found) - 1
            return int((await conn.execute(latest)).scalar() or 0)

    async def find_stories(
        self,
        query: DeskQuery,
        *,
        now: datetime,
        limit: int,
        before: tuple[datetime, str] | None = None,
    ) -> list[Listed]:
        """The desk's list (see ``Stories.find_stories`` and ``desk_query``)."""
        if limit <= 0:
            return []
        select_ = desk_query(query, now=now, limit=limit, before=before, postgres=self.is_postgres)
        async with self._read() as conn:
            rows = await conn.execute(select_)
            return [Listed(decode_story(r.doc), r.duplicate_of) for r in rows]

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
                heads, versions, terms, searched = [], [], [], []
                last = await self._next(conn, CHANGE_SEQ, len(ready))
                for seq, story in enumerate(ready, start=last - len(ready) + 1):
                    doc = encode_story(story)
                    heads.append(head_values(story, seq=seq, doc=doc))
                    versions.append(version_values(story, doc=doc, now=now))
                    terms.extend(term_values(story))
                    searched.append(search_values(story.guid, story_words(story)))
                if heads:
                    await conn.execute(insert(stories), heads)
                    await conn.execute(insert(story_versions), versions)
                    await conn.execute(insert(story_search), searched)
                if terms:
                    await conn.execute(insert(story_terms), terms)
        except IntegrityError as exc:
            raise StoreError(f"bulk load refused: {exc.orig}") from exc
