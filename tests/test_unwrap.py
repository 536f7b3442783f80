"""Hard-wrapped copy: its paragraphs back on one line each, and nothing else touched."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wire.ingest.repair import repair
from wire.ingest.textcopy import extract_text
from wire.ingest.unwrap import is_hard_wrapped, unwrap
from wire.model import InfoSource

RAW = Path(__file__).resolve().parent / "fixtures" / "raw"
WRAPPED = RAW / "mina-hard-wrapped.txt"
ONE_PER_LINE = sorted(p for p in RAW.glob("*.txt") if p != WRAPPED)
SAMPLE = "samples/raw/mina-russia-recognizes-taliban.txt"
FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)

DATELINE = (
    "JAKARTA, MINA – Indonesia sent a second shipment of medical supplies and food to the Gaza"
    " Strip on Thursday, flying 40 tonnes of aid from Halim Perdanakusuma air base to El Arish"
    " in Egypt, the foreign ministry said."
)
REUTERS = (
    "The cargo includes surgical kits, baby formula and water purification units and will enter"
    " the enclave via the Rafah crossing, as reported by Reuters, once Egyptian officials have"
    " inspected it."
)
CAPTION = "Aid is loaded at Halim air base in Jakarta (photo: MINA/Rana)"


def wrapped(paragraph: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(paragraph, width))


def fixture_text() -> str:
    return repair(WRAPPED.read_bytes(), WRAPPED.name)


# --- re-joining -----------------------------------------------------------------


def test_the_fixture_is_hard_wrapped_copy() -> None:
    text = fixture_text()
    assert is_hard_wrapped(text)
    assert "as reported\nby Reuters" in text


def test_wrapped_paragraphs_come_back_one_per_line() -> None:
    lines = unwrap(fixture_text()).split("\n")
    assert DATELINE in lines
    assert REUTERS in lines
    assert lines[0] == "Indonesia Sends Second Aid Shipment to Gaza via Egypt"


def test_lines_are_joined_with_one_space() -> None:
    text = wrapped(DATELINE) + "\n\n" + wrapped(REUTERS)
    assert unwrap(text) == DATELINE + "\n\n" + REUTERS


def test_a_line_ending_in_a_hyphenated_word_runs_on_and_keeps_the_hyphen() -> None:
    out = unwrap(fixture_text())
    assert "Palestinian self-determination. (T/RE1/P2)" in out
    assert "self- determination" not in out


def test_a_short_line_ending_a_unit_stays_apart_from_the_next_unit() -> None:
    text = (
        "Indonesia Sends Second Aid Shipment to Gaza via Egypt\n"
        "By Rina Sari - 3 hours ago\n\n" + wrapped(DATELINE) + "\n(T/RE1/P2)\n\n" + wrapped(REUTERS)
    )
    assert unwrap(text).split("\n\n") == [
        "Indonesia Sends Second Aid Shipment to Gaza via Egypt",
        "By Rina Sari - 3 hours ago",
        DATELINE,
        "(T/RE1/P2)",
        REUTERS,
    ]


def test_paragraphs_on_consecutive_lines_are_told_apart_by_their_short_last_line() -> None:
    text = wrapped(DATELINE) + "\n" + wrapped(REUTERS)
    assert unwrap(text) == DATELINE + "\n\n" + REUTERS


# --- what stays as it is --------------------------------------------------------


def test_a_caption_printed_twice_stays_on_two_lines() -> None:
    text = fixture_text()
    assert f"{CAPTION}\n{CAPTION}" in text
    assert f"{CAPTION}\n{CAPTION}" in unwrap(text)


def test_a_wrapped_caption_printed_twice_is_joined_as_two_copies() -> None:
    caption = (
        "Relief workers load boxes of medicine onto a cargo plane at Halim Perdanakusuma"
        " air base in Jakarta on Thursday (photo: MINA/Rana)"
    )
    text = wrapped(caption) + "\n" + wrapped(caption) + "\n\n" + wrapped(DATELINE)
    assert unwrap(text) == f"{caption}\n{caption}\n\n{DATELINE}"


@pytest.mark.parametrize("raw", ONE_PER_LINE, ids=[p.stem for p in ONE_PER_LINE])
def test_one_paragraph_per_line_copy_is_returned_unchanged(raw: Path) -> None:
    text = repair(raw.read_bytes(), raw.name)
    assert not is_hard_wrapped(text)
    assert unwrap(text) is text


@pytest.mark.shared
def test_the_shared_sample_is_returned_byte_for_byte(shared: Path) -> None:
    raw = (shared / SAMPLE).read_bytes()
    text = repair(raw, SAMPLE)
    assert unwrap(text) is text
    assert unwrap(raw.decode("utf-8")).encode("utf-8") == raw


def test_one_paragraph_per_line_without_blank_lines_is_not_joined() -> None:
    text = "\n".join(
        [
            "Senate Passes Stopgap Bill to Avert Shutdown",
            "By Jane Doe and John Roe - 2 days ago",
            "WASHINGTON (AP) — The Senate passed a stopgap bill on Thursday.",
            "Lawmakers said the vote was close, one aide told reporters.",
            "The measure keeps agencies funded until November.",
            "Markets rose on the news, the Wall Street Journal reported.",
        ]
    )
    assert unwrap(text) is text


def test_lines_longer_than_any_wrap_width_are_not_joined() -> None:
    text = wrapped(DATELINE + " " + REUTERS, 120) + "\n\n" + wrapped(REUTERS + " " + DATELINE, 120)
    assert unwrap(text) is text


def test_a_single_wrapped_looking_pair_is_not_evidence_enough() -> None:
    text = "Headline\n\n" + wrapped(REUTERS[:120])
    assert text.count("\n") == 3
    assert unwrap(text) is text


def test_ragged_lines_are_not_hard_wrapped() -> None:
    text = "\n".join(
        [
            "The minister arrived in Jakarta on Thursday and met officials from several",
            "ministries and aid groups to discuss the shipment",
            "that left for Gaza",
            "on Friday morning and the next one, which is due",
            "in two weeks from the air base in east Jakarta",
            "where the first flight took off",
        ]
    )
    assert unwrap(text) is text


# --- end to end -----------------------------------------------------------------


def test_wrapped_copy_gives_whole_paragraphs_dateline_and_attribution() -> None:
    story = extract_text(WRAPPED.read_bytes(), name=WRAPPED.name, fetched_at=FETCHED)
    assert story.headline == "Indonesia Sends Second Aid Shipment to Gaza via Egypt"
    assert story.byline == ("Rina Sari",)
    assert story.dateline is not None
    assert (story.dateline.place, story.dateline.agency) == ("JAKARTA", "MINA")
    assert story.body[0] == DATELINE.removeprefix("JAKARTA, MINA – ")
    assert story.body[1] == REUTERS
    assert len(story.body) == 4
    assert all(p[-1] in ".”" for p in story.body)
    assert story.sources == (
        InfoSource(name="Reuters", role="reported-by", evidence="as reported by Reuters"),
    )
    assert story.editor == "T/RE1/P2"
    assert [r.title for r in story.related] == [
        "Egypt Opens Rafah Crossing for Wounded Palestinians"
    ]
    assert len(story.pictures) == 1
    assert story.credit_line == "Mi’raj News Agency (MINA)"


# --- properties -----------------------------------------------------------------

word = st.text(alphabet=st.characters(categories=("L", "N")), min_size=5, max_size=10)
paragraph = st.lists(word, min_size=20, max_size=35, unique=True).map(" ".join)


@st.composite
def wrapped_copy(draw: st.DrawFn) -> tuple[list[str], str]:
    """Paragraphs, and the copy a greedy wrapper makes of them at one width."""
    paragraphs = draw(st.lists(paragraph, min_size=2, max_size=5))
    width = draw(st.integers(min_value=44, max_value=90))
    wrap = textwrap.TextWrapper(width, break_long_words=False, break_on_hyphens=False)
    return paragraphs, "\n\n".join("\n".join(wrap.wrap(p)) for p in paragraphs)


def with_noise(draw: st.DrawFn, copy: str) -> str:
    blocks = copy.split("\n\n")
    extra = st.one_of(st.text(max_size=80), st.sampled_from(["(T/RE1/P2)", "By Jane Doe"]))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(blocks)))
        line = draw(extra)
        joint = draw(st.sampled_from(["\n", "\n\n"]))
        blocks.insert(at, (line + joint + line) if draw(st.booleans()) else line)
    return draw(st.sampled_from(["\n", "\n\n"])).join(blocks)


@st.composite
def noisy_copy(draw: st.DrawFn) -> str:
    return with_noise(draw, draw(wrapped_copy())[1])


any_copy = st.one_of(st.text(), noisy_copy(), st.lists(st.text(max_size=90)).map("\n".join))
single_lines = st.lists(st.text(st.characters(exclude_characters="\n"), max_size=300))


def word_counts(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped_copy())
def test_greedily_wrapped_paragraphs_come_back_exactly(case: tuple[list[str], str]) -> None:
    paragraphs, copy = case
    assert unwrap(copy) == "\n\n".join(paragraphs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_copy)
def test_unwrap_never_loses_or_adds_a_word(text: str) -> None:
    assert word_counts(unwrap(text)) == word_counts(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_copy)
def test_unwrap_is_idempotent(text: str) -> None:
    once = unwrap(text)
    assert unwrap(once) == once


@settings(max_examples=300, deadline=None)
@given(single_lines, st.sampled_from(["\n\n", "\n\n\n", "\n \n"]))
def test_copy_with_every_paragraph_on_one_line_is_unchanged(lines: list[str], gap: str) -> None:
    text = gap.join(lines)
    assert unwrap(text) is text
