"""What the benchmark scripts share: a free port, a wire config for one push
source, waiting for a server, percentiles and a process's CPU time."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int, size: int, *, extra: str = "") -> Path:
    """A config serving one feed of ``size`` stories from the push source ``agency``;
    ``extra`` TOML (partners, editor keys) is appended."""
    path = folder / "wire.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
base_url = "http://127.0.0.1:{port}"
data_dir = "{folder / "data"}"
allow_private_callbacks = true
rate_limit_per_minute = 100000000
load_demo = false
log_level = "warning"
access_log = false

[[sources]]
name = "agency"
kind = "push"
provider = "Bench Agency"
credit_line = "Bench Agency (BA)"

[[feeds]]
name = "all"
title = "All"
size = {size}
{extra}
""",
        encoding="utf-8",
    )
    return path


@contextmanager
def wire_server(config: Path, *, prefix: Sequence[str] = ()) -> Iterator[subprocess.Popen[bytes]]:
    """``wire serve`` on ``config`` as a process of its own (``prefix``: a
    ``taskset`` pin), stopped on the way out."""
    server = subprocess.Popen(
        [*prefix, sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield server
    finally:
        server.terminate()
        server.wait(10)


async def wait_ready(url: str) -> None:
    """Until ``url``'s ``/healthz`` answers 200 (30 s at most)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("wire did not start")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def server_cpu(pid: int) -> float:
    """User + system CPU seconds the process ``pid`` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
