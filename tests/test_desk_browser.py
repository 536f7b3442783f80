"""The editors' desk in a real browser (Debian's Chromium through Playwright),
driven by its accessible names only — the labels and button texts an editor
reads: sign in, paste the agency's raw copy, preview what wire extracted, fix it,
publish, correct, kill, and see each step in the public feeds.

The server is a real wire on a real port (``tests/fixtures/api/wire.toml``: an
editor key and an admin key), its store on SQLite and on PostgreSQL. Screenshots
go to ``/tmp/desk-*.png``. Skipped where Chromium or Playwright is not installed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import feedparser
import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from lxml import etree

from tests.browser import browser_page, free_port, needs_chromium
from tests.desk_client import ADMIN_KEY, EDITOR, EDITOR_KEY, api_config, story_doc
from tests.desk_pages import SAMPLE_NAME
from wire.visibility import KILL_NOTICE
from wire.web.app import create_app
from wire.web.keys import WIRE

pytestmark = needs_chromium
DESKTOP = {"width": 1280, "height": 900}
PUSHED = "urn:desk:pushed"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"


@pytest.fixture
async def desk(tmp_path: Path, database: str) -> AsyncIterator[str]:
    """A wire on a real port whose ``base_url`` is its own address, holding one
    pushed story (``PUSHED``) for the tests that act on an existing story."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = api_config(tmp_path, base_url=base, database=database)
    app = create_app(config, start_jobs=False)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    async with ClientSession() as http:
        doc = story_doc(guid=PUSHED, headline="Harbour reopens")
        async with http.post(f"{base}/api/v1/stories", json=doc, headers=EDITOR) as pushed:
            assert pushed.status == 201, await pushed.text()
    await app[WIRE].bus.drain()
    try:
        yield base
    finally:
        await server.close()


@pytest.fixture
async def page(desk: str) -> AsyncIterator[Any]:
    async with browser_page(DESKTOP) as page:
        page.set_default_timeout(15_000)
        yield page


