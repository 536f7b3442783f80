"""Pytest fixtures that open a real store on each backend: SQLite and PostgreSQL.

``store`` is parametrized over ``sqlite`` (a file in ``tmp_path``) and ``postgres``
(a fresh, uniquely named schema on ``WIRE_TEST_POSTGRES``, default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``, dropped afterwards). Without
a reachable server the postgres case skips with the reason, unless
``WIRE_REQUIRE_POSTGRES=1`` (CI), where it fails.

Use from a test module with ``from tests.store_fixtures import store``, or register
for every module with ``pytest_plugins = ["tests.store_fixtures"]`` in conftest.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from wire.config import Config
from wire.store import SQLStore, sqlite_dsn

POSTGRES_URL = os.environ.get(
    "WIRE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres_or_skip() -> None:
    """Skip (or fail, under ``WIRE_REQUIRE_POSTGRES=1``) when the server is not there."""
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
        if os.environ.get("WIRE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (WIRE_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    await conn.close()


async def drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def twin(store: SQLStore) -> SQLStore:
    """A second, unopened store on the same database: another wire instance."""
    return SQLStore(store.url.render_as_string(hide_password=False), schema=store.schema)


@contextlib.asynccontextmanager
async def empty_store(backend: str, folder: Path) -> AsyncIterator[SQLStore]:
    """An opened, empty store on ``backend``: a SQLite file in ``folder``, or a
    PostgreSQL schema of its own; removed afterwards."""
    schema: str | None = None
    if backend == "sqlite":
        opened = SQLStore(sqlite_dsn(folder / "data"))
    else:
        await _postgres_or_skip()
        schema = f"wire_test_{uuid.uuid4().hex[:16]}"
        opened = SQLStore(POSTGRES_URL, schema=schema)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
        if schema is not None:
            await drop_schema(schema)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SQLStore]:
    """An opened, empty store on the requested backend, removed afterwards."""
    async with empty_store(request.param, tmp_path) as opened:
        yield opened


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database on ``backend`` for a whole wire server (its
    config's ``database``): a SQLite file in ``folder``, or a PostgreSQL database of
    its own, dropped afterwards."""
    if backend == "sqlite":
        yield sqlite_dsn(folder)
        return
    await _postgres_or_skip()
    name = f"wire_test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """``server.database`` for a whole running wire, on the requested backend:
    ``""`` (the default SQLite file in its data_dir) or a fresh PostgreSQL
    database of its own (``fresh_database``), dropped afterwards."""
    if request.param == "sqlite":
        yield ""
        return
    async with fresh_database("postgres", tmp_path) as url:
        yield url


def on_database(config: Config, database: str) -> Config:
    """The config with its store on ``database`` (the ``database`` fixture's value)."""
    if not database:
        return config
    return replace(config, server=replace(config.server, database=database))
