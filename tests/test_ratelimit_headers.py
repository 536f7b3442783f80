"""The IETF ``RateLimit-Policy`` and ``RateLimit`` headers
(draft-ietf-httpapi-ratelimit-headers) on every partner response — the feed
shortcut's and aiohttp's alike — and partners' own quotas."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.feed_server import PARTNER_TOKEN, ClientFactory, make_config, serving
from wire.web.ratelimit import Allowance, TokenBuckets

PARTNER = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
POLICY = re.compile(r'^"default";q=(\d+);w=60$')
LEFT = re.compile(r'^"default";r=(\d+);t=(\d+)$')


def _left(headers: Any) -> tuple[int, int, int]:
    policy = POLICY.fullmatch(headers["RateLimit-Policy"])
    left = LEFT.fullmatch(headers["RateLimit"])
    assert policy is not None
    assert left is not None
    return int(policy.group(1)), int(left.group(1)), int(left.group(2))


@pytest.fixture(params=["aiohttp", "shortcut"])
async def client(
    aiohttp_client: ClientFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> TestClient[Any, Any]:
    config = make_config(tmp_path, rate_limit_per_minute=50)
    return await serving(aiohttp_client, config, shortcut=request.param == "shortcut")


async def test_a_partner_poll_says_its_quota_and_what_is_left(client: TestClient[Any, Any]) -> None:
    first = await client.get("/feeds/agency.rss", headers=PARTNER)
    second = await client.get("/feeds/agency.rss", headers=PARTNER)
    assert first.status == second.status == 200
    quota, left, reset = _left(first.headers)
    assert quota == 50
    assert _left(second.headers)[1] == left - 1
    assert 0 <= reset <= 60


async def test_a_304_carries_them_too(client: TestClient[Any, Any]) -> None:
    first = await client.get("/feeds/agency.rss", headers=PARTNER)
    again = await client.get(
        "/feeds/agency.rss", headers={**PARTNER, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
    assert _left(again.headers)[0] == 50


async def test_the_public_gets_no_ratelimit_headers(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.rss")
    assert "RateLimit" not in resp.headers
    assert "RateLimit-Policy" not in resp.headers


async def test_a_partners_own_quota_is_its_limit_and_429_says_none_is_left(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config = make_config(tmp_path, rate_limit_per_minute=50)
    config = replace(
        config, partners=tuple(replace(p, requests_per_minute=3) for p in config.partners)
    )
    for shortcut in (False, True):
        client = await serving(aiohttp_client, config, shortcut=shortcut)
        answers = [await client.get("/feeds/agency.rss", headers=PARTNER) for _ in range(4)]
        assert [a.status for a in answers] == [200, 200, 200, 429]
        assert _left(answers[0].headers)[0] == 3
        refused = answers[-1]
        assert _left(refused.headers)[:2] == (3, 0)
        assert int(refused.headers["Retry-After"]) >= 1


async def test_the_partner_api_carries_them(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/v1/feeds/agency/items", headers=PARTNER)
    assert resp.status == 200
    assert _left(resp.headers)[0] == 50


def test_the_headers_read_as_the_draft_writes_them() -> None:
    assert Allowance(600, 598, 1).headers() == {
        "RateLimit-Policy": '"default";q=600;w=60',
        "RateLimit": '"default";r=598;t=1',
    }


def test_a_bucket_refills_to_its_quota_within_the_window() -> None:
    now = [0.0]
    buckets = TokenBuckets(60, monotonic=lambda: now[0])
    for _ in range(30):
        buckets.check("k")
    assert buckets.allowance("k") == Allowance(60, 30, 30)
    now[0] += 30
    assert buckets.allowance("k") == Allowance(60, 60, 0)
