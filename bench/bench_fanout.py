"""Push → every one of N WebSub subscribers notified (benchmark (d)).

Starts ``wire serve`` (SQLite in a temporary folder, a real TCP port), preloads
a feed, subscribes N callbacks of one local subscriber server to the Atom feed
(each verification of intent answered), then pushes stories through the editor
API one after another and times, for each push, the first and the last
notification carrying that story. The first push is reported on its own
("cold": the subscriptions just written, the connections to the callbacks not
yet open), the percentiles are of the pushes after it. N = 1 runs first, in the
same run, as the baseline. Also prints how much the database grew per push, and a floor: a bare
aiohttp client (one session, the courier's limits: 64 at once, 32 to a host)
posting a body of the same size to the same N callbacks, timed the same way,
which is what the subscriber server and the two cores allow at best.

    .venv/bin/python bench/bench_fanout.py [--subscribers 1,1000] [--pushes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, percentile, wait_ready, wire_server
from bench_push import EDITOR_KEY, story_json, write_config


@dataclass
class Subscribers:
    """N callbacks on one server: challenges echoed, arrivals of each marker timed."""

    count: int
    verified: set[int] = field(default_factory=set)
    marker: bytes = b""
    arrivals: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    all_verified: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_get(self, request: web.Request) -> web.Response:
        self.verified.add(int(request.match_info["n"]))
        if len(self.verified) >= self.count:
            self.all_verified.set()
        return web.Response(text=request.query["hub.challenge"])

    async def on_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.marker and self.marker in body:
            self.arrivals.append(time.perf_counter())
            if len(self.arrivals) >= self.count:
                self.done.set()
        return web.Response(status=204)


@dataclass
class Result:
    subscribers: int
    first: list[float]  # ms from push to the first notification, per push after the cold one
    last: list[float]  # ms from push to the last, likewise
    cold: float  # ms from the first push to its last notification
    grown: float  # MB the database grew per push
    floor: list[float]  # ms for a bare client to reach the last of the same callbacks


async def stored(folder: Path, count: int) -> None:
    """Wait until the hub has stored all ``count`` subscriptions (read from its
    SQLite file): a push while they are still being written waits behind them."""
    path = folder / "data" / "wire.sqlite3"
    for _ in range(1200):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (n,) = db.execute("SELECT count(*) FROM subscriptions").fetchone()
        if n >= count:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{n} of {count} subscriptions stored after 120 s")


def database_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in (folder / "data").glob("wire.sqlite3*"))


async def measure(base: str, folder: Path, count: int, args: argparse.Namespace) -> Result:
    subs = Subscribers(count)
    app = web.Application()
    app.router.add_get("/cb/{n}", subs.on_get)
    app.router.add_post("/cb/{n}", subs.on_post)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=4096).start()
    auth = {"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/json"}
    first: list[float] = []
    last: list[float] = []
    try:
        await wait_ready(base)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as http:
            for n in range(args.preload):
                async with http.post(
                    f"{base}/api/v1/stories", data=story_json(n, "pre"), headers=auth
                ) as response:
                    assert response.status == 201, await response.text()

            async def subscribe(n: int) -> None:
                form = {
                    "hub.mode": "subscribe",
                    "hub.topic": f"{base}/feeds/all.atom",
                    "hub.callback": f"http://127.0.0.1:{port}/cb/{n}",
                }
                async with http.post(f"{base}/websub", data=form) as response:
                    assert response.status == 202, await response.text()

            await asyncio.gather(*(subscribe(n) for n in range(count)))
            await asyncio.wait_for(subs.all_verified.wait(), 120)
            await stored(folder, count)  # subscriptions are stored after the echo
            size = database_size(folder)
            for k in range(args.pushes + 1):
                subs.marker = f"fan{count}x{k:04d}".encode()
                subs.arrivals = []
                subs.done = asyncio.Event()
                started = time.perf_counter()
                async with http.post(
                    f"{base}/api/v1/stories",
                    data=story_json(args.preload + k, subs.marker.decode()),
                    headers=auth,
                ) as response:
                    assert response.status == 201, await response.text()
                await asyncio.wait_for(subs.done.wait(), 120)
                first.append((min(subs.arrivals) - started) * 1000)
                last.append((max(subs.arrivals) - started) * 1000)
            grown = (database_size(folder) - size) / (args.pushes + 1) / 1e6
            async with http.get(f"{base}/feeds/all.atom") as response:
                size_of_feed = len(await response.read())
            floor = [
                await bare_fanout(subs, port, count, size_of_feed, k) for k in range(args.pushes)
            ]
    finally:
        await runner.cleanup()
    return Result(count, first[1:], last[1:], last[0], grown, floor)


async def bare_fanout(subs: Subscribers, port: int, count: int, size: int, k: int) -> float:
    """ms for one bare aiohttp session to post ``size`` bytes to every callback."""
    subs.marker = f"bare{count}x{k:04d}".encode()
    subs.arrivals = []
    subs.done = asyncio.Event()
    body = subs.marker + b" " * (size - len(subs.marker))
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=32)
    async with aiohttp.ClientSession(connector=connector) as bare:

        async def post(n: int) -> None:
            async with bare.post(f"http://127.0.0.1:{port}/cb/{n}", data=body) as response:
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(post(n) for n in range(count)))
        await asyncio.wait_for(subs.done.wait(), 120)
    return (max(subs.arrivals) - started) * 1000


def run(count: int, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        config = write_config(folder, port, args.preload)
        with wire_server(config):
            return asyncio.run(measure(f"http://127.0.0.1:{port}", folder, count, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", default="1,1000", help="comma-separated N")
    parser.add_argument("--pushes", type=int, default=5)
    parser.add_argument("--preload", type=int, default=100)
    args = parser.parse_args()
    counts = [int(n) for n in args.subscribers.split(",")]
    if 1 not in counts:
        counts.insert(0, 1)
    results = [run(n, args) for n in counts]
    base = statistics.median(results[0].last)
    print(f"push -> N WebSub subscribers of a {args.preload}-story Atom feed (ms)")
    print(
        f"{'N':>6} {'cold':>7} {'first p50':>10} {'last p50':>10} {'last p99':>10}"
        f" {'× N=1':>7} {'DB MB/push':>11} {'bare p50':>9} {'× bare':>7}"
    )
    for r in results:
        floor = statistics.median(r.floor)
        print(
            f"{r.subscribers:>6} {r.cold:>7.0f} {statistics.median(r.first):>10.0f}"
            f" {statistics.median(r.last):>10.0f} {percentile(r.last, 0.99):>10.0f}"
            f" {statistics.median(r.last) / base:>7.1f} {r.grown:>11.2f}"
            f" {floor:>9.0f} {statistics.median(r.last) / floor:>7.1f}"
        )


if __name__ == "__main__":
    main()
