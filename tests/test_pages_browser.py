"""The public pages in a real browser (Debian's Chromium through Playwright), on a
phone-sized screen: what a reader sees, laid out, with its direction and links.

The server is a real wire on a real port; the stories go in through ``Wire.save``
as any push does. Skipped where Chromium or Playwright is not installed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.feed_server import NOW, make_config, story
from wire.formats import STORY_FORMATS, Format
from wire.model import InfoSource, Picture, Provider, SourceRole
from wire.web.app import create_app
from wire.web.keys import WIRE

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it)",
)
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="needs Playwright (the test extra installs it)"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675">'
    '<rect width="1200" height="675" fill="#4a7ab0"/></svg>'
)
ENGLISH = "urn:t:en"
ARABIC = "urn:t:ar"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    """A wire listening on 127.0.0.1 whose ``base_url`` is its own address, with
    an English story (sources, pictures) and an Arabic one."""
    pictures = web.Application()  # the agency's picture server: wire links, never copies

    async def picture(request: web.Request) -> web.Response:
        return web.Response(text=PICTURE, content_type="image/svg+xml")

    pictures.router.add_get("/harbour.svg", picture)
    picture_server = TestServer(pictures, host="127.0.0.1")
    await picture_server.start_server()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(tmp_path, base_url=base)
    app = create_app(config, clock=lambda: NOW, start_jobs=False)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    wire = app[WIRE]
    await wire.save(
        replace(
            story(ENGLISH),
            headline="Harbour reopens after the storm, port authority says",
            body=(
                "The harbour reopened on Saturday after three days of closure.",
                "Ferries to the islands resume their timetable on Sunday.",
            ),
            byline=("Jane Doe", "Ahmad Rahimi"),
            sources=(
                InfoSource("Al Jazeera", SourceRole.REPORTED_BY.value),
                InfoSource("Reuters", SourceRole.ACCORDING_TO.value),
            ),
            pictures=(
                Picture(
                    caption="The harbour entrance on Saturday.",
                    credit="Kees Vos / Agency",
                    url=str(picture_server.make_url("/harbour.svg")),
                ),
            ),
            language="en",
            provider=Provider("Harbour Wire", "HW"),
            credit_line="Harbour Wire (HW)",
        )
    )
    await wire.save(
        replace(
            story(ARABIC, published_at=NOW - timedelta(hours=2)),
            headline="إعادة فتح الميناء بعد العاصفة",
            body=("أعيد فتح الميناء يوم السبت بعد إغلاق دام ثلاثة أيام.",),
            language="ar",
            provider=Provider("Harbour Wire", "HW"),
        )
    )
    await wire.bus.drain()
    try:
        yield base
    finally:
        await server.close()
        await picture_server.close()


@pytest.fixture
async def page(site: str) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE)
            yield await context.new_page()
        finally:
            await browser.close()


def _story_url(base: str, guid: str, ext: str = "html") -> str:
    return f"{base}/stories/{quote(guid, safe='')}.{ext}"


async def _fits_the_phone(page: Any) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


async def test_arabic_story_reads_right_to_left(site: str, page: Any) -> None:
    response = await page.goto(_story_url(site, ARABIC))
    assert response.status == 200
    direction = await page.evaluate("getComputedStyle(document.querySelector('article')).direction")
    assert direction == "rtl"
    assert await page.evaluate("getComputedStyle(document.body).textAlign") in {"start", "right"}
    await _fits_the_phone(page)
    await page.screenshot(path="/tmp/pages-story-ar.png", full_page=True)


async def test_english_story_shows_its_attribution_in_words(site: str, page: Any) -> None:
    response = await page.goto(_story_url(site, ENGLISH))
    assert response.status == 200
    text = await page.inner_text("body")
    assert "Credit: Harbour Wire (HW)" in text
    assert "As reported by Al Jazeera; according to Reuters." in text
    assert "Credit: Kees Vos / Agency" in await page.inner_text("figure figcaption")
    assert "(reported-by)" not in text
    assert "usable" not in text
    loaded = await page.eval_on_selector("figure img", "img => img.complete && img.naturalWidth")
    assert loaded == 1200
    await _fits_the_phone(page)
    await page.screenshot(path="/tmp/pages-story-en.png", full_page=True)


async def test_story_page_shows_its_time(site: str, page: Any) -> None:
    await page.goto(_story_url(site, ENGLISH))
    stamp = await page.get_attribute("article time", "datetime")
    assert stamp == (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await page.inner_text("article time")).endswith("UTC")


async def test_story_page_links_to_every_format_and_each_answers(site: str, page: Any) -> None:
    await page.goto(_story_url(site, ENGLISH))
    hrefs = await page.eval_on_selector_all("nav.wire-formats a", "els => els.map(e => e.href)")
    assert hrefs == [_story_url(site, ENGLISH, f.extension) for f in STORY_FORMATS]
    canonical = await page.get_attribute("link[rel=canonical]", "href")
    assert canonical == _story_url(site, ENGLISH)
    for href in hrefs:
        answer = await page.request.get(href)
        assert answer.status == 200, href


async def test_front_page_lists_the_stories_and_the_feeds(site: str, page: Any) -> None:
    response = await page.goto(site + "/")
    assert response.status == 200
    links = await page.eval_on_selector_all(
        "ol.stories a", "els => els.map(e => [e.textContent, e.href])"
    )
    assert links == [
        ["Harbour reopens after the storm, port authority says", _story_url(site, ENGLISH)],
        ["إعادة فتح الميناء بعد العاصفة", _story_url(site, ARABIC)],
    ]
    assert await page.locator("ol.stories time").count() == 2
    assert "Harbour Wire" in await page.inner_text("ol.stories li")
    discovered = await page.eval_on_selector_all(
        "link[rel=alternate]", "els => els.map(e => [e.type, e.title, e.href])"
    )
    assert discovered == [
        [f.media_type, f"All ({f.label})", f"{site}/feeds/all.{f.extension}"] for f in Format
    ]
    await _fits_the_phone(page)
    await page.screenshot(path="/tmp/pages-front.png", full_page=True)
