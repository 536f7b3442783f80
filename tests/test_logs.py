"""Logs people can use: an access line for every answered request (the shortcut's
too), libraries quiet unless asked, text for terminals and JSON for shippers,
and one line for each ingest, poll, push outcome and leadership change."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.feed_server import PARTNER_TOKEN, make_config, serving
from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.deliver.retry import store_outcome
from wire.duties import EmbargoWatch, Leadership
from wire.errors import ConfigError
from wire.logs import AccessLog, default_format, setup_logging
from wire.poll.sources import SourceRunner
from wire.schedule import Jobs
from wire.service import Wire
from wire.store import SQLStore, sqlite_dsn
from wire.store.base import Delivery, DeliveryKind, DeliveryState

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the root logger and wire's back as they were after ``setup_logging``."""
    root = logging.getLogger()
    names = ("wire", "wire.access")
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names}
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "wire.access"]


@pytest.fixture
async def fast(aiohttp_client: ClientFactory, tmp_path: Path) -> TestClient[Any, Any]:
    return await serving(aiohttp_client, make_config(tmp_path, log_format="json"), shortcut=True)


# the access log --------------------------------------------------------------------


async def test_the_shortcut_writes_an_access_line_for_its_200_and_304(
    fast: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wire.access")
    first = await fast.get("/feeds/all.rss", headers={"User-Agent": "poller/1.0"})
    etag = first.headers["ETag"]
    again = await fast.get("/feeds/all.rss", headers={"If-None-Match": etag})
    await asyncio.sleep(0)  # the lines of a loop turn are written at its end
    lines = access_lines(caplog)

    assert [(line["status"], line["served_by"]) for line in lines] == [
        (200, "fast"),
        (304, "fast"),
    ]
    ok, not_modified = lines
    assert ok["message"] == "GET /feeds/all.rss 200"
    assert (ok["method"], ok["path"], ok["family"]) == ("GET", "/feeds/all.rss", "feeds")
    assert ok["bytes"] == int(first.headers["Content-Length"])  # as sent (gzipped here)
    assert ok["user_agent"] == "poller/1.0"
    assert ok["remote"] == "127.0.0.1"
    assert ok["duration_ms"] >= 0
    assert not_modified["bytes"] == 0
    assert again.status == 304


async def test_aiohttp_writes_an_access_line_for_a_404(
    aiohttp_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serving(aiohttp_client, make_config(tmp_path, log_format="json"), shortcut=False)
    caplog.set_level(logging.INFO, logger="wire.access")
    assert (
        await client.get("/no/such/page", headers={"Referer": "https://ref.example/"})
    ).status == 404
    await asyncio.sleep(0)
    (line,) = access_lines(caplog)
    assert (line["status"], line["family"], line["served_by"]) == (404, "unmatched", "aiohttp")
    assert line["referer"] == "https://ref.example/"
    assert line["bytes"] > 0  # the problem document


async def test_aiohttp_writes_an_access_line_for_a_429(
    aiohttp_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, log_format="json", rate_limit_per_minute=1)
    client = await serving(aiohttp_client, config, shortcut=False)
    caplog.set_level(logging.INFO, logger="wire.access")
    statuses = [(await client.get("/feeds/all.rss")).status for _ in range(2)]
    await asyncio.sleep(0)
    assert statuses == [200, 429]
    assert [(line["status"], line["served_by"]) for line in access_lines(caplog)] == [
        (200, "aiohttp"),
        (429, "aiohttp"),
    ]


async def test_a_token_in_the_query_never_reaches_the_access_log(
    fast: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wire.access")
    assert (await fast.get(f"/feeds/agency.rss?token={PARTNER_TOKEN}")).status == 200
    await asyncio.sleep(0)
    (line,) = access_lines(caplog)
    assert line["path"] == "/feeds/agency.rss?token=REDACTED"
    assert PARTNER_TOKEN not in caplog.text


async def test_access_log_off_writes_no_line(
    aiohttp_client: ClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serving(aiohttp_client, make_config(tmp_path, access_log=False), shortcut=True)
    caplog.set_level(logging.INFO, logger="wire.access")
    assert (await client.get("/feeds/all.rss")).status == 200
    assert (await client.get("/nothing")).status == 404
    await asyncio.sleep(0)
    assert access_lines(caplog) == []


def test_304s_are_sampled_exactly_and_other_answers_never() -> None:
    access = AccessLog(sample_304=0.25)
    assert [access.wants(304) for _ in range(8)] == [False, False, False, True] * 2
    assert all(access.wants(status) for status in (200, 404, 429, 500))
    assert not any(AccessLog(sample_304=0.0).wants(304) for _ in range(100))


def test_a_sample_outside_zero_to_one_is_refused_by_the_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.access_log_304_sample"):
        make_config(tmp_path, access_log_304_sample=1.5)


def test_access_lines_reach_setup_loggings_stream_as_json(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("warning", fmt="json")  # wire's own lines quiet; the access log still on
    access = AccessLog(fmt="json")
    part = access.request_part(
        "GET", "/feeds/all.atom", user_agent="ua", referer=None, family="feeds", served="fast"
    )
    access.write(part, "192.0.2.7", 304, 0, 0.000042)
    (line,) = capsys.readouterr().err.splitlines()
    data = json.loads(line)
    assert data["logger"] == "wire.access"
    assert (data["remote"], data["status"], data["duration_ms"]) == ("192.0.2.7", 304, 0.042)


def test_access_lines_in_text_read_as_the_combined_log_format(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("info", fmt="text")
    access = AccessLog(fmt="text")
    part = access.request_part(
        "GET", "/feeds/all.atom", user_agent="ua/2", referer=None, family="feeds", served="fast"
    )
    access.write(part, "192.0.2.7", 200, 1234, 0.0015)
    (line,) = capsys.readouterr().err.splitlines()
    assert (
        ' ACCESS  192.0.2.7 "GET /feeds/all.atom HTTP/1.1" 200 1234 "-" "ua/2" feeds/fast' in line
    )
    assert line.endswith(" 1.500ms")


# libraries, levels and formats -----------------------------------------------------------


async def test_apscheduler_is_quiet_at_info(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("info", fmt="json")
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    jobs = Jobs()
    jobs.start()
    try:
        jobs.every("tick", job, 0.05)
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.2)  # several more runs
    finally:
        await jobs.aclose()
    logging.getLogger("wire.test").info("wire still speaks")
    err = capsys.readouterr().err
    assert "apscheduler" not in err
    assert "Running job" not in err
    assert "wire still speaks" in err


async def test_aiosqlite_is_quiet_at_debug_unless_asked(
    restored_logging: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    async def use_store(folder: Path) -> None:
        store = SQLStore(sqlite_dsn(folder))
        await store.open()
        await store.source_states()
        await store.close()

    setup_logging("debug", fmt="json")
    await use_store(tmp_path / "quiet")
    assert "aiosqlite" not in capsys.readouterr().err

    setup_logging("debug", fmt="json", library_level="debug")
    await use_store(tmp_path / "asked")
    loggers = {json.loads(line)["logger"] for line in capsys.readouterr().err.splitlines()}
    assert "aiosqlite" in loggers


def test_text_format_is_one_readable_line_with_its_extras(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("info", fmt="text")
    logging.getLogger("wire.poll.sources").info(
        "source polled", extra={"source": "mina", "outcome": "304", "reason": "two words"}
    )
    (line,) = capsys.readouterr().err.splitlines()
    assert " INFO    wire.poll.sources  source polled  " in line
    assert line.endswith('source=mina outcome=304 reason="two words"')


def test_json_format_is_one_object_with_its_extras(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("info", fmt="json")
    logging.getLogger("wire.poll.sources").info("source polled", extra={"source": "mina"})
    (line,) = capsys.readouterr().err.splitlines()
    data = json.loads(line)
    assert (data["level"], data["logger"], data["message"], data["source"]) == (
        "info",
        "wire.poll.sources",
        "source polled",
        "mina",
    )


def test_the_default_format_is_text_on_a_terminal_and_json_elsewhere(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    with open(follower, "w") as terminal, open(tmp_path / "log", "w") as file:
        assert default_format(terminal) == "text"
        assert default_format(file) == "json"
    os.close(leader)


# one line per thing that happened ---------------------------------------------------------


async def test_a_drop_folder_poll_writes_one_line_per_file_and_one_for_the_poll(
    store: SQLStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(UPSTREAM / "world-1.rss", inbox / "one.rss")
    shutil.copyfile(UPSTREAM / "world-2.rss", inbox / "two.rss")
    (inbox / "broken.xml").write_bytes(b"<nitf><body")
    source = SourceConfig(name="inbox", kind=SourceKind.DIR, location=str(inbox), format="auto")
    wire = Wire(Config(server=ServerSettings(data_dir=tmp_path), sources=(source,)), store)
    caplog.set_level(logging.INFO, logger="wire")
    async with aiohttp.ClientSession() as http:
        runner = SourceRunner(wire, Jobs(), http, settle_seconds=0)
        await runner.run_source_once("inbox")

    said = [(r.name, r.getMessage(), getattr(r, "input", None)) for r in caplog.records]
    ingested = sorted(Path(i).name for n, m, i in said if m == "ingested" and i)
    assert ingested == ["one.rss", "two.rss"]
    assert [Path(i).name for n, m, i in said if m == "ingest failed" and i] == ["broken.xml"]
    (poll,) = [r for r in caplog.records if r.getMessage() == "source polled"]
    assert (vars(poll)["source"], vars(poll)["outcome"], vars(poll)["stored"]) == (
        "inbox",
        "200",
        4,
    )


async def test_a_push_outcome_is_one_line(
    store: SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wire")
    queued = Delivery("d-1", DeliveryKind.WEBHOOK, "https://partner.example/hook", b"{}")
    await store.enqueue(queued)
    delivered = Delivery(
        queued.id, queued.kind, queued.target, b"", attempts=1, state=DeliveryState.DELIVERED
    )
    await store_outcome(store, delivered)
    (record,) = [r for r in caplog.records if r.name == "wire.deliver.retry"]
    assert record.getMessage() == "delivered"
    assert (vars(record)["kind"], vars(record)["target"]) == (
        "webhook",
        "https://partner.example/hook",
    )


async def test_a_follower_says_once_that_another_instance_runs_the_jobs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wire")
    first, second = SQLStore(sqlite_dsn(tmp_path)), SQLStore(sqlite_dsn(tmp_path))
    await first.open()
    await second.open()
    jobs = Jobs()
    try:
        wire = Wire(Config(server=ServerSettings(data_dir=tmp_path)), first)
        async with aiohttp.ClientSession() as http:
            sources = SourceRunner(wire, jobs, http)

            async def nothing() -> None:
                return None

            def duty(store: SQLStore) -> Leadership:
                return Leadership(
                    store, jobs, sources, EmbargoWatch(wire, jobs), nothing, wire.clock
                )

            leader, follower = duty(first), duty(second)
            await leader.tick()
            for _ in range(3):
                await follower.tick()
    finally:
        await jobs.aclose()
        await second.close()
        await first.close()
    said = [r.getMessage() for r in caplog.records if r.name == "wire.duties"]
    assert said == [
        "this instance runs the scheduled jobs",
        "another instance runs the scheduled jobs; this one serves and takes over if it goes away",
    ]


@pytest.mark.parametrize("shortcut", [True, False], ids=["fast", "aiohttp"])
async def test_the_access_log_names_the_client_behind_a_trusted_proxy(
    aiohttp_client: ClientFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    shortcut: bool,
) -> None:
    config = make_config(tmp_path, log_format="json", trusted_proxies=["127.0.0.1"])
    client = await serving(aiohttp_client, config, shortcut=shortcut)
    caplog.set_level(logging.INFO, logger="wire.access")
    await client.get("/feeds/all.rss", headers={"X-Forwarded-For": "203.0.113.9"})
    await asyncio.sleep(0)
    (line,) = access_lines(caplog)
    assert line["remote"] == "203.0.113.9"
