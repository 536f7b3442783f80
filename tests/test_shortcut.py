"""The feed shortcut answers exactly what aiohttp would, keeps its connections
through cache misses, and hands every other request — pipelined, split,
malformed, oversized — to aiohttp intact."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.desk_client import api_config
from tests.feed_server import (
    EXPIRED_TOKEN,
    NOW,
    PARTNER_TOKEN,
    fill_and_render,
    make_config,
    serving,
    story,
)
from tests.servers import ShortcutTestServer
from wire.access import Authenticator
from wire.config import ServerSettings
from wire.model import PubStatus
from wire.publish.publisher import Publisher
from wire.service import Wire
from wire.store import open_store
from wire.store.base import Credential
from wire.tokens import hash_token
from wire.web.app import create_app
from wire.web.front import WRITTEN_FOR_AIOHTTP, Front, ShortcutSite
from wire.web.keys import PUBLISHER, WIRE
from wire.web.ratelimit import TokenBuckets
from wire.web.shortcut import POLL_HEAD_KEPT, POLLS_KEPT, FeedShortcut, Miss

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
AUTH = {"Authorization": f"Bearer {PARTNER_TOKEN}"}


pytestmark = pytest.mark.both_loops


@pytest.fixture
async def fast(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    return await serving(aiohttp_client, make_config(tmp_path / "fast"), shortcut=True)


@pytest.fixture
async def plain(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    return await serving(aiohttp_client, make_config(tmp_path / "plain"), shortcut=False)


def front_of(client: TestClient[Any, Any]) -> Front:
    server = client.server
    assert isinstance(server, ShortcutTestServer)
    return server.front


def wire_of(client: TestClient[Any, Any]) -> Wire:
    server = client.server
    assert isinstance(server, TestServer)
    return server.app[WIRE]


async def connect(client: TestClient[Any, Any]) -> tuple[asyncio.StreamReader, Any]:
    host, port = client.server.host, client.server.port
    assert port is not None
    return await asyncio.open_connection(host, port)


async def read_response(reader: asyncio.StreamReader, *, head: bool = False) -> tuple[int, bytes]:
    """(status, body) of one HTTP/1.1 response framed by Content-Length."""
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    status = int(status_line.split()[1])
    if head or status == 304:
        return status, b""
    return status, await reader.readexactly(length)


GET = "GET {} HTTP/1.1\r\nHost: wire.test\r\n{}\r\n"


async def assert_same_answer(ours: aiohttp.ClientResponse, theirs: aiohttp.ClientResponse) -> None:
    """The same status, body and headers from the shortcut as from aiohttp, but
    ``Date`` and what remains of a partner's quota (each server has its own
    bucket, refilling as time passes): that ``RateLimit`` is there on both."""
    assert ours.status == theirs.status
    assert await ours.read() == await theirs.read()
    assert ("RateLimit" in ours.headers) == ("RateLimit" in theirs.headers)
    drop = {"Date", "RateLimit"}
    assert {k: v for k, v in ours.headers.items() if k not in drop} == {
        k: v for k, v in theirs.headers.items() if k not in drop
    }


VARIANTS = [
    ("GET", "/feeds/all.rss", {}),
    ("GET", "/feeds/all.atom", {"Accept-Encoding": "gzip"}),
    ("GET", "/feeds/all.xml", {"Accept-Encoding": "gzip;q=0, identity"}),
    ("HEAD", "/feeds/all.json", {}),
    ("GET", "/feeds/agency.rss", AUTH),
    ("GET", f"/feeds/agency.atom?token={PARTNER_TOKEN}", {}),
    ("HEAD", "/feeds/agency.json", AUTH),
    ("GET", "/feeds/all.rss", {"If-Modified-Since": "Sat, 28 Nov 2026 12:00:00 GMT"}),
    ("GET", "/feeds/all.rss", {"If-Modified-Since": "Fri, 27 Nov 2026 12:00:00 GMT"}),
    ("GET", "/feeds/all.rss", {"If-None-Match": "*"}),
    ("GET", "/feeds/all.rss", {"If-None-Match": '"nope", W/"other"'}),
]


@pytest.mark.parametrize(("method", "path", "headers"), VARIANTS)
async def test_the_shortcut_answers_as_aiohttp_does(
    fast: TestClient[Any, Any],
    plain: TestClient[Any, Any],
    method: str,
    path: str,
    headers: dict[str, str],
) -> None:
    before = front_of(fast).answered
    ours = await fast.request(method, path, headers=headers, auto_decompress=False)
    theirs = await plain.request(method, path, headers=headers, auto_decompress=False)
    assert front_of(fast).answered == before + 1
    await assert_same_answer(ours, theirs)


async def test_the_etag_gives_304_through_the_shortcut(fast: TestClient[Any, Any]) -> None:
    first = await fast.get("/feeds/all.rss")
    before = front_of(fast).answered
    again = await fast.get("/feeds/all.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert front_of(fast).answered == before + 1


REFUSALS = [
    ("/feeds/agency.rss", {}, 401),  # partners only
    ("/feeds/agency.rss", {"Authorization": f"Bearer {EXPIRED_TOKEN}"}, 401),
    ("/feeds/agency.rss", {"Authorization": "Basic abc"}, 401),
    ("/feeds/all.rss", {"Authorization": "Bearer unknown"}, 401),
    ("/feeds/all.rss", AUTH, 403),  # not entitled
    ("HEAD /feeds/all.rss", AUTH, 403),
]


@pytest.mark.parametrize(("path", "headers", "status"), REFUSALS)
async def test_a_refusal_is_answered_by_the_shortcut_as_aiohttp_answers_it(
    fast: TestClient[Any, Any],
    plain: TestClient[Any, Any],
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    method, _, path = path.rpartition(" ")
    before = front_of(fast).answered
    ours = await fast.request(method or "GET", path, headers=headers)
    theirs = await plain.request(method or "GET", path, headers=headers)
    assert front_of(fast).answered == before + 1
    assert ours.status == status
    assert ours.headers["Content-Type"].startswith("application/problem+json")
    await assert_same_answer(ours, theirs)


async def test_a_refused_reader_keeps_its_connection_on_the_shortcut(
    fast: TestClient[Any, Any],
) -> None:
    front = front_of(fast)
    reader, writer = await connect(fast)
    for path, extra, status in [
        ("/feeds/agency.rss", "", 401),
        ("/feeds/agency.rss", f"Authorization: Bearer {PARTNER_TOKEN}\r\n", 200),
    ]:
        answered = front.answered
        writer.write(GET.format(path, extra).encode())
        got, _ = await read_response(reader)
        assert got == status
        assert front.answered == answered + 1
    writer.close()


async def test_the_rate_limit_is_answered_by_the_shortcut_with_retry_after(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    fast = await serving(
        aiohttp_client, make_config(tmp_path / "fast", rate_limit_per_minute=2), shortcut=True
    )
    plain = await serving(
        aiohttp_client, make_config(tmp_path / "plain", rate_limit_per_minute=2), shortcut=False
    )
    for client in (fast, plain):
        for _ in range(2):
            assert (await client.get("/feeds/all.rss")).status == 200
    before = front_of(fast).answered
    ours = await fast.get("/feeds/all.rss")
    theirs = await plain.get("/feeds/all.rss")
    assert front_of(fast).answered == before + 1
    assert ours.status == theirs.status == 429
    assert ours.headers["Retry-After"] == theirs.headers["Retry-After"]
    assert await ours.read() == await theirs.read()


@pytest.mark.parametrize(
    ("path", "status"), [("/feeds/nope.rss", 404), ("/feeds/all.rss?before=nonsense", 400)]
)
async def test_what_the_shortcut_cannot_answer_gets_aiohttps_problem(
    fast: TestClient[Any, Any], path: str, status: int
) -> None:
    before = front_of(fast).answered
    resp = await fast.get(path)
    assert resp.status == status
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert front_of(fast).answered == before


async def test_pipelined_requests_are_answered_in_order(fast: TestClient[Any, Any]) -> None:
    reader, writer = await connect(fast)
    get = "GET {} HTTP/1.1\r\nHost: wire.test\r\n\r\n"
    writer.write(
        "".join(get.format(p) for p in ["/feeds/all.rss", "/healthz", "/feeds/all.json"]).encode()
    )
    first, second, third = [await read_response(reader) for _ in range(3)]
    assert first[0] == second[0] == third[0] == 200
    assert first[1].startswith(b"<?xml")
    assert json.loads(second[1]) == {"status": "ok"}
    assert third[1].startswith(b"{")
    writer.close()


async def test_a_poll_after_a_change_stays_on_the_shortcut(fast: TestClient[Any, Any]) -> None:
    """The first poll after a push misses the cache; the shortcut assembles the view
    and answers it, and the connection stays for the polls after it."""
    front = front_of(fast)
    reader, writer = await connect(fast)
    writer.write(GET.format("/feeds/all.atom", "").encode())
    status, _ = await read_response(reader)
    assert status == 200
    wire = wire_of(fast)
    for n in range(3):
        await wire.save(story(f"urn:t:pushed-{n}"))
        await wire.bus.drain()
        answered = front.answered
        writer.write(GET.format("/feeds/all.atom", "").encode())
        status, after = await read_response(reader)
        assert status == 200
        assert f"urn:t:pushed-{n}".encode() in after
        assert front.answered == answered + 1
    writer.close()


async def test_requests_behind_a_miss_are_answered_in_order(fast: TestClient[Any, Any]) -> None:
    wire = wire_of(fast)
    await wire.save(story("urn:t:pushed"))
    await wire.bus.drain()
    reader, writer = await connect(fast)
    paths = ["/feeds/all.rss", "/feeds/all.json", "/healthz", "/feeds/all.rss"]
    writer.write("".join(GET.format(p, "") for p in paths).encode())
    responses = [await read_response(reader) for _ in paths]
    assert [status for status, _ in responses] == [200, 200, 200, 200]
    assert b"urn:t:pushed" in responses[0][1]
    assert json.loads(responses[1][1])["items"][0]["uri"] == "urn:t:pushed"
    assert json.loads(responses[2][1]) == {"status": "ok"}
    assert responses[3][1] == responses[0][1]
    writer.close()


async def test_a_miss_answers_as_aiohttp_does(
    fast: TestClient[Any, Any], plain: TestClient[Any, Any]
) -> None:
    for client in (fast, plain):
        await wire_of(client).save(story("urn:t:pushed"))
        await wire_of(client).bus.drain()
    for method, path, headers in VARIANTS:
        ours = await fast.request(method, path, headers=headers, auto_decompress=False)
        theirs = await plain.request(method, path, headers=headers, auto_decompress=False)
        await assert_same_answer(ours, theirs)


async def test_a_repeated_head_is_answered_as_aiohttp_does_before_and_after_a_change(
    fast: TestClient[Any, Any], plain: TestClient[Any, Any]
) -> None:
    """The shortcut remembers what each distinct head says and the answer it made
    for the rendering it served: the same head after a change gets the new
    rendering, as aiohttp's answer does."""
    first = await plain.get("/feeds/all.rss")
    held = {"If-None-Match": first.headers["ETag"]}
    polls = [*VARIANTS, ("GET", "/feeds/all.rss", held), ("GET", "/feeds/agency.rss", AUTH)]
    for round_ in range(3):
        if round_:
            for client in (fast, plain):
                await wire_of(client).save(story(f"urn:t:pushed-{round_}"))
                await wire_of(client).bus.drain()
        for method, path, headers in polls * 2:
            ours = await fast.request(method, path, headers=headers, auto_decompress=False)
            theirs = await plain.request(method, path, headers=headers, auto_decompress=False)
            await assert_same_answer(ours, theirs)


