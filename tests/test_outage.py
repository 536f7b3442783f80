"""While the database is away, wire degrades instead of failing.

A PostgreSQL cluster of the test's own is stopped under a running wire: feeds
answer from their last rendered bytes with the same validators, pushes and API
calls answer 503 with Retry-After, ``/readyz`` says why, the outage is logged
once (not a traceback per request), and everything recovers when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.desk_client import EDITOR, ClientFactory, api_config, push, story_doc
from tests.pg_cluster import own_cluster
from tests.servers import ShortcutTestServer
from wire.web.app import create_app

pytestmark = pytest.mark.postgres


async def test_a_database_outage_degrades_and_recovers(
    aiohttp_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with own_cluster() as cluster:
        config = api_config(tmp_path, database=cluster.url)
        client = await aiohttp_client(create_app(config, start_jobs=False))
        await push(client, story_doc(guid="urn:out:1", headline="Before the outage"))
        before = await client.get("/feeds/all.atom")
        assert before.status == 200
        etag = before.headers["ETag"]
        await push(client, story_doc(guid="urn:out:2", headline="Just before"))  # drops the cache

        cluster.stop()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            stale = await client.get("/feeds/all.atom")
            assert stale.status == 200
            assert stale.headers["ETag"] == etag  # the last bytes, validators and all
            assert "Before the outage" in await stale.text()
            again = await client.get("/feeds/all.atom", headers={"If-None-Match": etag})
            assert again.status == 304
            for _ in range(3):
                resp = await client.post("/api/v1/stories", json=story_doc(), headers=EDITOR)
                assert resp.status == 503
                assert resp.headers["Retry-After"] == "5"
                assert resp.content_type == "application/problem+json"
            read = await client.get("/api/v1/stories/urn:out:1", headers=EDITOR)
            assert read.status == 503
            ready = await client.get("/readyz")
            assert ready.status == 503
            assert "unreachable" in (await ready.json())["reason"]
        outage_lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(outage_lines) == 1
        assert not [r for r in caplog.records if r.exc_info]  # no traceback per request

        cluster.start()
        await until_ready(client)
        fresh = await client.get("/feeds/all.atom")
        assert fresh.status == 200
        assert "Just before" in await fresh.text()
        await push(client, story_doc(guid="urn:out:3"))


async def test_a_poll_the_shortcut_cannot_assemble_gets_aiohttps_problem(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    """A view never rendered cannot be answered while the database is away: the
    shortcut hands the request to aiohttp, which answers the 503 problem."""
    with own_cluster() as cluster:
        config = api_config(tmp_path, database=cluster.url)
        client = await aiohttp_client(ShortcutTestServer(create_app(config, start_jobs=False)))
        await push(client, story_doc(guid="urn:out:1", headline="Before the outage"))
        cluster.stop()
        away = await client.get("/feeds/all.rss")
        assert away.status == 503
        assert away.content_type == "application/problem+json"
        assert away.headers["Retry-After"] == "5"
        cluster.start()
        await until_ready(client)
        back = await client.get("/feeds/all.rss")
        assert back.status == 200
        assert "Before the outage" in await back.text()


async def until_ready(client: TestClient[Any, Any]) -> None:
    """Until ``/readyz`` says the database is back (5 s at most)."""
    for _ in range(50):
        if (await client.get("/readyz")).status == 200:
            return
        await asyncio.sleep(0.1)
