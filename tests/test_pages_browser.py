"""The public pages in a real browser (Debian's Chromium through Playwright), on a
phone-sized screen: what a reader sees, laid out, with its direction and links.

The server is a real wire on a real port; the stories go in through ``Wire.save``
as any push does. Skipped where Chromium or Playwright is not installed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.browser import browser_page, free_port, needs_chromium
from tests.feed_server import NOW, make_config, story
from wire.formats import STORY_FORMATS, Format
from wire.model import InfoSource, Picture, Provider, SourceRole
from wire.web.app import create_app
from wire.web.keys import WIRE

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
PICTURE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675">'
    '<rect width="1200" height="675" fill="#4a7ab0"/></svg>'
)
ENGLISH = "urn:t:en"
ROOT = Path(__file__).resolve().parent.parent
ARABIC = "urn:t:ar"


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
    port = free_port()
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
    async with browser_page(PHONE) as page:
        yield page


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


# feeds and the API reference, opened in a browser -------------------------------------


@pytest.mark.parametrize("ext", ["rss", "atom"])
async def test_a_feed_opened_in_a_browser_reads_as_a_page_of_its_stories(
    site: str, page: Any, ext: str
) -> None:
    response = await page.goto(f"{site}/feeds/all.{ext}")
    assert response.status == 200
    assert await page.inner_text("h1") == "All"
    assert "This is a news feed" in await page.inner_text(".wire-feed-note")
    links = await page.eval_on_selector_all(
        "ol.wire-feed-items h2 a", "els => els.map(e => [e.textContent, e.href])"
    )
    assert links == [
        ["Harbour reopens after the storm, port authority says", _story_url(site, ENGLISH)],
        ["إعادة فتح الميناء بعد العاصفة", _story_url(site, ARABIC)],
    ]
    first = await page.inner_text("ol.wire-feed-items li")
    assert "By Jane Doe, Ahmad Rahimi" in first
    assert "Credit: Harbour Wire (HW)" in first
    assert await page.get_attribute("ol.wire-feed-items li:nth-child(2)", "lang") in {"ar", None}
    await _fits_the_phone(page)
    await page.screenshot(path=f"/tmp/pages-feed-{ext}.png", full_page=True)


# An XML document has no innerText: what it shows is each element's own text whose
# element and ancestors are displayed, after its ::before content.
_SHOWN_TEXT = """() => {
  const shown = e => { for (; e && e.nodeType === 1; e = e.parentNode)
    if (getComputedStyle(e).display === 'none') return false; return true; };
  const before = e => { const c = getComputedStyle(e, '::before').content;
    return c && c !== 'none' && c !== 'normal' ? JSON.parse(c) : ''; };
  return [...document.getElementsByTagName('*')].filter(shown).map(e => {
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
    return (before(e) + own).trim();
  }).filter(Boolean);
}"""


@pytest.mark.parametrize("ext", ["rss", "atom"])
async def test_a_browser_without_xslt_shows_the_feed_styled_in_place(site: str, ext: str) -> None:
    async with browser_page(PHONE, args=["--disable-blink-features=XSLT"]) as page:
        await page.goto(f"{site}/feeds/all.{ext}")
        shown = await page.evaluate(_SHOWN_TEXT)
        assert "Harbour reopens after the storm, port authority says" in shown
        assert "Credit: Harbour Wire (HW)" in shown
        assert not any("The harbour reopened" in line for line in shown)  # bodies hidden
        await _fits_the_phone(page)
        await page.screenshot(path=f"/tmp/pages-feed-{ext}-css.png")


async def test_the_api_reference_shows_every_operation_of_the_spec(site: str, page: Any) -> None:
    spec = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text("utf-8"))
    operations = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    } | {
        f"{method.upper()} webhook {name}"
        for name, item in spec["webhooks"].items()
        for method in item
    }
    response = await page.goto(f"{site}/api/v1/docs")
    assert response.status == 200
    shown = await page.eval_on_selector_all("section.op h3", "els => els.map(e => e.innerText)")
    assert {" ".join(s.split()) for s in shown} == operations
    targets = await page.eval_on_selector_all(
        "a[href^='#']", "els => els.map(e => e.getAttribute('href').slice(1))"
    )
    missing = [t for t in targets if await page.locator(f"[id='{t}']").count() != 1]
    assert missing == []
    assert await page.locator("script").count() == 0
    await _fits_the_phone(page)
    await page.screenshot(path="/tmp/pages-api.png")
