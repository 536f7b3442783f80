"""``SQLStore``: the ``Store`` protocol on SQLAlchemy async Core, for SQLite and PostgreSQL.

One class, two dialects, one module per capability. What differs between the
dialects is kept to the edges:

- SQLite (``sqlite+aiosqlite:///path``): one file in WAL mode, foreign keys on, a
  busy timeout. Writers are serialised in process by a lock and across processes
  by ``BEGIN IMMEDIATE``, so a read-then-write transaction never dies on a lock
  upgrade. The leader lock is an ``flock`` on a file beside the database.
- PostgreSQL (``postgresql+asyncpg://…``): a connection pool; the story head row is
  locked with ``SELECT … FOR UPDATE``; the change counter row is locked until
  commit, so change sequence order is commit order; the leader lock is a session
  advisory lock; change events also travel to other instances by LISTEN/NOTIFY.

What to write is decided by the pure ``plan_save`` (``wire.store.plan``), rows are
mapped in ``wire.store.rows`` and feed queries built in ``wire.store.queries``:
these modules only run them. ``engine`` connects and migrates; ``stories``,
``batches``, ``archive``, ``deliveries``, ``records``, ``duplicates`` and
``coordination``
each implement one capability protocol of ``wire.store.base``.
"""

from __future__ import annotations

from wire.store.sql.archive import RawArchiveSQL
from wire.store.sql.batches import BatchesSQL
from wire.store.sql.coordination import CoordinationSQL
from wire.store.sql.deliveries import DeliveriesSQL
from wire.store.sql.duplicates import DuplicatesSQL
from wire.store.sql.engine import SQLBase, head_revision, wrap_public_methods
from wire.store.sql.records import RecordsSQL
from wire.store.sql.stories import StoriesSQL

__all__ = ["SQLStore", "head_revision"]


@wrap_public_methods
class SQLStore(
    BatchesSQL,
    StoriesSQL,
    RawArchiveSQL,
    DeliveriesSQL,
    RecordsSQL,
    DuplicatesSQL,
    CoordinationSQL,
    SQLBase,
):
    """The ``Store`` protocol on SQLite or PostgreSQL, chosen by the URL.

    Every public method raises only wire's errors: ``StoreUnavailable`` while the
    database cannot be reached, ``StoreError`` (or a subclass) for anything else
    the backend refuses, with the backend's exception as the cause.

    ``schema`` (PostgreSQL only) puts every table in that schema, created if
    missing, so several stores (or test runs) can share one database.
    Usable as ``async with SQLStore(url) as store``."""
