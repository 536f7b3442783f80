"""One input never stalls the server: limits checked while parsing, large inputs in
worker processes with a time limit, memory returned afterwards."""

from __future__ import annotations

import asyncio
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.desk_client import EDITOR, ClientFactory, api_config
from wire.errors import InputTooLarge, MalformedInput
from wire.ingest.limits import Limits
from wire.ingest.pipeline import parse_input
from wire.ingest.workers import PROCESS_THRESHOLD, ParseWorkers
from wire.web.app import create_app

FETCHED = datetime(2026, 12, 1, tzinfo=UTC)


def many_links(count: int) -> bytes:
    return (
        b"<html><body><article><p>" + b"<a href='#'>x</a>" * count + b"</p></article></body></html>"
    )


def deep_rss(depth: int) -> bytes:
    return (
        b'<rss version="2.0"><channel><title>t</title><item><title>i</title><description>'
        + b"</description>"
        + b"<x>" * depth
        + b"</x>" * depth
        + b"</item></channel></rss>"
    )


def big_copy(paragraphs: int) -> bytes:
    para = "MOSCOW, MINA - Russia said on Thursday that it recognises the new government. " * 6
    return ("Russia recognises new government\n\n" + "\n\n".join([para] * paragraphs)).encode()


def test_a_million_elements_are_refused_before_any_tree_is_built() -> None:
    data = many_links(1_000_000)
    started = time.monotonic()
    with pytest.raises(InputTooLarge, match="elements"):
        parse_input(data, name="links", fetched_at=FETCHED, max_bytes=len(data) + 1)
    assert time.monotonic() - started < 2.0


def test_xml_nested_deeper_than_the_limit_is_refused_while_parsing() -> None:
    with pytest.raises(InputTooLarge, match="deeper than 50"):
        parse_input(deep_rss(60), name="deep", fetched_at=FETCHED, limits=Limits(max_depth=50))
    assert parse_input(deep_rss(10), name="ok", fetched_at=FETCHED, limits=Limits(max_depth=50))


def test_xml_with_more_elements_than_the_limit_is_refused_while_parsing() -> None:
    items = b"".join(b"<item><title>t</title></item>" for _ in range(400))
    data = b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"
    with pytest.raises(InputTooLarge, match="more than 500 elements"):
        parse_input(data, name="wide", fetched_at=FETCHED, limits=Limits(max_elements=500))


async def test_a_large_input_parses_in_a_process_to_the_same_stories() -> None:
    data = big_copy(600)
    assert len(data) > PROCESS_THRESHOLD
    workers = ParseWorkers(seconds=60)
    in_process = await workers.parse(
        parse_input, size=len(data), name="big", data=data, fetched_at=FETCHED
    )
    in_thread = parse_input(data, name="big", fetched_at=FETCHED)
    assert in_process == in_thread


async def test_a_parse_over_its_time_is_killed_and_refused() -> None:
    data = big_copy(2000)
    workers = ParseWorkers(seconds=0.05)
    with pytest.raises(MalformedInput, match=r"longer than 0\.05 s"):
        await workers.parse(parse_input, size=len(data), name="slow", data=data, fetched_at=FETCHED)


async def test_a_refusal_in_the_worker_keeps_its_kind_and_reason() -> None:
    data = many_links(300_000)
    workers = ParseWorkers(seconds=30)
    with pytest.raises(InputTooLarge, match="elements"):
        await workers.parse(
            parse_input, size=len(data), name="links", data=data, fetched_at=FETCHED,
            max_bytes=len(data) + 1,
        )  # fmt: skip


async def test_the_event_loop_keeps_answering_while_a_large_input_parses() -> None:
    data = big_copy(1500)
    workers = ParseWorkers(seconds=60)
    lag = 0.0

    async def ticker() -> None:
        nonlocal lag
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lag = max(lag, loop.time() - before - 0.01)

    tick = asyncio.create_task(ticker())
    try:
        await workers.parse(parse_input, size=len(data), name="big", data=data, fetched_at=FETCHED)
    finally:
        tick.cancel()
    assert lag < 0.2


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


async def test_memory_is_back_near_its_baseline_after_a_large_push(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    config = api_config(tmp_path, max_body_bytes=8 * 1024 * 1024)
    client = await aiohttp_client(create_app(config, start_jobs=False))
    small = await client.post(
        "/api/v1/stories", data=big_copy(2), headers={**EDITOR, "Content-Type": "text/plain"}
    )
    assert small.status == 201
    baseline = _rss_mb()
    data = many_links(150_000)  # 2.6 MB of markup: parsed in a worker process
    resp = await client.post(
        "/api/v1/stories", data=data, headers={**EDITOR, "Content-Type": "text/html"}
    )
    assert resp.status in (201, 422), await resp.text()
    assert _rss_mb() - baseline < 60
