"""Provable completeness: ``GET /api/v1/feeds/{name}/digest`` describes what the
cursor delivers a reader for a window, and the reference client in
``docs/partner_client.py`` catches up, finds a deliberately removed or altered
item by the digest, and repairs it — over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.browser import free_port
from tests.clocks import FakeClock
from tests.desk_client import ADMIN, DAILY_TOKEN, EDITOR, WIDE_TOKEN, api_config, problem, story_doc
from tests.store_fixtures import on_database
from wire.instants import format_instant
from wire.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def _client_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("partner_client", ROOT / "docs/partner_client.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["partner_client"] = module
    spec.loader.exec_module(module)
    return module


pc = _client_module()


@pytest.fixture
async def site(tmp_path: Path, database: str, clock: FakeClock) -> AsyncIterator[str]:
    port = free_port()
    config = on_database(api_config(tmp_path, base_url=f"http://127.0.0.1:{port}"), database)
    server = TestServer(create_app(config, clock=clock, start_jobs=False), port=port)
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def post(base: str, guid: str, source: str = "agency", **fields: Any) -> None:
    import aiohttp

    words = " ".join(f"{guid}-{n}" for n in range(10))
    doc = story_doc(**{"guid": guid, "headline": f"Story {guid}", "body": [words], **fields})
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/api/v1/stories?source={source}", json=doc, headers=EDITOR) as resp,
    ):
        assert resp.status == 201, await resp.text()


async def test_the_client_catches_up_finds_a_removed_item_and_repairs_it(
    site: str, clock: FakeClock
) -> None:
    start = clock.now - timedelta(minutes=1)
    for n in range(5):
        await post(site, f"urn:d:{n}")
        clock.advance(seconds=10)
    end = clock.now + timedelta(minutes=1)
    client = pc.FeedClient(site, "agency", DAILY_TOKEN)
    copy = pc.Copy()
    assert await asyncio.to_thread(client.catch_up, copy) == 5
    assert await asyncio.to_thread(client.gaps, copy, start, end) == []

    del copy.items["urn:d:2"]  # a gap: lost on the partner's side
    copy.items["urn:d:4"] = {**copy.items["urn:d:4"], "headline": "Tampered"}
    assert await asyncio.to_thread(client.gaps, copy, start, end) == ["urn:d:2", "urn:d:4"]
    assert await asyncio.to_thread(client.repair, copy, start, end) == []
    assert copy.items["urn:d:4"]["headline"] == "Story urn:d:4"


async def test_the_digest_covers_only_what_the_reader_may_see(site: str, clock: FakeClock) -> None:
    start = clock.now - timedelta(minutes=1)
    await post(site, "urn:d:mine")
    await post(site, "urn:d:other", source="other")
    later = format_instant(clock.now + timedelta(hours=1))
    await post(site, "urn:d:embargoed", embargoed_until=later)
    end = clock.now + timedelta(minutes=1)
    daily = pc.FeedClient(site, "agency", DAILY_TOKEN)
    wide = pc.FeedClient(site, "all", WIDE_TOKEN)
    window = {"from": pc._format(start), "to": pc._format(end)}
    mine = await asyncio.to_thread(daily._get, "/api/v1/feeds/agency/digest", **window)
    assert [e["guid"] for e in mine["items"]] == ["urn:d:mine"]
    everything = await asyncio.to_thread(wide._get, "/api/v1/feeds/all/digest", **window)
    assert sorted(e["guid"] for e in everything["items"]) == [
        "urn:d:embargoed",
        "urn:d:mine",
        "urn:d:other",
    ]


async def test_a_kill_is_in_the_digest_as_the_notice_the_cursor_sends(
    site: str, clock: FakeClock
) -> None:
    import aiohttp

    start = clock.now - timedelta(minutes=1)
    await post(site, "urn:d:k")
    client = pc.FeedClient(site, "agency", DAILY_TOKEN)
    copy = pc.Copy()
    await asyncio.to_thread(client.catch_up, copy)
    clock.advance(seconds=30)
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{site}/api/v1/stories/urn:d:k/kill", json={}, headers=ADMIN) as killed,
    ):
        assert killed.status == 200
    end = clock.now + timedelta(minutes=1)
    assert await asyncio.to_thread(client.gaps, copy, start, end) == ["urn:d:k"]
    await asyncio.to_thread(client.catch_up, copy)
    assert copy.items["urn:d:k"]["pub_status"] == "canceled"
    assert await asyncio.to_thread(client.gaps, copy, start, end) == []


async def test_a_bad_window_is_named(site: str) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for query, name in (
            ("", "from"),
            ("from=2026-01-01T00:00:00Z", "to"),
            ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
            ("from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to"),
            ("from=soon&to=2026-01-01T00:00:00Z", "from"),
        ):
            async with http.get(f"{site}/api/v1/feeds/all/digest?{query}") as answer:
                body = await problem(answer, 400)
                assert body["parameter"] == name, query
