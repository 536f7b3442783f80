"""A partner never sees a story it is not entitled to: property-tested over every format.

Hypothesis draws stories across sources, embargoes and statuses; every feed
format and the story endpoints are then read over real HTTP by each audience,
and no guid outside its entitlement may appear anywhere in the bytes.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wire.config import parse_config
from wire.model import Origin, PubStatus, Story
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import WIRE

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SOURCES = ("alpha", "beta", "gamma")
TOKENS = {"alpha-only": "wire_pt_alpha", "beta-embargo": "wire_pt_beta"}
ENTITLED = {"alpha-only": ({"alpha"}, False), "beta-embargo": ({"beta", "gamma"}, True)}


def config(folder: Path) -> Any:
    raw = {
        "server": {
            "data_dir": str(folder),
            "base_url": "http://wire.test",
            "rate_limit_per_minute": 100000,
        },
        "sources": [{"name": s, "kind": "push"} for s in SOURCES],
        "feeds": [{"name": "all", "title": "All", "size": 100}],
        "partners": [
            {
                "name": "alpha-only",
                "sources": ["alpha"],
                "tokens": [{"hash": hash_token(TOKENS["alpha-only"])}],
            },
            {
                "name": "beta-embargo",
                "sources": ["beta", "gamma"],
                "embargo": True,
                "tokens": [{"hash": hash_token(TOKENS["beta-embargo"])}],
            },
        ],
    }
    return parse_config(raw, base_dir=folder, env={})


stories = st.lists(
    st.builds(
        lambda i, source, embargo_h, status: Story(
            guid=f"urn:e:{i}",
            headline=f"Story {i}",
            body=(f"Text {i}.",),
            published_at=NOW - timedelta(hours=1),
            version_created=NOW - timedelta(hours=1),
            embargoed_until=None if embargo_h is None else NOW + timedelta(hours=embargo_h),
            pub_status=status,
            origin=Origin(source=source),
        ),
        st.integers(0, 10_000),
        st.sampled_from(SOURCES),
        st.one_of(st.none(), st.integers(-5, 5)),
        st.sampled_from([PubStatus.USABLE, PubStatus.USABLE, PubStatus.WITHHELD]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda s: s.guid,
)


def visible(story: Story, sources: set[str] | None, embargo: bool) -> bool:
    if sources is not None and story.origin.source not in sources:
        return False
    if story.pub_status is not PubStatus.USABLE:
        return False
    return embargo or story.embargoed_until is None or story.embargoed_until <= NOW


async def check(batch: list[Story]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(config(Path(tmp)), clock=lambda: NOW, start_jobs=False)
        async with TestClient(TestServer(app)) as client:
            for story in batch:
                await app[WIRE].save(story)
            await app[WIRE].bus.drain()
            audiences: dict[str, tuple[str | None, set[str] | None, bool]] = {
                "public": (None, None, False),
                **{name: (TOKENS[name], *ENTITLED[name]) for name in TOKENS},
            }
            for name, (token, sources, embargo) in audiences.items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                hidden = [s.guid for s in batch if not visible(s, sources, embargo)]
                for ext in ("rss", "atom", "xml", "json"):
                    resp = await client.get(f"/feeds/all.{ext}", headers=headers)
                    assert resp.status == 200
                    body = (await resp.read()).decode("utf-8")
                    for guid in hidden:
                        assert f"{guid}<" not in body, f"{name} sees {guid} in {ext}"
                        assert f'{guid}"' not in body, f"{name} sees {guid} in {ext}"
                for story in batch:
                    resp = await client.get(f"/stories/{story.guid}.json", headers=headers)
                    expect = 200 if visible(story, sources, embargo) else 404
                    assert resp.status == expect, (name, story)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories)
def test_no_audience_sees_what_it_is_not_entitled_to(batch: list[Story]) -> None:
    asyncio.run(check(batch))
