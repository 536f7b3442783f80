"""Helpers for tests that talk to a running wire over HTTP as editors and partners:
the API test server's config (``tests/fixtures/api/wire.toml``), its keys and
tokens, a clock moved by hand, and small request helpers. Also a pytest plugin
(registered in ``conftest.py``): the ``clock`` and ``client`` fixtures, a test
server on that config, which a module may override with its own."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.clocks import FakeClock
from wire.config import Config, parse_config
from wire.web.app import create_app

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
Client = TestClient[Any, Any]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
API = FIXTURES / "api"
EDITOR_KEY = "wire_ed_test-editor-key"
ADMIN_KEY = "wire_ed_test-admin-key"
DAILY_TOKEN = "wire_pt_test-daily-token"
WIDE_TOKEN = "wire_pt_test-wide-token"
EDITOR = {"Authorization": f"Bearer {EDITOR_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def api_config(tmp_path: Path, **server: Any) -> Config:
    """``tests/fixtures/api/wire.toml`` with its data in ``tmp_path``."""
    raw = tomllib.loads((API / "wire.toml").read_text(encoding="utf-8"))
    raw["server"].update({"data_dir": str(tmp_path), **server})
    return parse_config(raw, base_dir=tmp_path, env={})


def json_headers(auth: dict[str, str] = EDITOR, **extra: str) -> dict[str, str]:
    return {**auth, "Content-Type": "application/json", **extra}


def story_doc(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((API / "story.json").read_text(encoding="utf-8"))
    doc.update(fields)
    return doc


def distinct_doc(guid: str, **fields: Any) -> dict[str, Any]:
    """``story_doc`` with words of its own (the same copy twice would be held as a
    near duplicate of the first)."""
    words = " ".join(f"{guid}-{n}" for n in range(12))
    return story_doc(**{"guid": guid, "headline": f"Story {guid}", "body": [words], **fields})


async def post_story(client: Client, guid: str, source: str = "agency", **fields: Any) -> None:
    """Push a story of its own words from ``source`` as an editor."""
    resp = await client.post(
        f"/api/v1/stories?source={source}", json=distinct_doc(guid, **fields), headers=EDITOR
    )
    assert resp.status == 201, await resp.text()


async def push(client: Client, doc: dict[str, Any], *, auth: dict[str, str] = EDITOR) -> Any:
    resp = await client.post("/api/v1/stories", json=doc, headers=auth)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def problem(resp: Any, status: int) -> dict[str, Any]:
    """The response's problem document, after checking status and media type."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/problem+json"
    body: dict[str, Any] = await resp.json(content_type=None)
    assert body["status"] == status
    return body


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(
    aiohttp_client: ClientFactory, tmp_path: Path, clock: FakeClock, database: str
) -> Client:
    """The API test server (``tests/fixtures/api/wire.toml``) on ``clock``, jobs not
    started, its store on each backend in turn (the ``database`` fixture)."""
    app = create_app(api_config(tmp_path, database=database), clock=clock, start_jobs=False)
    return await aiohttp_client(app)
