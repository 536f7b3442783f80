"""A wire serving two sources' feeds to the public and to a partner, as the
feed-serving suites poll it: through aiohttp alone or behind the shortcut."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.servers import ShortcutTestServer
from wire.access import partner_audience
from wire.config import Config, parse_config
from wire.model import PUBLIC, Origin, Story
from wire.publish.publisher import Publisher
from wire.service import Wire
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import PUBLISHER, WIRE

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]

PARTNER_TOKEN = "wire_pt_test-partner-token"
EXPIRED_TOKEN = "wire_pt_expired-token"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def make_config(tmp_path: Path, **server: Any) -> Config:
    raw = {
        "server": {
            "data_dir": str(tmp_path),
            "base_url": "http://wire.test",
            "rate_limit_per_minute": 1000,
            **server,
        },
        "sources": [
            {"name": "agency", "kind": "push", "provider": "Agency", "credit_line": "Agency (AG)"},
            {"name": "other", "kind": "push", "provider": "Other"},
        ],
        "feeds": [
            {"name": "all", "title": "All", "refresh_interval": 120},
            {
                "name": "agency",
                "title": "Agency",
                "filter": {"sources": ["agency"]},
                "public": False,
            },
        ],
        "partners": [
            {
                "name": "daily",
                "feeds": ["agency"],
                "sources": ["agency"],
                "tokens": [
                    {"hash": hash_token(PARTNER_TOKEN)},
                    {"hash": hash_token(EXPIRED_TOKEN), "expires": "2020-01-01T00:00:00Z"},
                ],
            },
        ],
    }
    return parse_config(raw, base_dir=tmp_path, env={})


def story(guid: str, source: str = "agency", **kw: Any) -> Story:
    return Story(
        guid=guid,
        headline=f"Headline {guid}",
        body=(f"Body of {guid}.",),
        byline=("A. Reporter",),
        published_at=kw.pop("published_at", NOW - timedelta(hours=1)),
        version_created=kw.pop("version_created", NOW - timedelta(hours=1)),
        origin=Origin(source=source),
        **kw,
    )


async def fill_and_render(wire: Wire, publisher: Publisher, config: Config) -> None:
    """Two stories, one per source; then every feed rendered for the public and for
    the partner, as a running server has them, so the shortcut answers the polls."""
    await wire.save(story("urn:t:1"))
    await wire.save(story("urn:t:2", source="other"))
    await wire.bus.drain()
    daily = config.partner("daily")
    assert daily is not None
    for audience in (PUBLIC, partner_audience(daily)):
        for spec in config.feeds:
            for fmt in spec.formats:
                await publisher.rendered(spec.name, fmt, audience)


async def serving(
    aiohttp_client: ClientFactory, config: Config, *, shortcut: bool
) -> TestClient[Any, Any]:
    """A test client of aiohttp alone, or of the server as ``wire serve`` runs it."""
    app = create_app(config, clock=lambda: NOW, start_jobs=False)
    client = await aiohttp_client(ShortcutTestServer(app) if shortcut else app)
    await fill_and_render(app[WIRE], app[PUBLISHER], config)
    return client
