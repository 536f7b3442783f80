"""The editors' desk over HTTP, as a browser uses it: signing in and out, the
session cookie and CSRF, the inbox and its filters, preview and publish of raw
copy, the story view and its actions, with the API's rights and errors.

Runs on SQLite and PostgreSQL (the ``client`` fixture)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clocks import FakeClock
from tests.desk_client import (
    ADMIN_KEY,
    EDITOR_KEY,
    Client,
    ClientFactory,
    api_config,
    push,
    story_doc,
)
from tests.desk_pages import SAMPLE_NAME, csrf_of_page, desk_csrf, hidden_fields, preview, sign_in
from wire.model import PubStatus
from wire.store.base import Credential, Delivery, DeliveryKind, DeliveryState, DeskQuery
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import WIRE


def sample_copy(shared: Path) -> str:
    return (shared / "samples/raw" / f"{SAMPLE_NAME}.txt").read_text("utf-8")


def story_url(guid: str) -> str:
    from urllib.parse import quote

    return f"/desk/stories/{quote(guid, safe='')}"


async def count_stories(client: Client) -> int:
    wire = client.app[WIRE]
    return len(await wire.store.find_stories(DeskQuery(), now=wire.clock(), limit=1000))


# signing in ----------------------------------------------------------------------------


async def test_the_sign_in_form_asks_for_an_editor_key(client: Client) -> None:
    page = await (await client.get("/desk/sign-in")).text()
    assert '<label for="key">Editor key</label>' in page
    assert '<button type="submit" class="primary">Sign in</button>' in page


async def test_a_desk_page_without_a_session_sends_the_browser_to_sign_in(client: Client) -> None:
    resp = await client.get("/desk/review", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/desk/sign-in?next=/desk/review"


async def test_signing_in_sets_a_strict_http_only_session_cookie(client: Client) -> None:
    resp = await sign_in(client, EDITOR_KEY)
    assert resp.status == 303
    assert resp.headers["Location"] == "/desk"
    cookie = next(c for c in resp.headers.getall("Set-Cookie") if c.startswith("wire_desk="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "max-age", "samesite"} <= attributes
    assert "SameSite=Strict" in cookie
    assert "Path=/desk" in cookie
    assert "secure" not in attributes  # the base URL is http


async def test_over_https_the_session_cookie_is_secure(
    aiohttp_client: ClientFactory, tmp_path: Path, clock: FakeClock
) -> None:
    config = api_config(tmp_path, base_url="https://wire.test")
    client = await aiohttp_client(create_app(config, clock=clock, start_jobs=False))
    form = await client.get("/desk/sign-in")
    assert "Secure" in form.headers["Set-Cookie"]  # the sign-in token's cookie too
    token = hidden_fields(await form.text())["token"]
    # The test client speaks http, so its jar keeps Secure cookies back: sent by hand.
    resp = await client.post(
        "/desk/sign-in",
        data={"token": token, "key": EDITOR_KEY},
        headers={"Cookie": f"wire_desk_signin={token}"},
        allow_redirects=False,
    )
    cookie = next(c for c in resp.headers.getall("Set-Cookie") if c.startswith("wire_desk="))
    assert "Secure" in cookie


async def test_the_session_secret_is_kept_only_as_a_hash(client: Client) -> None:
    resp = await sign_in(client, EDITOR_KEY)
    secret = resp.cookies["wire_desk"].value
    store = client.app[WIRE].store
    assert await store.find_session(hash_token(secret)) is not None
    assert await store.find_session(secret) is None


async def test_a_wrong_key_is_refused_on_the_form(client: Client) -> None:
    resp = await sign_in(client, "wire_ed_not-a-key")
    assert resp.status == 401
    assert "not a valid editor key" in await resp.text()
    assert "wire_desk" not in resp.cookies
    assert (await client.get("/desk", allow_redirects=False)).status == 303


async def test_signing_in_without_the_forms_token_is_refused(client: Client) -> None:
    resp = await client.post(
        "/desk/sign-in", data={"key": EDITOR_KEY, "token": "forged"}, allow_redirects=False
    )
    assert resp.status == 403
    assert "wire_desk" not in resp.cookies


async def test_after_sign_in_the_desk_goes_back_to_the_page_asked_for(client: Client) -> None:
    form = await client.get("/desk/sign-in?next=%2Fdesk%2Fsources")
    token = hidden_fields(await form.text())["token"]
    resp = await client.post(
        "/desk/sign-in",
        data={"token": token, "key": EDITOR_KEY, "next": "/desk/sources"},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/desk/sources"


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/desk", "/feeds/all.rss"])
async def test_sign_in_never_redirects_outside_the_desk(client: Client, target: str) -> None:
    form = await client.get("/desk/sign-in")
    token = hidden_fields(await form.text())["token"]
    resp = await client.post(
        "/desk/sign-in",
        data={"token": token, "key": EDITOR_KEY, "next": target},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/desk"


async def test_signing_out_ends_the_session_on_the_server(client: Client) -> None:
    secret = (await sign_in(client, EDITOR_KEY)).cookies["wire_desk"].value
    csrf = await desk_csrf(client)
    resp = await client.post("/desk/sign-out", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/desk/sign-in"
    # the same cookie sent again (a copy kept elsewhere) no longer signs in
    client.session.cookie_jar.update_cookies({"wire_desk": secret})
    assert (await client.get("/desk", allow_redirects=False)).status == 303


async def test_a_session_expires_after_its_lifetime(client: Client, clock: FakeClock) -> None:
    await sign_in(client, EDITOR_KEY)
    assert (await client.get("/desk", allow_redirects=False)).status == 200
    clock.advance(timedelta(minutes=480, seconds=1).total_seconds())
    assert (await client.get("/desk", allow_redirects=False)).status == 303


async def test_revoking_the_key_ends_its_sessions(client: Client) -> None:
    key = "wire_ed_stored-key"
    store = client.app[WIRE].store
    await store.add_credential(Credential(hash_token(key), "editor", "night", role="editor"))
    await sign_in(client, key)
    assert (await client.get("/desk", allow_redirects=False)).status == 200
    await store.delete_credential(hash_token(key))
    assert (await client.get("/desk", allow_redirects=False)).status == 303


# CSRF -------------------------------------------------------------------------------


async def test_a_form_without_its_csrf_token_does_nothing(client: Client) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, EDITOR_KEY)
    resp = await client.post(story_url(doc["guid"]) + "/withhold", data={"note": "x"})
    assert resp.status == 403
    assert "CSRF" in await resp.text()
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_a_csrf_token_of_another_session_is_refused(
    client: Client, aiohttp_client: ClientFactory
) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, EDITOR_KEY)
    other = await aiohttp_client(client.server)
    await sign_in(other, EDITOR_KEY)
    theirs = await desk_csrf(other)
    resp = await client.post(story_url(doc["guid"]) + "/withhold", data={"csrf": theirs})
    assert resp.status == 403
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_a_form_post_without_a_session_does_nothing(client: Client) -> None:
    doc = await push(client, story_doc())
    resp = await client.post(story_url(doc["guid"]) + "/withhold", data={"csrf": "x"})
    assert resp.status == 403
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_desk_pages_are_private_and_load_nothing_from_elsewhere(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    resp = await client.get("/desk")
    assert resp.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"


# the inbox ----------------------------------------------------------------------------


async def test_the_inbox_lists_stories_with_source_status_version_and_time(
    client: Client,
) -> None:
    doc = await push(client, story_doc(headline="Harbour reopens", origin={"source": "agency"}))
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk")).text()
    row = page[page.index("Harbour reopens") :]
    row = row[: row.index("</tr>")]
    assert "agency" in row
    assert "usable" in row
    assert "<td>1</td>" in row
    assert "<time" in row
    assert story_url(doc["guid"]) in page


async def test_the_inbox_search_box_finds_stories_by_their_words(client: Client) -> None:
    await push(client, story_doc(headline="Harbour reopens", body=["Ferries sail again."]))
    await push(client, story_doc(headline="Budget passes", body=["Parliament voted."]))
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk?q=ferries&source=&status=")).text()
    assert '<label for="q">Search</label>' in page
    assert "Harbour reopens" in page
    assert "Budget passes" not in page


async def test_a_bad_filter_is_told_on_the_page(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    resp = await client.get("/desk?status=final")
    assert resp.status == 400
    assert "status" in await resp.text()


async def test_needs_review_lists_only_flagged_stories(client: Client) -> None:
    await push(client, story_doc(headline="Checked story"))
    await push(client, story_doc(headline="Doubtful story", review=["byline disagrees"]))
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get("/desk/review")).text()
    assert "Doubtful story" in page
    assert "Checked story" not in page
    assert "review (1)" in page


# preview and publish -----------------------------------------------------------------


@pytest.mark.shared
async def test_preview_shows_what_was_extracted_and_stores_nothing(
    client: Client, shared: Path
) -> None:
    await sign_in(client, EDITOR_KEY)
    resp = await preview(client, sample_copy(shared))
    assert resp.status == 200, await resp.text()
    page = await resp.text()
    assert 'name="s0-credit-line" value="Mi’raj News Agency (MINA)"' in page
    assert 'id="s0-dateline" name="s0-dateline" value="Moscow"' in page
    assert 'value="X/@leadersmena"' in page  # the photo credit field
    assert "<mark>as reported by Al Jazeera</mark>" in page  # the evidence, in the text
    assert "SCROLL TO CONTINUE WITH CONTENT" in page  # removed as boilerplate
    assert "Iran Reaffirms Commitment to Uranium Enrichment" in page  # related
    assert await count_stories(client) == 0
    assert await client.app[WIRE].store.failures(limit=10) == []


async def test_preview_of_nothing_says_what_is_missing(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    resp = await preview(client, "   ")
    assert resp.status == 422
    assert "paste the copy" in await resp.text()


async def test_preview_of_an_upload_reads_the_file(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    from aiohttp import FormData

    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("source", "agency")
    form.add_field("format", "auto")
    form.add_field(
        "file",
        b"Budget passes\n\nJakarta, MINA - Parliament passed the budget on Monday.\n",
        filename="copy.txt",
        content_type="text/plain",
    )
    page = await (await client.post("/desk/preview", data=form)).text()
    assert 'value="Budget passes"' in page
    assert 'value="Jakarta"' in page


@pytest.mark.shared
async def test_publish_stores_the_edited_story_and_archives_the_copy_first(
    client: Client, shared: Path
) -> None:
    copy = sample_copy(shared)
    await sign_in(client, EDITOR_KEY)
    form = hidden_fields(await (await preview(client, copy)).text())
    form["s0-credit-line"] = "Mi'raj News Agency (MINA) / edited"
    form["s0-embargo"] = "2030-01-01T09:30"
    resp = await client.post("/desk/publish", data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    wire = client.app[WIRE]
    [listed] = await wire.store.find_stories(DeskQuery(), now=wire.clock(), limit=10)
    story = listed.story
    assert resp.headers["Location"] == f"/desk/stories/{story.guid}"
    assert story.credit_line == "Mi'raj News Agency (MINA) / edited"
    assert story.dateline is not None
    assert story.dateline.place == "Moscow"
    assert story.embargoed_until is not None
    assert story.embargoed_until.isoformat().startswith("2030-01-01T09:30")
    assert story.review == ()  # marked as reviewed
    sha = hashlib.sha256(copy.encode("utf-8")).hexdigest()
    assert story.origin.raw_sha256 == sha
    raw, made = await wire.archived(sha)
    assert raw.data == copy.encode("utf-8")
    assert [s.guid for s in made] == [story.guid]


async def test_publishing_twice_makes_one_story(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    copy = "Budget passes\n\nJakarta, MINA - Parliament passed the budget on Monday.\n"
    form = hidden_fields(await (await preview(client, copy)).text())
    for _ in range(2):
        resp = await client.post("/desk/publish", data=form, allow_redirects=False)
        assert resp.status == 303
    assert await count_stories(client) == 1


async def test_publish_with_an_empty_headline_is_refused_whole(client: Client) -> None:
    await sign_in(client, EDITOR_KEY)
    copy = "Budget passes\n\nJakarta, MINA - Parliament passed the budget on Monday.\n"
    form = hidden_fields(await (await preview(client, copy)).text())
    form["s0-headline"] = "  "
    resp = await client.post("/desk/publish", data=form)
    assert resp.status == 422
    assert "headline" in await resp.text()
    assert await count_stories(client) == 0


# the story view and its actions --------------------------------------------------------


async def test_the_story_view_shows_versions_and_what_changed(client: Client) -> None:
    doc = await push(client, story_doc(headline="Harbour reopens"))
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    url = story_url(doc["guid"])
    resp = await client.post(
        url + "/correct",
        data={"csrf": csrf, "note": "Corrects the harbour's name", "headline": "Port reopens"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await client.get(url)).text()
    assert "Version 1 → 2" in page
    assert '<li class="removed">Harbour reopens</li>' in page
    assert '<li class="added">Port reopens</li>' in page
    story = await client.app[WIRE].current(doc["guid"])
    assert story.version == 2
    assert "correction" in story.signals
    assert story.ed_note == "Corrects the harbour's name"


async def test_a_correction_needs_a_note(client: Client) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    resp = await client.post(story_url(doc["guid"]) + "/correct", data={"csrf": csrf, "note": ""})
    assert resp.status == 422
    assert (await client.app[WIRE].current(doc["guid"])).version == 1


async def test_the_story_view_shows_the_raw_input_it_came_from(client: Client) -> None:
    doc = await push(client, story_doc(headline="Harbour reopens"))
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get(story_url(doc["guid"]))).text()
    sha = doc["origin"]["raw_sha256"]
    assert f'href="/desk/raw/{sha}"' in page
    assert "&#34;headline&#34;: &#34;Harbour reopens&#34;" in page or "Harbour reopens" in page
    raw = await client.get(f"/desk/raw/{sha}")
    assert raw.headers["Content-Disposition"].startswith("attachment")


async def test_withhold_and_release_from_the_desk(client: Client) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    url = story_url(doc["guid"])
    await client.post(url + "/withhold", data={"csrf": csrf, "version": "1"})
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.WITHHELD
    page = await (await client.get(url)).text()
    assert ">Release</button>" in page
    assert ">Withhold</button>" not in page
    await client.post(url + "/release", data={"csrf": csrf, "version": "2"})
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_an_action_on_a_version_the_page_no_longer_shows_is_refused(
    client: Client,
) -> None:
    doc = await push(client, story_doc())
    await push(client, story_doc(guid=doc["guid"], headline="Newer"))
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    resp = await client.post(
        story_url(doc["guid"]) + "/withhold", data={"csrf": csrf, "version": "1"}
    )
    assert resp.status == 412
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_an_editor_cannot_kill(client: Client) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, EDITOR_KEY)
    csrf = await desk_csrf(client)
    resp = await client.post(story_url(doc["guid"]) + "/kill", data={"csrf": csrf, "note": "x"})
    assert resp.status == 403
    assert "admin" in await resp.text()
    assert (await client.app[WIRE].current(doc["guid"])).pub_status is PubStatus.USABLE


async def test_an_admin_kills_with_a_note_and_the_kill_is_final(client: Client) -> None:
    doc = await push(client, story_doc())
    await sign_in(client, ADMIN_KEY)
    csrf = await desk_csrf(client)
    url = story_url(doc["guid"])
    page = await (await client.get(url)).text()
    assert 'data-confirm="Kill this story?' in page  # the browser asks first
    await client.post(url + "/kill", data={"csrf": csrf, "note": "Legal"})
    story = await client.app[WIRE].current(doc["guid"])
    assert story.pub_status is PubStatus.CANCELED
    assert story.ed_note == "Legal"
    page = await (await client.get(url)).text()
    assert "A kill is final" in page
    assert ">Correct</button>" not in page
    resp = await client.post(url + "/withhold", data={"csrf": csrf})
    assert resp.status == 409


async def test_the_story_view_shows_who_was_sent_which_version(client: Client) -> None:
    doc = await push(client, story_doc())
    store = client.app[WIRE].store
    body = b'{"type":"story.created","timestamp":"2026-01-01T00:00:00Z","data":{"version":1}}'
    await store.enqueue(
        Delivery(
            id="msg_1",
            kind=DeliveryKind.WEBHOOK,
            target="http://127.0.0.1:9/hook",
            body=body,
            subject="daily",
            chain=f"webhook\ndaily\n{doc['guid']}",
        )
    )
    found = await store.get_delivery("msg_1")
    assert found is not None
    await store.update_delivery(
        Delivery(**{**_fields(found), "state": DeliveryState.DEAD, "last_error": "HTTP 500"})
    )
    await sign_in(client, EDITOR_KEY)
    page = await (await client.get(story_url(doc["guid"]))).text()
    row = page[page.index("<td>daily</td>") :]
    row = row[: row.index("</tr>")]
    assert "<td>1</td>" in row
    assert "story.created" in row
    assert "dead" in row
    assert "HTTP 500" in row
    assert ">Redeliver</button>" in row
    csrf = csrf_of_page(page)
    refused = await client.post("/desk/deliveries/msg_1/redeliver", data={"csrf": csrf})
    assert refused.status == 403  # redelivery needs admin, as in the API


def _fields(delivery: Delivery) -> dict[str, Any]:
    return {name: getattr(delivery, name) for name in delivery.__dataclass_fields__}


async def test_sources_and_failures_pages(client: Client) -> None:
    bad = await client.post(
        "/api/v1/stories",
        data=b"<rss><channel><item>",
        headers={"Authorization": f"Bearer {EDITOR_KEY}", "Content-Type": "application/rss+xml"},
    )
    assert bad.status == 422
    await sign_in(client, EDITOR_KEY)
    sources = await (await client.get("/desk/sources")).text()
    assert "agency" in sources
    assert "other" in sources
    failures = await (await client.get("/desk/failures")).text()
    sha = re.search(r'href="/desk/raw/([0-9a-f]{64})"', failures)
    assert sha is not None
    raw = await client.get(f"/desk/raw/{sha.group(1)}")
    assert await raw.read() == b"<rss><channel><item>"
