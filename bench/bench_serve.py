"""Serving a cached 100-story feed: wire against nginx serving the same bytes.

One wire process and one nginx worker, each loaded in turn by wrk (one thread)
on loopback at 16 and at 1,000 keep-alive connections, for identity 200s, 304s
and gzip 200s (nginx serves a precompressed copy with ``gzip_static``, as wire
serves its own), with a partner token on wire. A bare aiohttp application
serving the same bytes (``aiohttp_floor.py``) runs too: what wire would cost
without its cached-feed shortcut. ``--workers N`` runs wire with N processes
(``wire serve --workers``) against nginx with N worker processes, none pinned;
otherwise, with two or more CPUs, the servers share CPU 0 (one runs at a time)
and wrk gets CPU 1, so no server competes with the load generator. Each figure
is the median of ``--rounds`` interleaved runs. Prints requests/second, p99
latency and the ratios measured in this run.

    .venv/bin/python bench/bench_serve.py [--seconds 5] [--rounds 3] [--stories 100]
        [--connections 16 1000] [--workers 1]

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


def pinned(cpu: int, workers: int) -> list[str]:
    """``taskset -c CPU`` where there are CPUs to spare, so server and load generator
    never compete for one; nothing on a single CPU, nor with several server workers."""
    if workers > 1 or len(os.sched_getaffinity(0)) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(cpu)]


SERVER_CPU, LOAD_CPU = 0, 1


def wrk(
    url: str, seconds: int, headers: dict[str, str], connections: int, workers: int
) -> tuple[float, float]:
    """(requests/second, p99 latency in ms) of one wrk run."""
    note(f"wrk -c{connections} {url} {sorted(headers)}")
    cmd = [
        *pinned(LOAD_CPU, workers),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
    ]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} error responses from {url}")
    if errors and int(errors.group(1)) + int(errors.group(2)) + int(errors.group(3)):
        raise SystemExit(f"wrk saw socket errors from {url}: {errors.group(0)}")
    assert match, out
    assert p99, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(match.group(1)), float(p99.group(1)) * scale


def start_nginx(
    folder: Path, body: bytes, gzipped: bytes, port: int, workers: int
) -> subprocess.Popen[bytes]:
    root = folder / "www"
    root.mkdir()
    (root / "all.rss").write_bytes(body)
    (root / "all.rss.gz").write_bytes(gzipped)  # served by gzip_static, as wire serves its own
    # nginx's worker runs as nobody
    for path in (folder, root, root / "all.rss", root / "all.rss.gz"):
        path.chmod(0o755)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
worker_processes {workers};
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
worker_rlimit_nofile 8192;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types {{ application/rss+xml rss; }}
  server {{
    listen 127.0.0.1:{port} backlog=2048;
    root {root};
    etag on;
    gzip_static on;
  }}
}}
""",
        encoding="utf-8",
    )
    return subprocess.Popen(
        [*pinned(SERVER_CPU, workers), "nginx", "-c", str(conf)], stderr=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stories", type=int, default=100)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 1000])
    parser.add_argument("--workers", type=int, default=1, help="wire workers and nginx workers")
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
            [
                *pinned(SERVER_CPU, args.workers),
                sys.executable,
                "-m",
                "wire",
                "serve",
                "--config",
                str(config),
                "--workers",
                str(args.workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        auth = {"Authorization": f"Bearer {TOKEN}"}
        gzip = {"Accept-Encoding": "gzip"}
        wire_url = f"http://127.0.0.1:{wire_port}/feeds/all.rss"
        nginx: subprocess.Popen[bytes] | None = None
        floor: subprocess.Popen[bytes] | None = None
        try:
            body, headers = wait_for(wire_url, auth)
            gzipped, _ = wait_for(wire_url, {**auth, **gzip})
            nginx = start_nginx(folder, body, gzipped, nginx_port, args.workers)
            nginx_url = f"http://127.0.0.1:{nginx_port}/all.rss"
            _, nginx_headers = wait_for(nginx_url)
            floor_port = free_port()
            floor = subprocess.Popen(
                [
                    *pinned(SERVER_CPU, args.workers),
                    sys.executable,
                    str(Path(__file__).with_name("aiohttp_floor.py")),
                    str(folder / "www" / "all.rss"),
                    str(floor_port),
                ],
                stderr=subprocess.DEVNULL,
            )
            floor_url = f"http://127.0.0.1:{floor_port}/all.rss"
            _, floor_headers = wait_for(floor_url)
            variants = {
                "200": ({}, {}, {}),
                "304": (
                    {"If-None-Match": headers["ETag"]},
                    {"If-None-Match": nginx_headers["ETag"]},
                    {"If-None-Match": floor_headers["ETag"]},
                ),
                "gzip 200": (gzip, gzip, None),
            }
            runs: dict[tuple[int, str, str], tuple[str, dict[str, str]]] = {}
            for connections in args.connections:
                for variant, (on_wire, on_nginx, on_floor) in variants.items():
                    runs[connections, variant, "wire"] = (wire_url, {**auth, **on_wire})
                    runs[connections, variant, "nginx"] = (nginx_url, on_nginx)
                    if on_floor is not None:
                        runs[connections, variant, "aiohttp app"] = (floor_url, on_floor)
            figures: dict[tuple[int, str, str], list[tuple[float, float]]] = {k: [] for k in runs}
            for _ in range(args.rounds):
                for key, (url, request_headers) in runs.items():
                    figures[key].append(
                        wrk(url, args.seconds, request_headers, key[0], args.workers)
                    )
        finally:
            for proc in (server, nginx, floor):
                if proc is not None:
                    proc.terminate()
                    proc.wait(10)
    print(
        f"feed: {args.stories} stories, {len(body):,} bytes ({len(gzipped):,} gzipped); "
        f"wrk -t1 -d{args.seconds}s; median of {args.rounds} rounds"
        f"{'; pinned' if pinned(0, args.workers) else ''}; wire with a partner token; "
        f"{args.workers} worker process(es) each for wire and nginx"
    )
    results = {
        key: (
            statistics.median(rps for rps, _ in values),
            statistics.median(p99 for _, p99 in values),
        )
        for key, values in figures.items()
    }
    for (connections, variant, server_name), (rps, p99) in results.items():
        spread = ", ".join(f"{rps:,.0f}" for rps, _ in figures[connections, variant, server_name])
        print(
            f"  c={connections:<5} {variant:<9} {server_name:<12} {rps:>10,.0f} req/s  "
            f"p99 {p99:>7.2f} ms   ({spread})"
        )
    for connections in args.connections:
        for variant in variants:
            wire_rps = results[connections, variant, "wire"][0]
            nginx_rps = results[connections, variant, "nginx"][0]
            line = f"  c={connections:<5} {variant:<9} wire/nginx {wire_rps / nginx_rps:.2f}"
            app = results.get((connections, variant, "aiohttp app"))
            if app is not None:
                line += f"   aiohttp app/nginx {app[0] / nginx_rps:.2f}"
            print(line)


if __name__ == "__main__":
    main()
