"""Two real instances of wire (two ``wire serve`` processes) on one PostgreSQL
database and one Redis, behind the same client and the same proxy: whichever
instance answers, a feed has the same validators, and the client's allowance is
one, not one per instance."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tomllib
import uuid
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import aiohttp
import pytest

from tests.clocks import eventually
from tests.desk_client import API, EDITOR, story_doc
from tests.store_fixtures import fresh_database

pytestmark = pytest.mark.postgres
LIMIT = 30


def _own_clients() -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Client addresses of this test's own: counts kept in Redis outlive the
    processes (for the rest of the minute), so each test polls as new clients."""
    return ipaddress.ip_network(f"2001:db8:{uuid.uuid4().hex[:4]}::/48")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _redis_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("needs Redis at 127.0.0.1:6379")


def _config(tmp_path: Path, name: str, port: int, database: str) -> Path:
    """The API tests' config with the server settings of one instance."""
    server = {
        "data_dir": str(tmp_path / name),
        "host": "127.0.0.1",
        "port": port,
        "base_url": "http://wire.test",  # one public name for both, as behind nginx
        "database": database,
        "rate_limit_per_minute": LIMIT,
        "rate_limit_redis_url": "redis://127.0.0.1:6379/0",
        "rate_limit_sync_ms": 50,
        "trusted_proxies": ["127.0.0.1"],
        "max_body_bytes": 65536,
    }
    text = (API / "wire.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[server]\n")
    rest = rest[rest.index("\n[") :]  # the fixture's own [server] keys, replaced
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in server.items())
    path = tmp_path / f"{name}.toml"
    path.write_text(f"{head}[server]\n{lines}{rest}", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # still TOML
    return path


def _start(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )


def _stop(proc: subprocess.Popen[bytes]) -> bytes:
    """SIGTERM, and what the process wrote on stderr."""
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired as late:
        proc.kill()
        proc.communicate()
        tail = (late.stderr or b"")[-3000:].decode(errors="replace")
        raise AssertionError(f"wire serve did not stop within 20 s of SIGTERM:\n{tail}") from None
    return err


@pytest.fixture
async def instances(tmp_path: Path) -> AsyncIterator[list[str]]:
    _redis_or_skip()
    async with fresh_database("postgres", tmp_path) as database:
        ports = [_free_port(), _free_port()]
        procs = [
            _start(_config(tmp_path, f"instance{i}", port, database))
            for i, port in enumerate(ports)
        ]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            async with aiohttp.ClientSession() as http:
                for base in bases:
                    await eventually(partial(_ready, http, base), within=60)
            yield bases
        finally:
            errors = [_stop(proc) for proc in procs]
        for err in errors:
            assert b"Traceback" not in err, err.decode()


async def _ready(http: aiohttp.ClientSession, base: str) -> bool:
    try:
        async with http.get(f"{base}/readyz") as answer:
            return answer.status == 200
    except aiohttp.ClientError:
        return False


async def test_both_instances_send_the_same_validators(instances: list[str]) -> None:
    first, second = instances
    client = {"X-Forwarded-For": str(_own_clients()[1])}
    async with aiohttp.ClientSession(headers=client) as http:
        doc = story_doc(guid="urn:scale:1", headline="Told to one instance")
        async with http.post(f"{first}/api/v1/stories", json=doc, headers=EDITOR) as pushed:
            assert pushed.status == 201, await pushed.text()

        async def both_show_it() -> bool:
            bodies = []
            for base in instances:
                async with http.get(f"{base}/feeds/all.atom") as answer:
                    bodies.append(await answer.read())
            return all(b"urn:scale:1" in body for body in bodies)

        await eventually(both_show_it, within=10)
        heads = []
        for base in instances:
            async with http.get(f"{base}/feeds/all.atom") as answer:
                heads.append((answer.headers["ETag"], answer.headers["Last-Modified"]))
        assert heads[0] == heads[1]
        etag, modified = heads[0]
        async with http.get(f"{second}/feeds/all.atom", headers={"If-None-Match": etag}) as again:
            assert again.status == 304
        async with http.get(
            f"{second}/feeds/all.atom", headers={"If-Modified-Since": modified}
        ) as again:
            assert again.status == 304


async def test_one_client_behind_the_proxy_has_one_allowance_across_instances(
    instances: list[str],
) -> None:
    net = _own_clients()
    client = {"X-Forwarded-For": str(net[23])}
    statuses = []
    async with aiohttp.ClientSession() as http:
        for i in range(3 * LIMIT):
            async with http.get(f"{instances[i % 2]}/feeds/all.rss", headers=client) as answer:
                statuses.append(answer.status)
                if answer.status == 429:
                    assert int(answer.headers["Retry-After"]) >= 1
            await asyncio.sleep(0.02)
    allowed = statuses.count(200)
    # Each instance decides at once and shares every 50 ms: a few may slip through.
    assert LIMIT <= allowed <= LIMIT + 6, statuses
    assert statuses[-10:] == [429] * 10
    other = {"X-Forwarded-For": str(net[24])}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{instances[1]}/feeds/all.rss", headers=other) as answer,
    ):
        assert answer.status == 200  # another client behind the same proxy
