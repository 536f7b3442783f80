"""A batch of saves: the reads they need answered from one snapshot, their writes
kept until the end and made in a few statements.

``wire ingest`` and a poll bring hundreds of stories at once. Saved one by one,
each costs a dozen statements (its current version, its hold, the stories it
resembles and their holds, the version, the head, its terms, its index entry),
and a statement through SQLAlchemy and aiosqlite costs most of a millisecond
whatever it does. A ``Batch`` answers the same calls (``SaveDB``, the part of
the store the desk's save path uses) from a ``Snapshot`` the store reads with a
handful of set-based statements, keeps what the batch writes so that each later
save sees the earlier ones exactly as the store would, and hands it all to
``Batches.apply_batch`` at the end.

The rules are the same ones, not a copy: versions are planned by ``plan_write``
(as ``Store.save`` plans them), and the desk's screening runs unchanged on top.
What the snapshot does not hold is read from the store, in the batch's own
transaction, and overlaid with the batch's writes: a read the snapshot did not
foresee is slower, never wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from wire.duplicates import SCHEME, Fingerprint
from wire.model import Story
from wire.store.base import (
    Entry,
    Hold,
    Indexed,
    IngestFailure,
    SaveResult,
    SimilarStory,
    Snapshot,
    Staged,
    Store,
)
from wire.store.plan import check_guid, plan_write


class SaveDB(Protocol):
    """What the desk's save path reads and writes: a ``Store``, or a ``Batch`` over one."""

    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def get(self, guid: str) -> Story | None: ...

    async def get_hold(self, guid: str) -> Hold | None: ...

    async def versions_from_raw(self, sha256: str) -> list[Story]: ...

    async def similar(self, fingerprint: Fingerprint, *, since: datetime) -> list[SimilarStory]: ...

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
    ) -> SaveResult: ...

    async def put_fingerprint(
        self, guid: str, source: str | None, fingerprint: Fingerprint | None, *, now: datetime
    ) -> None: ...

    async def record_failure(self, failure: IngestFailure) -> None: ...


class Batch:
    """Saves answered from a snapshot and written at ``flush``: a ``SaveDB``.

    Use it inside the store's ``transaction`` that read the snapshot, so nothing
    changes under it (the snapshot's heads are locked on PostgreSQL, the whole
    database is on SQLite); ``flush`` before the transaction ends."""

    def __init__(self, store: Store, snapshot: Snapshot) -> None:
        self._store = store
        self._snapshot = snapshot
        self._entries: dict[str, Entry | None] = {}
        self._holds: dict[str, Hold] = {}
        self._indexed: dict[str, Indexed] = {}
        self._banded: dict[str, set[str]] = {}  # band → guids the batch indexed under it
        self._made: dict[str, list[Story]] = {}  # raw sha256 → versions the batch made
        self._staged = Staged()

    @classmethod
    async def read(
        cls,
        store: Store,
        stories: list[Story],
        shas: list[str],
        prints: list[Fingerprint | None],
        *,
        since: datetime,
    ) -> Batch:
        """A batch over the store's snapshot of what saving ``stories`` (made from
        the raw inputs ``shas``, with fingerprints ``prints``) will read."""
        bands = [band for p in prints if p is not None for band in p.bands]
        snapshot = await store.snapshot(
            guids=[s.guid for s in stories], shas=shas, bands=bands, since=since
        )
        return cls(store, snapshot)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Nothing to open: the batch is written whole by ``flush``, or not at all."""
        yield

    async def flush(self) -> None:
        """Write everything the batch decided (``Batches.apply_batch``)."""
        staged, self._staged = self._staged, Staged()
        await self._store.apply_batch(staged)

    async def get_entry(self, guid: str) -> Entry | None:
        if guid in self._entries:
            return self._entries[guid]
        if guid in self._snapshot.entries:
            entry = self._snapshot.entries[guid]
        else:
            entry = await self._store.get_entry(guid)
        self._entries[guid] = entry
        return entry

    async def get(self, guid: str) -> Story | None:
        entry = await self.get_entry(guid)
        return entry.story if entry else None

    async def get_hold(self, guid: str) -> Hold | None:
        if guid in self._holds:
            return self._holds[guid]
        if guid in self._snapshot.holds:
            return self._snapshot.holds[guid]
        return await self._store.get_hold(guid)

    async def versions_from_raw(self, sha256: str) -> list[Story]:
        before = self._snapshot.made.get(sha256)
        if before is None:
            before = await self._store.versions_from_raw(sha256)
        mine = self._made.get(sha256, [])
        return sorted([*before, *mine], key=lambda s: (s.guid, s.version))

    async def similar(self, fingerprint: Fingerprint, *, since: datetime) -> list[SimilarStory]:
        """As the store answers, with the batch's own index writes in it."""
        banded = self._snapshot.banded
        found: dict[str, SimilarStory] = {}
        if since >= self._snapshot.since and all(b in banded for b in fingerprint.bands):
            for band in fingerprint.bands:
                for similar, recorded_at in banded[band]:
                    if recorded_at >= since:
                        found[similar.guid] = similar
        else:
            found = {s.guid: s for s in await self._store.similar(fingerprint, since=since)}
        for guid in [g for g in found if g in self._indexed]:
            del found[guid]  # what the batch indexed stands for what was
        sharing = {guid for band in fingerprint.bands for guid in self._banded.get(band, ())}
        for guid in sharing:
            indexed = self._indexed[guid]
            mine = indexed.fingerprint
            if (
                mine is not None
                and mine.scheme == SCHEME == fingerprint.scheme
                and indexed.recorded_at >= since
            ):
                found[guid] = SimilarStory(guid, indexed.source, mine.signature)
        return [found[guid] for guid in sorted(found)]

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
        """As ``Store.save`` decides (``plan_write``); written at ``flush``."""
        check_guid(story.guid)
        result, write = plan_write(
            story,
            await self.get_entry(story.guid),
            now=now,
            expected_version=expected_version,
            editorial=editorial,
            id_space=id_space,
            hold=hold,
            validated=validated,
        )
        if write is not None:
            self._staged.writes.append(write)
            self._entries[write.story.guid] = Entry(write.story, write.exposure, write.withdrawn_at)
            if write.story.origin.raw_sha256 is not None:
                self._made.setdefault(write.story.origin.raw_sha256, []).append(write.story)
            if write.hold is not None:
                self._holds[write.hold.guid] = write.hold
        return result

    async def put_fingerprint(
        self, guid: str, source: str | None, fingerprint: Fingerprint | None, *, now: datetime
    ) -> None:
        indexed = Indexed(guid, source, fingerprint, now)
        before = self._indexed.get(guid)
        if before is not None and before.fingerprint is not None:
            for band in before.fingerprint.bands:
                self._banded[band].discard(guid)
        self._indexed[guid] = indexed
        if fingerprint is not None:
            for band in fingerprint.bands:
                self._banded.setdefault(band, set()).add(guid)
        self._staged.indexed.append(indexed)

    async def record_failure(self, failure: IngestFailure) -> None:
        self._staged.failures.append(failure)
