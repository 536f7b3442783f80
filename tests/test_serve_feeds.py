"""Polling done right: validators, 304s, gzip, cache headers, links, rate limits, views."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiohttp.test_utils import TestClient

from tests.feed_server import (
    EXPIRED_TOKEN,
    NOW,
    PARTNER_TOKEN,
    ClientFactory,
    make_config,
    serving,
    story,
)
from wire.config import parse_config
from wire.events import FeedChanged
from wire.formats import Format, story_extensions
from wire.model import PubStatus
from wire.web.app import create_app
from wire.web.keys import PUBLISHER, WIRE


@pytest.fixture(params=["aiohttp", "shortcut"])
async def client(
    aiohttp_client: ClientFactory, tmp_path: Path, request: pytest.FixtureRequest
) -> TestClient[Any, Any]:
    """Each test runs against aiohttp alone and against the shortcut in front of it."""
    shortcut = request.param == "shortcut"
    return await serving(aiohttp_client, make_config(tmp_path), shortcut=shortcut)


async def test_rss_is_served_with_its_exact_content_type(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.rss")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    parsed = feedparser.parse(await resp.read())
    assert not parsed.bozo
    assert {e.id for e in parsed.entries} == {"urn:t:1", "urn:t:2"}


@pytest.mark.parametrize(
    ("ext", "ctype"),
    [
        ("atom", "application/atom+xml; charset=utf-8"),
        ("xml", "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8"),
        ("json", "application/json"),
    ],
)
async def test_every_format_has_its_content_type(
    client: TestClient[Any, Any], ext: str, ctype: str
) -> None:
    resp = await client.get(f"/feeds/all.{ext}")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == ctype


async def test_strong_etag_and_last_modified(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.atom")
    assert resp.headers["ETag"].startswith('"')
    assert resp.headers["Last-Modified"].endswith("GMT")


async def test_if_none_match_gives_304(client: TestClient[Any, Any]) -> None:
    first = await client.get("/feeds/all.rss")
    again = await client.get("/feeds/all.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


async def test_if_none_match_wins_over_if_modified_since(client: TestClient[Any, Any]) -> None:
    later = format_datetime(NOW + timedelta(days=1), usegmt=True)
    resp = await client.get(
        "/feeds/all.rss", headers={"If-None-Match": '"stale"', "If-Modified-Since": later}
    )
    assert resp.status == 200


async def test_if_modified_since_is_compared_as_a_date(client: TestClient[Any, Any]) -> None:
    first = await client.get("/feeds/all.rss")
    modified = first.headers["Last-Modified"]
    same = await client.get("/feeds/all.rss", headers={"If-Modified-Since": modified})
    later = await client.get(
        "/feeds/all.rss",
        headers={"If-Modified-Since": format_datetime(NOW + timedelta(days=3), usegmt=True)},
    )
    earlier = await client.get(
        "/feeds/all.rss",
        headers={"If-Modified-Since": format_datetime(NOW - timedelta(days=3), usegmt=True)},
    )
    assert (same.status, later.status, earlier.status) == (304, 304, 200)


async def test_gzip_when_asked_with_vary(client: TestClient[Any, Any]) -> None:
    plain = await client.get("/feeds/all.rss", headers={"Accept-Encoding": "identity"})
    resp = await client.get(
        "/feeds/all.rss", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert gzip.decompress(await resp.read()) == await plain.read()


async def test_cache_control_follows_the_refresh_interval(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.rss")
    assert resp.headers["Cache-Control"] == "public, max-age=120"


async def test_head_has_the_headers_and_no_body(client: TestClient[Any, Any]) -> None:
    resp = await client.head("/feeds/all.atom")
    assert resp.status == 200
    assert resp.headers["ETag"]
    assert await resp.read() == b""


async def test_hub_and_self_links(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.atom")
    link = resp.headers["Link"]
    assert '<http://wire.test/websub>; rel="hub"' in link
    assert '<http://wire.test/feeds/all.atom>; rel="self"' in link


@pytest.mark.parametrize("fmt", list(Format))
async def test_every_feed_links_its_other_formats_in_header_and_body(
    client: TestClient[Any, Any], fmt: Format
) -> None:
    resp = await client.get(f"/feeds/all.{fmt.extension}")
    others = [f for f in Format if f is not fmt]
    expected = [
        f'<http://wire.test/feeds/all.{f.extension}>; rel="alternate"; '
        f'type="{f.media_type}"; title="{f.label}"'
        for f in others
    ]
    assert resp.headers["Link"].split(", ")[2:] == expected
    body = await resp.read()
    if fmt in (Format.RSS, Format.ATOM):
        links = feedparser.parse(body).feed.links
        hrefs = [ln["href"] for ln in links if ln["rel"] == "alternate" and ln.get("title")]
        assert hrefs == [f"http://wire.test/feeds/all.{f.extension}" for f in others]
    elif fmt is Format.NINJS:
        links = json.loads(body)["links"]
        assert [ln["href"] for ln in links if ln["rel"] == "alternate"] == [
            f"http://wire.test/feeds/all.{f.extension}" for f in others
        ]


async def test_a_partners_feed_links_the_same_urls_as_the_public(
    client: TestClient[Any, Any],
) -> None:
    public = await client.get("/feeds/all.atom")
    partner = await client.get(
        "/feeds/agency.atom", headers={"Authorization": f"Bearer {PARTNER_TOKEN}"}
    )
    assert PARTNER_TOKEN not in partner.headers["Link"]
    assert partner.headers["Link"] == public.headers["Link"].replace("/all.", "/agency.")


async def test_a_change_changes_etag_and_last_modified_together(
    client: TestClient[Any, Any],
) -> None:
    first = await client.get("/feeds/all.rss")
    wire = client.app[WIRE]
    await wire.save(story("urn:t:3", published_at=NOW, version_created=NOW))
    await wire.bus.drain()
    second = await client.get("/feeds/all.rss")
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.headers["Last-Modified"] != first.headers["Last-Modified"]
    assert b"urn:t:3" in await second.read()


async def test_unknown_feed_is_404_problem(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/nope.rss")
    assert resp.status == 404
    assert resp.headers["Content-Type"].startswith("application/problem+json")


async def test_partner_only_feed_needs_a_token(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/agency.rss")
    assert resp.status == 401


async def test_partner_reads_its_feed_with_a_bearer_token(client: TestClient[Any, Any]) -> None:
    resp = await client.get(
        "/feeds/agency.rss", headers={"Authorization": f"Bearer {PARTNER_TOKEN}"}
    )
    assert resp.status == 200
    assert resp.headers["Cache-Control"].startswith("private")
    assert b"urn:t:1" in await resp.read()


async def test_partner_token_in_query_for_readers_without_headers(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get(f"/feeds/agency.atom?token={PARTNER_TOKEN}")
    assert resp.status == 200


async def test_partner_sees_only_entitled_sources(client: TestClient[Any, Any]) -> None:
    resp = await client.get(f"/feeds/agency.json?token={PARTNER_TOKEN}")
    body = await resp.read()
    assert b"urn:t:1" in body
    assert b"urn:t:2" not in body


async def test_partner_is_refused_a_feed_it_is_not_entitled_to(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get(f"/feeds/all.rss?token={PARTNER_TOKEN}")
    assert resp.status == 403


async def test_expired_token_is_401(client: TestClient[Any, Any]) -> None:
    resp = await client.get(f"/feeds/agency.rss?token={EXPIRED_TOKEN}")
    assert resp.status == 401
    assert "expired" in (await resp.json())["detail"]


async def test_unknown_token_is_401(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.rss", headers={"Authorization": "Bearer nope"})
    assert resp.status == 401


@pytest.mark.parametrize("shortcut", [False, True], ids=["aiohttp", "shortcut"])
async def test_rate_limit_answers_429_with_retry_after(
    aiohttp_client: ClientFactory, tmp_path: Path, shortcut: bool
) -> None:
    config = make_config(tmp_path, rate_limit_per_minute=3)
    client = await serving(aiohttp_client, config, shortcut=shortcut)
    statuses = [(await client.get("/feeds/all.rss")).status for _ in range(3)]
    over = await client.get("/feeds/all.rss")
    assert statuses == [200, 200, 200]
    assert over.status == 429
    assert int(over.headers["Retry-After"]) >= 1


async def test_story_endpoints(client: TestClient[Any, Any]) -> None:
    for ext in story_extensions():
        resp = await client.get(f"/stories/urn:t:1.{ext}")
        assert resp.status == 200, ext


async def test_story_of_an_unentitled_source_is_404_for_the_partner(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get(f"/stories/urn:t:2.json?token={PARTNER_TOKEN}")
    assert resp.status == 404


async def test_health_and_readiness(client: TestClient[Any, Any]) -> None:
    assert (await (await client.get("/healthz")).json())["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["status"] == "ready"


async def test_archive_paging_has_no_gap_and_no_duplicate(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    raw = {
        "server": {"data_dir": str(tmp_path), "base_url": "http://wire.test"},
        "feeds": [{"name": "small", "title": "Small", "size": 3}],
    }
    app = create_app(
        parse_config(raw, base_dir=tmp_path, env={}), clock=lambda: NOW, start_jobs=False
    )
    client = await aiohttp_client(app)
    for i in range(8):
        at = NOW - timedelta(minutes=10 * i)
        await app[WIRE].save(story(f"urn:p:{i}", published_at=at, version_created=at))
    seen: list[str] = []
    url: str | None = "/feeds/small.atom"
    while url:
        parsed = feedparser.parse(await (await client.get(url)).read())
        assert not parsed.bozo
        seen += [e.id for e in parsed.entries]
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        url = prev[0].removeprefix("http://wire.test") if prev else None
    assert seen == [f"urn:p:{i}" for i in range(8)]


async def test_a_story_is_last_modified_when_its_version_was_made(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/stories/urn:t:1.json")
    assert resp.headers["Last-Modified"] == format_datetime(NOW - timedelta(hours=1), usegmt=True)


async def test_an_archive_page_is_last_modified_at_its_newest_story(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    raw = {
        "server": {"data_dir": str(tmp_path), "base_url": "http://wire.test"},
        "feeds": [{"name": "small", "title": "Small", "size": 1}],
    }
    app = create_app(
        parse_config(raw, base_dir=tmp_path, env={}), clock=lambda: NOW, start_jobs=False
    )
    client = await aiohttp_client(app)
    older = NOW - timedelta(hours=3)
    await app[WIRE].save(story("urn:p:old", published_at=older, version_created=older))
    await app[WIRE].save(story("urn:p:new"))
    parsed = feedparser.parse(await (await client.get("/feeds/small.atom")).read())
    [prev] = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
    page = await client.get(prev.removeprefix("http://wire.test"))
    assert page.headers["Last-Modified"] == format_datetime(older, usegmt=True)


async def test_a_story_killed_under_embargo_stays_unknown_without_embargo_rights(
    client: TestClient[Any, Any],
) -> None:
    wire = client.app[WIRE]
    await wire.save(story("urn:t:emb", embargoed_until=NOW + timedelta(hours=1)))
    await wire.set_status("urn:t:emb", PubStatus.CANCELED, None, reason="killed")
    assert (await client.get("/stories/urn:t:emb.json")).status == 404
    assert (await client.get(f"/stories/urn:t:emb.json?token={PARTNER_TOKEN}")).status == 404


async def test_a_scheduled_refresh_tells_listeners_only_when_the_bytes_changed(
    client: TestClient[Any, Any],
) -> None:
    publisher = client.app[PUBLISHER]
    told: list[str] = []

    async def listener(event: FeedChanged) -> None:
        told.append(event.feed)

    publisher.bus.subscribe(listener, kind=FeedChanged)
    await client.get("/feeds/all.rss")
    await publisher.refresh("all")
    await publisher.bus.drain()
    assert told == []
    await client.app[WIRE].store.save(story("urn:t:3"), now=NOW)  # behind the bus's back
    await publisher.refresh("all")
    await publisher.bus.drain()
    assert told == ["all"]


async def test_front_page_lists_each_feed_in_its_formats(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/")
    page = await resp.text()
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert 'href="http://wire.test/feeds/all.atom"' in page
    assert "partners only" in page


async def test_front_page_lists_the_newest_public_stories(client: TestClient[Any, Any]) -> None:
    page = await (await client.get("/")).text()
    assert '<a href="http://wire.test/stories/urn%3At%3A1.html">Headline urn:t:1</a>' in page
    assert "Headline urn:t:2" in page


async def test_front_page_lists_no_killed_or_embargoed_story(client: TestClient[Any, Any]) -> None:
    wire = client.app[WIRE]
    await wire.save(story("urn:t:later", embargoed_until=NOW + timedelta(hours=1)))
    await wire.set_status("urn:t:1", PubStatus.CANCELED, None, reason="killed")
    await wire.bus.drain()
    page = await (await client.get("/")).text()
    assert "urn%3At%3A1" not in page  # not even its removal notice
    assert "urn%3At%3Alater" not in page
    assert "Headline urn:t:2" in page


async def test_front_page_offers_every_public_feed_for_autodiscovery(
    client: TestClient[Any, Any],
) -> None:
    page = await (await client.get("/")).text()
    for fmt in Format:
        link = (
            f'<link rel="alternate" type="{fmt.media_type}" title="All ({fmt.label})"'
            f' href="http://wire.test/feeds/all.{fmt.extension}">'
        )
        assert link in page
    assert "/feeds/agency.rss" not in page.split("</head>")[0]


# a feed opened in a browser --------------------------------------------------------

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
READER_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


@pytest.mark.parametrize("ext", ["rss", "atom"])
async def test_a_browser_gets_the_same_feed_bytes_as_xml_it_can_style(
    client: TestClient[Any, Any], ext: str
) -> None:
    """Browsers show ``application/rss+xml`` as source text and apply the feed's
    ``<?xml-stylesheet?>`` only to XML types: the same bytes, labelled XML."""
    reader = await client.get(f"/feeds/all.{ext}", headers={"Accept": READER_ACCEPT})
    browser = await client.get(f"/feeds/all.{ext}", headers={"Accept": BROWSER_ACCEPT})
    assert reader.headers["Content-Type"] == f"{Format(ext).media_type}; charset=utf-8"
    assert browser.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert await browser.read() == await reader.read()
    assert browser.headers["ETag"] == reader.headers["ETag"]
    for resp in (reader, browser):
        assert "Accept" in [v.strip() for v in resp.headers["Vary"].split(",")]


async def test_a_client_asking_for_anything_gets_the_feeds_own_type(
    client: TestClient[Any, Any],
) -> None:
    for accept in ("*/*", "application/rss+xml", "text/html, application/rss+xml"):
        resp = await client.get("/feeds/all.rss", headers={"Accept": accept})
        assert resp.headers["Content-Type"] == "application/rss+xml; charset=utf-8", accept


async def test_json_feeds_do_not_vary_by_accept(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/feeds/all.json", headers={"Accept": BROWSER_ACCEPT})
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize("ext", ["rss", "atom"])
async def test_rss_and_atom_name_their_browser_stylesheets(
    client: TestClient[Any, Any], ext: str
) -> None:
    body = await (await client.get(f"/feeds/all.{ext}")).read()
    head = body.split(b"?>\n", 3)
    assert head[0].startswith(b"<?xml version=")
    assert head[1] == b'<?xml-stylesheet type="text/xsl" href="feed.xsl"'
    assert head[2] == b'<?xml-stylesheet type="text/css" href="feed.css"'
    assert not feedparser.parse(body).bozo


@pytest.mark.parametrize(("name", "kind"), [("feed.xsl", "text/xsl"), ("feed.css", "text/css")])
async def test_the_feed_stylesheets_are_served_with_validators(
    client: TestClient[Any, Any], name: str, kind: str
) -> None:
    resp = await client.get(f"/feeds/{name}")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == f"{kind}; charset=utf-8"
    again = await client.get(f"/feeds/{name}", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status == 304


async def test_the_xslt_stylesheet_is_well_formed_xslt() -> None:
    from lxml import etree

    from wire.publish.feedstyle import stylesheet

    etree.XSLT(etree.fromstring(stylesheet("feed.xsl")))  # compiles, or raises
