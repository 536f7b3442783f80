"""Every channel shows every audience exactly what the visibility rule says.

Hypothesis draws sequences of desk operations — create in one of two sources,
with or without an embargo, correct, withhold, release, re-embargo, move to
another source, kill, let time pass — and after each step every channel is
read over real HTTP by every audience: the four formats of every feed it may
read, ``/stories/{guid}.json``, the cursor API from the start and from where it
last stopped, and the webhooks received by real local endpoints. What each
audience should see is worked out here from the story's whole history (an
oracle written apart from ``wire.visibility``): visible with the current
version, announced as killed or withheld (it could have seen an earlier
version), or not there at all — and never a word of a hidden or removed copy.
It runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.clocks import FakeClock
from tests.servers import Recorder, recording
from tests.store_fixtures import BACKENDS, fresh_database
from wire.config import Config, parse_config
from wire.store.base import Credential
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.keys import EMBARGO, HOOKS, HUB, WIRE

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SOURCES = ("alpha", "beta")
ADMIN = {"Authorization": "Bearer wire_ed_visibility-admin"}
FORMATS = ("rss", "atom", "xml", "json")
EXAMPLES = int(os.environ.get("WIRE_VISIBILITY_EXAMPLES", "25"))

# Who reads: the feeds each may read (feed → its sources), its source rights, embargo rights.
FEEDS = {"all": None, "alpha": ("alpha",), "beta": ("beta",)}
PUBLIC_FEEDS = ("all", "beta")


@dataclass(frozen=True)
class Reader:
    name: str
    token: str | None
    feeds: tuple[str, ...]
    sources: tuple[str, ...] | None
    embargo: bool

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


REMEMBERED = timedelta(seconds=30)  # how long a found stored token is remembered
STORED_TOKEN = "wire_pt_alpha-stored"  # a stored token of "alpha-desk", revoked by an operation
READERS = (
    Reader("public", None, PUBLIC_FEEDS, None, False),
    Reader("alpha-desk", "wire_pt_alpha", ("alpha",), ("alpha",), False),
    Reader("everything", "wire_pt_all", ("all", "alpha", "beta"), None, True),
    Reader("beta-reader", "wire_pt_beta", ("all",), ("beta",), False),
)
PARTNERS = [r for r in READERS if r.token]


# -- the oracle -----------------------------------------------------------------------


@dataclass
class Version:
    number: int
    status: str  # usable · withheld · canceled
    source: str
    embargo: datetime | None
    saved: datetime
    headline: str
    body: str


@dataclass
class Tracked:
    guid: str
    versions: list[Version] = field(default_factory=list)

    @property
    def current(self) -> Version:
        return self.versions[-1]


def _selects(feed: str, source: str) -> bool:
    wanted = FEEDS[feed]
    return wanted is None or source in wanted


def _readable(reader: Reader, version: Version, feeds: tuple[str, ...]) -> bool:
    if reader.sources is not None and version.source not in reader.sources:
        return False
    return any(_selects(f, version.source) for f in feeds)


def expected(reader: Reader, story: Tracked, now: datetime, feeds: tuple[str, ...]) -> str | None:
    """ "usable", "canceled" or "withheld" (announced), or None (hidden), through ``feeds``."""
    cur = story.current
    if (
        cur.status == "usable"
        and _readable(reader, cur, feeds)
        and (reader.embargo or cur.embargo is None or cur.embargo <= now)
    ):
        return "usable"
    for earlier, following in zip(story.versions, story.versions[1:], strict=False):
        if earlier.status != "usable" or not _readable(reader, earlier, feeds):
            continue
        if reader.embargo or earlier.embargo is None or earlier.embargo <= following.saved:
            return "canceled" if cur.status == "canceled" else "withheld"
    return None


# -- the server under test ----------------------------------------------------------------


def config(folder: Path, database: str, recorder: Recorder) -> Config:
    raw = {
        "server": {
            "data_dir": str(folder),
            "database": database,
            "base_url": "http://wire.test",
            "rate_limit_per_minute": 1_000_000,
            "allow_private_callbacks": True,
        },
        "sources": [{"name": s, "kind": "push"} for s in SOURCES],
        "feeds": [
            {
                "name": name,
                "title": f"Feed {name}",
                "size": 50,
                "public": name in PUBLIC_FEEDS,
                **({"filter": {"sources": list(src)}} if src else {}),
            }
            for name, src in FEEDS.items()
        ],
        "partners": [
            {
                "name": r.name,
                "feeds": list(r.feeds),
                **({"sources": list(r.sources)} if r.sources is not None else {}),
                "embargo": r.embargo,
                "webhook_url": recorder.url(f"/hook/{r.name}"),
                "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "tokens": [{"hash": hash_token(r.token or "")}],
            }
            for r in PARTNERS
        ],
        "editor_keys": [
            {"name": "chief", "role": "admin", "hash": hash_token("wire_ed_visibility-admin")}
        ],
    }
    return parse_config(raw, base_dir=folder, env={})


# -- reading every channel ---------------------------------------------------------------


def _feed_items(fmt: str, data: bytes) -> dict[str, tuple[str, int | None]]:
    """guid → (status, version) as each format states it."""
    if fmt == "json":
        doc = json.loads(data)
        return {i["uri"]: (i["pubstatus"], int(i["version"])) for i in doc["items"]}
    root = etree.fromstring(data)
    wire_ns = "https://wire.example/ns/1.0"
    out: dict[str, tuple[str, int | None]]
    if fmt == "rss":
        out = {}
        for item in root.iter("item"):
            status = item.findtext(f"{{{wire_ns}}}pubStatus")
            version = item.findtext(f"{{{wire_ns}}}version")
            out[item.findtext("guid") or ""] = (status or "", int(version or 0))
        return out
    if fmt == "atom":
        atom = "http://www.w3.org/2005/Atom"
        tomb = "http://purl.org/atompub/tombstones/1.0"
        out = {
            e.findtext(f"{{{atom}}}id") or "": (
                "usable",
                int(e.findtext(f"{{{wire_ns}}}version") or 0),
            )
            for e in root.iter(f"{{{atom}}}entry")
        }
        for gone in root.iter(f"{{{tomb}}}deleted-entry"):
            comment = gone.findtext(f"{{{tomb}}}comment") or ""
            status = "canceled" if comment.startswith("Killed") else "withheld"
            out[gone.get("ref") or ""] = (status, None)
        return out
    g2 = "http://iptc.org/std/nar/2006-10-01/"
    out = {}
    for item in root.iter(f"{{{g2}}}newsItem"):
        status_el = item.find(f"{{{g2}}}itemMeta/{{{g2}}}pubStatus")
        qcode = status_el.get("qcode", "") if status_el is not None else ""
        out[item.get("guid") or ""] = (qcode.removeprefix("stat:"), int(item.get("version") or 0))
    return out


class World:
    """The running server, its clock, the oracle's stories and each reader's cursors."""

    def __init__(self, client: TestClient[Any, Any], clock: FakeClock, pushed: Recorder):
        self.client = client
        self.clock = clock
        self.pushed = pushed  # partners' webhook receivers and WebSub callbacks
        self.stories: dict[str, Tracked] = {}
        self.cursors: dict[tuple[str, str], str | None] = {}
        self.cursor_seen: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
        self.revoked: datetime | None = None

    async def subscribe(self) -> None:
        """alpha-desk's stored token, and a WebSub subscription to its partners-only
        feed made with it."""
        store = self.app[WIRE].store
        await store.add_credential(Credential(hash_token(STORED_TOKEN), "partner", "alpha-desk"))
        callback = self.pushed.url("/websub/alpha-desk")
        resp = await self.client.post(
            "/websub",
            data={
                "hub.mode": "subscribe",
                "hub.topic": "http://wire.test/feeds/alpha.atom",
                "hub.callback": callback,
            },
            headers={"Authorization": f"Bearer {STORED_TOKEN}"},
        )
        assert resp.status == 202, await resp.text()
        await self.settle()
        assert self.pushed.websub("/websub/alpha-desk") == [("subscribe", b"")]

    @property
    def app(self) -> web.Application:
        app: web.Application = self.client.app
        return app

    async def settle(self) -> None:
        for _ in range(3):
            await self.app[WIRE].bus.drain()
            await self.app[HOOKS].drain()
            await self.app[HUB].drain()

    # operations ---------------------------------------------------------------------

    async def run(self, op: tuple[Any, ...]) -> None:
        kind, n, arg = op
        guid = f"urn:vis:{n}"
        story = self.stories.get(guid)
        now = self.clock.now
        if kind == "wait":
            self.clock.now += timedelta(minutes=arg)
            await self.app[EMBARGO].release_due()
            return
        if kind == "revoke":
            if self.revoked is None:
                await self.app[WIRE].store.delete_credential(hash_token(STORED_TOKEN))
                self.revoked = now
            return
        if story is None:
            if kind != "create":
                return
            source, embargo_minutes = arg
            embargo = None if embargo_minutes is None else now + timedelta(minutes=embargo_minutes)
            await self._put(guid, source, embargo, method="post")
            self.stories[guid] = Tracked(guid)
            self._track(guid, 1, "usable", source, embargo)
            return
        cur = story.current
        if cur.status == "canceled":
            return
        if kind == "correct":
            version = cur.number + 1
            resp = await self.client.post(
                f"/api/v1/stories/{guid}/correct",
                json={
                    "headline": f"Headline {n} v{version}",
                    "body": [f"Body {n} v{version}."],
                    "ed_note": "Corrects a name",
                },
                headers=ADMIN,
            )
            assert resp.status == 200, await resp.text()
            number = (await resp.json())["version"]
            self._track(guid, number, cur.status, cur.source, cur.embargo, rewritten=True)
        elif kind in ("withhold", "release", "kill"):
            resp = await self.client.post(f"/api/v1/stories/{guid}/{kind}", headers=ADMIN)
            assert resp.status == 200, await resp.text()
            status = {"withhold": "withheld", "release": "usable", "kill": "canceled"}[kind]
            embargo = None if kind == "release" else cur.embargo
            self._track(guid, (await resp.json())["version"], status, cur.source, embargo)
        elif kind == "reembargo":
            embargo = now + timedelta(minutes=arg)
            version = await self._put(guid, cur.source, embargo, method="put")
            self._track(guid, version, cur.status, cur.source, embargo, rewritten=True)
        elif kind == "move":
            source = SOURCES[(SOURCES.index(cur.source) + 1) % len(SOURCES)]
            version = await self._put(guid, source, cur.embargo, method="put")
            self._track(guid, version, cur.status, source, cur.embargo, rewritten=True)

    async def _put(self, guid: str, source: str, embargo: datetime | None, *, method: str) -> int:
        """A POST (new story) or PUT of story JSON; the version the server answers."""
        n = guid.rsplit(":", 1)[1]
        story = self.stories.get(guid)
        version = story.current.number + 1 if story else 1
        doc: dict[str, Any] = {
            "guid": guid,
            "headline": f"Headline {n} v{version}",
            "body": [f"Body {n} v{version}."],
            "origin": {"source": source},
            "embargoed_until": embargo.isoformat().replace("+00:00", "Z") if embargo else None,
        }
        if method == "post":
            resp = await self.client.post("/api/v1/stories", json=doc, headers=ADMIN)
        else:
            resp = await self.client.put(f"/api/v1/stories/{guid}", json=doc, headers=ADMIN)
        assert resp.status in (200, 201), await resp.text()
        got: int = (await resp.json())["version"]
        return got

    def _track(
        self,
        guid: str,
        number: int,
        status: str,
        source: str,
        embargo: datetime | None,
        *,
        rewritten: bool = False,
    ) -> None:
        """Record the version the server answered with, if it is a new one; its copy
        is the version's own when ``rewritten`` (the request sent new copy)."""
        story = self.stories[guid]
        if story.versions and story.current.number == number:
            return  # nothing changed: no new version
        n = guid.rsplit(":", 1)[1]
        fresh = rewritten or not story.versions
        headline = f"Headline {n} v{number}" if fresh else story.current.headline
        body = f"Body {n} v{number}." if fresh else story.current.body
        story.versions.append(
            Version(
                number,
                status,
                source,
                embargo,
                self.clock.now,
                headline,
                body,
            )
        )

    # checks ------------------------------------------------------------------------

    async def check(self) -> None:
        await self.settle()
        now = self.clock.now
        for reader in READERS:
            for feed in reader.feeds:
                want = {
                    g: s
                    for g, t in self.stories.items()
                    if (s := expected(reader, t, now, (feed,)))
                }
                await self._check_feed(reader, feed, want)
                await self._check_cursor(reader, feed, want)
            await self._check_story_urls(reader, now)
            if reader.token:
                self._check_webhooks(reader, now)
        await self._check_revocable()

    async def _check_revocable(self) -> None:
        """The stored token reads its partner's feed until revoked, and its WebSub
        subscription carries that partner's view until then, and nothing after."""
        headers = {"Authorization": f"Bearer {STORED_TOKEN}"}
        resp = await self.client.get("/feeds/alpha.atom", headers=headers)
        if self.revoked is None:
            assert resp.status == 200
        elif self.clock.now >= self.revoked + REMEMBERED:
            assert resp.status == 401  # polls: within the 30 s a found token is remembered
        assert resp.status in (200, 401)
        log = self.pushed.websub("/websub/alpha-desk")
        if "denied" in [mode for mode, _ in log]:
            assert self.revoked is not None
            assert log[-1][0] == "denied"  # nothing pushed after the subscription ended
            return
        posts = [body for mode, body in log if mode == "post"]
        if posts and self.revoked is None:
            current = await self.client.get("/feeds/alpha.atom", headers=headers)
            assert posts[-1] == await current.read()  # the partner's own view, as polled

    def _forbidden_text(
        self, reader: Reader, feed_scope: tuple[str, ...], now: datetime
    ) -> set[str]:
        """Copy that must not reach this reader: every version's, unless visible now."""
        out = set()
        for story in self.stories.values():
            texts = {t for v in story.versions for t in (v.headline, v.body)}
            if expected(reader, story, now, feed_scope) == "usable":
                texts -= {story.current.headline, story.current.body}
            out |= texts
        return out

    async def _check_feed(self, reader: Reader, feed: str, want: dict[str, str]) -> None:
        forbidden = self._forbidden_text(reader, (feed,), self.clock.now)
        for fmt in FORMATS:
            resp = await self.client.get(f"/feeds/{feed}.{fmt}", headers=reader.headers)
            assert resp.status == 200, (reader.name, feed, fmt, await resp.text())
            data = await resp.read()
            got = _feed_items(fmt, data)
            states = {g: s for g, (s, _v) in got.items()}
            assert states == want, (reader.name, feed, fmt)
            for guid, (state, version) in got.items():
                if state == "usable" or fmt != "atom":
                    assert version == self.stories[guid].current.number, (reader.name, feed, fmt)
            text = data.decode("utf-8")
            leaked = {t for t in forbidden if t in text}
            assert not leaked, (reader.name, feed, fmt, leaked)

    async def _check_cursor(self, reader: Reader, feed: str, want: dict[str, str]) -> None:
        fresh = await self._read_cursor(reader, feed, None)
        assert {g: s for g, (s, _v) in fresh[0].items()} == want, (reader.name, feed, "cursor")
        key = (reader.name, feed)
        got, self.cursors[key] = await self._read_cursor(reader, feed, self.cursors.get(key))
        seen = self.cursor_seen.setdefault(key, {})
        seen.update(got)
        assert {g: s for g, (s, _v) in seen.items()} == want, (reader.name, feed, "resume")
        for guid, (state, version) in seen.items():
            if state == "usable":
                assert version == self.stories[guid].current.number, (reader.name, feed)

    async def _read_cursor(
        self, reader: Reader, feed: str, after: str | None
    ) -> tuple[dict[str, tuple[str, int]], str | None]:
        got: dict[str, tuple[str, int]] = {}
        while True:
            params = {"limit": "3", **({"after": after} if after else {})}
            resp = await self.client.get(
                f"/api/v1/feeds/{feed}/items", params=params, headers=reader.headers
            )
            assert resp.status == 200, await resp.text()
            body = await resp.json()
            for item in body["items"]:
                got[item["guid"]] = (item["pub_status"], item["version"])
            after = body["next"]
            if not body["more"]:
                return got, after

    async def _check_story_urls(self, reader: Reader, now: datetime) -> None:
        for guid, story in self.stories.items():
            state = expected(reader, story, now, reader.feeds)
            resp = await self.client.get(f"/stories/{guid}.json", headers=reader.headers)
            status = {None: 404, "usable": 200}.get(state, 410)
            assert resp.status == status, (reader.name, guid, state)
            text = await resp.text()
            if state == "usable":
                assert story.current.headline in text
            else:
                for version in story.versions:
                    assert version.headline not in text, (reader.name, guid)

    def _check_webhooks(self, reader: Reader, now: datetime) -> None:
        last: dict[str, tuple[str, int]] = {}
        for payload in map(json.loads, self.pushed.posts(f"/hook/{reader.name}")):
            data = payload["data"]
            guid = data["guid"]
            previous = last.get(guid)
            assert previous is None or previous[1] <= data["version"], (reader.name, guid)
            last[guid] = (data["pub_status"], data["version"])
        for guid, story in self.stories.items():
            state = expected(reader, story, now, reader.feeds)
            if state is None:
                assert guid not in last, (reader.name, guid, "webhook for a hidden story")
            else:
                assert guid in last, (reader.name, guid, state)
                assert last[guid][0] == state, (reader.name, guid, last[guid], state)
                if state == "usable":
                    assert last[guid][1] == story.current.number


# -- the property -------------------------------------------------------------------------

numbers = st.integers(0, 3)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            numbers,
            st.tuples(st.sampled_from(SOURCES), st.sampled_from([None, None, -30, 30])),
        ),
        st.tuples(
            st.sampled_from(["correct", "withhold", "release", "kill", "move"]), numbers, st.none()
        ),
        st.tuples(st.just("reembargo"), numbers, st.sampled_from([20, 90])),
        st.tuples(st.just("wait"), st.just(0), st.sampled_from([10, 45])),
        st.tuples(st.just("revoke"), st.just(0), st.none()),
    ),
    min_size=1,
    max_size=9,
)


async def scenario(backend: str, ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with fresh_database(backend, folder) as database, recording() as pushed:
            clock = FakeClock(START)
            app = create_app(config(folder, database, pushed), clock=clock, start_jobs=False)
            async with TestClient(TestServer(app)) as client:
                world = World(client, clock, pushed)
                await world.subscribe()
                for op in ops:
                    await world.run(op)
                    await world.check()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_channel_shows_every_audience_what_the_rule_says(backend: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(ops=operations)
    def run(ops: list[tuple[Any, ...]]) -> None:
        asyncio.run(scenario(backend, ops))

    run()
