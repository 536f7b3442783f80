"""The editor API under /api/v1, spoken to over real HTTP: each test one behaviour."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.clocks import START
from tests.desk_client import (
    ADMIN,
    API,
    DAILY_TOKEN,
    EDITOR,
    FIXTURES,
    Client,
    ClientFactory,
    json_headers,
    problem,
    push,
    story_doc,
)
from wire.config import load_config
from wire.store.base import Credential
from wire.tokens import hash_token
from wire.web.api import parse_if_match
from wire.web.app import create_app
from wire.web.keys import WIRE
from wire.web.problems import Problem

# POST /api/v1/stories ------------------------------------------------------------------


async def test_story_json_is_created_with_location_and_etag(client: Client) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc(), headers=EDITOR)
    assert resp.status == 201
    body = await resp.json()
    assert body["guid"].startswith("urn:wire:desk:")
    assert body["version"] == 1
    assert resp.headers["Location"] == f"/api/v1/stories/{body['guid']}"
    assert resp.headers["ETag"] == '"1"'


async def test_story_json_keeps_its_own_guid_and_attribution(client: Client) -> None:
    body = await push(client, story_doc(guid="urn:test:convoy"))
    assert body["guid"] == "urn:test:convoy"
    assert body["byline"] == ["Rania Saleh"]
    assert (body["dateline"]["place"], body["dateline"]["agency"]) == ("Gaza", "MINA")


async def test_story_json_gets_its_sources_policy(client: Client) -> None:
    resp = await client.post("/api/v1/stories?source=agency", json=story_doc(), headers=EDITOR)
    body = await resp.json()
    assert body["origin"]["source"] == "agency"
    assert body["credit_line"] == "Mi'raj News Agency (MINA)"


async def test_server_owns_version_numbers(client: Client) -> None:
    body = await push(client, story_doc(guid="urn:test:v", version=7))
    assert body["version"] == 1


async def test_raw_copy_comes_back_with_its_attribution_extracted(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories?source=agency&fetched_at=2026-11-28T11:00:00Z",
        data=(API / "raw-copy.txt").read_bytes(),
        headers={**EDITOR, "Content-Type": "text/plain; charset=utf-8"},
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["headline"] == "Aden Port Reopens to Container Ships After Storm Repairs"
    assert body["dateline"]["place"] == "Aden"
    assert body["credit_line"] == "Mi'raj News Agency (MINA)"
    assert {"name": "Reuters", "role": "reported-by"}.items() <= body["sources"][0].items()
    assert body["origin"]["fetched_at"] == "2026-11-28T11:00:00Z"
    assert resp.headers["Location"].startswith("/api/v1/stories/urn:wire:agency:")


async def test_article_page_is_extracted(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories?source=agency",
        data=(API / "article.html").read_bytes(),
        headers={**EDITOR, "Content-Type": "text/html"},
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["headline"] == "Flood barriers hold in Jakarta as rains ease"
    assert body["byline"] == ["Dewi Lestari"]


async def test_newsml_item_goes_through_the_structured_parser(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories",
        data=(FIXTURES / "upstream" / "item.newsml.xml").read_bytes(),
        headers={**EDITOR, "Content-Type": "application/vnd.iptc.g2.newsitem+xml"},
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["guid"] == "urn:newsml:agency.example:20260301:4001"
    assert body["credit_line"] == "Example Agency"


async def test_json_with_a_uri_is_read_as_ninjs(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories", data=(API / "ninjs.json").read_bytes(), headers=json_headers()
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["guid"] == "urn:example:ninjs:7001"
    assert body["byline"] == ["Omar Farouk"]


async def test_feed_with_several_items_answers_with_a_list(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories",
        data=(FIXTURES / "upstream" / "world-1.rss").read_bytes(),
        headers={**EDITOR, "Content-Type": "application/rss+xml"},
    )
    assert resp.status == 201
    body = await resp.json()
    assert len(body["stories"]) > 1
    assert body["created"] == len(body["stories"])


async def test_same_raw_copy_pushed_again_is_unchanged(client: Client) -> None:
    url = "/api/v1/stories?source=agency&fetched_at=2026-11-28T11:00:00Z"
    headers = {**EDITOR, "Content-Type": "text/plain"}
    data = (API / "raw-copy.txt").read_bytes()
    await client.post(url, data=data, headers=headers)
    again = await client.post(url, data=data, headers=headers)
    assert again.status == 200
    assert (await again.json())["version"] == 1


async def test_older_raw_copy_than_stored_is_a_conflict(client: Client) -> None:
    data = (API / "raw-copy.txt").read_bytes()
    headers = {**EDITOR, "Content-Type": "text/plain"}
    await client.post("/api/v1/stories?fetched_at=2026-11-28T11:00:00Z", data=data, headers=headers)
    # the same story (same dateline and opening words), an older edition of it
    older = data.replace(b"diverted cargo to Djibouti", b"diverted cargo elsewhere")
    resp = await client.post(
        "/api/v1/stories?fetched_at=2026-11-27T11:00:00Z", data=older, headers=headers
    )
    body = await problem(resp, 409)
    assert body["current_version"] == 1


async def test_unknown_content_type_is_415_naming_what_is_accepted(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories", data=b"\x89PNG", headers={**EDITOR, "Content-Type": "image/png"}
    )
    await problem(resp, 415)
    assert "text/plain" in resp.headers["Accept-Post"]


async def test_body_without_content_type_is_415(client: Client) -> None:
    resp = await client.post("/api/v1/stories", data=b"Headline\n\nBody.", headers=EDITOR)
    await problem(resp, 415)


async def test_body_over_the_size_cap_is_413(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories",
        data=b"x" * 70_000,
        headers={**EDITOR, "Content-Type": "text/plain"},
    )
    body = await problem(resp, 413)
    assert "65536" in body["detail"]


async def test_chunked_body_over_the_size_cap_is_413(client: Client) -> None:
    async def chunks() -> Any:
        for _ in range(20):
            yield b"y" * 8192

    resp = await client.post(
        "/api/v1/stories", data=chunks(), headers={**EDITOR, "Content-Type": "text/plain"}
    )
    await problem(resp, 413)


async def test_unknown_story_field_is_422_with_its_pointer(client: Client) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc(author="x"), headers=EDITOR)
    body = await problem(resp, 422)
    assert body["pointer"] == "/author"


async def test_nested_invalid_field_is_named_by_its_path(client: Client) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc(byline=["ok", ""]), headers=EDITOR)
    body = await problem(resp, 422)
    assert body["pointer"] == "/byline/1"


async def test_invalid_json_is_422_at_the_root(client: Client) -> None:
    resp = await client.post("/api/v1/stories", data=b"{nope", headers=json_headers())
    body = await problem(resp, 422)
    assert body["pointer"] == "/"


async def test_new_story_cannot_start_killed(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories", json=story_doc(pub_status="canceled"), headers=EDITOR
    )
    body = await problem(resp, 422)
    assert body["pointer"] == "/pub_status"


async def test_unknown_source_is_a_bad_parameter(client: Client) -> None:
    resp = await client.post("/api/v1/stories?source=nobody", json=story_doc(), headers=EDITOR)
    body = await problem(resp, 400)
    assert body["parameter"] == "source"


async def test_unparseable_fetched_at_is_a_bad_parameter(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories?fetched_at=yesterday",
        data=b"Headline\n\nBody text here.",
        headers={**EDITOR, "Content-Type": "text/plain"},
    )
    body = await problem(resp, 400)
    assert body["parameter"] == "fetched_at"


async def test_xxe_push_is_refused_and_the_file_never_read(client: Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9c", encoding="utf-8")
    hostile = (
        (FIXTURES / "upstream" / "xxe.rss")
        .read_bytes()
        .replace(b"file:///etc/passwd", secret.as_uri().encode())
    )
    resp = await client.post(
        "/api/v1/stories", data=hostile, headers={**EDITOR, "Content-Type": "application/xml"}
    )
    text = await resp.text()
    await problem(resp, 422)
    assert "TOP-SECRET" not in text
    failures = await (await client.get("/api/v1/failures", headers=EDITOR)).text()
    assert "TOP-SECRET" not in failures


async def test_entity_expansion_push_is_refused(client: Client) -> None:
    resp = await client.post(
        "/api/v1/stories",
        data=(FIXTURES / "upstream" / "billion-laughs.xml").read_bytes(),
        headers={**EDITOR, "Content-Type": "text/xml"},
    )
    body = await problem(resp, 422)
    assert "lollol" not in body["detail"]


async def test_failed_push_is_listed_as_a_failure(client: Client) -> None:
    await client.post(
        "/api/v1/stories", data=b"<rss><channel>", headers={**EDITOR, "Content-Type": "text/xml"}
    )
    resp = await client.get("/api/v1/failures", headers=EDITOR)
    failures = (await resp.json())["failures"]
    assert len(failures) == 1
    assert failures[0]["name"] == "push by rania"


# authentication and roles ----------------------------------------------------------------


async def test_no_key_is_401_with_a_bearer_challenge(client: Client) -> None:
    resp = await client.post("/api/v1/stories", json=story_doc())
    await problem(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unknown_key_is_401(client: Client) -> None:
    resp = await client.get(
        "/api/v1/sources", headers={"Authorization": "Bearer wire_ed_not-a-key"}
    )
    await problem(resp, 401)


async def test_partner_token_is_not_an_editor_key(client: Client) -> None:
    resp = await client.get("/api/v1/sources", headers={"Authorization": f"Bearer {DAILY_TOKEN}"})
    await problem(resp, 401)


async def test_key_stored_by_the_cli_path_works(client: Client) -> None:
    wire = client.app[WIRE]
    await wire.store.add_credential(
        Credential(hash_token("wire_ed_from-store"), "editor", "night-desk", "editor", START)
    )
    resp = await client.get(
        "/api/v1/sources", headers={"Authorization": "Bearer wire_ed_from-store"}
    )
    assert resp.status == 200


async def test_expired_key_is_401(client: Client) -> None:
    await client.app[WIRE].store.add_credential(
        Credential(
            hash_token("wire_ed_old"), "editor", "old", "editor", START, START - timedelta(days=1)
        )
    )
    resp = await client.get("/api/v1/sources", headers={"Authorization": "Bearer wire_ed_old"})
    body = await problem(resp, 401)
    assert "expired" in body["detail"]


async def test_editor_may_not_kill(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.post(f"/api/v1/stories/{story['guid']}/kill", headers=EDITOR)
    body = await problem(resp, 403)
    assert "admin" in body["detail"]


async def test_admin_kills(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.post(
        f"/api/v1/stories/{story['guid']}/kill", json={"ed_note": "legal"}, headers=ADMIN
    )
    assert resp.status == 200
    body = await resp.json()
    assert (body["pub_status"], body["ed_note"], body["version"]) == ("canceled", "legal", 2)


# PUT /api/v1/stories/{guid} -------------------------------------------------------------


async def test_put_creates_with_201_and_location(client: Client) -> None:
    resp = await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    assert resp.status == 201
    assert resp.headers["Location"] == "/api/v1/stories/urn:test:put"
    assert (await resp.json())["guid"] == "urn:test:put"


async def test_put_is_idempotent(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    again = await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    assert again.status == 200
    assert again.headers["ETag"] == '"1"'


async def test_put_with_current_if_match_writes_the_next_version(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        json=story_doc(headline="Convoy reaches Gaza City"),
        headers={**EDITOR, "If-Match": '"1"'},
    )
    assert resp.status == 200
    assert resp.headers["ETag"] == '"2"'


async def test_put_with_stale_if_match_is_412_naming_the_current_version(
    client: Client,
) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    await client.put(
        "/api/v1/stories/urn:test:put", json=story_doc(headline="Second"), headers=EDITOR
    )
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        json=story_doc(headline="Third"),
        headers={**EDITOR, "If-Match": '"1"'},
    )
    body = await problem(resp, 412)
    assert body["current_version"] == 2


async def test_weak_if_match_never_matches(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        json=story_doc(headline="Other"),
        headers={**EDITOR, "If-Match": 'W/"1"'},
    )
    await problem(resp, 412)


async def test_if_none_match_star_refuses_to_overwrite(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        json=story_doc(headline="Other"),
        headers={**EDITOR, "If-None-Match": "*"},
    )
    await problem(resp, 412)


async def test_put_guid_must_match_the_url(client: Client) -> None:
    resp = await client.put(
        "/api/v1/stories/urn:test:a", json=story_doc(guid="urn:test:b"), headers=EDITOR
    )
    body = await problem(resp, 422)
    assert body["pointer"] == "/guid"


async def test_put_cannot_change_the_status(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    resp = await client.put(
        "/api/v1/stories/urn:test:put", json=story_doc(pub_status="canceled"), headers=ADMIN
    )
    body = await problem(resp, 422)
    assert body["pointer"] == "/pub_status"


async def test_put_takes_only_story_json(client: Client) -> None:
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        data=b"Headline\n\nBody.",
        headers={**EDITOR, "Content-Type": "text/plain"},
    )
    await problem(resp, 415)


async def test_guid_with_slashes_round_trips_percent_encoded(client: Client) -> None:
    resp = await client.put(
        "/api/v1/stories/https%3A%2F%2Fagency.example%2Fa%2F1", json=story_doc(), headers=EDITOR
    )
    assert (await resp.json())["guid"] == "https://agency.example/a/1"
    located = await client.get(resp.headers["Location"], headers=EDITOR)
    assert (await located.json())["guid"] == "https://agency.example/a/1"


# actions ----------------------------------------------------------------------------------


async def test_correction_replaces_given_fields_and_flags_the_version(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.post(
        f"/api/v1/stories/{story['guid']}/correct",
        json={"headline": "Aid convoy reaches Gaza City", "ed_note": "Corrects city"},
        headers=EDITOR,
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["headline"] == "Aid convoy reaches Gaza City"
    assert body["byline"] == ["Rania Saleh"]
    assert "correction" in body["signals"]
    assert (body["ed_note"], body["version"]) == ("Corrects city", 2)


async def test_correction_needs_a_note(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.post(
        f"/api/v1/stories/{story['guid']}/correct", json={"headline": "X"}, headers=EDITOR
    )
    body = await problem(resp, 422)
    assert body["pointer"] == "/ed_note"


async def test_correction_with_stale_if_match_is_412(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.post(
        f"/api/v1/stories/{story['guid']}/correct",
        json={"headline": "X", "ed_note": "n"},
        headers={**EDITOR, "If-Match": '"5"'},
    )
    await problem(resp, 412)


async def test_withhold_takes_the_story_off_public_view(client: Client) -> None:
    story = await push(client, story_doc(guid="urn:test:w"))
    resp = await client.post("/api/v1/stories/urn:test:w/withhold", headers=EDITOR)
    assert (await resp.json())["pub_status"] == "withheld"
    public = await client.get("/stories/urn:test:w.json")
    assert public.status == 410  # the public had it: it learns of the withhold, nothing more
    notice = await public.json()
    assert notice["pubstatus"] == "withheld"
    assert story["headline"] not in json.dumps(notice)
    assert story["pub_status"] == "usable"


async def test_release_lifts_withhold_and_embargo(client: Client) -> None:
    await push(client, story_doc(guid="urn:test:e", embargoed_until="2026-12-01T00:00:00Z"))
    await client.post("/api/v1/stories/urn:test:e/withhold", headers=EDITOR)
    resp = await client.post(
        "/api/v1/stories/urn:test:e/release", json={"ed_note": "cleared"}, headers=EDITOR
    )
    body = await resp.json()
    assert (body["pub_status"], body["embargoed_until"]) == ("usable", None)
    assert (await client.get("/stories/urn:test:e.json")).status == 200


async def test_killed_story_cannot_be_released(client: Client) -> None:
    await push(client, story_doc(guid="urn:test:k"))
    await client.post("/api/v1/stories/urn:test:k/kill", headers=ADMIN)
    resp = await client.post("/api/v1/stories/urn:test:k/release", headers=EDITOR)
    body = await problem(resp, 409)
    assert body["current_version"] == 2


async def test_action_body_takes_only_a_note(client: Client) -> None:
    await push(client, story_doc(guid="urn:test:n"))
    resp = await client.post(
        "/api/v1/stories/urn:test:n/withhold", json={"reason": "x"}, headers=EDITOR
    )
    body = await problem(resp, 422)
    assert body["pointer"] == "/reason"


async def test_action_on_unknown_story_is_404(client: Client) -> None:
    resp = await client.post("/api/v1/stories/urn:test:none/withhold", headers=EDITOR)
    await problem(resp, 404)


# reading --------------------------------------------------------------------------------


async def test_editor_view_has_etag_and_review_fields(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.get(f"/api/v1/stories/{story['guid']}", headers=EDITOR)
    body = await resp.json()
    assert resp.headers["ETag"] == '"1"'
    assert {"removed", "review"} <= body.keys()


async def test_editor_view_answers_304_for_the_current_version(client: Client) -> None:
    story = await push(client, story_doc())
    resp = await client.get(
        f"/api/v1/stories/{story['guid']}", headers={**EDITOR, "If-None-Match": '"1"'}
    )
    assert resp.status == 304


async def test_unknown_story_is_404(client: Client) -> None:
    await problem(await client.get("/api/v1/stories/urn:test:none", headers=EDITOR), 404)


async def test_history_lists_every_version_oldest_first(client: Client) -> None:
    story = await push(client, story_doc())
    await client.post(
        f"/api/v1/stories/{story['guid']}/correct",
        json={"summary": "Twelve lorries.", "ed_note": "adds count"},
        headers=EDITOR,
    )
    resp = await client.get(f"/api/v1/stories/{story['guid']}/history", headers=EDITOR)
    versions = (await resp.json())["versions"]
    assert [v["version"] for v in versions] == [1, 2]


async def test_history_of_unknown_story_is_404(client: Client) -> None:
    resp = await client.get("/api/v1/stories/urn:test:none/history", headers=EDITOR)
    await problem(resp, 404)


async def test_sources_lists_the_configured_sources(client: Client) -> None:
    resp = await client.get("/api/v1/sources", headers=EDITOR)
    assert [s["name"] for s in (await resp.json())["sources"]] == ["agency", "other"]


async def test_dead_letters_start_empty(client: Client) -> None:
    resp = await client.get("/api/v1/deliveries/dead", headers=EDITOR)
    assert await resp.json() == {"deliveries": []}


async def test_redelivering_an_unknown_dead_letter_is_404(client: Client) -> None:
    resp = await client.post("/api/v1/deliveries/nope/redeliver", headers=ADMIN)
    await problem(resp, 404)


async def test_openapi_document_is_served_without_a_key(client: Client) -> None:
    resp = await client.get("/api/v1/openapi.yaml")
    assert resp.content_type == "application/yaml"
    spec = yaml.safe_load(await resp.text())
    assert spec["openapi"].startswith("3.1")


def _database_bytes(data_dir: Path) -> bytes:
    return b"".join(f.read_bytes() for f in data_dir.glob("wire.sqlite3*"))


async def test_key_printed_by_wire_keys_create_is_accepted_with_its_role(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config_file = tmp_path / "wire.toml"
    config_file.write_text(
        (API / "wire.toml")
        .read_text(encoding="utf-8")
        .replace("[server]\n", f"[server]\ndata_dir = {json.dumps(str(tmp_path))}\n"),
        encoding="utf-8",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wire",
        "keys",
        "create",
        "--role",
        "admin",
        "--config",
        str(config_file),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    key = out.decode().strip().splitlines()[-1]
    stored = _database_bytes(tmp_path)
    assert hash_token(key).encode() in stored
    assert key.encode() not in stored
    client = await aiohttp_client(create_app(load_config(config_file), start_jobs=False))
    story = await push(client, story_doc(), auth={"Authorization": f"Bearer {key}"})
    resp = await client.post(
        f"/api/v1/stories/{story['guid']}/kill", headers={"Authorization": f"Bearer {key}"}
    )
    assert resp.status == 200


@given(st.integers(0, 10**9), st.one_of(st.none(), st.integers(1, 10**9)))
def test_if_match_of_one_strong_version_is_that_version(version: int, current: int | None) -> None:
    assert parse_if_match(f'"{version}"', current) == version


@given(st.text(max_size=40), st.one_of(st.none(), st.integers(1, 10**9)))
def test_if_match_is_a_version_or_a_412(header: str, current: int | None) -> None:
    try:
        expected = parse_if_match(header, current)
    except Problem as exc:
        refused = exc
    else:
        assert expected is not None
        assert expected == current or f'"{expected}"' in header
        return
    assert refused.status == 412


async def test_killed_story_cannot_be_replaced(client: Client) -> None:
    await push(client, story_doc(guid="urn:test:k"))
    await client.post("/api/v1/stories/urn:test:k/kill", headers=ADMIN)
    resp = await client.put("/api/v1/stories/urn:test:k", json=story_doc(), headers=ADMIN)
    await problem(resp, 409)


async def test_non_ascii_digits_in_if_match_never_match(client: Client) -> None:
    await client.put("/api/v1/stories/urn:test:put", json=story_doc(), headers=EDITOR)
    resp = await client.put(
        "/api/v1/stories/urn:test:put",
        json=story_doc(headline="Other"),
        headers={**EDITOR, "If-Match": '"²"'},
    )
    await problem(resp, 412)


async def test_non_ascii_digits_are_not_a_limit(client: Client) -> None:
    resp = await client.get("/api/v1/failures?limit=²", headers=EDITOR)
    body = await problem(resp, 400)
    assert body["parameter"] == "limit"
