"""The date fast path (``wire.ingest.dates``) reads what it accepts exactly as dateparser does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dateparser
from hypothesis import given, settings
from hypothesis import strategies as st

from wire.ingest.dates import read_date, read_relative
from wire.ingest.patterns import LANGUAGES, load_patterns

BASE = datetime(2025, 7, 4, 2, 0, 7, 123456)  # naive UTC, as parse_time gives dateparser
TIME_SETTINGS = {
    "RELATIVE_BASE": BASE,
    "PREFER_DATES_FROM": "past",
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
}
languages = st.sampled_from(LANGUAGES)


def dateparser_time(text: str, language: str) -> datetime | None:
    found = dateparser.parse(
        text, languages=list(dict.fromkeys([language, "en"])), settings=TIME_SETTINGS
    )
    return found.astimezone(UTC) if found is not None else None


@st.composite
def relative_phrases(draw: st.DrawFn) -> tuple[str, str]:
    language = draw(languages)
    names = load_patterns(language).dates
    unit = draw(st.sampled_from(sorted(names.units)))
    count = draw(st.integers(1, 60).map(str) | st.sampled_from(sorted(names.counts) or ["1"]))
    text = {
        "en": f"{count} {unit} ago",
        "id": f"{count} {unit} {draw(st.sampled_from(['yang lalu', 'lalu']))}",
        "ar": f"منذ {count} {unit}",
    }[language]
    return language, text


@st.composite
def printed_dates(draw: st.DrawFn) -> tuple[str, str]:
    language = draw(st.sampled_from(["en", "id"]))
    names = load_patterns(language).dates
    day = draw(st.dates(min_value=datetime(1990, 1, 1).date(), max_value=BASE.date()))
    month = draw(st.sampled_from(sorted(n for n, m in names.months.items() if m == day.month)))
    month = draw(st.sampled_from([month, month.capitalize(), month.upper()]))
    weekday = draw(st.none() | st.sampled_from(sorted(names.weekdays)))
    order = draw(st.booleans())
    text = f"{month} {day.day}, {day.year}" if order else f"{day.day} {month} {day.year}"
    if weekday is not None:
        text = f"{weekday.capitalize()}, {text}"
    if draw(st.booleans()):
        hour, minute = draw(st.integers(1, 12)), draw(st.integers(0, 59))
        half = draw(st.sampled_from(["", " a.m.", " p.m.", " am", " PM"]))
        hour = hour if half else draw(st.integers(0, 23))
        text += f" {hour}:{minute:02d}{half}"
        if draw(st.booleans()):
            offset = draw(st.integers(-12, 14))
            text += f" {'+' if offset >= 0 else '-'}{abs(offset):02d}00"
    return language, text


@settings(max_examples=150, deadline=None)
@given(relative_phrases())
def test_a_relative_phrase_reads_as_dateparser_reads_it(case: tuple[str, str]) -> None:
    language, text = case
    found = read_relative(text, load_patterns(language).dates, BASE)
    if found is not None:
        assert found == dateparser_time(text, language)


@settings(max_examples=200, deadline=None)
@given(printed_dates())
def test_a_printed_date_reads_as_dateparser_reads_it(case: tuple[str, str]) -> None:
    language, text = case
    found = read_date(text, load_patterns(language).dates)
    if found is not None:
        assert found.astimezone(UTC) == dateparser_time(text, language)


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)))
def test_an_iso_date_reads_as_dateparser_reads_it(when: datetime) -> None:
    text = when.replace(microsecond=0).isoformat(sep=" ", timespec="seconds")
    found = read_date(text, load_patterns("en").dates)
    assert found is not None
    assert found.astimezone(UTC) == dateparser_time(text, "en")


def test_the_fixture_forms_take_the_fast_path() -> None:
    en, id_ = load_patterns("en").dates, load_patterns("id").dates
    assert read_relative("5 hours ago", en, BASE) == (BASE - timedelta(hours=5)).replace(tzinfo=UTC)
    assert read_date("Thursday, July 3, 2025 10:30 p.m.", en) == datetime(
        2025, 7, 3, 22, 30, tzinfo=UTC
    )
    found = read_date("Kamis, 3 Juli 2025 10:30 +0700", id_)
    assert found is not None
    assert found.astimezone(UTC) == datetime(2025, 7, 3, 3, 30, tzinfo=UTC)


def test_what_the_fast_path_doubts_is_left_to_dateparser() -> None:
    en = load_patterns("en").dates
    for text in ("February 30, 2025", "July 3, 2025 13:05 p.m.", "3 months ago", "yesterday"):
        assert read_date(text, en) is None
        assert read_relative(text, en, BASE) is None
