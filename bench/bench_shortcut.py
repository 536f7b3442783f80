"""The feed shortcut's own cost per poll, in process: no sockets, no load generator.

``bench_serve.py`` measures whole requests through the kernel, which on a shared
machine moves by a factor of two between runs; this measures only the Python a
poll costs on the shortcut (``ShortcutProtocol.data_received`` to the transport's
``writelines``), in CPU time, which stays put. A connection object is fed the
same request head again and again, as a keep-alive poller sends it, with the
access log on, with it off, and with 304s sampled at one in ten; the lines
go to /dev/null through ``setup_logging``'s handler, flushed every 16 requests
(a turn of the event loop with 16 pollers).

    .venv/bin/python bench/bench_shortcut.py [--requests 200000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from wire.config import parse_config
from wire.logs import AccessLog, setup_logging
from wire.model import PUBLIC, Origin, Story
from wire.web.app import create_app
from wire.web.front import Front
from wire.web.keys import AUTH, PUBLISHER, RATE_LIMITER, WIRE
from wire.web.shortcut import FeedShortcut

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class Transport(asyncio.Transport):
    """Takes the answers and drops them."""

    def writelines(self, data: Any) -> None:
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else default

    def is_closing(self) -> bool:
        return False


async def measure(requests: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp())
    raw = {
        "server": {"data_dir": str(folder), "rate_limit_per_minute": 100_000_000},
        "sources": [{"name": "agency", "kind": "push"}],
        "feeds": [{"name": "all", "title": "All"}],
    }
    config = parse_config(raw, base_dir=folder, env={})
    app = create_app(config, clock=lambda: NOW, start_jobs=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    assert runner.server is not None
    wire = app[WIRE]
    for i in range(20):
        await wire.save(
            Story(
                guid=f"urn:bench:{i}",
                headline=f"Story {i}",
                body=(f"Body of story {i}.",),
                published_at=NOW,
                version_created=NOW,
                origin=Origin(source="agency"),
            )
        )
    await wire.bus.drain()
    rendered = await app[PUBLISHER].rendered("all", "rss", PUBLIC)
    heads = {
        "200": b"GET /feeds/all.rss HTTP/1.1\r\nHost: wire\r\nUser-Agent: bench\r\n\r\n",
        "304": b"GET /feeds/all.rss HTTP/1.1\r\nHost: wire\r\nUser-Agent: bench\r\n"
        b"If-None-Match: " + rendered.etag.encode() + b"\r\n\r\n",
    }
    setups = {
        "access log on": AccessLog(fmt="json"),
        "access log off": AccessLog(fmt="json", enabled=False),
        "304s sampled 0.1": AccessLog(fmt="json", sample_304=0.1),
    }
    for label, access in setups.items():
        shortcut = FeedShortcut(app[PUBLISHER], app[AUTH], app[RATE_LIMITER], wire.clock, access)
        protocol = Front(shortcut, runner.server)()
        protocol.connection_made(Transport())
        for status, head in heads.items():
            costs = []
            for _ in range(rounds):
                started = time.process_time()
                for i in range(requests):
                    protocol.data_received(head)
                    if i % 16 == 15:
                        access.flush()
                costs.append((time.process_time() - started) / requests * 1e6)
            print(
                f"{label:<18} {status}  {statistics.median(costs):5.2f} µs a poll "
                f"(min {min(costs):.2f}, {rounds} rounds of {requests:,})",
                file=sys.__stdout__,
                flush=True,
            )
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.stderr = open(os.devnull, "w")  # the access lines  # noqa: SIM115
    setup_logging("info", fmt="json")
    asyncio.run(measure(args.requests, args.rounds))


if __name__ == "__main__":
    main()
