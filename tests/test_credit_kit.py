"""The credit kit (``GET /api/v1/stories/{guid}/credit``) and "where published"
(``POST/GET …/publications``): ready-made attribution in the partner's language,
only for stories the partner may see; URLs checked and kept once; editors see
them on the desk. Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.clocks import FakeClock
from tests.desk_client import (
    ADMIN,
    DAILY_TOKEN,
    EDITOR,
    EDITOR_KEY,
    Client,
    post_story,
    problem,
)
from tests.desk_pages import sign_in
from wire.formats.creditkit import credit_kit
from wire.instants import format_instant
from wire.model import InfoSource, Provider, Story

DAILY = {"Authorization": f"Bearer {DAILY_TOKEN}"}
SOURCES = [{"name": "Al Jazeera", "role": "reported-by"}]


async def credit(client: Client, guid: str, query: str = "") -> dict[str, Any]:
    resp = await client.get(f"/api/v1/stories/{guid}/credit{query}", headers=DAILY)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_the_kit_gives_the_exact_credit_line_and_a_ready_snippet(client: Client) -> None:
    await post_story(client, "urn:k:1", sources=SOURCES)
    kit = await credit(client, "urn:k:1")
    assert kit["canonical_url"] == "http://wire.test/stories/urn%3Ak%3A1.html"
    assert kit["credit_line"] == "Mi'raj News Agency (MINA)"
    assert kit["sources"] == "As reported by Al Jazeera."
    text = kit["attribution"]["text"]
    assert text.splitlines()[:2] == [
        "Credit: Mi'raj News Agency (MINA)",
        "As reported by Al Jazeera.",
    ]
    assert kit["canonical_url"] in text
    html = kit["attribution"]["html"]
    assert '<a href="http://wire.test/stories/urn%3Ak%3A1.html">' in html
    assert "Mi&#x27;raj News Agency (MINA)" in html


async def test_the_kit_speaks_the_partners_language(client: Client) -> None:
    await post_story(client, "urn:k:lang", sources=SOURCES)
    indonesian = await credit(client, "urn:k:lang", "?lang=id")
    assert indonesian["attribution"]["language"] == "id"
    assert indonesian["attribution"]["text"].startswith("Kredit: Mi'raj News Agency (MINA)")
    assert "Seperti dilaporkan oleh Al Jazeera." in indonesian["attribution"]["text"]
    arabic = await credit(client, "urn:k:lang", "?lang=ar")
    assert 'dir="rtl"' in arabic["attribution"]["html"]
    unknown = await credit(client, "urn:k:lang", "?lang=fi")
    assert unknown["attribution"]["language"] == "en"


async def test_no_kit_for_a_story_the_partner_may_not_see(client: Client, clock: FakeClock) -> None:
    await post_story(client, "urn:k:other", source="other")
    await problem(await client.get("/api/v1/stories/urn:k:other/credit", headers=DAILY), 404)
    later = format_instant(clock.now + timedelta(hours=1))
    await post_story(client, "urn:k:held", embargoed_until=later)
    await problem(await client.get("/api/v1/stories/urn:k:held/credit", headers=DAILY), 404)
    await post_story(client, "urn:k:killed")
    assert (await client.get("/api/v1/stories/urn:k:killed/credit", headers=DAILY)).status == 200
    await client.post("/api/v1/stories/urn:k:killed/kill", json={}, headers=ADMIN)
    await problem(await client.get("/api/v1/stories/urn:k:killed/credit", headers=DAILY), 410)


async def test_a_partner_reports_where_it_ran_a_story_once_per_url(client: Client) -> None:
    await post_story(client, "urn:k:ran")
    url = "https://daily.example/world/2026/12/harbour"
    first = await client.post(
        "/api/v1/stories/urn:k:ran/publications", json={"url": url}, headers=DAILY
    )
    assert first.status == 201
    again = await client.post(
        "/api/v1/stories/urn:k:ran/publications", json={"url": url}, headers=DAILY
    )
    assert again.status == 200
    listed = await (
        await client.get("/api/v1/stories/urn:k:ran/publications", headers=EDITOR)
    ).json()
    assert [(p["partner"], p["url"]) for p in listed["publications"]] == [("daily", url)]
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk/stories/urn:k:ran")).text()
    assert "Where published" in page
    assert f'href="{url}"' in page


async def test_a_publication_url_must_be_a_web_address(client: Client) -> None:
    await post_story(client, "urn:k:bad")
    for url in ("javascript:alert(1)", "ftp://daily.example/x", "https://user@daily.example/", ""):
        resp = await client.post(
            "/api/v1/stories/urn:k:bad/publications", json={"url": url}, headers=DAILY
        )
        body = await problem(resp, 400)
        assert body["pointer"] == "/url", url
    public = await client.post(
        "/api/v1/stories/urn:k:bad/publications", json={"url": "https://x.example/"}
    )
    await problem(public, 401)


def test_a_hostile_credit_line_is_text_in_the_snippet() -> None:
    story = Story(
        headline="H",
        guid="urn:k:x",
        credit_line='<script>alert(1)</script> "Agency"',
        provider=Provider("P"),
        sources=(InfoSource("<b>Outlet</b>", "according-to"),),
    )
    kit = credit_kit(story, "https://wire.example/stories/x.html", "en")
    assert "<script>" not in kit.html
    assert "<b>" not in kit.html
    assert "&lt;script&gt;" in kit.html
