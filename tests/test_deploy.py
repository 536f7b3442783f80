"""The deployment files in use: ``docs/deploy/nginx.conf`` run by a real nginx in
front of a real wire (TLS, the client's address, the cache revalidating with
wire's validators), and the Dockerfile and systemd unit as an operator relies on
them. nginx tests skip where nginx or openssl is not installed."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from tests.browser import free_port
from tests.feed_server import fill_and_render, make_config
from tests.nginx import NGINX, main_config, running_nginx
from wire.web.app import create_app
from wire.web.keys import PUBLISHER, WIRE

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
OPENSSL = shutil.which("openssl")
needs_nginx = pytest.mark.skipif(
    not os.path.exists(NGINX) or OPENSSL is None, reason="needs nginx and openssl"
)


def _nginx_conf(tmp_path: Path, wire_port: int, http_port: int, https_port: int) -> Path:
    """The example with this machine's ports and paths, inside a minimal main config."""
    subprocess.run(
        [
            OPENSSL or "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=wire.example.org",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for example, here in (
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{wire_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/wire.example.org/fullchain.pem", str(tmp_path / "cert.pem")),
        ("/etc/letsencrypt/live/wire.example.org/privkey.pem", str(tmp_path / "key.pem")),
        ("/var/cache/nginx/wire", str(tmp_path / "cache")),
    ):
        assert example in site, example
        site = site.replace(example, here)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    return main_config(tmp_path, f"include {tmp_path}/site.conf;")


@pytest.fixture
async def behind_nginx(tmp_path: Path) -> AsyncIterator[str]:
    wire_port, http_port, https_port = free_port(), free_port(), free_port()
    config = make_config(
        tmp_path,
        base_url="https://wire.example.org",
        host="127.0.0.1",
        port=wire_port,
        trusted_proxies=["127.0.0.1"],
        rate_limit_per_minute=3,
    )
    # Feeds fresh for a second, so the cache revalidates within the test.
    config = replace(config, feeds=tuple(replace(f, refresh_interval=1) for f in config.feeds))
    app = create_app(config, start_jobs=False)
    server = TestServer(app, host="127.0.0.1", port=wire_port)
    await server.start_server()
    await fill_and_render(app[WIRE], app[PUBLISHER], config)
    conf = _nginx_conf(tmp_path, wire_port, http_port, https_port)
    try:
        async with running_nginx(conf, https_port):
            yield f"https://127.0.0.1:{https_port}"
    finally:
        await server.close()


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


@needs_nginx
async def test_nginx_serves_wire_over_tls_and_caches_public_feeds(behind_nginx: str) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls())) as http:
        async with http.get(f"{behind_nginx}/feeds/all.rss") as first:
            assert first.status == 200
            assert first.headers["X-Cache"] == "MISS", first.headers
            assert "max-age=31536000" in first.headers["Strict-Transport-Security"]
            body = await first.read()
        async with http.get(f"{behind_nginx}/feeds/all.rss") as second:
            assert second.headers["X-Cache"] == "HIT"
            assert await second.read() == body
            assert second.headers["ETag"] == first.headers["ETag"]
        await asyncio.sleep(2.5)  # past max-age (whole seconds): nginx asks wire again
        async with http.get(f"{behind_nginx}/feeds/all.rss") as third:
            assert third.headers["X-Cache"] == "REVALIDATED", dict(third.headers)  # wire: 304
            assert await third.read() == body


@needs_nginx
async def test_partner_requests_are_never_cached(behind_nginx: str) -> None:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls())) as http:
        for _ in range(2):
            headers = {"Authorization": "Bearer nobody"}
            async with http.get(f"{behind_nginx}/feeds/agency.rss", headers=headers) as answer:
                assert answer.status == 401
                assert answer.headers["X-Cache"] == "BYPASS"


@needs_nginx
async def test_a_client_cannot_name_itself_through_nginx(behind_nginx: str) -> None:
    """nginx writes the address it sees; what the client claims is dropped, so
    made-up addresses share the client's one allowance."""
    statuses = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls())) as http:
        for i in range(5):
            claim = {"X-Forwarded-For": f"203.0.113.{i}"}
            async with http.get(f"{behind_nginx}/feeds/all.rss?n={i}", headers=claim) as answer:
                statuses.append(answer.status)
    assert statuses == [200, 200, 200, 429, 429]


def test_the_image_runs_as_an_unprivileged_user_with_a_health_check() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    final = lines[stages[-1] :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK") and "/readyz" in " ".join(final) for line in final)
    assert not any("tests" in line for line in final if line.startswith("COPY"))


def test_the_systemd_unit_reloads_with_sighup_and_stops_with_sigterm() -> None:
    unit = (DEPLOY / "wire.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "KillSignal=SIGTERM" in unit
    assert "User=wire" in unit


def test_the_image_build_stage_makes_a_wheel_from_what_it_copies(tmp_path: Path) -> None:
    """The build stage's COPY lines bring everything the wheel needs (a file left
    out of them would only show when the image is built)."""
    import sys

    lines = (ROOT / "Dockerfile").read_text().splitlines()
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    build_stage = lines[stages[0] : stages[1]]
    context = tmp_path / "context"
    context.mkdir()
    for line in build_stage:
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(
                        origin, context / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(origin, context / source)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",  # the build backend itself from the registry, as the image gets it
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(context),
        ],
        capture_output=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr.decode()
    [wheel] = (tmp_path / "dist").glob("wire-*.whl")
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "wire/schemas/openapi.yaml",
        "wire/publish/static/feed.xsl",
        "wire/web/templates/api_reference.html",
        "wire/web/desk/templates/base.html",
    ):
        assert needed in names, needed


def test_everything_the_image_writes_is_in_its_volume(tmp_path: Path) -> None:
    """The image's config, as its build edits it and its environment overrides
    it, puts the store and every drop folder under ``/var/lib/wire`` (the volume,
    the only place its user may write)."""
    import re

    from wire.config import load_config

    lines = (ROOT / "Dockerfile").read_text().splitlines()
    env: dict[str, str] = {}
    for line in lines:
        for name, value in re.findall(r"(WIRE_[A-Z_]+)=(\S+)", line):
            env[name] = value
    [edit] = [line for line in lines if line.startswith("RUN sed -i")]
    pattern, replacement = re.search(r"s\|(.+?)\|(.+?)\|", edit).groups()  # type: ignore[union-attr]
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    edited = re.sub(pattern.replace("^", "(?m)^"), replacement, text)
    config_file = tmp_path / "wire.toml"
    config_file.write_text(edited, encoding="utf-8")
    env.pop("WIRE_CONFIG", None)
    config = load_config(config_file, env=env)
    assert config.server.data_dir == Path("/var/lib/wire")
    assert config.server.host == "0.0.0.0"
    locations = [s.location for s in config.sources if s.location]
    assert locations
    assert all(str(location).startswith("/var/lib/wire/") for location in locations)