STORED_TOKEN = "wire_pt_stored-daily-token"


@pytest.mark.parametrize("seed", range(4))
async def test_random_polls_and_changes_get_aiohttps_answers(
    aiohttp_client: ClientFactory, tmp_path: Path, seed: int
) -> None:
    """A random sequence of polls (every variant, validators last seen, a token kept
    in the store and then revoked), of changes (new stories, corrections in
    either source, withholds and kills) and of time passing (the revocation
    reaching memory): after each, the shortcut, remembering its heads, answers
    exactly as aiohttp does."""
    rng = random.Random(seed)
    now = [NOW]
    clients = []
    for name, shortcut in (("fast", True), ("plain", False)):
        config = make_config(tmp_path / name)
        app = create_app(config, clock=lambda: now[0], start_jobs=False)
        clients.append(await aiohttp_client(ShortcutTestServer(app) if shortcut else app))
        await fill_and_render(app[WIRE], app[PUBLISHER], config)
    fast, plain = clients
    stored = {"Authorization": f"Bearer {STORED_TOKEN}"}
    for client in (fast, plain):
        store = wire_of(client).store
        await store.add_credential(
            Credential(hash_token(STORED_TOKEN), "partner", "daily", None, NOW, None)
        )
    paths = ["/feeds/all.rss", "/feeds/agency.atom", "/feeds/agency.json", "/feeds/all.xml"]
    seen: dict[tuple[str, str], str] = {}  # (path, reader) → the ETag aiohttp gave last
    guids: list[tuple[str, str]] = []
    revoked: datetime | None = None
    for step in range(60):
        roll = rng.random()
        if roll < 0.25:
            if guids and rng.random() < 0.5:
                guid, source = rng.choice(guids)
                status = rng.choice(list(PubStatus))
                version = {"pub_status": status, "headline": f"Changed at {step}"}
            else:
                guid, source = f"urn:t:random-{step}", rng.choice(["agency", "other"])
                guids.append((guid, source))
                version = {}
            for client in (fast, plain):
                changed = replace(story(guid, source), **version)  # type: ignore[arg-type]
                await wire_of(client).save(changed, editorial=True)
                await wire_of(client).bus.drain()
            continue
        if roll < 0.28:
            for client in (fast, plain):
                await wire_of(client).store.delete_credential(hash_token(STORED_TOKEN))
            revoked = revoked or now[0]
            continue
        if roll < 0.33:
            now[0] += timedelta(seconds=31)  # past what tokens are remembered for
            continue
        path = rng.choice(paths)
        reader, auth = rng.choice([("public", {}), ("partner", AUTH), ("stored", stored)])
        headers = dict(auth)
        if rng.random() < 0.5 and (path, reader) in seen:
            headers["If-None-Match"] = seen[path, reader]
        if rng.random() < 0.5:
            headers["Accept-Encoding"] = "gzip"
        method = rng.choice(["GET", "GET", "HEAD"])
        ours = await fast.request(method, path, headers=headers, auto_decompress=False)
        theirs = await plain.request(method, path, headers=headers, auto_decompress=False)
        await assert_same_answer(ours, theirs)
        if reader == "stored" and revoked and now[0] - revoked > timedelta(seconds=30):
            assert ours.status == 401  # the revocation has reached every path
        if "ETag" in theirs.headers:
            seen[path, reader] = theirs.headers["ETag"]


