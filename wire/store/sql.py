"""``SQLStore``: the ``Store`` protocol on SQLAlchemy async Core, for SQLite and PostgreSQL.

One class, two dialects. What differs is kept to the edges:

- SQLite (``sqlite+aiosqlite:///path``): one file in WAL mode, foreign keys on, a
  busy timeout. Writers are serialised in process by a lock and across processes
  by ``BEGIN IMMEDIATE``, so a read-then-write transaction never dies on a lock
  upgrade. The leader lock is an ``flock`` on a file beside the database.
- PostgreSQL (``postgresql+asyncpg://…``): a connection pool; the story head row is
  locked with ``SELECT … FOR UPDATE``; the change counter row is locked until
  commit, so change sequence order is commit order; the leader lock is a session
  advisory lock; change events also travel to other instances by LISTEN/NOTIFY.

What to write is decided by the pure ``plan_save`` (``wire.store.plan``), rows are
mapped in ``wire.store.rows`` and feed queries built in ``wire.store.queries``: this
module only runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import hashlib
import inspect
import json
import logging
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import asyncpg
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, delete, event, func, insert, or_, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from wire.duplicates import Fingerprint
from wire.errors import NotFound, StoreError, StoreUnavailable, StoryValidationError, WireError
from wire.model import Audience, FeedFilter, Story
from wire.store.base import (
    Credential,
    Delivery,
    Entry,
    Hold,
    IdempotentReply,
    IngestFailure,
    RawInput,
    SaveResult,
    SimilarStory,
    SourceState,
    Subscription,
)
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
    delivery_from_row,
    delivery_values,
    entry_from_row,
    head_values,
    raw_from_row,
    raw_values,
    record_from_row,
    record_values,
    term_values,
    version_values,
)
from wire.store.tables import (
    CHANGE_SEQ,
    DELIVERY_SEQ,
    counters,
    credentials,
    deliveries,
    fingerprint_bands,
    fingerprints,
    holds,
    idempotency_keys,
    ingest_failures,
    raw_inputs,
    source_states,
    stories,
    story_terms,
    story_versions,
    subscriptions,
)
from wire.storyjson import encode_story
from wire.visibility import NO_EXPOSURE

log = logging.getLogger(__name__)

ChangeListener = Callable[[str], Awaitable[None]]
"""Called with a story's guid after a write that changed it has committed."""

MIGRATIONS = "wire.store:migrations"
PENDING, SUPERSEDED = "pending", "superseded"
CONNECT_TIMEOUT = 5.0  # seconds to open a PostgreSQL connection
WATCH_INTERVAL = 0.5  # seconds between SQLite change-sequence polls for other processes' writes
_SAVE_ATTEMPTS = 3


def _lock_key(purpose: str, schema: str | None) -> int:
    """A signed 64-bit advisory lock key, distinct per schema sharing one database."""
    digest = hashlib.sha256(f"wire:{purpose}:{schema or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise StoreError("no migrations found in wire.store.migrations")
    return head


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


# backend errors -----------------------------------------------------------------

_UNREACHABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
)
"""What a database that is down, restarting or out of reach raises: the connection's
trouble, not the request's. Anything else from the backend is a ``StoreError``."""


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, _UNREACHABLE):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, _UNREACHABLE)
    return False


T = TypeVar("T")


