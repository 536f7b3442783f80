"""``wire ingest`` beside a running server takes the server's change path: the
server's feeds show the story within a second, and partners get their webhooks."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.desk_client import ClientFactory
from tests.servers import recording
from wire.config import load_config
from wire.web.app import create_app

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_a_story_ingested_from_the_command_line_reaches_the_server_and_partners(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    async with recording() as endpoint:
        config_file = tmp_path / "wire.toml"
        config_file.write_text(
            f"""
[server]
data_dir = "data"
base_url = "http://wire.test"
allow_private_callbacks = true

[[sources]]
name = "desk"
kind = "push"

[[feeds]]
name = "all"
title = "All"

[[partners]]
name = "daily"
webhook_url = "{endpoint.url("/hook")}"
webhook_secret = "{SECRET}"
""",
            encoding="utf-8",
        )
        client = await aiohttp_client(create_app(load_config(config_file), start_jobs=False))
        before = await client.get("/feeds/all.rss")
        assert b"<item>" not in await before.read()  # rendered and cached, empty

        copy = tmp_path / "copy.txt"
        copy.write_bytes((FIXTURES / "raw" / "ap-washington.txt").read_bytes())
        command = [sys.executable, "-m", "wire", "ingest", str(copy), "--source", "desk"]
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, "--config", str(config_file)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        ingested = time.monotonic()
        while True:
            body = await (await client.get("/feeds/all.rss")).read()
            if b"<item>" in body:
                break
            assert time.monotonic() - ingested < 1.5, "the server's feed did not change"
            await asyncio.sleep(0.05)
        assert [json.loads(p)["type"] for p in endpoint.posts("/hook")] == ["story.created"]
