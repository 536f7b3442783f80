"""A thousand keep-alive pollers while the desk pushes a story a second (benchmark (b)).

Starts ``wire serve`` (SQLite in a temporary folder) with a 100-story feed, then
loads ``/feeds/all.atom`` with wrk: 1,000 keep-alive connections polling with
``If-None-Match`` (a Lua script keeps the last ETag seen, as a poller would) and
``Accept-Encoding: gzip``. The same load runs twice: without pushes (the
baseline), and while one story a second is pushed through the editor API. Prints
requests/second and wrk's latency percentiles for both, and their ratio.

    .venv/bin/python bench/bench_pollers.py [--seconds 10] [--connections 1000]

Needs ``wrk`` on PATH (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port, server_cpu, wait_ready, wire_server
from bench_push import EDITOR_KEY, story_json, write_config
from bench_serve import pinned

POLLER_SCRIPT = """
local etag = nil
request = function()
  local headers = {["Accept-Encoding"] = "gzip"}
  if etag then headers["If-None-Match"] = etag end
  return wrk.format("GET", nil, headers)
end
response = function(status, headers, body)
  if status == 200 then etag = headers["ETag"] end
end
"""


async def push(base: str, n: int) -> None:
    auth = {"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/api/v1/stories", data=story_json(n, "pushed"), headers=auth) as response,
    ):
        assert response.status == 201, await response.text()


def pushing(base: str, stop: threading.Event, start: int) -> threading.Thread:
    """One push a second until ``stop``, from a thread of its own."""

    def run() -> None:
        n = start
        while not stop.is_set():
            began = time.monotonic()
            asyncio.run(push(base, n))
            n += 1
            stop.wait(max(0.0, 1.0 - (time.monotonic() - began)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wrk(url: str, seconds: int, connections: int, script: Path) -> tuple[float, dict[str, float]]:
    cmd = [*pinned(1, workers=1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    out = subprocess.run(
        [*cmd, "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    percentiles = {
        q: _ms(value, unit)
        for q, value, unit in re.findall(r"\s+(50|90|99)%\s+([\d.]+)(us|ms|s)", out)
    }
    return rps, percentiles


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--preload", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        config = write_config(folder, port, args.preload)
        script = folder / "poller.lua"
        script.write_text(POLLER_SCRIPT, encoding="utf-8")
        base = f"http://127.0.0.1:{port}"
        with wire_server(config, prefix=pinned(0, workers=1)) as server:
            asyncio.run(wait_ready(base))
            for n in range(args.preload):
                asyncio.run(push(base, n))
            url = f"{base}/feeds/all.atom"
            before = server_cpu(server.pid)
            quiet = wrk(url, args.seconds, args.connections, script)
            quiet_cpu = (server_cpu(server.pid) - before) / args.seconds
            stop = threading.Event()
            thread = pushing(base, stop, args.preload)
            before = server_cpu(server.pid)
            busy = wrk(url, args.seconds, args.connections, script)
            busy_cpu = (server_cpu(server.pid) - before) / args.seconds
            stop.set()
            thread.join()
    print(f"{args.connections} keep-alive pollers, {args.preload}-story Atom feed, gzip, ETags")
    for name, (rps, pct), cpu in (
        ("no pushes", quiet, quiet_cpu),
        ("a push a second", busy, busy_cpu),
    ):
        spread = "  ".join(f"p{q} {pct[q]:.1f} ms" for q in ("50", "90", "99") if q in pct)
        print(f"  {name:<16} {rps:>10,.0f} req/s   {spread}   server CPU {cpu:.0%}")
    print(f"  with pushes / without: {busy[0] / quiet[0]:.2f} of the request rate")


if __name__ == "__main__":
    main()
