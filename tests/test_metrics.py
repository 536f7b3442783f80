"""``/metrics``: scraped after real traffic on both serving paths, polls, ingests and
pushes, parsed with prometheus_client's own parser; the queue gauges read from
the store on both backends; the token that guards it; the dashboard's queries."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.feed_server import NOW, make_config, serving, story
from tests.store_fixtures import on_database
from wire import __version__
from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.deliver.retry import store_outcome
from wire.duties import EmbargoWatch, Leadership
from wire.metrics import REGISTRY, metric_names
from wire.net.session import make_guarded_session
from wire.poll.sources import SourceRunner
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import SQLStore, sqlite_dsn
from wire.store.base import Delivery, DeliveryKind, DeliveryState, Subscription
from wire.tokens import hash_token
from wire.web.keys import PUBLISHER, WIRE

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
ServerFactory = Callable[..., Awaitable[TestServer]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "wire_mt_test-metrics-token"


def parse(text: str) -> Samples:
    """Every sample of a scrape, by name and labels (prometheus_client's parser)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def exposition() -> Samples:
    """This process's metrics as ``/metrics`` writes them, without an HTTP server."""
    return parse(generate_latest(REGISTRY).decode())


async def scrape(client: TestClient[Any, Any], **headers: str) -> Samples:
    """``GET /metrics`` on a connection of its own (a request the shortcut declines
    hands its connection to aiohttp for good; the polls after it must not follow)."""
    response = await client.get("/metrics", headers={**headers, "Connection": "close"})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(await response.text())


def requests(samples: Samples, status: str, path: str, family: str = "feeds") -> float:
    return value(samples, "wire_http_requests_total", family=family, status=status, path=path)


def app_of(client: TestClient[Any, Any]) -> web.Application:
    server = client.server
    assert isinstance(server, TestServer)
    return server.app


@pytest.fixture
async def fast(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    return await serving(aiohttp_client, make_config(tmp_path / "fast"), shortcut=True)


@pytest.fixture
async def plain(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    return await serving(aiohttp_client, make_config(tmp_path / "plain"), shortcut=False)


# requests on both paths --------------------------------------------------------------


async def test_polls_answered_by_the_shortcut_are_counted_as_fast(
    fast: TestClient[Any, Any],
) -> None:
    before = await scrape(fast)
    first = await fast.get("/feeds/all.rss")
    again = await fast.get("/feeds/all.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert (first.status, again.status) == (200, 304)
    after = await scrape(fast)

    assert requests(after, "200", "fast") - requests(before, "200", "fast") == 1
    assert requests(after, "304", "fast") - requests(before, "304", "fast") == 1
    assert requests(after, "200", "aiohttp") == requests(before, "200", "aiohttp")
    count = "wire_http_request_duration_seconds_count"
    assert value(after, count, family="feeds", path="fast") - value(
        before, count, family="feeds", path="fast"
    ) == pytest.approx(2)


async def test_requests_aiohttp_answers_are_counted_by_route_family(
    plain: TestClient[Any, Any],
) -> None:
    before = await scrape(plain)
    assert (await plain.get("/feeds/all.rss")).status == 200
    assert (await plain.get("/no/such/page")).status == 404
    assert (await plain.get("/api/v1/sources")).status == 401
    after = await scrape(plain)

    assert requests(after, "200", "aiohttp") - requests(before, "200", "aiohttp") == 1
    assert (
        requests(after, "404", "aiohttp", "unmatched")
        - requests(before, "404", "aiohttp", "unmatched")
        == 1
    )
    assert requests(after, "401", "aiohttp", "api") - requests(before, "401", "aiohttp", "api") == 1
    assert requests(after, "200", "fast") == requests(before, "200", "fast")


async def test_the_scrape_itself_is_counted_under_metrics(plain: TestClient[Any, Any]) -> None:
    before = await scrape(plain)
    after = await scrape(plain)
    assert (
        requests(after, "200", "aiohttp", "metrics") - requests(before, "200", "aiohttp", "metrics")
        == 1
    )


# the render cache ----------------------------------------------------------------------


async def test_render_cache_hits_and_misses_are_counted_per_format(
    fast: TestClient[Any, Any],
) -> None:
    app = app_of(fast)
    before = await scrape(fast)
    assert (await fast.get("/feeds/all.atom")).status == 200  # rendered by the fixture: a hit
    await app[WIRE].save(story("urn:t:new"))
    await app[WIRE].bus.drain()
    assert (await fast.get("/feeds/all.atom")).status == 200  # invalidated: a miss
    after = await scrape(fast)

    lookups = "wire_render_cache_lookups_total"
    for result in ("hit", "miss"):
        moved = value(after, lookups, format="atom", result=result) - value(
            before, lookups, format="atom", result=result
        )
        assert moved == 1, result
    renders = "wire_render_seconds_count"
    assert value(after, renders, format="atom") > value(before, renders, format="atom")


# ingest ---------------------------------------------------------------------------------


async def test_stories_ingested_and_inputs_failed_are_counted_per_source_and_format(
    plain: TestClient[Any, Any],
) -> None:
    app = app_of(plain)
    wire: Wire = app[WIRE]
    before = await scrape(plain)
    feed = (ROOT / "tests" / "fixtures" / "formats" / "rss_full.xml").read_bytes()
    good = await wire.ingest(feed, name="rss_full.xml", source="agency")
    bad = await wire.ingest(b"<nitf><body", name="broken.xml", fmt="nitf", source="other")
    assert good.stored >= 1
    assert bad.error is not None
    after = await scrape(plain)

    ingested = "wire_stories_ingested_total"
    assert (
        value(after, ingested, source="agency", format="rss")
        - value(before, ingested, source="agency", format="rss")
        == good.stored
    )
    failures = "wire_ingest_failures_total"
    assert (
        value(after, failures, source="other", format="nitf")
        - value(before, failures, source="other", format="nitf")
        == 1
    )


# polls ----------------------------------------------------------------------------------


async def test_poll_outcomes_are_counted_per_source(
    aiohttp_server: ServerFactory, store: SQLStore, tmp_path: Path
) -> None:
    answers: list[web.Response] = []
    feed = (ROOT / "tests" / "fixtures" / "formats" / "rss_full.xml").read_bytes()

    async def upstream(request: web.Request) -> web.Response:
        return answers.pop(0)

    app = web.Application()
    app.router.add_get("/feed.rss", upstream)
    server = await aiohttp_server(app)
    source = SourceConfig(
        name="watched", kind=SourceKind.HTTP, location=str(server.make_url("/feed.rss"))
    )
    config = Config(server=ServerSettings(data_dir=tmp_path), sources=(source,))
    jobs = Jobs()
    async with make_guarded_session(
        allow_private=False, allow_hosts=frozenset({"127.0.0.1"}), user_agent="wire-test"
    ) as session:
        runner = SourceRunner(Wire(config, store), jobs, session, jitter=lambda: 0.0)
        before = exposition()
        answers[:] = [
            web.Response(body=feed, headers={"ETag": '"v1"'}),
            web.Response(status=304),
            web.Response(status=429, headers={"Retry-After": "120"}),
            web.Response(status=500),
        ]
        for _ in range(4):
            await runner.run_source_once("watched")
        after = exposition()

    for outcome in ("200", "304", "backoff", "error"):
        moved = value(after, "wire_polls_total", source="watched", outcome=outcome) - value(
            before, "wire_polls_total", source="watched", outcome=outcome
        )
        assert moved == 1, outcome


# pushes and the queue -----------------------------------------------------------------


async def test_queue_depth_age_dead_letters_and_subscriptions_come_from_the_store(
    aiohttp_client: ClientFactory, tmp_path: Path, database: str
) -> None:
    config = on_database(make_config(tmp_path), database)
    client = await serving(aiohttp_client, config, shortcut=False)
    app = app_of(client)
    wire: Wire = app[WIRE]
    queued = NOW - timedelta(minutes=10)
    for n in range(3):
        await wire.store.enqueue(
            Delivery(
                f"hook-{n}",
                DeliveryKind.WEBHOOK,
                "https://partner.example/hook",
                b"{}",
                created_at=queued + timedelta(minutes=n),
                next_attempt_at=NOW,
            )
        )
    dead = Delivery(
        "sub-1", DeliveryKind.WEBSUB, "https://reader.example/cb", b"<feed/>", created_at=queued
    )
    await wire.store.enqueue(dead)
    await wire.store.update_delivery(
        Delivery(
            "sub-1",
            DeliveryKind.WEBSUB,
            dead.target,
            b"",
            attempts=10,
            state=DeliveryState.DEAD,
            last_error="HTTP 500",
        )
    )
    feed = app[PUBLISHER].feed_url("all", "atom")
    for callback in ("https://a.example/cb", "https://b.example/cb"):
        await wire.store.put_subscription(
            Subscription(feed, callback, expires_at=NOW + timedelta(days=1))
        )
    await wire.store.put_subscription(
        Subscription(feed, "https://gone.example/cb", expires_at=NOW - timedelta(days=1))
    )

    samples = await scrape(client)
    assert value(samples, "wire_delivery_queue_depth", kind="webhook") == 3
    assert value(samples, "wire_delivery_queue_oldest_seconds", kind="webhook") == 600
    assert value(samples, "wire_delivery_queue_depth", kind="websub") == 0
    assert value(samples, "wire_delivery_queue_oldest_seconds", kind="websub") == 0
    assert value(samples, "wire_dead_letters", kind="websub") == 1
    assert value(samples, "wire_dead_letters", kind="webhook") == 0
    assert value(samples, "wire_websub_subscriptions") == 2
    assert value(samples, "wire_store_up") == 1


async def test_push_outcomes_are_counted_by_kind_and_outcome(store: SQLStore) -> None:
    def counted(outcome: str) -> float:
        return value(exposition(), "wire_deliveries_total", kind="webhook", outcome=outcome)

    before = {o: counted(o) for o in ("delivered", "retry", "dead")}
    for n, (state, attempts) in enumerate(
        [(DeliveryState.DELIVERED, 1), (DeliveryState.PENDING, 1), (DeliveryState.DEAD, 10)]
    ):
        queued = Delivery(f"d-{n}", DeliveryKind.WEBHOOK, "https://p.example/h", b"{}")
        await store.enqueue(queued)
        await store_outcome(
            store,
            Delivery(
                queued.id,
                queued.kind,
                queued.target,
                b"",
                attempts=attempts,
                state=state,
                next_attempt_at=NOW if state is DeliveryState.PENDING else None,
            ),
        )
    for outcome in ("delivered", "retry", "dead"):
        assert counted(outcome) - before[outcome] == 1, outcome


# the process ----------------------------------------------------------------------------


async def test_build_info_names_wire_and_python(plain: TestClient[Any, Any]) -> None:
    samples = await scrape(plain)
    (labels,) = [dict(k) for name, k in samples if name == "wire_build_info"]
    assert labels["version"] == __version__
    assert re.fullmatch(r"3\.\d+\.\d+.*", labels["python"])
    assert any(name == "process_resident_memory_bytes" for name, _ in samples)


async def test_the_leader_flag_follows_the_leader_lock(tmp_path: Path) -> None:
    leader_store, other_store = SQLStore(sqlite_dsn(tmp_path)), SQLStore(sqlite_dsn(tmp_path))
    await leader_store.open()
    await other_store.open()
    jobs = Jobs()
    try:
        config = Config(server=ServerSettings(data_dir=tmp_path))
        wire = Wire(config, leader_store)
        async with aiohttp.ClientSession() as http:
            sources = SourceRunner(wire, jobs, http)

            async def nothing() -> None:
                return None

            leader = Leadership(
                leader_store, jobs, sources, EmbargoWatch(wire, jobs), nothing, wire.clock
            )
            await leader.tick()
            assert value(exposition(), "wire_leader") == 1
            # Another instance (a process of its own in production: one Leadership each).
            follower = Leadership(
                other_store, jobs, sources, EmbargoWatch(wire, jobs), nothing, wire.clock
            )
            await follower.tick()
            assert not follower.leading
            assert value(exposition(), "wire_leader") == 0
    finally:
        await jobs.aclose()
        await other_store.close()
        await leader_store.close()


# the token -----------------------------------------------------------------------------


@pytest.fixture
async def guarded(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    config = make_config(tmp_path, metrics_token_hash=hash_token(METRICS_TOKEN))
    return await serving(aiohttp_client, config, shortcut=True)


async def test_with_a_metrics_token_a_scrape_without_it_is_refused(
    guarded: TestClient[Any, Any],
) -> None:
    response = await guarded.get("/metrics")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == "application/problem+json"


async def test_with_a_metrics_token_another_token_is_refused(
    guarded: TestClient[Any, Any],
) -> None:
    response = await guarded.get("/metrics", headers={"Authorization": "Bearer wire_mt_other"})
    assert response.status == 401


async def test_with_a_metrics_token_a_scrape_with_it_is_answered(
    guarded: TestClient[Any, Any],
) -> None:
    samples = await scrape(guarded, Authorization=f"Bearer {METRICS_TOKEN}")
    assert any(name == "wire_build_info" for name, _ in samples)


# the dashboard --------------------------------------------------------------------------


def test_every_dashboard_query_names_only_metrics_wire_exports() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    exprs = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]
    assert len(exprs) >= 10
    named = {
        name
        for expr in exprs
        for name in re.findall(r"\b((?:wire|process|python)_[a-z_]+)\b", expr)
    }
    exported = metric_names()
    assert named, exprs
    assert named <= exported, sorted(named - exported)
    assert {"wire_http_requests_total", "wire_polls_total", "wire_leader"} <= named


def test_the_dashboard_is_a_grafana_dashboard_with_a_prometheus_data_source() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    assert dashboard["title"]
    assert dashboard["schemaVersion"] >= 30
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert {"type", "title", "gridPos"} <= panel.keys(), panel.get("title")
        if panel["type"] != "row":
            assert panel["datasource"]["type"] == "prometheus", panel["title"]


def test_with_the_fast_path_switched_off_polls_are_answered_by_aiohttp(tmp_path: Path) -> None:
    """``server.fast_path = false``: ``wire serve`` puts no shortcut in front."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.browser import free_port

    port = free_port()
    config = tmp_path / "wire.toml"
    config.write_text(
        f'[server]\nport = {port}\ndata_dir = "{tmp_path}"\nfast_path = false\n'
        '[[sources]]\nname = "desk"\nkind = "push"\n[[feeds]]\nname = "all"\ntitle = "All"\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                for _ in range(3):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/all.rss").read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    feeds = [
        s
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
        if s.name.endswith("_total") and s.labels.get("family") == "feeds"
    ]
    assert feeds
    assert {s.labels["path"] for s in feeds} == {"aiohttp"}
