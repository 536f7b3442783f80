"""Queue throughput: one consumer takes a feed's items in pages and acknowledges
them (``/api/v1/feeds/all/queue`` then ``…/queue/ack``), against the cursor
reading the same items (``/api/v1/feeds/all/items``), the baseline, in the same
run on the same server.

``wire serve`` runs as its own process (SQLite in a temporary folder), preloaded
with N stories through the editor API. Prints items a second for both and their
ratio.

    .venv/bin/python bench/bench_queue.py [--stories 2000] [--page 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from wire.tokens import hash_token

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, wait_ready, wire_server
from _harness import write_config as harness_config

EDITOR_KEY = "wire_ed_benchmark-key"
PARTNER_TOKEN = "wire_pt_benchmark-partner"


def write_config(folder: Path, port: int) -> Path:
    return harness_config(
        folder,
        port,
        50,
        extra=f"""
[[editor_keys]]
name = "bench"
role = "admin"
hash = "{hash_token(EDITOR_KEY)}"

[[partners]]
name = "reader"
[[partners.tokens]]
hash = "{hash_token(PARTNER_TOKEN)}"
""",
    )


async def preload(http: aiohttp.ClientSession, site: str, count: int) -> None:
    editor = {"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/json"}
    for n in range(count):
        doc = {
            "headline": f"Queue bench {n}",
            "body": [f"Story {n} " + " ".join(f"w{n}x{k}" for k in range(30))],
            "origin": {"source": "agency"},
        }
        async with http.post(f"{site}/api/v1/stories", data=json.dumps(doc), headers=editor) as r:
            assert r.status == 201, await r.text()


async def drain_cursor(http: aiohttp.ClientSession, site: str, page: int) -> int:
    token = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    count, after = 0, None
    while True:
        query = f"?limit={page}" + (f"&after={after}" if after else "")
        async with http.get(f"{site}/api/v1/feeds/all/items{query}", headers=token) as r:
            body = await r.json()
        count += len(body["items"])
        after = body["next"]
        if not body["more"]:
            return count


async def drain_queue(http: aiohttp.ClientSession, site: str, page: int) -> int:
    token = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    count = 0
    while True:
        async with http.get(
            f"{site}/api/v1/feeds/all/queue?consumer=bench&limit={page}", headers=token
        ) as r:
            items = (await r.json())["items"]
        if not items:
            return count
        receipts = [i["receipt"] for i in items]
        async with http.post(
            f"{site}/api/v1/feeds/all/queue/ack", json={"receipts": receipts}, headers=token
        ) as r:
            assert (await r.json())["acknowledged"] == len(items)
        count += len(items)


async def run(stories: int, page: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = write_config(Path(tmp), port)
        with wire_server(config):
            site = f"http://127.0.0.1:{port}"
            await wait_ready(site)
            async with aiohttp.ClientSession() as http:
                await preload(http, site, stories)
                started = time.perf_counter()
                read = await drain_cursor(http, site, page)
                cursor = read / (time.perf_counter() - started)
                started = time.perf_counter()
                taken = await drain_queue(http, site, page)
                queue = taken / (time.perf_counter() - started)
    print(f"{stories} stories, pages of {page}: items a second")
    print(f"  cursor (baseline)      {cursor:10.0f}")
    print(f"  queue, take and ack    {queue:10.0f}")
    print(f"  ratio queue/cursor     {queue / cursor:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.stories, args.page))


if __name__ == "__main__":
    main()
