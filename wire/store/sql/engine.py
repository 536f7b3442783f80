"""The SQL store's engine: connecting, migrating, transactions, outages.

``SQLBase`` holds what every capability of ``SQLStore`` shares: the URL and its
dialect, the engine and the SQLite writer lock, ``_read``/``_write``
transactions, the change counter, and the outage bookkeeping behind
``backend_errors`` (which turns whatever the backend raises into wire's errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import logging
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TextIO, TypeVar

import asyncpg
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, func, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from wire.errors import StoreError, StoreUnavailable, WireError
from wire.store.tables import counters

log = logging.getLogger(__name__)

ChangeListener = Callable[[str], Awaitable[None]]
"""Called with a story's guid after a write that changed it has committed."""

MIGRATIONS = "wire.store:migrations"
CONNECT_TIMEOUT = 5.0  # seconds to open a PostgreSQL connection
BACKEND_ERRORS = (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What the database driver and SQLAlchemy raise; the store maps them to its own."""
WATCH_INTERVAL = 0.1  # seconds between SQLite change-sequence polls for other processes' writes
SQLITE_CACHE_KIB = 64 * 1024  # page cache per SQLite connection (KiB), grown only as used
_SAVE_ATTEMPTS = 3


CHUNK = 500
"""Values per ``IN`` list: far below SQLite's 32,766 and PostgreSQL's 32,767 parameters."""

V = TypeVar("V")


def chunks(values: Sequence[V], size: int = CHUNK) -> Iterator[Sequence[V]]:
    """``values`` in pieces small enough for any backend's bound-parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


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


def backend_errors(
    method: Callable[..., Coroutine[Any, Any, T]],
) -> Callable[..., Coroutine[Any, Any, T]]:
    """Turn what the backend raises into wire's errors, with the cause chained:
    ``StoreUnavailable`` while the database cannot be reached (logged once per
    outage by the store, so callers answer 503 without a traceback per request),
    ``StoreError`` for the rest. wire's own errors pass through."""

    @functools.wraps(method)
    async def wrapper(self: SQLBase, *args: Any, **kwargs: Any) -> T:
        try:
            result = await method(self, *args, **kwargs)
        except WireError:
            raise
        except BACKEND_ERRORS as exc:
            raise self._failed(method.__name__, exc) from exc
        self._recovered()
        return result

    return wrapper


def wrap_public_methods(cls: type[T]) -> type[T]:
    """``backend_errors`` around every public coroutine method of the class,
    its own and those it inherits from the capability classes."""
    for name in dir(cls):
        if name.startswith("_") or name in ("open", "close"):
            continue
        member = getattr(cls, name)
        if inspect.iscoroutinefunction(member) and not getattr(member, "_wraps_backend", False):
            wrapped = backend_errors(member)
            wrapped._wraps_backend = True  # type: ignore[attr-defined]
            setattr(cls, name, wrapped)
    return cls


@dataclass
class _Joined:
    """The write transaction a task has open (``SQLBase.transaction``): its
    connection, and the guids whose change listeners wait for its commit."""

    task: asyncio.Task[Any] | None
    conn: AsyncConnection
    changed: list[str] = field(default_factory=list)


class SQLBase:
    """What every capability of the SQL store shares (see the module docstring).

    ``schema`` (PostgreSQL only) puts every table in that schema, created if
    missing, so several stores (or test runs) can share one database."""

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
        self._joined: ContextVar[_Joined | None] = ContextVar(f"wire_tx_{id(self)}", default=None)

    def _failed(self, what: str, exc: BaseException) -> StoreError:
        """The store's error for a backend failure: ``StoreUnavailable`` (the outage
        logged once) when the database cannot be reached, ``StoreError`` otherwise."""
        if _unreachable(exc):
            self._outage(exc)
            return StoreUnavailable(f"the database is unreachable: {exc}")
        return StoreError(f"{what}: {exc}")

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.render_as_string(hide_password=True)!r})"

    async def __aenter__(self) -> Self:
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
        """Release every connection."""
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

    def _open_transaction(self) -> _Joined | None:
        """This task's open ``transaction``, if it has one (tasks it starts have their own)."""
        joined = self._joined.get()
        if joined is None or joined.task is not asyncio.current_task():
            return None
        return joined

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Every store call this task makes inside joins one write transaction,
        committed on the way out, rolled back (and its change listeners never
        called) if the block raises; nested, a savepoint: what the inner block
        wrote is undone alone when it raises. Reads inside see the writes
        before them. Change listeners are called after the commit."""
        joined = self._open_transaction()
        try:
            if joined is not None:
                mark = len(joined.changed)
                try:
                    async with joined.conn.begin_nested():
                        yield
                except BaseException:
                    del joined.changed[mark:]
                    raise
                return
            async with self._write() as conn:
                joined = _Joined(asyncio.current_task(), conn)
                token = self._joined.set(joined)
                try:
                    yield
                finally:
                    self._joined.reset(token)
        except WireError:
            raise
        except BACKEND_ERRORS as exc:
            raise self._failed("transaction", exc) from exc
        if self._joined.get() is None:
            for guid in joined.changed:
                await self._committed(guid)

    async def _changed(self, guid: str) -> None:
        """A write changed ``guid``: its listeners hear of it once it is committed."""
        joined = self._open_transaction()
        if joined is not None:
            joined.changed.append(guid)
        else:
            await self._committed(guid)

    async def _committed(self, guid: str) -> None:
        """Called with each guid a committed write changed (the coordination capability listens)."""

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        joined = self._open_transaction()
        if joined is not None:
            yield joined.conn
            return
        async with self._require().connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; on SQLite also the in-process writer lock.

        Inside this task's ``transaction``, the write joins it: on PostgreSQL in a
        savepoint, so a write that fails (two writers creating one guid) is undone
        alone and can be retried; SQLite needs none, since the transaction holds
        the database for writing and no write of another can meet it: a write's
        own checks come before its first statement, and anything later aborts the
        whole transaction."""
        joined = self._open_transaction()
        if joined is not None:
            if self.is_postgres:
                async with joined.conn.begin_nested():
                    yield joined.conn
            else:
                yield joined.conn
            return
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
            # SQLite's own default is 2 MB of pages per connection: at a million
            # stories a save's index pages no longer fit, and each is read again.
            f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("wire_begin", "")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")
