"""Storage: one ``Store`` interface, SQLite and PostgreSQL behind it."""

from __future__ import annotations

from pathlib import Path

from wire.store.base import Store
from wire.store.sql import SQLStore

__all__ = ["SQLStore", "Store", "open_store", "sqlite_dsn"]

SQLITE_FILE = "wire.sqlite3"


def sqlite_dsn(data_dir: Path) -> str:
    """The URL of the default store: one SQLite file in the data directory."""
    return f"sqlite+aiosqlite:///{(Path(data_dir) / SQLITE_FILE).resolve()}"


def open_store(dsn: str, *, schema: str | None = None) -> Store:
    """The store for a URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).

    Not yet connected: ``await store.open()`` (or ``async with``) connects and
    migrates, so construction stays synchronous for app factories."""
    return SQLStore(dsn, schema=schema)