async def test_a_remembered_head_is_refused_once_its_token_expires(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    now = [NOW]
    config = make_config(tmp_path)
    daily = config.partners[0]
    expiring = replace(daily.tokens[0], expires=NOW + timedelta(minutes=1))
    config = replace(config, partners=(replace(daily, tokens=(expiring,)),))
    app = create_app(config, clock=lambda: now[0], start_jobs=False)
    client = await aiohttp_client(ShortcutTestServer(app))
    await fill_and_render(app[WIRE], app[PUBLISHER], config)
    front = front_of(client)
    reader, writer = await connect(client)
    head = GET.format("/feeds/agency.rss", f"Authorization: Bearer {PARTNER_TOKEN}\r\n").encode()
    for expected in (200, 200):
        writer.write(head)
        assert (await read_response(reader))[0] == expected
    now[0] = NOW + timedelta(minutes=2)
    answered = front.answered
    writer.write(head)
    assert (await read_response(reader))[0] == 401
    assert front.answered == answered + 1
    writer.close()


async def test_a_head_split_into_single_bytes_is_answered(fast: TestClient[Any, Any]) -> None:
    reader, writer = await connect(fast)
    for byte in b"GET /feeds/all.atom HTTP/1.1\r\nHost: wire.test\r\n\r\n":
        writer.write(bytes([byte]))
        await writer.drain()
    status, body = await read_response(reader)
    assert status == 200
    assert b"<feed" in body
    writer.close()


async def test_http_1_0_is_left_to_aiohttp(fast: TestClient[Any, Any]) -> None:
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.0\r\n\r\n")
    raw = await reader.read()  # aiohttp closes an HTTP/1.0 connection after answering
    assert raw.startswith(b"HTTP/1.0 200") or raw.startswith(b"HTTP/1.1 200")
    assert b"<rss" in raw
    writer.close()


async def test_a_malformed_request_gets_400_from_aiohttp(fast: TestClient[Any, Any]) -> None:
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.1\r\nBad Header\r\n\r\n")
    status, _ = await read_response(reader)
    assert status == 400
    writer.close()


async def test_an_oversized_head_is_refused_by_aiohttp(fast: TestClient[Any, Any]) -> None:
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.1\r\nX-Long: " + b"a" * 40_000 + b"\r\n\r\n")
    status, _ = await read_response(reader)
    assert status in (400, 431)
    writer.close()


async def test_a_client_that_reads_late_gets_every_response_whole(
    fast: TestClient[Any, Any],
) -> None:
    expected = await (await fast.get("/feeds/all.rss")).read()
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.1\r\nHost: wire.test\r\n\r\n" * 200)
    await asyncio.sleep(0.2)  # the server's send buffer fills; it must stop and resume
    bodies = [(await read_response(reader))[1] for _ in range(200)]
    assert all(body == expected for body in bodies)
    writer.close()


async def test_idle_connections_are_closed(fast: TestClient[Any, Any]) -> None:
    front = front_of(fast)
    front.keepalive_timeout = 0.3
    front.start()
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.1\r\nHost: wire.test\r\n\r\n")
    await read_response(reader)
    assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # closed by the server
    writer.close()


@pytest.fixture(scope="module")
def warm_shortcut(tmp_path_factory: pytest.TempPathFactory) -> FeedShortcut:
    """A shortcut over a real publisher whose feeds are rendered; the store is
    closed afterwards, so answering can only come from the cache."""
    config = make_config(tmp_path_factory.mktemp("shortcut"))

    async def prepare() -> FeedShortcut:
        store = open_store(config.server.database_url)
        await store.open()
        publisher = Publisher(config, store, lambda: NOW)
        await fill_and_render(Wire(config, store, lambda: NOW), publisher, config)
        await store.close()
        return FeedShortcut(
            publisher, Authenticator(config, store), TokenBuckets(10**9), lambda: NOW
        )

    return asyncio.run(prepare())


def test_the_memo_of_request_heads_is_bounded(tmp_path: Path) -> None:
    """Heads are remembered up to ``POLLS_KEPT``, each at most ``POLL_HEAD_KEPT``
    bytes long: a client sending endless distinct heads costs bounded memory."""
    config = make_config(tmp_path)
    store = open_store(config.server.database_url)
    publisher = Publisher(config, store, lambda: NOW)
    shortcut = FeedShortcut(
        publisher, Authenticator(config, store), TokenBuckets(10**9), lambda: NOW
    )
    long = GET.format("/feeds/all.rss", f"X-Long: {'x' * POLL_HEAD_KEPT}\r\n").encode()
    shortcut.answer(long, "127.0.0.1")
    assert shortcut.remembered == 0
    for n in range(POLLS_KEPT + 100):
        shortcut.answer(GET.format("/feeds/all.rss", f"X-N: {n}\r\n").encode(), "127.0.0.1")
    assert shortcut.remembered == POLLS_KEPT


TOKENS = [PARTNER_TOKEN, EXPIRED_TOKEN, "unknown", ""]
HOSTS = [[("Host", "wire.test")], [], [("Host", "wire.test"), ("Host", "other.test")]]
heads = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda method, path, query, version, hosts, headers: (
            f"{method} {path}{query} {version}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in [*hosts, *headers])
            + "\r\n"
        ).encode("utf-8", "surrogatepass"),
        st.sampled_from(["GET", "HEAD", "POST", "get", "G ET"]),
        st.sampled_from(["/feeds/all.rss", "/feeds/agency.atom", "/feeds/agency.json", "/x"]),
        st.one_of(
            st.just(""),
            st.sampled_from(TOKENS).map(lambda t: f"?token={t}"),
            st.text(max_size=20).map(lambda t: "?" + t),
        ),
        st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.1 x"]),
        st.sampled_from(HOSTS),
        st.lists(
            st.one_of(
                st.tuples(
                    st.just("Authorization"),
                    st.sampled_from(TOKENS).map(lambda t: f"Bearer {t}") | st.text(max_size=20),
                ),
                st.tuples(st.just("If-None-Match"), st.text(max_size=30)),
                st.tuples(st.just("Accept-Encoding"), st.text(max_size=30)),
                st.tuples(st.just("Connection"), st.sampled_from(["close", "keep-alive"])),
                st.tuples(st.just("Content-Length"), st.integers(0, 9).map(str)),
                st.tuples(st.text(max_size=10), st.text(max_size=20)),
            ),
            max_size=5,
        ),
    ),
)


