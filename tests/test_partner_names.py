"""A partner is a partner whatever it is called: no name is a sentinel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.desk_client import ClientFactory
from wire.config import parse_config
from wire.tokens import hash_token
from wire.web.app import create_app

TOKEN = "wire_pt_named-public"


async def test_a_partner_named_public_reads_its_own_private_feed(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    raw: dict[str, Any] = {
        "server": {"data_dir": str(tmp_path), "base_url": "http://wire.test"},
        "sources": [{"name": "desk", "kind": "push"}],
        "feeds": [{"name": "private", "title": "Partners only", "public": False}],
        "partners": [
            {"name": "public", "feeds": ["private"], "tokens": [{"hash": hash_token(TOKEN)}]}
        ],
    }
    config = parse_config(raw, base_dir=tmp_path, env={})
    client = await aiohttp_client(create_app(config, start_jobs=False))
    for ext in ("rss", "atom", "xml", "json"):
        resp = await client.get(
            f"/feeds/private.{ext}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert resp.status == 200, (ext, await resp.text())
        assert resp.headers["Cache-Control"].startswith("private")
        anonymous = await client.get(f"/feeds/private.{ext}")
        assert anonymous.status == 401
