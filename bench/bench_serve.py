"""Serving a cached 100-story feed: wire against nginx serving the same bytes.

One wire process and one nginx worker, each loaded in turn by wrk (one thread,
16 connections) on loopback, for 200s and for 304s, with a partner token on
wire. A bare aiohttp application serving the same bytes (``aiohttp_floor.py``)
runs too: what wire would cost without its cached-feed shortcut. With two or
more CPUs the servers share CPU 0 (one runs at a time) and wrk gets CPU 1, so no
server competes with the load generator. Each figure is the median of
``--rounds`` interleaved runs. Prints requests/second and the ratios measured in
this run.

    .venv/bin/python bench/bench_serve.py [--seconds 5] [--rounds 3] [--stories 100]

Needs `nginx` and `wrk` on PATH (Debian: apt-get install nginx-light wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wire.config import load_config
from wire.model import Origin, Story
from wire.service import Wire
from wire.store import open_store
from wire.tokens import hash_token

sys.path.insert(0, str(Path(__file__).parent))
from _harness import free_port
from _harness import write_config as harness_config

TOKEN = "wire_pt_benchmark-token"


def write_config(folder: Path, port: int, stories: int) -> Path:
    return harness_config(
        folder,
        port,
        stories,
        extra=f"""
[[partners]]
name = "daily"
[[partners.tokens]]
hash = "{hash_token(TOKEN)}"
""",
    )


async def fill(config_path: Path, count: int) -> None:
    config = load_config(config_path)
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(config.server.database_url)
    await store.open()
    wire = Wire(config, store)
    now = datetime.now(UTC)
    for i in range(count):
        at = now - timedelta(minutes=i)
        await wire.save(
            Story(
                guid=f"urn:bench:{i}",
                headline=f"Story number {i} about something newsworthy",
                body=tuple(f"Paragraph {j} of story {i}, with some words." for j in range(6)),
                byline=("Bench Reporter",),
                credit_line="Bench Agency (BA)",
                published_at=at,
                version_created=at,
                origin=Origin(source="agency"),
            )
        )
    await store.close()


def wait_for(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.read(), dict(resp.headers)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pinned(cpu: int) -> list[str]:
    """``taskset -c CPU`` where there are CPUs to spare, so server and load generator
    never compete for one; nothing on a single CPU."""
    if len(os.sched_getaffinity(0)) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(cpu)]


SERVER_CPU, LOAD_CPU = 0, 1


def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    note(f"wrk {url} {sorted(headers)}")
    cmd = [*pinned(LOAD_CPU), "wrk", "-t1", "-c16", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} error responses from {url}")
    assert match, out
    return float(match.group(1))


def start_nginx(folder: Path, body: bytes, port: int) -> subprocess.Popen[bytes]:
    root = folder / "www"
    root.mkdir()
    (root / "all.rss").write_bytes(body)
    for path in (folder, root, root / "all.rss"):  # nginx's worker runs as nobody
        path.chmod(0o755)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types {{ application/rss+xml rss; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    etag on;
  }}
}}
""",
        encoding="utf-8",
    )
    return subprocess.Popen(
        [*pinned(SERVER_CPU), "nginx", "-c", str(conf)], stderr=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stories", type=int, default=100)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install nginx-light wrk)")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wire_port, nginx_port = free_port(), free_port()
        config = write_config(folder, wire_port, args.stories)
        note(f"storing {args.stories} stories")
        asyncio.run(fill(config, args.stories))
        note("starting wire and nginx")
        server = subprocess.Popen(
            [*pinned(SERVER_CPU), sys.executable, "-m", "wire", "serve", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        auth = {"Authorization": f"Bearer {TOKEN}"}
        wire_url = f"http://127.0.0.1:{wire_port}/feeds/all.rss"
        nginx: subprocess.Popen[bytes] | None = None
        floor: subprocess.Popen[bytes] | None = None
        try:
            body, headers = wait_for(wire_url, auth)
            nginx = start_nginx(folder, body, nginx_port)
            nginx_url = f"http://127.0.0.1:{nginx_port}/all.rss"
            _, nginx_headers = wait_for(nginx_url)
            floor_port = free_port()
            floor = subprocess.Popen(
                [
                    *pinned(SERVER_CPU),
                    sys.executable,
                    str(Path(__file__).with_name("aiohttp_floor.py")),
                    str(folder / "www" / "all.rss"),
                    str(floor_port),
                ],
                stderr=subprocess.DEVNULL,
            )
            floor_url = f"http://127.0.0.1:{floor_port}/all.rss"
            _, floor_headers = wait_for(floor_url)
            runs = {
                "aiohttp app 200": (floor_url, {}),
                "aiohttp app 304": (floor_url, {"If-None-Match": floor_headers["ETag"]}),
                "wire 200 (partner token)": (wire_url, auth),
                "nginx 200": (nginx_url, {}),
                "wire 304 (partner token)": (wire_url, {**auth, "If-None-Match": headers["ETag"]}),
                "nginx 304": (nginx_url, {"If-None-Match": nginx_headers["ETag"]}),
            }
            figures: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, (url, request_headers) in runs.items():
                    figures[name].append(wrk(url, args.seconds, request_headers))
            results = {name: statistics.median(values) for name, values in figures.items()}
        finally:
            for proc in (server, nginx, floor):
                if proc is not None:
                    proc.terminate()
                    proc.wait(10)
    print(
        f"feed: {args.stories} stories, {len(body):,} bytes; wrk -t1 -c16 -d{args.seconds}s; "
        f"median of {args.rounds} rounds{'; pinned' if pinned(0) else ''}"
    )
    for name, rps in results.items():
        spread = ", ".join(f"{v:,.0f}" for v in figures[name])
        print(f"  {name:<26} {rps:>10,.0f} req/s   ({spread})")
    for status in ("200", "304"):
        wire_rps = results[f"wire {status} (partner token)"]
        nginx_rps = results[f"nginx {status}"]
        app_rps = results[f"aiohttp app {status}"]
        print(
            f"  {status}: wire/nginx {wire_rps / nginx_rps:.2f}   "
            f"aiohttp app/nginx {app_rps / nginx_rps:.2f}   "
            f"wire/aiohttp app {wire_rps / app_rps:.2f}"
        )


if __name__ == "__main__":
    main()
