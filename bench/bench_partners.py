"""Push → every partner's feeds showing the story, for N partner views (benchmark (a)).

Starts ``wire serve`` as its own process for each N (SQLite in a temporary folder,
a real TCP port), with N partners whose source entitlements all differ (partner
i reads the shared source ``agency`` and its own ``own-i``), so every partner is
its own view of every feed. After a preload and one poll of each partner's four
formats, each push goes to ``agency`` through the editor API, and every partner
polls its four formats (conditional GET, as a poller would) until each shows
the story; a partner's latency is the time until its last format does.

Then one push goes to ``own-0``, a source only partner 0 reads: the server CPU
that change costs should not grow with N (the views it does not reach keep
their bytes).

Figures are printed beside N = 1, measured in the same run.

    .venv/bin/python bench/bench_partners.py [--partners 1,10,100] [--pushes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from wire.tokens import hash_token

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, percentile, server_cpu, wait_ready, wire_server
from _harness import write_config as harness_config

EDITOR_KEY = "wire_ed_benchmark-key"
FORMATS = ("rss", "atom", "xml", "json")
CONCURRENCY = 64  # requests in flight from the pollers


def write_config(folder: Path, port: int, partners: int, size: int) -> Path:
    extra = [
        "[[editor_keys]]",
        'name = "bench"',
        'role = "admin"',
        f'hash = "{hash_token(EDITOR_KEY)}"',
    ]
    for i in range(partners):
        extra += [
            "[[sources]]",
            f'name = "own-{i}"',
            'kind = "push"',
            "[[partners]]",
            f'name = "partner-{i}"',
            f'sources = ["agency", "own-{i}"]',
            "[[partners.tokens]]",
            f'hash = "{hash_token(token(i))}"',
        ]
    return harness_config(folder, port, size, extra="\n".join(extra))


def token(i: int) -> str:
    return f"wire_pt_bench-partner-{i:05d}"


def story(n: int, marker: str, source: str = "agency") -> bytes:
    return json.dumps(
        {
            "headline": f"Bench story {n} {marker}",
            "language": "en",
            "body": [
                f"Paragraph one of story {n}, as the agency wrote it.",
                "Paragraph two, a little longer, with its attribution. " * 6,
                "Paragraph three closes the copy with a quote from a witness. " * 3,
            ],
            "byline": ["Bench Reporter"],
            "credit_line": "Bench Agency (BA)",
            "origin": {"source": source},
        }
    ).encode()


@dataclass
class Poller:
    """One partner's view of the four feed URLs, polled conditionally."""

    http: aiohttp.ClientSession
    base: str
    index: int
    limit: asyncio.Semaphore
    etags: dict[str, str]
    requests: int = 0

    async def get(self, fmt: str) -> bytes | None:
        self.requests += 1
        headers = {"Authorization": f"Bearer {token(self.index)}", "Accept-Encoding": "gzip"}
        if fmt in self.etags:
            headers["If-None-Match"] = self.etags[fmt]
        async with self.limit, self.http.get(f"{self.base}/feeds/all.{fmt}", headers=headers) as r:
            if r.status == 304:
                return None
            assert r.status == 200, r.status
            self.etags[fmt] = r.headers["ETag"]
            return await r.read()

    async def until(self, marker: bytes, started: float) -> float:
        """Seconds from ``started`` until every format holds ``marker``."""
        waiting = set(FORMATS)
        while waiting:
            for fmt in sorted(waiting):
                body = await self.get(fmt)
                if body is not None and marker in body:
                    waiting.discard(fmt)
            if waiting:
                await asyncio.sleep(0.01)
        return time.perf_counter() - started


@dataclass
class Result:
    partners: int
    latencies: list[float]  # seconds, one per partner per push
    cpu_shared: float  # server CPU seconds per push every partner sees
    cpu_one: float  # server CPU seconds of a push only partner 0 sees, beyond the polls
    requests: float  # polls per push, all partners together


async def push(http: aiohttp.ClientSession, base: str, body: bytes) -> None:
    auth = {"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/json"}
    async with http.post(f"{base}/api/v1/stories", data=body, headers=auth) as response:
        assert response.status == 201, await response.text()


async def measure(base: str, pid: int, partners: int, args: argparse.Namespace) -> Result:
    await wait_ready(base)
    limit = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as http:
        for n in range(args.preload):
            await push(http, base, story(n, "pre"))
        pollers = [Poller(http, base, i, limit, {}) for i in range(partners)]
        await asyncio.gather(*(p.get(fmt) for p in pollers for fmt in FORMATS))
        latencies: list[float] = []
        cpu = 0.0
        sent = sum(p.requests for p in pollers)
        for k in range(args.pushes):
            marker = f"m{partners}x{k:04d}"
            before = server_cpu(pid)
            started = time.perf_counter()
            await push(http, base, story(args.preload + k, marker))
            latencies += await asyncio.gather(*(p.until(marker.encode(), started) for p in pollers))
            cpu += server_cpu(pid) - before
        requests = (
            (sum(p.requests for p in pollers) - sent) / args.pushes
        )  # A change only partner 0 can see; then every partner polls once, as they would.
        marker = f"own{partners}"
        before = server_cpu(pid)
        started = time.perf_counter()
        await push(http, base, story(10**6, marker, source="own-0"))
        await pollers[0].until(marker.encode(), started)
        await asyncio.gather(*(p.get(fmt) for p in pollers[1:] for fmt in FORMATS))
        cpu_one = server_cpu(pid) - before
        # What those polls cost without a change, to leave the change's own cost.
        before = server_cpu(pid)
        await asyncio.gather(*(p.get(fmt) for p in pollers for fmt in FORMATS))
        cpu_one -= server_cpu(pid) - before
    return Result(partners, latencies, cpu / args.pushes, max(cpu_one, 0.0), requests)


def run(partners: int, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        config = write_config(folder, port, partners, args.preload)
        with wire_server(config) as server:
            return asyncio.run(measure(f"http://127.0.0.1:{port}", server.pid, partners, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", default="1,10,100", help="comma-separated N")
    parser.add_argument("--pushes", type=int, default=5, help="pushes timed per N")
    parser.add_argument("--preload", type=int, default=100, help="stories in the feed first")
    args = parser.parse_args()
    counts = [int(n) for n in args.partners.split(",")]
    if 1 not in counts:
        counts.insert(0, 1)
    results = [run(n, args) for n in counts]
    base = results[0]
    print(f"push -> every partner's 4 formats show the story ({args.preload}-story feed)")
    print(
        f"{'partners':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'× N=1 p99':>10}"
        f" {'CPU/push s':>11} {'CPU one-view push s':>20} {'polls/push':>11}"
    )
    for r in results:
        p99 = percentile(r.latencies, 0.99)
        print(
            f"{r.partners:>9} {statistics.median(r.latencies) * 1000:>8.0f}"
            f" {p99 * 1000:>8.0f} {max(r.latencies) * 1000:>8.0f}"
            f" {p99 / percentile(base.latencies, 0.99):>10.1f}"
            f" {r.cpu_shared:>11.2f} {r.cpu_one:>20.2f} {r.requests:>11.0f}"
        )
    print(f"(machine: {os.cpu_count()} cores; N = 1 is the baseline)")


if __name__ == "__main__":
    main()
