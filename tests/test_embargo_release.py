"""An embargo lifts at its exact time: the release job refreshes every feed it is in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.clocks import eventually
from wire.clock import utcnow
from wire.config import parse_config
from wire.model import Origin, Story
from wire.web.app import create_app
from wire.web.keys import JOBS, WIRE

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


async def test_an_embargoed_story_appears_in_the_public_feed_when_its_embargo_lifts(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    raw = {
        "server": {"data_dir": str(tmp_path), "base_url": "http://wire.test"},
        "feeds": [{"name": "all", "title": "All"}],
    }
    app = create_app(parse_config(raw, base_dir=tmp_path, env={}), start_jobs=True)
    client = await aiohttp_client(app)
    now = utcnow()
    lifts = now + timedelta(seconds=1.5)
    await app[WIRE].save(
        Story(
            guid="urn:t:embargoed",
            headline="Under embargo",
            body=("Not before its time.",),
            published_at=now,
            version_created=now,
            embargoed_until=lifts,
            origin=Origin(source="desk"),
        )
    )
    await app[WIRE].bus.drain()
    before = await (await client.get("/feeds/all.atom")).read()
    assert b"urn:t:embargoed" not in before
    assert app[JOBS].next_run("embargo-release") == lifts

    await asyncio.sleep((lifts - utcnow()).total_seconds())

    async def released() -> bool:
        await app[WIRE].bus.drain()
        return b"urn:t:embargoed" in await (await client.get("/feeds/all.atom")).read()

    await eventually(released, within=3)
