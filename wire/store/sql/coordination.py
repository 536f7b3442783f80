"""Coordination between instances on one database: the leader lock and change listeners.

PostgreSQL: a session advisory lock and LISTEN/NOTIFY. SQLite: an ``flock`` beside
the database file, and a watch of the change sequence for other processes' writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from wire.store.sql.engine import (
    WATCH_INTERVAL,
    ChangeListener,
    SQLBase,
    _driver_connection,
    _lock_key,
)
from wire.store.tables import stories

log = logging.getLogger(__name__)


class CoordinationSQL(SQLBase):
    """Coordination between instances on one database: the leader lock and change listeners."""

    # coordination between instances ---------------------------------------------

    async def close(self) -> None:
        """Release the leader lock and the change listener, then every connection."""
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
        await super().close()

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

    async def _committed(self, guid: str) -> None:
        await self._fire(guid)

    async def _fire(self, guid: str, *, remote: bool = False) -> None:
        callbacks = [*self._listeners, *(self._remote_listeners if remote else ())]
        for callback in callbacks:
            try:
                await callback(guid)
            except Exception:
                log.exception("change listener %r failed on %s", callback, guid)
