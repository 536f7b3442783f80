"""Push latency: from ``POST /api/v1/stories`` to the WebSub subscriber holding the new feed.

Starts ``wire serve`` as its own process (SQLite in a temporary folder, a real
TCP port, the scheduler running), preloads a 100-story feed, subscribes a local
subscriber server to the Atom feed (verification of intent included), then
pushes N stories one after another through the editor API and times each until
a notification whose body carries that story arrives. Prints median, p90, p99
and max in milliseconds.

    .venv/bin/python bench/bench_push.py [--stories 200] [--preload 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from wire.tokens import hash_token

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, percentile, wait_ready, wire_server
from _harness import write_config as harness_config

EDITOR_KEY = "wire_ed_benchmark-key"


def write_config(folder: Path, port: int, size: int) -> Path:
    return harness_config(
        folder,
        port,
        size,
        extra=f"""
[[editor_keys]]
name = "bench"
role = "admin"
hash = "{hash_token(EDITOR_KEY)}"
""",
    )


def story_json(n: int, marker: str) -> bytes:
    return json.dumps(
        {
            "headline": f"Bench story {n} {marker}",
            "language": "en",
            "body": [f"Paragraph one of story {n}.", "Paragraph two, a little longer " * 4],
            "byline": ["Bench Reporter"],
            "origin": {"source": "agency"},
        }
    ).encode()


class Subscriber:
    """Echoes challenges; records when a notification carrying each marker arrived."""

    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.verified = asyncio.Event()

    async def on_get(self, request: web.Request) -> web.Response:
        self.verified.set()
        return web.Response(text=request.query["hub.challenge"])

    async def on_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        now = time.perf_counter()
        for marker, future in list(self.waiting.items()):
            if not future.done() and marker.encode() in body:
                future.set_result(now)
        return web.Response(status=204)


async def run(args: argparse.Namespace, base: str) -> list[float]:
    """Preload, subscribe, then time each push; the latencies in milliseconds."""
    sub = Subscriber()
    app = web.Application()
    app.router.add_get("/cb", sub.on_get)
    app.router.add_post("/cb", sub.on_post)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sub_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", sub_port).start()
    auth = {"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/json"}
    latencies: list[float] = []
    try:
        await wait_ready(base)
        async with aiohttp.ClientSession() as http:
            for n in range(args.preload):
                async with http.post(
                    f"{base}/api/v1/stories", data=story_json(n, "pre"), headers=auth
                ) as response:
                    assert response.status == 201, await response.text()
            form = {
                "hub.mode": "subscribe",
                "hub.topic": f"{base}/feeds/all.atom",
                "hub.callback": f"http://127.0.0.1:{sub_port}/cb",
            }
            async with http.post(f"{base}/websub", data=form) as response:
                assert response.status == 202, await response.text()
            await asyncio.wait_for(sub.verified.wait(), 10)
            await asyncio.sleep(0.2)  # the subscription is stored after the echo
            for n in range(args.stories):
                marker = f"m{n:06d}x"
                future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                sub.waiting[marker] = future
                started = time.perf_counter()
                async with http.post(
                    f"{base}/api/v1/stories",
                    data=story_json(args.preload + n, marker),
                    headers=auth,
                ) as response:
                    assert response.status == 201, await response.text()
                received = await asyncio.wait_for(future, 10)
                latencies.append((received - started) * 1000)
                del sub.waiting[marker]
    finally:
        await runner.cleanup()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=200, help="stories pushed and timed")
    parser.add_argument("--preload", type=int, default=100, help="stories in the feed first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        config = write_config(folder, port, args.preload)
        with wire_server(config):
            latencies = asyncio.run(run(args, f"http://127.0.0.1:{port}"))
    print(f"push latency over {len(latencies)} stories, {args.preload}-story Atom feed (ms):")
    print(
        f"  median {statistics.median(latencies):.1f}  p90 {percentile(latencies, 0.9):.1f}"
        f"  p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
    )


if __name__ == "__main__":
    main()
