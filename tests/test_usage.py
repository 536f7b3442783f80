"""Usage per partner and day: requests, bytes and items delivered per channel,
counted where each answer is made (the feed shortcut included), kept in the store
(SQLite and PostgreSQL), and shown by ``GET /api/v1/usage`` and ``wire usage``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.desk_client import (
    DAILY_TOKEN,
    EDITOR,
    WIDE_TOKEN,
    Client,
    problem,
    push,
    story_doc,
)
from tests.feed_server import PARTNER_TOKEN, ClientFactory, make_config, serving
from tests.store_fixtures import on_database
from wire.usage import UsageCounter
from wire.web.keys import WIRE

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}


async def usage(client: Client, auth: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    resp = await client.get(f"/api/v1/usage{query}", headers=auth)
    assert resp.status == 200, await resp.text()
    rows: list[dict[str, Any]] = (await resp.json())["usage"]
    return rows


def by_channel(rows: list[dict[str, Any]], partner: str) -> dict[str, dict[str, Any]]:
    return {r["channel"]: r for r in rows if r["partner"] == partner}


async def test_cursor_reads_count_requests_bytes_and_items(client: Client) -> None:
    for n in range(3):
        await push(client, story_doc(guid=f"urn:u:{n}", headline=f"Story {n}", body=[f"w{n} " * 9]))
    await client.get("/api/v1/feeds/all/items", headers=WIDE)
    await client.get("/api/v1/feeds/all/items?limit=1", headers=WIDE)
    cursor = by_channel(await usage(client, WIDE), "wide")["cursor"]
    assert cursor["requests"] == 2
    assert cursor["items"] >= 3
    assert cursor["bytes"] > 0
    assert cursor["day"] == client.app[WIRE].clock().date().isoformat()


async def test_a_partner_sees_its_own_usage_and_an_editor_everyones(client: Client) -> None:
    await client.get("/api/v1/feeds/all/items", headers=WIDE)
    await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    assert {r["partner"] for r in await usage(client, DAILY)} == {"daily"}
    assert {r["partner"] for r in await usage(client, EDITOR)} >= {"daily", "wide"}
    assert {r["partner"] for r in await usage(client, EDITOR, "?partner=wide")} == {"wide"}
    await problem(await client.get("/api/v1/usage"), 401)
    await problem(await client.get("/api/v1/usage?from=2026-13-01", headers=EDITOR), 400)


@pytest.mark.parametrize("shortcut", [True, False], ids=["fast", "aiohttp"])
async def test_feed_polls_are_counted_on_both_serving_paths(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str, shortcut: bool
) -> None:
    config = on_database(make_config(tmp_path), database)
    client: TestClient[Any, Any] = await serving(aiohttp_client, config, shortcut=shortcut)
    partner = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    for _ in range(3):
        assert (await client.get("/feeds/agency.rss", headers=partner)).status == 200
    await client.get("/feeds/all.rss")  # the public is nobody's usage
    wire = client.app[WIRE]
    await wire.flush_usage()
    today = wire.clock().date()
    rows = await wire.store.usage(today, today)
    [feeds] = [r for r in rows if r.channel == "feeds"]
    assert (feeds.partner, feeds.requests) == ("daily", 3)
    assert feeds.bytes > 0


async def test_counts_from_several_flushes_and_instances_add_up(client: Client) -> None:
    store = client.app[WIRE].store
    day = date(2026, 12, 4)
    for _ in range(2):
        counter = UsageCounter()
        from datetime import UTC, datetime

        counter.count("daily", "queue", at=datetime(2026, 12, 4, 9, tzinfo=UTC), size=10, items=2)
        await store.add_usage(counter.take())
    [row] = await store.usage(day, day, "daily")
    assert (row.requests, row.bytes, row.items) == (2, 20, 4)


def test_wire_usage_prints_the_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio
    import json

    from tests.test_cli import write_config
    from wire.cli import _wire, main
    from wire.config import load_config
    from wire.usage import UsageRow

    config = write_config(tmp_path)

    async def add() -> None:
        async with _wire(load_config(config)) as wire:
            await wire.store.add_usage([UsageRow("daily", date(2026, 12, 1), "feeds", 5, 500, 0)])

    asyncio.run(add())
    code = main(
        ["usage", "--config", str(config), "--from", "2026-12-01", "--to", "2026-12-02", "--json"]
    )
    assert code == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row == {
        "partner": "daily",
        "day": "2026-12-01",
        "channel": "feeds",
        "requests": 5,
        "bytes": 500,
        "items": 0,
    }


async def test_a_partners_daily_story_quota_caps_and_then_refuses_its_pulls(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str
) -> None:
    from dataclasses import replace

    from tests.clocks import FakeClock
    from tests.desk_client import api_config
    from wire.web.app import create_app

    clock = FakeClock()
    config = on_database(api_config(tmp_path), database)
    config = replace(
        config,
        partners=tuple(
            replace(p, stories_per_day=3) if p.name == "wide" else p for p in config.partners
        ),
    )
    client = await aiohttp_client(create_app(config, clock=clock, start_jobs=False))
    for n in range(5):
        words = " ".join(f"q{n}-{k}" for k in range(10))
        await push(client, story_doc(guid=f"urn:q:{n}", headline=f"Quota {n}", body=[words]))
    first = await client.get("/api/v1/feeds/all/items", headers=WIDE)
    body = await first.json()
    assert len(body["items"]) == 3  # capped at what the quota leaves
    assert '"stories";q=3;w=86400' in first.headers["RateLimit-Policy"]
    refused = await client.get(f"/api/v1/feeds/all/items?after={body['next']}", headers=WIDE)
    problem_body = await problem(refused, 429)
    assert "quota" in problem_body["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    assert '"stories";r=0;' in refused.headers["RateLimit"]
    queue = await client.get("/api/v1/feeds/all/queue?consumer=cms", headers=WIDE)
    assert queue.status == 429  # the queue spends the same quota
    clock.advance(days=1)
    again = await client.get(f"/api/v1/feeds/all/items?after={body['next']}", headers=WIDE)
    assert again.status == 200
    assert len((await again.json())["items"]) == 2
    other = await client.get("/api/v1/feeds/agency/items", headers=DAILY)
    assert other.status == 200  # another partner, no quota
