"""``wire export DIR``: the public site as files — the same bytes, types and
validators the server sends — rewritten only where they changed, a killed story's
pages removed, and served by a real nginx with the generated config as wire
serves them."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.browser import free_port
from tests.feed_server import NOW, ClientFactory, make_config, story
from tests.nginx import main_config, needs_nginx, running_nginx
from wire.export import ExportReport, export_site, file_of
from wire.model import Role
from wire.web.app import create_app
from wire.web.keys import PUBLISHER, WIRE

GUIDS = [f"urn:export:{i}" for i in range(5)]


@pytest.fixture
async def site(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    """A wire with five public stories in feeds of two stories a page (archive
    pages), served by aiohttp as the public reaches it."""
    config = make_config(tmp_path / "wire")
    config = replace(config, feeds=tuple(replace(f, size=2) for f in config.feeds))
    app = create_app(config, clock=lambda: NOW, start_jobs=False)
    client = await aiohttp_client(app)
    for i, guid in enumerate(GUIDS):
        await app[WIRE].save(story(guid, published_at=NOW - timedelta(hours=i + 1)))
    await app[WIRE].bus.drain()
    return client


async def _export(client: TestClient[Any, Any], out: Path) -> ExportReport:
    return await export_site(client.app[PUBLISHER], out)


async def test_every_file_is_the_bytes_the_server_sends_with_its_validators(
    site: TestClient[Any, Any], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    await _export(site, out)
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix != ".gz"]
    paths = {str(p.relative_to(out)) for p in files}
    assert {"feeds/all.rss", "feeds/all.atom", "feeds/all.xml", "feeds/all.json"} <= paths
    assert "feeds/agency.rss" not in paths  # a partner feed is never exported
    archives = [p for p in paths if p.startswith("feeds/archive/")]
    assert len(archives) == 2 * 4  # two more pages of two stories, each format
    for guid in GUIDS:
        assert f"stories/{guid}.html" in paths
    checked = 0
    for path in files:
        relative = str(path.relative_to(out))
        if relative == "nginx.conf" or relative == "index.html":
            continue
        if relative.startswith("feeds/archive/"):
            _, _, cursor, name = relative.split("/")
            url = f"/feeds/{name}?before={cursor}"
        else:
            url = "/" + relative
        served = await site.get(url)
        assert served.status == 200, url
        assert await served.read() == path.read_bytes(), url
        assert gzip.decompress((path.parent / (path.name + ".gz")).read_bytes()) == (
            path.read_bytes()
        )
        modified = parsedate_to_datetime(served.headers["Last-Modified"])
        assert path.stat().st_mtime == modified.timestamp(), url
        checked += 1
    assert checked == len(files) - 2


async def test_exporting_again_rewrites_nothing_unchanged(
    site: TestClient[Any, Any], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    first = await _export(site, out)
    assert first.written
    again = await _export(site, out)
    assert again.written == []
    assert again.removed == []
    assert again.unchanged == len(first.written)


async def test_a_killed_story_loses_its_pages_and_the_feed_says_so(
    site: TestClient[Any, Any], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    await _export(site, out)
    wire = site.app[WIRE]
    await wire.act("kill", GUIDS[0], "Legal", role=Role.ADMIN)
    await wire.bus.drain()
    report = await _export(site, out)
    assert f"stories/{GUIDS[0]}.html" in report.removed
    assert not (out / "stories" / f"{GUIDS[0]}.html").exists()
    assert "feeds/all.rss" in report.written
    assert b"Withdrawn: do not use" in (out / "feeds/all.rss").read_bytes()


def test_a_guid_that_would_climb_out_of_the_tree_has_no_file() -> None:
    assert file_of("/stories/..%2F..%2Fetc%2Fpasswd.html") is None
    assert str(file_of("/stories/urn%3Aa%3A1.html")) == "stories/urn:a:1.html"


@needs_nginx
async def test_nginx_serves_the_export_as_wire_serves_the_site(
    site: TestClient[Any, Any], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    await _export(site, out)
    port = free_port()
    generated = (out / "nginx.conf").read_text()
    main = main_config(tmp_path, generated.replace("listen 8080;", f"listen 127.0.0.1:{port};"))
    base = f"http://127.0.0.1:{port}"
    async with running_nginx(main, port), aiohttp.ClientSession(auto_decompress=False) as http:
        for url in (
            "/feeds/all.rss",
            "/feeds/all.atom",
            "/feeds/all.xml",
            "/feeds/all.json",
            "/stories/urn%3Aexport%3A1.html",
            "/stories/urn%3Aexport%3A1.xml",
            "/feeds/feed.xsl",
        ):
            wire = await site.get(url, headers={"Accept-Encoding": "identity"})
            async with http.get(base + url, headers={"Accept-Encoding": "identity"}) as got:
                assert got.status == 200, (url, await got.text())
                assert await got.read() == await wire.read(), url
                for header in ("Content-Type", "ETag", "Last-Modified"):
                    assert got.headers[header] == wire.headers[header], (url, header)
            etag, modified = wire.headers["ETag"], wire.headers["Last-Modified"]
            async with http.get(base + url, headers={"If-None-Match": etag}) as again:
                assert again.status == 304, url
            async with http.get(base + url, headers={"If-Modified-Since": modified}) as again:
                assert again.status == 304, url
        async with http.get(f"{base}/feeds/all.rss", headers={"Accept-Encoding": "gzip"}) as z:
            assert z.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(await z.read()) == (out / "feeds/all.rss").read_bytes()
        cursor = next((out / "feeds/archive").iterdir()).name
        plain = {"Accept-Encoding": "identity"}
        async with http.get(f"{base}/feeds/all.atom?before={cursor}", headers=plain) as page:
            wire = await site.get(f"/feeds/all.atom?before={cursor}")
            assert await page.read() == await wire.read()
        async with http.get(f"{base}/stories/urn%3Anone.html") as missing:
            assert missing.status == 404
        async with http.get(f"{base}/", headers=plain) as front:
            assert front.headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"urn%3Aexport%3A1.html" in await front.read()
