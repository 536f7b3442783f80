"""Conditional polling decisions: what an upstream answer means, and when to poll next.

Pure: no network. The aiohttp edge is exercised against real servers in
test_polling.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wire.poll.fetch import (
    BACKOFF_CAP,
    USER_AGENT,
    Decision,
    Response,
    Verdict,
    decide,
    next_delay,
    parse_max_age,
    parse_retry_after,
    request_headers,
)
from wire.store.base import SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
URL = "https://agency.example/feeds/world.xml"
FRESH = SourceState("world", url=URL)
KNOWN = SourceState("world", url=URL, etag='"v1"', last_modified="Sun, 01 Mar 2026 11:00:00 GMT")


def answer(status: int, body: bytes = b"", **headers: str) -> Response:
    return Response(status, {k.replace("_", "-"): v for k, v in headers.items()}, URL, body)


# request headers -----------------------------------------------------------


def test_first_poll_identifies_itself_and_asks_for_gzip() -> None:
    headers = request_headers(FRESH)
    assert headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("wire/")
    assert headers["Accept-Encoding"] == "gzip"
    assert "If-None-Match" not in headers
    assert "If-Modified-Since" not in headers


def test_later_polls_send_the_validators_they_were_given() -> None:
    headers = request_headers(KNOWN)
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Sun, 01 Mar 2026 11:00:00 GMT"


# decide --------------------------------------------------------------------


def test_200_is_new_content_with_its_validators() -> None:
    d = decide(
        FRESH,
        answer(200, b"<rss/>", ETag='"v2"', Last_Modified="Sun, 01 Mar 2026 11:30:00 GMT"),
        now=NOW,
    )
    assert d == Decision(Verdict.NEW, etag='"v2"', last_modified="Sun, 01 Mar 2026 11:30:00 GMT")


def test_header_names_are_case_insensitive() -> None:
    d = decide(FRESH, Response(200, {"etag": '"x"', "cache-control": "max-age=900"}, URL), now=NOW)
    assert d.etag == '"x"'
    assert d.max_age == 900


def test_200_with_the_etag_already_held_is_not_modified() -> None:
    d = decide(KNOWN, answer(200, b"<rss/>", ETag='"v1"'), now=NOW)
    assert d.verdict is Verdict.NOT_MODIFIED


def test_304_keeps_the_validators_held() -> None:
    d = decide(KNOWN, answer(304), now=NOW)
    assert d.verdict is Verdict.NOT_MODIFIED
    assert d.etag == '"v1"'
    assert d.last_modified == KNOWN.last_modified


def test_304_may_refresh_the_etag() -> None:
    d = decide(KNOWN, answer(304, ETag='"v1b"'), now=NOW)
    assert d.etag == '"v1b"'


def test_304_to_an_unconditional_request_is_an_error() -> None:
    d = decide(FRESH, answer(304), now=NOW)
    assert d.verdict is Verdict.ERROR
    assert d.reason is not None
    assert "304" in d.reason


def test_204_is_an_error() -> None:
    assert decide(FRESH, answer(204), now=NOW).verdict is Verdict.ERROR


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirects_are_moves(status: int) -> None:
    d = decide(FRESH, answer(status, Location="https://new.example/world.xml"), now=NOW)
    assert d == Decision(Verdict.MOVED, location="https://new.example/world.xml")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirects_are_followed_not_remembered(status: int) -> None:
    d = decide(FRESH, answer(status, Location="/mirror/world.xml"), now=NOW)
    assert d.verdict is Verdict.REDIRECT
    assert d.location == "https://agency.example/mirror/world.xml"


def test_redirect_without_location_is_an_error() -> None:
    d = decide(FRESH, answer(301), now=NOW)
    assert d.verdict is Verdict.ERROR


def test_redirect_to_a_non_http_url_is_an_error() -> None:
    d = decide(FRESH, answer(302, Location="file:///etc/passwd"), now=NOW)
    assert d.verdict is Verdict.ERROR
    assert d.location is None


def test_429_is_rate_limited_with_retry_after_seconds() -> None:
    d = decide(FRESH, answer(429, Retry_After="120"), now=NOW)
    assert d.verdict is Verdict.RATE_LIMITED
    assert d.retry_after == 120


def test_429_without_retry_after_is_still_rate_limited() -> None:
    d = decide(FRESH, answer(429), now=NOW)
    assert d.verdict is Verdict.RATE_LIMITED
    assert d.retry_after is None


def test_503_with_an_http_date_retry_after_is_rate_limited() -> None:
    later = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    d = decide(FRESH, answer(503, Retry_After=later), now=NOW)
    assert d.verdict is Verdict.RATE_LIMITED
    assert d.retry_after == 600


def test_503_without_retry_after_is_an_error() -> None:
    d = decide(FRESH, answer(503), now=NOW)
    assert d.verdict is Verdict.ERROR


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 500, 502])
def test_other_statuses_are_errors_naming_the_status(status: int) -> None:
    d = decide(KNOWN, answer(status), now=NOW)
    assert d.verdict is Verdict.ERROR
    assert d.reason == f"HTTP {status}"
    assert not d.ok


# header parsers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("max-age=600", 600),
        ("public, max-age=60, must-revalidate", 60),
        ("s-maxage=300", 300),
        ("max-age=30, s-maxage=300", 30),
        ('max-age="45"', 45),
        ("no-cache, max-age=600", None),
        ("no-store", None),
        ("private", None),
        ("", None),
        (None, None),
        ("max-age=99999999", 86400),
    ],
)
def test_parse_max_age(value: str | None, seconds: float | None) -> None:
    assert parse_max_age(value) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0),
        ("90", 90),
        (" 90 ", 90),
        ("Sun, 01 Mar 2026 12:05:00 GMT", 300),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0),  # in the past: now
        ("9999999", 86400),  # held to a day
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


@given(st.integers(min_value=0, max_value=10**12))
def test_retry_after_seconds_are_honoured_up_to_a_day(n: int) -> None:
    assert parse_retry_after(str(n), now=NOW) == min(n, 86400)


@given(st.text(max_size=40))
def test_retry_after_never_raises_and_is_never_negative(value: str) -> None:
    seconds = parse_retry_after(value, now=NOW)
    assert seconds is None or 0 <= seconds <= 86400


@given(st.text(max_size=60))
def test_max_age_never_raises(value: str) -> None:
    seconds = parse_max_age(value)
    assert seconds is None or 0 <= seconds <= 86400


# next delay ------------------------------------------------------------------


def test_a_healthy_source_waits_its_poll_interval() -> None:
    assert next_delay(300) == 300


def test_a_longer_max_age_is_honoured_a_shorter_one_ignored() -> None:
    assert next_delay(300, max_age=900) == 900
    assert next_delay(300, max_age=60) == 300


def test_retry_after_is_a_floor() -> None:
    assert next_delay(300, retry_after=1200) == 1200
    assert next_delay(300, retry_after=10) == 300
    assert next_delay(60, failures=1, retry_after=5000, jitter=lambda: 0.0) == 5000


def test_backoff_doubles_with_each_failure() -> None:
    low = [next_delay(60, failures=n, jitter=lambda: 0.0) for n in range(1, 6)]
    high = [next_delay(60, failures=n, jitter=lambda: 1.0) for n in range(1, 6)]
    assert low == [60, 120, 240, 480, 960]
    assert high == [120, 240, 480, 960, 1920]


def test_backoff_is_capped() -> None:
    assert next_delay(60, failures=40, jitter=lambda: 1.0) == BACKOFF_CAP
    assert next_delay(60, failures=40, jitter=lambda: 0.0) == BACKOFF_CAP / 2
    assert next_delay(60, failures=10, cap=600, jitter=lambda: 1.0) == 600


def test_a_poll_interval_beyond_the_cap_is_never_shortened() -> None:
    assert next_delay(7200, failures=3, jitter=lambda: 0.0) == 7200


def test_a_first_failure_never_retries_sooner_than_the_interval() -> None:
    assert next_delay(300, failures=1, jitter=lambda: 0.0) == 300


@given(
    interval=st.integers(min_value=5, max_value=86400),
    failures=st.integers(min_value=1, max_value=10_000),
    r=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_jittered_backoff_stays_within_bounds(interval: int, failures: int, r: float) -> None:
    delay = next_delay(interval, failures=failures, jitter=lambda: r)
    ceiling = min(max(BACKOFF_CAP, interval), interval * 2.0 ** min(failures, 64))
    assert interval <= delay <= max(ceiling, interval)
    assert delay >= ceiling / 2


@given(
    interval=st.integers(min_value=5, max_value=3600),
    failures=st.integers(min_value=1, max_value=60),
    r=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_backoff_never_shrinks_as_failures_grow(interval: int, failures: int, r: float) -> None:
    assert next_delay(interval, failures=failures + 1, jitter=lambda: r) >= next_delay(
        interval, failures=failures, jitter=lambda: r
    )
