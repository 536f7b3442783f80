"""Server memory: at start, with 100 k stories, under 1,000 connections, and with
100 partner views (benchmark (f)).

Each figure is the resident set (``VmRSS``) of one ``wire serve`` process on a
SQLite store in a temporary folder, read from ``/proc`` once the load has run,
printed beside the same server's memory at start, measured in the same run:

- *start*: an empty store, no request yet (the baseline);
- *100 k stories*: a store bulk-loaded with 100,000 stories (``load_current``),
  each format of the feed polled once;
- *1,000 connections*: ``wrk`` holds 1,000 keep-alive connections polling the
  feed for ``--seconds``; memory is read while they are open;
- *100 partner views*: 100 partners whose entitlements all differ (each reads
  the shared source's 100 stories and one of its own), each polling the four
  formats: 400 distinct renderings, their fragments shared.

The fragment and rendering caches are bounded (``server.fragment_cache_mb``,
``server.render_cache_mb``): the last figure stays under start + both bounds.

    .venv/bin/python bench/bench_memory.py [--stories 100000] [--seconds 5]

Needs ``wrk`` on PATH for the connections figure (skipped without it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import aiohttp

from wire.config import load_config
from wire.model import Origin
from wire.store import SQLStore

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, wait_ready, wire_server
from bench_partners import FORMATS, token
from bench_partners import write_config as partners_config
from bench_store import NOW, story


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for {pid}")


async def bulk_load(config: Path, count: int, partners: int) -> None:
    """``count`` stories from the shared source, then one from each partner's own
    source, so every partner's view of the feed differs from the others'."""
    settings = load_config(config).server
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SQLStore(settings.database_url)
    await store.open()
    try:
        sources = ["agency"] * count + [f"own-{i}" for i in range(partners)]
        batch = 2000
        for first in range(0, len(sources), batch):
            chunk = [
                replace(story(i), origin=Origin(source=sources[i]))
                for i in range(first, min(first + batch, len(sources)))
            ]
            await store.load_current(chunk, now=NOW)
    finally:
        await store.close()


async def poll_all(base: str, partners: int) -> None:
    """Every format of the feed, publicly or for each partner."""
    async with aiohttp.ClientSession() as http:
        readers = (
            [{}]
            if not partners
            else [{"Authorization": f"Bearer {token(i)}"} for i in range(partners)]
        )
        gate = asyncio.Semaphore(32)

        async def one(headers: dict[str, str], fmt: str) -> None:
            async with gate, http.get(f"{base}/feeds/all.{fmt}", headers=headers) as response:
                assert response.status == 200, response.status
                await response.read()

        await asyncio.gather(*(one(h, fmt) for h in readers for fmt in FORMATS))


def measure(label: str, stories: int, partners: int, connections: int, seconds: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        config = partners_config(folder, port, partners, 100)
        if stories or partners:
            asyncio.run(bulk_load(config, stories, partners))
        with wire_server(config) as server:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base))
            if stories or partners:
                asyncio.run(poll_all(base, partners))
            if connections:
                command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds + 2}s"]
                load = subprocess.Popen(
                    [*command, f"{base}/feeds/all.rss"], stdout=subprocess.DEVNULL
                )
                try:
                    asyncio.run(asyncio.sleep(seconds))
                    figure = rss_mb(server.pid)
                finally:
                    load.wait(seconds + 30)
                return figure
            return rss_mb(server.pid)
    raise AssertionError(label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    runs = {
        "start": (0, 0, 0),
        f"{args.stories:,} stories": (args.stories, 0, 0),
        f"{args.partners} partner views": (100, args.partners, 0),
    }
    if shutil.which("wrk"):
        runs[f"{args.connections:,} connections"] = (0, 0, args.connections)
    figures = {}
    for label, (stories, partners, connections) in runs.items():
        print(f"measuring: {label}", file=sys.stderr, flush=True)
        figures[label] = measure(label, stories, partners, connections, args.seconds)
    start = figures["start"]
    print("wire serve resident memory (VmRSS), one process")
    for label, mb in figures.items():
        print(f"  {label:<22} {mb:8.1f} MB   {mb / start:5.2f} x start   +{mb - start:6.1f} MB")


if __name__ == "__main__":
    main()