@given(head=heads)
@settings(max_examples=500, deadline=None)
def test_any_head_is_declined_or_answered_with_what_the_reader_may_see(
    warm_shortcut: FeedShortcut, head: bytes
) -> None:
    answer = warm_shortcut.answer(head, "127.0.0.1")
    if answer is None:
        return
    if isinstance(answer, Miss):
        # Looked up or assembled before it is answered; only a reader that may read
        # the feed has a spec here.
        poll = answer.poll
        if poll.spec is not None and answer.reader.audience is not None:
            assert answer.reader.audience.may_read_feed(poll.feed, public=poll.spec.public)
        return
    status_and_headers = answer[0].decode("utf-8")
    assert status_and_headers.endswith("\r\n\r\n")
    if not status_and_headers.startswith(("HTTP/1.1 200 OK\r\n", "HTTP/1.1 304 ")):
        assert status_and_headers.startswith(("HTTP/1.1 401 ", "HTTP/1.1 403 ", "HTTP/1.1 429 "))
        assert "Content-Type: application/problem+json\r\n" in status_and_headers
        return
    if b" /feeds/agency." in head.split(b"\r\n", 1)[0]:
        # The partner-only feed goes out only to the partner's valid token.
        assert PARTNER_TOKEN.encode() in head
        assert "Cache-Control: private" in status_and_headers


