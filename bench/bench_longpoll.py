"""Long-poll wake-up: 1,000 partners hold ``/api/v1/feeds/all/items?wait=30``;
one story is pushed; how long until each partner has it.

``wire serve`` runs as its own process (SQLite in a temporary folder, a real TCP
port), configured with N partners of their own tokens. Each round every partner
takes the position ``after=now`` and holds a long poll; once all are held, one
story is pushed through the editor API and each partner's answer is timed from
the push. The baseline, in the same run: a bare aiohttp application holding the
same number of requests on one ``asyncio.Event`` and releasing them at once —
the floor of waking that many held HTTP requests on this machine.

    .venv/bin/python bench/bench_longpoll.py [--partners 1000] [--rounds 5]
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
from aiohttp import web

from wire.tokens import hash_token

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, percentile, wait_ready, wire_server
from _harness import write_config as harness_config

EDITOR_KEY = "wire_ed_benchmark-key"


def token(n: int) -> str:
    return f"wire_pt_bench-partner-{n}"


def write_config(folder: Path, port: int, partners: int) -> Path:
    extra = [
        f'[[editor_keys]]\nname = "bench"\nrole = "admin"\nhash = "{hash_token(EDITOR_KEY)}"\n'
    ]
    for n in range(partners):
        extra.append(
            f'[[partners]]\nname = "p{n}"\nfeeds = ["all"]\n'
            f'[[partners.tokens]]\nhash = "{hash_token(token(n))}"\n'
        )
    return harness_config(folder, port, 50, extra="\n".join(extra))


async def held_round(
    http: aiohttp.ClientSession, urls: list[str], headers: list[dict[str, str]], fire: object
) -> list[float]:
    """Hold every request, fire, and time each answer from the firing (ms)."""
    fired: list[float] = []
    arrived: list[float] = []

    async def hold(url: str, head: dict[str, str]) -> None:
        async with http.get(url, headers=head) as answer:
            await answer.read()
            arrived.append(time.perf_counter())

    tasks = [asyncio.create_task(hold(u, h)) for u, h in zip(urls, headers, strict=True)]
    await asyncio.sleep(1.5)  # every request reached the server and is held
    fired.append(time.perf_counter())
    await fire()  # type: ignore[operator]
    await asyncio.gather(*tasks)
    return [(t - fired[0]) * 1000 for t in arrived]


async def floor_server(count: int) -> tuple[web.AppRunner, int]:
    event = asyncio.Event()

    async def wait(request: web.Request) -> web.Response:
        await event.wait()
        return web.json_response({"items": [], "next": "x", "more": False})

    async def fire(request: web.Request) -> web.Response:
        event.set()
        return web.Response(text="ok")

    async def reset(request: web.Request) -> web.Response:
        event.clear()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/wait", wait)
    app.router.add_post("/fire", fire)
    app.router.add_post("/reset", reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=count + 64).start()
    return runner, port


async def run(partners: int, rounds: int) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        runner, floor_port = await floor_server(partners)
        floor: list[float] = []
        base = f"http://127.0.0.1:{floor_port}"
        for _ in range(rounds):
            await http.post(f"{base}/reset")

            async def fire_floor() -> None:
                async with http.post(f"{base}/fire") as done:
                    await done.read()

            floor += await held_round(
                http, [f"{base}/wait"] * partners, [{}] * partners, fire_floor
            )
        await runner.cleanup()

        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            config = write_config(Path(tmp), port, partners)
            with wire_server(config):
                site = f"http://127.0.0.1:{port}"
                await wait_ready(site)
                heads = [{"Authorization": f"Bearer {token(n)}"} for n in range(partners)]
                editor = {"Authorization": f"Bearer {EDITOR_KEY}"}
                woken: list[float] = []
                for r in range(rounds):
                    async with http.get(f"{site}/api/v1/feeds/all/items?after=now") as now:
                        cursor = (await now.json())["next"]
                    url = f"{site}/api/v1/feeds/all/items?after={cursor}&wait=30"
                    story: dict[str, object] = {
                        "headline": f"Long poll {r}",
                        "body": ["One paragraph."],
                        "origin": {"source": "agency"},
                    }

                    async def push(doc: dict[str, object] = story) -> None:
                        async with http.post(
                            f"{site}/api/v1/stories",
                            data=json.dumps(doc),
                            headers={**editor, "Content-Type": "application/json"},
                        ) as pushed:
                            assert pushed.status == 201, await pushed.text()

                    woken += await held_round(http, [url] * partners, heads, push)
    p = {
        name: (percentile(v, 0.5), percentile(v, 0.99))
        for name, v in (("wire", woken), ("floor", floor))
    }
    print(f"{partners} held long polls, {rounds} rounds: time from the push to each answer")
    print(f"  wire              p50 {p['wire'][0]:8.1f} ms   p99 {p['wire'][1]:8.1f} ms")
    print(f"  bare aiohttp      p50 {p['floor'][0]:8.1f} ms   p99 {p['floor'][1]:8.1f} ms")
    print(
        f"  ratio wire/bare   p50 {p['wire'][0] / p['floor'][0]:8.1f}      "
        f"p99 {p['wire'][1] / p['floor'][1]:8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.partners, args.rounds))


if __name__ == "__main__":
    main()
