"""The partner guide's webhook receivers (``docs/receivers/``, Python's standard
library and Node.js without packages) receive wire's real pushes: they verify the
Standard Webhooks signature, store each story once, and refuse forged or stale
messages. Each runs as its own process on a local port."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from standardwebhooks import Webhook

from tests.browser import free_port
from tests.clocks import eventually, wall_clock
from tests.servers import until_listening
from wire.config import parse_config
from wire.model import Origin, Story
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import HOOKS, WIRE

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"receiver-test-secret-0123456789").decode()
NODE = shutil.which("node")
RECEIVERS = {
    "python": [sys.executable, str(ROOT / "docs/receivers/receiver.py")],
    "node": [NODE or "node", str(ROOT / "docs/receivers/receiver.mjs")],
}


def _start(command: list[str], port: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*command, "--port", str(port), "--out", str(out)],
        env={**os.environ, "WIRE_WEBHOOK_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(params=list(RECEIVERS))
async def receiver(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, Path]]:
    if request.param == "node" and NODE is None:
        pytest.skip("needs Node.js")
    port, out = free_port(), tmp_path / "stories.jsonl"
    proc = _start(RECEIVERS[request.param], port, out)
    try:
        await until_listening(port, proc)
        yield f"http://127.0.0.1:{port}/hook", out
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.fixture
async def wire_with_hook(
    aiohttp_client: Any, tmp_path: Path, receiver: tuple[str, Path]
) -> TestClient[Any, Any]:
    url, _ = receiver
    config = parse_config(
        {
            "server": {"data_dir": str(tmp_path / "wire"), "allow_private_callbacks": True},
            "sources": [{"name": "desk", "kind": "push"}],
            "feeds": [{"name": "all", "title": "All"}],
            "partners": [{"name": "daily", "webhook_url": url, "webhook_secret": SECRET}],
            "editor_keys": [{"name": "ed", "role": "admin", "hash": hash_token("wire_ed_x")}],
        },
        base_dir=tmp_path,
        env={},
    )
    client: TestClient[Any, Any] = await aiohttp_client(
        create_app(config, clock=wall_clock(), start_jobs=False)
    )
    return client


def _stored(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text("utf-8").splitlines()]


async def test_a_receiver_stores_what_wire_pushes_and_the_kill_after_it(
    wire_with_hook: TestClient[Any, Any], receiver: tuple[str, Path]
) -> None:
    _, out = receiver
    wire = wire_with_hook.app[WIRE]
    story = Story(
        headline="Harbour reopens", guid="urn:r:1", body=("Ferries resume.",), origin=Origin("desk")
    )
    await wire.save(story)
    await wire.bus.drain()
    await wire_with_hook.app[HOOKS].drain()
    await eventually(lambda: len(_stored(out)) == 1, within=10)
    [created] = _stored(out)
    assert (created["type"], created["data"]["guid"]) == ("story.created", "urn:r:1")
    await wire.act("kill", "urn:r:1", "Legal", role="admin")
    await wire.bus.drain()
    await wire_with_hook.app[HOOKS].drain()
    await eventually(lambda: len(_stored(out)) == 2, within=10)
    assert _stored(out)[1]["type"] == "story.killed"


async def test_a_receiver_refuses_a_forged_or_stale_message(receiver: tuple[str, Path]) -> None:
    url, out = receiver
    body = json.dumps({"type": "story.created", "data": {"guid": "urn:forged"}}).encode()
    now = int(time.time())
    good = Webhook(SECRET).sign("msg_1", _at(now), body.decode())
    forged = Webhook("whsec_" + base64.b64encode(b"another-secret-entirely-xx").decode())
    cases = [
        ("msg_1", str(now), forged.sign("msg_1", _at(now), body.decode())),
        ("msg_1", str(now - 3600), Webhook(SECRET).sign("msg_1", _at(now - 3600), body.decode())),
        ("msg_2", str(now), good),  # signed for another id
    ]
    async with aiohttp.ClientSession() as http:
        for msg_id, stamp, signature in cases:
            headers = {
                "webhook-id": msg_id,
                "webhook-timestamp": stamp,
                "webhook-signature": signature,
            }
            async with http.post(url, data=body, headers=headers) as answer:
                assert answer.status == 401, (msg_id, stamp)
        headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": good}
        for _ in range(2):  # a retry of the same message is acknowledged, stored once
            async with http.post(url, data=body, headers=headers) as answer:
                assert answer.status == 204
    assert [e["data"]["guid"] for e in _stored(out)] == ["urn:forged"]


def _at(seconds: int) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)
