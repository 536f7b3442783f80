"""Several instances on one database: what one stores, the others serve, and an
embargo lifts in every instance's feeds on time, whichever runs the jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.clocks import eventually
from tests.feed_server import make_config, story
from tests.store_fixtures import on_database
from wire.clock import utcnow
from wire.service import Wire
from wire.web.app import create_app
from wire.web.keys import WIRE

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


async def instances(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str, count: int
) -> list[tuple[TestClient[Any, Any], Wire]]:
    """``count`` servers on one database, none of them running scheduled jobs."""
    config = on_database(make_config(tmp_path), database)
    apps = [create_app(config, start_jobs=False) for _ in range(count)]
    return [(await aiohttp_client(app), app[WIRE]) for app in apps]


async def feed_holds(client: TestClient[Any, Any], guid: str) -> bool:
    response = await client.get("/feeds/all.atom")
    return guid in await response.text()


async def test_a_story_stored_by_one_instance_is_served_by_another(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str
) -> None:
    (_, first), (second, _) = await instances(aiohttp_client, tmp_path, database, 2)
    assert not await feed_holds(second, "urn:t:elsewhere")  # cached before the push
    await first.save(story("urn:t:elsewhere"))
    await eventually(lambda: feed_holds(second, "urn:t:elsewhere"), within=5)


async def test_an_embargo_lifts_in_every_instance_without_a_job_running(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str
) -> None:
    running = await instances(aiohttp_client, tmp_path, database, 2)
    lifts = utcnow() + timedelta(seconds=1.5)
    await running[0][1].save(story("urn:t:embargoed", embargoed_until=lifts))
    for client, _ in running:
        await _shows_nothing_yet(client)
    for client, _ in running:
        await eventually(partial(feed_holds, client, "urn:t:embargoed"), within=10)
    assert utcnow() >= lifts


async def _shows_nothing_yet(client: TestClient[Any, Any]) -> None:
    if await feed_holds(client, "urn:t:embargoed"):
        pytest.fail("an embargoed story was served before its embargo lifted")