async def test_a_head_ended_by_bare_line_feeds_is_not_left_waiting(
    fast: TestClient[Any, Any],
) -> None:
    reader, writer = await connect(fast)
    writer.write(b"GET /feeds/all.rss HTTP/1.1\nHost: wire.test\n\n")
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    assert status_line.startswith(b"HTTP/1.0 400 "), status_line
    writer.close()


@pytest.mark.parametrize("head", [
    b"GET /feeds/all.rss HTTP/1.1\r\n\r\n",
    b"GET /feeds/all.rss HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
])  # fmt: skip
def test_a_head_without_exactly_one_host_is_left_to_aiohttp(
    warm_shortcut: FeedShortcut, head: bytes
) -> None:
    assert warm_shortcut.answer(head, "127.0.0.1") is None


async def _status_of(client: TestClient[Any, Any], head: bytes) -> int | None:
    """The status aiohttp answers ``head`` with on a fresh connection (None: no answer)."""
    reader, writer = await connect(client)
    try:
        writer.write(head)
        line = await asyncio.wait_for(reader.readline(), timeout=2)
    except (TimeoutError, ConnectionError):
        return None
    finally:
        writer.close()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(head=heads)
async def test_the_shortcut_answers_only_what_aiohttp_answers_the_same_way(
    warm_shortcut: FeedShortcut, plain: TestClient[Any, Any], head: bytes
) -> None:
    """A differential test over the grammar of heads: whatever the shortcut answers,
    aiohttp alone answers with the same status (so nothing it refuses gets through)."""
    answer = warm_shortcut.answer(head, "127.0.0.1")
    if answer is None or isinstance(answer, Miss):
        return
    status = int(answer[0].split(b" ", 2)[1])
    assert await _status_of(plain, head) == status, head


