"""``wire serve --workers N``: several processes on one port and one store, run as
an operator runs them (a real ``wire serve`` process, real connections)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.clocks import eventually
from tests.desk_client import API, EDITOR, story_doc

WORKERS = 2  # as in the command _serve runs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _toml(value: object) -> str:
    return json.dumps(value)  # strings, numbers and booleans are spelt alike in TOML


class Served:
    """A running ``wire serve --workers`` and what it printed."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log

    def listening(self) -> int | None:
        """Sockets listening on the port (one per worker), or None without ``ss``."""
        owners = self.listeners()
        return None if owners is None else len(owners)

    def listeners(self) -> list[int] | None:
        """The process of each socket listening on the port, or None without ``ss``."""
        if shutil.which("ss") is None:
            return None
        port = self.url.rsplit(":", 1)[1]
        found = subprocess.run(
            ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
        )
        return [int(pid) for pid in re.findall(r"pid=(\d+)", found.stdout)]

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return [int(pid) for pid in children.split()]


@pytest.fixture
async def served(tmp_path: Path, database: str) -> AsyncIterator[Served]:
    port = _free_port()
    raw = (API / "wire.toml").read_text(encoding="utf-8")
    server = tomllib.loads(raw)["server"]
    settings = {
        **server,
        "host": "127.0.0.1",
        "port": port,
        "base_url": f"http://127.0.0.1:{port}",
        "data_dir": str(tmp_path / "data"),
        "log_level": "info",
        "load_demo": False,
    }
    if database:
        settings["database"] = database
    lines = [f"{key} = {_toml(value)}" for key, value in settings.items()]
    body = raw.split("[server]", 1)[1].split("\n\n", 1)[1]
    config = tmp_path / "wire.toml"
    config.write_text("[server]\n" + "\n".join(lines) + "\n\n" + body, encoding="utf-8")
    log = tmp_path / "serve.log"
    proc = _serve(config, log)
    result = Served(proc, f"http://127.0.0.1:{port}", log)
    try:
        await eventually(lambda: _ready(result), within=30)
        yield result
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                await asyncio.to_thread(proc.wait, 20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _serve(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "wire", "serve", "--config", str(config), "--workers", "2"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


async def _ready(served: Served) -> bool:
    if served.proc.poll() is not None:
        pytest.fail(f"wire serve exited: {served.log.read_text()}")
    if len(served.workers()) < WORKERS or served.listening() not in (WORKERS, None):
        return False
    try:
        return all(await asyncio.gather(*(_ok(served.url) for _ in range(4 * WORKERS))))
    except aiohttp.ClientError:
        return False


async def _ok(url: str) -> bool:
    async with (
        aiohttp.ClientSession() as http,  # a connection of its own: any worker may take it
        http.get(f"{url}/readyz") as response,
    ):
        return response.status == 200


async def _fresh_polls_hold(url: str, guid: str, polls: int = 12) -> bool:
    """Whether every one of ``polls`` new connections is served a feed holding ``guid``."""

    async def one() -> bool:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/feeds/all.atom") as response:
            return guid in await response.text()

    return all(await asyncio.gather(*(one() for _ in range(polls))))


async def test_each_worker_listens_on_the_port_itself(served: Served) -> None:
    """Every worker holds a socket of its own on the port (``SO_REUSEPORT``); the
    supervisor holds none, so the kernel spreads connections over the workers."""
    owners = served.listeners()
    if owners is None:
        pytest.skip("needs ss (iproute2) to see who listens")
    assert sorted(owners) == sorted(served.workers())
    assert served.proc.pid not in owners


async def test_a_push_to_one_worker_is_served_by_every_worker(served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(3):  # every worker renders the feed before the push
            await _fresh_polls_hold(served.url, "no such guid")
        async with http.post(
            f"{served.url}/api/v1/stories", json=story_doc(), headers=EDITOR
        ) as response:
            assert response.status == 201, await response.text()
            guid = (await response.json())["guid"]
    await eventually(lambda: _fresh_polls_hold(served.url, guid), within=5)


async def test_one_worker_runs_the_scheduled_jobs(served: Served) -> None:
    await asyncio.sleep(0.5)
    leaders = served.log.read_text().count("this instance runs the scheduled jobs")
    assert leaders == 1


async def test_a_worker_that_dies_is_started_again(served: Served) -> None:
    first = served.workers()
    os.kill(first[0], signal.SIGKILL)
    await eventually(
        lambda: len(served.workers()) == WORKERS and first[0] not in served.workers(), within=10
    )
    await eventually(lambda: _ready(served), within=30)


async def test_sigterm_stops_every_worker_cleanly(served: Served) -> None:
    workers = served.workers()
    served.proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(served.proc.wait, 20) == 0
    assert not any(_running(pid) for pid in workers)
    assert "Traceback" not in served.log.read_text()


async def test_workers_stop_when_the_supervisor_is_killed(served: Served) -> None:
    workers = served.workers()
    served.proc.kill()
    await asyncio.to_thread(served.proc.wait, 10)
    await eventually(lambda: not any(_running(pid) for pid in workers), within=20)


def _running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()