def _backend_errors(
    method: Callable[..., Coroutine[Any, Any, T]],
) -> Callable[..., Coroutine[Any, Any, T]]:
    """Turn what the backend raises into wire's errors, with the cause chained:
    ``StoreUnavailable`` while the database cannot be reached (logged once per
    outage by the store, so callers answer 503 without a traceback per request),
    ``StoreError`` for the rest. wire's own errors pass through."""

    @functools.wraps(method)
    async def wrapper(self: SQLStore, *args: Any, **kwargs: Any) -> T:
        try:
            result = await method(self, *args, **kwargs)
        except WireError:
            raise
        except (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if _unreachable(exc):
                self._outage(exc)
                raise StoreUnavailable(f"the database is unreachable: {exc}") from exc
            raise StoreError(f"{method.__name__}: {exc}") from exc
        self._recovered()
        return result

    return wrapper


def _wrap_public_methods(cls: type[T]) -> type[T]:
    """``_backend_errors`` around every public coroutine method of the class."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name in ("open", "close"):
            continue
        if inspect.iscoroutinefunction(member):
            setattr(cls, name, _backend_errors(member))
    return cls


# the store ----------------------------------------------------------------------


@_wrap_public_methods
class SQLStore:
    """The ``Store`` protocol on SQLite or PostgreSQL, chosen by the URL.

    Every public method raises only wire's errors: ``StoreUnavailable`` while the
    database cannot be reached, ``StoreError`` (or a subclass) for anything else
    the backend refuses, with the backend's exception as the cause.

    ``schema`` (PostgreSQL only) puts every table in that schema, created if
    missing, so several stores (or test runs) can share one database.
    Usable as ``async with SQLStore(url) as store``."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 5) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r}") from exc
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if parsed.drivername != "sqlite+aiosqlite":
                parsed = parsed.set(drivername="sqlite+aiosqlite")
            if not parsed.database or parsed.database == ":memory:":
                raise StoreError("the SQLite store needs a file path (sqlite+aiosqlite:///path)")
            if schema is not None:
                raise StoreError("schema is a PostgreSQL option")
        elif backend == "postgresql":
            if parsed.drivername != "postgresql+asyncpg":
                parsed = parsed.set(drivername="postgresql+asyncpg")
        else:
            raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")
        self.url: URL = parsed
        self.dialect = backend
        self.schema = schema
        self._pool_size = pool_size
        self._engine: AsyncEngine | None = None
        self._writer: AsyncEngine | None = None
        self._write_lock: asyncio.Lock | None = None
        self._head: str | None = None
        self._listeners: list[ChangeListener] = []
        self._remote_listeners: list[ChangeListener] = []
        self._instance = uuid.uuid4().hex
        self._listen_conn: AsyncConnection | None = None
        self._leader_conn: AsyncConnection | None = None
        self._leader_file: TextIO | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._down_since: float | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._watched = 0  # the change sequence the SQLite watch has read up to
        self._own: set[int] = set()  # change sequence numbers of this process's writes

    def _outage(self, exc: BaseException) -> None:
        """The database did not answer: said once per outage, not once per request."""
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning("database unreachable; answering from what is cached: %s", exc)

    def _recovered(self) -> None:
        if self._down_since is not None:
            lasted = time.monotonic() - self._down_since
            self._down_since = None
            log.warning("database reachable again after %.1f s", lasted)

    @property
    def reachable(self) -> bool:
        """False from the first failed call of an outage to the next call that works."""
        return self._down_since is None

    def __repr__(self) -> str:
        return f"SQLStore({self.url.render_as_string(hide_password=True)!r})"

    async def __aenter__(self) -> SQLStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def _channel(self) -> str:
        return f"wire_changes_{zlib.crc32((self.schema or '').encode()):08x}"

    # lifecycle ------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and bring the schema to the newest migration (idempotent)."""
        if self._engine is not None:
            return
        engine = self._create_engine()
        try:
            await self._migrate(engine)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise StoreError(f"cannot open {self!r}: {exc}") from exc
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        self._writer = engine.execution_options(wire_begin="IMMEDIATE")
        self._write_lock = asyncio.Lock() if not self.is_postgres else None
        self._head = head_revision()

    def _create_engine(self) -> AsyncEngine:
        if not self.is_postgres:
            assert self.url.database is not None
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(self.url, connect_args={"timeout": 30})
            _configure_sqlite(engine)
            return engine
        # Fail fast while the server is away: a poll waits for its stale bytes, not 60 s.
        connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT}
        if self.schema is not None:
            connect_args["server_settings"] = {"search_path": self.schema}
        return create_async_engine(
            self.url,
            pool_size=self._pool_size,
            max_overflow=10,
            pool_pre_ping=True,
            connect_args=connect_args,
        )

    async def _migrate(self, engine: AsyncEngine) -> None:
        begin = engine.execution_options(wire_begin="IMMEDIATE").begin
        async with begin() as conn:
            if self.is_postgres:
                # one instance migrates at a time; the others wait, then find it done
                await conn.execute(select(func.pg_advisory_xact_lock(_lock_key("migrate", None))))
                if self.schema is not None:
                    quoted = conn.dialect.identifier_preparer.quote_schema(self.schema)
                    await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            await conn.run_sync(_upgrade)

    async def close(self) -> None:
        """Release every connection, the leader lock and the change listener."""
        await self._release_leader()
        if self._listen_conn is not None:
            conn, self._listen_conn = self._listen_conn, None
            with contextlib.suppress(SQLAlchemyError, OSError):
                driver = await _driver_connection(conn)
                await driver.remove_listener(self._channel, self._on_notify)
            with contextlib.suppress(SQLAlchemyError, OSError):
                await conn.close()
        for task in list(self._tasks):
            task.cancel()
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if self._engine is not None:
            engine, self._engine, self._writer = self._engine, None, None
            if not self.is_postgres:
                # SQLite keeps no planner statistics on its own; this refreshes them cheaply
                with contextlib.suppress(SQLAlchemyError, OSError):
                    async with engine.connect() as conn:
                        await conn.execute(text("PRAGMA optimize"))
            await engine.dispose()

    def _require(self) -> AsyncEngine:
        if self._engine is None:
            raise StoreError(f"{self!r} is not open")
        return self._engine

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._require().connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; on SQLite also the in-process writer lock."""
        self._require()
        assert self._writer is not None
        if self._write_lock is None:
            async with self._writer.begin() as conn:
                yield conn
        else:
            async with self._write_lock, self._writer.begin() as conn:
                yield conn

    async def ready(self) -> str:
        """The applied migration revision; ``StoreError`` if unreachable or behind."""
        try:
            async with self._read() as conn:
                applied = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
        except (SQLAlchemyError, OSError, asyncpg.PostgresError) as exc:
            self._outage(exc)
            raise StoreUnavailable(f"store unreachable: {exc}") from exc
        if applied is None or applied != self._head:
            raise StoreError(f"store at migration {applied!r}, code expects {self._head!r}")
        return str(applied)

    # coordination between instances ---------------------------------------------

    async def try_leader_lock(self) -> bool:
        """Whether this instance is (or has just become) the one that runs scheduled
        jobs. Held until ``close``; ask again on every tick, since a lost database
        connection loses the lock. PostgreSQL: a session advisory lock. SQLite: an
        ``flock`` on ``<database>.leader``."""
        if not self.is_postgres:
            return self._try_file_lock()
        engine = self._require()
        if self._leader_conn is not None:
            try:
                await self._leader_conn.execute(text("SELECT 1"))
                await self._leader_conn.commit()
                return True
            except SQLAlchemyError:
                log.warning("leader connection lost; trying to take the lock again")
                await self._release_leader()
        conn = await engine.connect()
        try:
            key = _lock_key("leader", self.schema)
            got = bool((await conn.execute(select(func.pg_try_advisory_lock(key)))).scalar())
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._leader_conn = conn
        else:
            await conn.close()
        return got

    def _try_file_lock(self) -> bool:
        if self._leader_file is not None:
            return True
        assert self.url.database is not None
        handle = open(f"{self.url.database}.leader", "a")  # noqa: SIM115 held until close
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._leader_file = handle
        return True

    async def _release_leader(self) -> None:
        if self._leader_file is not None:
            handle, self._leader_file = self._leader_file, None
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
        if self._leader_conn is not None:
            conn, self._leader_conn = self._leader_conn, None
            try:
                key = _lock_key("leader", self.schema)
                await conn.execute(select(func.pg_advisory_unlock(key)))
                await conn.commit()
                await conn.close()
            except SQLAlchemyError:
                # the session is gone, and the lock with it; never pool that connection
                with contextlib.suppress(SQLAlchemyError):
                    await conn.invalidate()

    async def add_change_listener(
        self, callback: ChangeListener, *, remote_only: bool = False
    ) -> None:
        """Call ``callback(guid)`` after every committed write that changed a story:
        at once for this instance's writes (unless ``remote_only``) and, on
        PostgreSQL, via LISTEN/NOTIFY for other instances' writes. Keep it quick
        (drop a cache entry): writers await it."""
        (self._remote_listeners if remote_only else self._listeners).append(callback)
        if not self.is_postgres and remote_only and self._watcher is None:
            async with self._read() as conn:
                self._watched = int(
                    (
                        await conn.execute(select(func.coalesce(func.max(stories.c.seq), 0)))
                    ).scalar_one()
                )
            self._watcher = asyncio.get_running_loop().create_task(self._watch())
        if self.is_postgres and self._listen_conn is None:
            conn = await self._require().connect()
            try:
                driver = await _driver_connection(conn)
                await driver.add_listener(self._channel, self._on_notify)
            except BaseException:
                await conn.close()
                raise
            self._listen_conn = conn

    async def _watch(self) -> None:
        """SQLite has no NOTIFY: other processes' writes (``wire ingest`` beside a
        running server) are found on the change sequence, polled twice a second,
        and told to the remote listeners; this process's own writes are skipped."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                async with self._read() as conn:
                    rows = (
                        await conn.execute(
                            select(stories.c.seq, stories.c.guid)
                            .where(stories.c.seq > self._watched)
                            .order_by(stories.c.seq)
                        )
                    ).all()
            except (SQLAlchemyError, OSError):
                continue  # the next round tries again
            for seq, guid in rows:
                self._watched = max(self._watched, int(seq))
                if int(seq) in self._own:
                    continue
                await self._fire(guid, remote=True)
            self._own = {seq for seq in self._own if seq > self._watched}

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        instance, _, guid = payload.partition(" ")
        if instance == self._instance or not guid:
            return  # our own write: listeners already ran
        task = asyncio.get_running_loop().create_task(self._fire(guid, remote=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fire(self, guid: str, *, remote: bool = False) -> None:
        callbacks = [*self._listeners, *(self._remote_listeners if remote else ())]
        for callback in callbacks:
            try:
                await callback(guid)
            except Exception:
                log.exception("change listener %r failed on %s", callback, guid)

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

    # stories ----------------------------------------------------------------------

    async def save(
        self,
        story: Story,
        *,
        now: datetime,
        expected_version: int | None = None,
        editorial: bool = False,
        id_space: frozenset[str] | None = None,
    ) -> SaveResult:
        """Store a story as its guid's next version (see ``Store.save`` and ``plan_save``)."""
        if not story.guid:
            raise StoreError("a story needs a guid before it is stored")
        if "\x00" in story.guid:
            # PostgreSQL text cannot hold NUL and SQLite cuts the key at it
            raise StoryValidationError("/guid", "must not contain a NUL character")
        attempt = 1
        while True:
            try:
                result = await self._save_once(story, now, expected_version, editorial, id_space)
                break
            except IntegrityError as exc:
                # two writers created the same new guid at once; the loser retries and
                # now sees the winner's version as current
                if attempt >= _SAVE_ATTEMPTS:
                    raise StoreError(f"{story.guid}: could not save: {exc.orig}") from exc
                attempt += 1
        if result.changed:
            await self._fire(story.guid)
        return result

    async def _save_once(
        self,
        story: Story,
        now: datetime,
        expected_version: int | None,
        editorial: bool,
        id_space: frozenset[str] | None,
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
            doc = encode_story(new)
            seq = await self._next(conn, CHANGE_SEQ)
            if self._watcher is not None:
                self._own.add(seq)
            await conn.execute(insert(story_versions).values(version_values(new, doc=doc, now=now)))
            head = head_values(new, seq=seq, doc=doc, exposure=exposure, withdrawn_at=withdrawn_at)
            if current is None:
                await conn.execute(insert(stories).values(head))
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

    @staticmethod
    async def _next(conn: AsyncConnection, name: str, count: int = 1) -> int:
        """Take ``count`` values of a counter; returns the last. The row stays locked
        until commit, so on PostgreSQL concurrent writers commit in counter order."""
        result = await conn.execute(
            update(counters)
            .where(counters.c.name == name)
            .values(value=counters.c.value + count)
            .returning(counters.c.value)
        )
        return int(result.scalar_one())

    async def touch(self, guid: str) -> int | None:
        """Give the current version a new change sequence number without writing a
        version: for an embargo that has just lifted, so change cursors that passed
        the story while it was hidden deliver it now. ``None`` for an unknown guid."""
        async with self._write() as conn:
            row = (
                await conn.execute(
                    select(stories.c.guid).where(stories.c.guid == guid).with_for_update()
                )
            ).first()
            if row is None:
                return None
            seq = await self._next(conn, CHANGE_SEQ)
            await conn.execute(update(stories).where(stories.c.guid == guid).values(seq=seq))
            if self.is_postgres:
                await conn.execute(
                    select(func.pg_notify(self._channel, f"{self._instance} {guid}"))
                )
        await self._fire(guid)
        return seq

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

    async def count_stories(self) -> int:
        """How many guids are stored (any status)."""
        async with self._read() as conn:
            return int((await conn.execute(select(func.count()).select_from(stories))).scalar_one())

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

    # credentials --------------------------------------------------------------------

    async def add_credential(self, credential: Credential) -> None:
        """Store a credential; one with the same hash is replaced."""
        async with self._write() as conn:
            await conn.execute(
                delete(credentials).where(credentials.c.token_hash == credential.token_hash)
            )
            await conn.execute(insert(credentials).values(record_values(credential)))

    async def find_credential(self, token_hash: str) -> Credential | None:
        """The credential with that hash, expired or not (the caller checks expiry)."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(credentials).where(credentials.c.token_hash == token_hash)
                )
            ).first()
        return record_from_row(Credential, row) if row else None

    async def list_credentials(self) -> list[Credential]:
        """Every stored credential, by kind then subject."""
        c = credentials.c
        async with self._read() as conn:
            rows = await conn.execute(select(credentials).order_by(c.kind, c.subject, c.token_hash))
            return [record_from_row(Credential, r) for r in rows]

    async def delete_credential(self, token_hash: str) -> bool:
        """Revoke a credential; ``False`` if there was none."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(credentials).where(credentials.c.token_hash == token_hash)
            )
        return bool(result.rowcount)

    # WebSub -------------------------------------------------------------------------

    async def put_subscription(self, sub: Subscription) -> None:
        """Insert or replace the (topic, callback) subscription."""
        s = subscriptions.c
        async with self._write() as conn:
            await conn.execute(
                delete(subscriptions).where(s.topic == sub.topic, s.callback == sub.callback)
            )
            await conn.execute(insert(subscriptions).values(record_values(sub)))

    async def delete_subscription(self, topic: str, callback: str) -> bool:
        s = subscriptions.c
        async with self._write() as conn:
            result = await conn.execute(
                delete(subscriptions).where(s.topic == topic, s.callback == callback)
            )
        return bool(result.rowcount)

    async def subscriptions(self, topic: str, *, now: datetime) -> list[Subscription]:
        """Unexpired subscriptions to a topic, by callback."""
        s = subscriptions.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(subscriptions)
                .where(s.topic == topic, s.expires_at > now)
                .order_by(s.callback)
            )
            return [record_from_row(Subscription, r) for r in rows]

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
                        .where(d.chain == delivery.chain, d.state == PENDING)
                        .values(state=SUPERSEDED, next_attempt_at=None)
                    )
                order = await self._next(conn, DELIVERY_SEQ)
                await conn.execute(
                    insert(deliveries).values(
                        id=delivery.id, enqueued=order, **delivery_values(delivery)
                    )
                )
        except IntegrityError:
            return  # queued by a concurrent writer under the same id

    async def due(self, *, kind: str, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries of one kind whose next attempt is due, oldest first."""
        d = deliveries.c
        async with self._read() as conn:
            rows = await conn.execute(
                select(deliveries)
                .where(
                    d.state == PENDING,
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
                .where(d.id == delivery.id, d.state != SUPERSEDED)
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
                select(deliveries).where(d.state == "dead").order_by(d.enqueued.desc()).limit(limit)
            )
            return [delivery_from_row(r) for r in rows]

    # idempotency keys ---------------------------------------------------------------

    async def get_reply(self, editor: str, key: str) -> IdempotentReply | None:
        """The reply kept for this editor's key; None if there is none."""
        k = idempotency_keys.c
        async with self._read() as conn:
            row = (
                await conn.execute(select(idempotency_keys).where(k.editor == editor, k.key == key))
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["headers"] = json.loads(values["headers"])
        values["body"] = bytes(values["body"])
        return IdempotentReply(**values)

    async def put_reply(self, reply: IdempotentReply) -> None:
        """Keep a reply; a key already kept (a concurrent retry) keeps the first."""
        values = record_values(reply)
        values["headers"] = json.dumps(reply.headers, ensure_ascii=False)
        try:
            async with self._write() as conn:
                await conn.execute(insert(idempotency_keys).values(values))
        except IntegrityError:
            return

    # near duplicates ----------------------------------------------------------------

    async def put_fingerprint(
        self, guid: str, source: str | None, fingerprint: Fingerprint | None, *, now: datetime
    ) -> None:
        """Index (or, with ``None``, un-index) a story's current text for ``similar``."""
        async with self._write() as conn:
            await conn.execute(delete(fingerprint_bands).where(fingerprint_bands.c.guid == guid))
            await conn.execute(delete(fingerprints).where(fingerprints.c.guid == guid))
            if fingerprint is None:
                return
            await conn.execute(
                insert(fingerprints).values(
                    guid=guid,
                    source=source,
                    scheme=fingerprint.scheme,
                    signature=fingerprint.signature,
                    recorded_at=now,
                )
            )
            await conn.execute(
                insert(fingerprint_bands), [{"band": b, "guid": guid} for b in fingerprint.bands]
            )

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

    # sources ------------------------------------------------------------------------

    async def get_source_state(self, name: str) -> SourceState | None:
        async with self._read() as conn:
            row = (
                await conn.execute(select(source_states).where(source_states.c.name == name))
            ).first()
        return record_from_row(SourceState, row) if row else None

    async def put_source_state(self, state: SourceState) -> None:
        """Insert or replace the state of one source."""
        async with self._write() as conn:
            await conn.execute(delete(source_states).where(source_states.c.name == state.name))
            await conn.execute(insert(source_states).values(record_values(state)))

    async def source_states(self) -> list[SourceState]:
        """Every source's state, by name."""
        async with self._read() as conn:
            rows = await conn.execute(select(source_states).order_by(source_states.c.name))
            return [record_from_row(SourceState, r) for r in rows]

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


async def _driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy one (for LISTEN)."""
    raw = await conn.get_raw_connection()
    if raw.driver_connection is None:
        raise StoreError("the database connection is gone")
    return raw.driver_connection


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions begun by us rather than by
    the sqlite3 module, so write transactions can say ``BEGIN IMMEDIATE``."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("wire_begin", "")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