async def _sign_in(page: Any, desk: str, key: str) -> None:
    await page.goto(f"{desk}/desk")
    assert "/desk/sign-in" in page.url  # no session: sent to sign in
    await page.get_by_label("Editor key").fill(key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{desk}/desk")


async def _feed(page: Any, desk: str, ext: str) -> Any:
    answer = await page.request.get(f"{desk}/feeds/all.{ext}")
    assert answer.status == 200
    return feedparser.parse(await answer.body())


def _expected(shared: Path) -> dict[str, Any]:
    path = shared / "samples/expected" / f"{SAMPLE_NAME}.json"
    found: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return found


@pytest.mark.shared
async def test_an_editor_publishes_corrects_and_kills_pasted_copy(
    desk: str, page: Any, shared: Path
) -> None:
    expected = _expected(shared)
    await _sign_in(page, desk, ADMIN_KEY)
    await page.get_by_role("link", name="New story").click()
    copy = (shared / "samples/raw" / f"{SAMPLE_NAME}.txt").read_text("utf-8")
    await page.get_by_label("Copy").fill(copy)
    await page.get_by_label("Source").select_option("agency")
    await page.get_by_role("button", name="Preview").click()

    # What wire extracted, shown in editable fields before anything is stored.
    await page.wait_for_url(f"{desk}/desk/preview")
    assert await page.get_by_label("Headline").input_value() == expected["headline"]
    assert await page.get_by_label("Credit line").input_value() == expected["credit_line"]
    assert (
        await page.get_by_label("Dateline", exact=True).input_value()
        == (expected["dateline"]["place"])
    )
    photo_credit = page.get_by_label("Photo credit 1")
    assert await photo_credit.input_value() == expected["pictures"][0]["credit"]
    assert "as reported by Al Jazeera" in await page.locator("mark").first.inner_text()
    await page.screenshot(path="/tmp/desk-preview.png", full_page=True)
    assert expected["headline"] not in [e.title for e in (await _feed(page, desk, "rss")).entries]

    # The editor fixes the photo credit, then publishes.
    await photo_credit.fill("X/@leadersmena via Mi'raj News Agency")
    await page.get_by_role("button", name="Publish").click()
    await page.wait_for_url(f"{desk}/desk/stories/**")
    story_page = page.url
    guid = unquote(story_page.rsplit("/", 1)[1])
    assert expected["headline"] in await page.locator("h1").inner_text()
    await page.screenshot(path="/tmp/desk-story.png", full_page=True)
    for ext in ("rss", "atom"):
        titles = [e.title for e in (await _feed(page, desk, ext)).entries]
        assert expected["headline"] in titles, ext
    public = await page.request.get(f"{desk}/feeds/all.json")
    assert "X/@leadersmena via Mi'raj News Agency" in await public.text()

    # A correction with its note: a new version, and the diff says what changed.
    await page.get_by_label("Correction note").fill("Corrects the ambassador's name.")
    body = page.get_by_label("Body")
    await body.fill((await body.input_value()).replace("Dmitry Zhirnov", "Dmitry Zhirnov Sr."))
    await page.get_by_role("button", name="Correct").click()
    await page.wait_for_url(story_page)
    assert "version 2" in await page.locator("p.meta").first.inner_text()
    added = await page.locator("ul.diff li.added").all_inner_texts()
    assert any("Corrects the ambassador's name." in line for line in added)
    assert any("Dmitry Zhirnov Sr." in line for line in added)
    [entry] = [
        e for e in (await _feed(page, desk, "rss")).entries if e.title == expected["headline"]
    ]
    assert "Dmitry Zhirnov Sr." in entry.description

    # A kill asks first; once confirmed it is final and every feed says so.
    questions: list[str] = []

    async def confirm(dialog: Any) -> None:
        questions.append(dialog.message)
        await dialog.accept()

    page.on("dialog", confirm)
    await page.get_by_label("Kill note").fill("Legal: withdrawn at the source's request.")
    await page.get_by_role("button", name="Kill").click()
    await page.wait_for_url(story_page)
    assert len(questions) == 1
    assert "final" in questions[0]
    assert "A kill is final" in await page.inner_text("main")
    await page.screenshot(path="/tmp/desk-killed.png", full_page=True)
    rss = (await _feed(page, desk, "rss")).entries
    assert [e.title for e in rss if e.id == guid] == [KILL_NOTICE]
    atom = etree.fromstring(await (await page.request.get(f"{desk}/feeds/all.atom")).body())
    tombstones = atom.findall(f"{{{TOMBSTONES}}}deleted-entry")
    assert [t.get("ref") for t in tombstones] == [guid]  # RFC 6721
    assert expected["headline"] not in etree.tostring(atom, encoding="unicode")
    ninjs = await (await page.request.get(f"{desk}/feeds/all.json")).json()
    assert [i["pubstatus"] for i in ninjs["items"] if i["uri"] == guid] == ["canceled"]


async def test_dismissing_the_kill_question_kills_nothing(desk: str, page: Any) -> None:
    await _sign_in(page, desk, ADMIN_KEY)
    await page.goto(f"{desk}/desk/stories/{PUSHED}")
    page.on("dialog", lambda dialog: dialog.dismiss())
    await page.get_by_role("button", name="Kill").click()
    await page.wait_for_timeout(300)
    assert "Harbour reopens" in [e.title for e in (await _feed(page, desk, "rss")).entries]


async def test_an_editor_cannot_kill(desk: str, page: Any) -> None:
    await _sign_in(page, desk, EDITOR_KEY)
    await page.goto(f"{desk}/desk/stories/{PUSHED}")
    assert "A kill needs an admin key" in await page.inner_text("main")
    page.on("dialog", lambda dialog: dialog.accept())
    async with page.expect_response(lambda r: r.url.endswith("/kill")) as answer:
        await page.get_by_role("button", name="Kill").click()
    assert (await answer.value).status == 403
    assert "needs the 'admin' role" in await page.inner_text("main")
    await page.screenshot(path="/tmp/desk-refused.png", full_page=True)
    assert "Harbour reopens" in [e.title for e in (await _feed(page, desk, "rss")).entries]


async def test_a_form_sent_without_its_csrf_token_is_refused(desk: str, page: Any) -> None:
    await _sign_in(page, desk, EDITOR_KEY)
    await page.goto(f"{desk}/desk/stories/{PUSHED}")
    # As a forged form would arrive: the session cookie, but not the page's token.
    await page.eval_on_selector_all(
        "input[name=csrf]", "inputs => inputs.forEach(i => i.value = 'forged')"
    )
    async with page.expect_response(lambda r: r.url.endswith("/withhold")) as answer:
        await page.get_by_role("button", name="Withhold").click()
    assert (await answer.value).status == 403
    assert "Harbour reopens" in [e.title for e in (await _feed(page, desk, "rss")).entries]


async def test_signing_out_ends_the_session(desk: str, page: Any) -> None:
    await _sign_in(page, desk, EDITOR_KEY)
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{desk}/desk/sign-in")
    await page.goto(f"{desk}/desk")
    assert "/desk/sign-in" in page.url
    assert await page.get_by_label("Editor key").is_visible()


async def test_the_inbox_lists_and_searches_the_stories(desk: str, page: Any) -> None:
    await _sign_in(page, desk, EDITOR_KEY)
    assert "Harbour reopens" in await page.inner_text("main")
    await page.get_by_label("Search").fill("nothing-like-this")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Filter").click()
    assert "Harbour reopens" not in await page.inner_text("main")
    await page.get_by_label("Search").fill("harbour")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Filter").click()
    assert "Harbour reopens" in await page.inner_text("main")
    await page.screenshot(path="/tmp/desk-inbox.png", full_page=True)