def test_the_site_was_written_for_the_installed_aiohttp() -> None:
    """``ShortcutSite`` sets aiohttp's private ``BaseSite._server`` and reads
    ``_backlog``: a version it was not written for must be reviewed first."""
    installed = tuple(int(n) for n in aiohttp.__version__.split(".")[:2])
    low, high = WRITTEN_FOR_AIOHTTP
    assert low <= installed <= high, f"aiohttp {aiohttp.__version__}: review wire/web/front.py"
    assert {"_server", "_backlog"} <= set(web.BaseSite.__slots__)


NO_SS = shutil.which("ss") is None


@pytest.mark.skipif(NO_SS, reason="needs ss (iproute2) to read a socket's backlog")
async def test_the_listening_socket_queues_thousands_of_connections(tmp_path: Path) -> None:
    """A thousand pollers reconnecting at once must find room in the accept queue:
    the listen backlog is ``server.listen_backlog`` (2,048 by default), not 128."""
    assert ServerSettings().listen_backlog >= 1024
    runner = web.AppRunner(create_app(api_config(tmp_path), start_jobs=False))
    await runner.setup()
    site = ShortcutSite(runner, "127.0.0.1", 0, backlog=1500)
    try:
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        proc = await asyncio.create_subprocess_exec(
            "ss", "-ltnH", f"sport = :{port}", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await proc.communicate()
        somaxconn = await asyncio.to_thread(Path("/proc/sys/net/core/somaxconn").read_text)
        assert int(out.split()[2]) == min(1500, int(somaxconn))
    finally:
        await runner.cleanup()
