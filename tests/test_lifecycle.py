"""Corrections and kills reach every format, end to end through the running server.

A story pushed by the desk, corrected, then killed: each step read back as the
public reads it, in RSS, Atom, NewsML-G2 and ninjs, and through the story endpoints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from tests.clocks import FakeClock
from tests.desk_client import ADMIN, EDITOR, Client, ClientFactory, api_config, push, story_doc
from wire.web.app import create_app

NAR = "{http://iptc.org/std/nar/2006-10-01/}"


@pytest.fixture
async def desk(aiohttp_client: ClientFactory, tmp_path: Path) -> Client:
    return await aiohttp_client(
        create_app(api_config(tmp_path), clock=FakeClock(), start_jobs=False)
    )


async def _feed(client: Client, ext: str) -> bytes:
    resp = await client.get(f"/feeds/all.{ext}")
    assert resp.status == 200
    return await resp.read()


async def _correct(client: Client, guid: str) -> Any:
    resp = await client.post(
        f"/api/v1/stories/{guid}/correct",
        json={
            "body": ["Eleven lorries carried flour and medicine."],
            "ed_note": "Corrects the number of lorries.",
        },
        headers=EDITOR,
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_correction_keeps_the_guid_and_says_so_in_every_format(desk: Client) -> None:
    client = desk
    guid = (await push(client, story_doc()))["guid"]
    await _correct(client, guid)

    rss = feedparser.parse(await _feed(client, "rss"))
    (item,) = [e for e in rss.entries if e.id == guid]
    assert "Corrects the number of lorries." in item.description

    atom = feedparser.parse(await _feed(client, "atom"))
    (entry,) = [e for e in atom.entries if e.id == guid]
    assert entry.updated_parsed >= entry.published_parsed

    newsml = etree.fromstring(await _feed(client, "xml"))
    item_el = newsml.find(f".//{NAR}newsItem[@guid='{guid}']")
    assert item_el is not None
    assert item_el.get("version") == "2"
    signal = item_el.find(f"{NAR}itemMeta/{NAR}signal")
    assert signal is not None
    assert signal.get("qcode") == "sig:correction"
    assert item_el.findtext(f"{NAR}itemMeta/{NAR}edNote") == "Corrects the number of lorries."

    ninjs = json.loads(await _feed(client, "json"))
    (doc,) = [d for d in ninjs["items"] if d["uri"] == guid]
    assert doc["version"] == "2"
    assert doc["ednote"] == "Corrects the number of lorries."


async def test_a_kill_removes_the_story_and_leaves_a_tombstone(desk: Client) -> None:
    client = desk
    guid = (await push(client, story_doc()))["guid"]
    resp = await client.post(
        f"/api/v1/stories/{guid}/kill", json={"ed_note": "Legal"}, headers=ADMIN
    )
    assert resp.status == 200

    rss = feedparser.parse(await _feed(client, "rss"))
    [notice] = [e for e in rss.entries if e.id == guid]  # the same guid, its copy replaced
    assert notice.title == "Withdrawn: do not use"
    assert "Twelve lorries" not in json.dumps(notice)
    atom = etree.fromstring(await _feed(client, "atom"))
    tomb = atom.find("{http://purl.org/atompub/tombstones/1.0}deleted-entry")
    assert tomb is not None
    assert tomb.get("ref") == guid
    assert not [e for e in feedparser.parse(etree.tostring(atom)).entries if e.id == guid]

    item = etree.fromstring(await (await client.get(f"/stories/{guid}.xml")).read())
    status = item.find(f"{NAR}itemMeta/{NAR}pubStatus")
    assert status is not None
    assert status.get("qcode") == "stat:canceled"
    doc = json.loads(await (await client.get(f"/stories/{guid}.json")).read())
    assert doc["pubstatus"] == "canceled"
    assert "Twelve lorries" not in json.dumps(doc)  # a kill notice, never the copy
