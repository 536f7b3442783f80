"""Properties of extraction on arbitrary copy: it never crashes, never loses text,
and finds nothing more to do on its own clean output."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from wire.errors import IngestError, NoContent
from wire.ingest.extract import Extraction, clean_text, extract_copy, words
from wire.ingest.patterns import SourcePattern, all_patterns, family_screen
from wire.ingest.repair import repair_text
from wire.ingest.textcopy import extract_text

FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)

# Lines in the styles the patterns look for, to mix with random ones.
AGENCY_LINES = [
    "ADVERTISEMENT",
    "SCROLL TO CONTINUE WITH CONTENT",
    "Peace in Palestine = Peace in the World",
    "10 Views",
    "5 hours ago",
    "sajadi - 5 hours ago",
    "Oleh: Rina Sari - 5 jam yang lalu",
    "بقلم: أحمد علي - منذ ٥ ساعات",
    "Kamis, 3 Juli 2025 10:30 WIB",
    "Muttaqi and Zhirnov in Kabul (photo: X/@leadersmena)",
    "Photo: AFP",
    "Relawan di Lombok (Foto: Antara/Dedhez)",
    "Moscow, MINA – Russia has formally accepted the credentials.",
    "WASHINGTON (AP) — The Senate passed the bill, according to Reuters.",
    "Jakarta, 6 Shafar 1434/19 December 2012 (MINA) – Scholars met in Jakarta.",
    "جاكرتا (معراج) – أرسلت إندونيسيا مساعدات، بحسب وكالة الأناضول.",
    "It said so on Thursday, July 3, as reported by Al Jazeera.",
    "Forty were hurt, according to the Health Ministry.",
    "Harga naik, menurut Antara, seperti dilansir Kompas.",
    "Also Read: Iran Reaffirms Commitment to Uranium Enrichment",
    "Baca Juga: Gempa Guncang Lombok",
    "اقرأ أيضا: مصر تفتح معبر رفح",
    "The end of the story. [Shibgho]",
    "The end of the story. (L/RI-1/RS3)",
    "Mi’raj News Agency (MINA)",
    "© 2025 The Associated Press. All rights reserved.",
    "Recommendation for you",
]

word = st.text(
    alphabet=st.characters(categories=("L", "N"), exclude_characters="\u0345"),
    min_size=1,
    max_size=10,
)
sentence = st.builds(
    lambda ws, end: " ".join(ws) + end,
    st.lists(word, min_size=1, max_size=12),
    st.sampled_from(["", ".", "!", "?", ":", " –"]),
)
line = st.one_of(sentence, st.sampled_from(AGENCY_LINES), st.text(max_size=80))
document = st.lists(line, min_size=1, max_size=14).map("\n\n".join)


def story_words(ex: Extraction) -> set[str]:
    """Every word the extraction keeps anywhere: fields, removed and consumed."""
    texts: list[str] = [ex.headline, *ex.body, *ex.byline, *ex.removed, *ex.consumed]
    if ex.dateline:
        texts += [ex.dateline.place, ex.dateline.agency or ""]
    if ex.provider:
        texts += [ex.provider.name, ex.provider.abbreviation or ""]
    texts += [ex.credit_line or "", ex.editor or ""]
    texts += [f"{p.caption or ''} {p.credit or ''} {p.url or ''}" for p in ex.pictures]
    texts += [f"{s.name} {s.evidence or ''}" for s in ex.sources]
    texts += [f"{r.title} {r.url or ''}" for r in ex.related]
    texts += [ex.rights.copyright_holder or "", ex.rights.copyright_notice or ""]
    return words(texts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), document))
def test_extraction_never_raises_on_arbitrary_text(text: str) -> None:
    try:
        story = extract_text(text, name="any", fetched_at=FETCHED)
    except NoContent:
        return  # documented: empty, or nothing but page furniture
    assert story.headline


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_either_parse_or_fail_as_named_ingest_errors(data: bytes) -> None:
    failure: IngestError | None = None
    try:
        extract_text(data, name="bytes.bin", fetched_at=FETCHED)
    except IngestError as exc:
        failure = exc
    assert failure is None or failure.input_name == "bytes.bin"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_no_input_word_is_lost(text: str) -> None:
    repaired = repair_text(text)
    ex = extract_copy(repaired, fetched_at=FETCHED)
    missing = words([repaired]) - story_words(ex)
    assert not missing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_extraction_is_idempotent_on_its_own_clean_output(text: str) -> None:
    first = extract_copy(repair_text(text), fetched_at=FETCHED)
    if not first.headline:
        return
    note(repr(text))
    note(repr(clean_text(first)))
    again = extract_copy(clean_text(first), fetched_at=FETCHED)
    assert again.headline == first.headline
    assert again.body == first.body
    assert again.removed == ()


SOURCE_PATTERNS = [(s.language, p) for s in all_patterns() for p in s.sources]


@pytest.mark.parametrize(
    ("language", "pattern"),
    SOURCE_PATTERNS,
    ids=[f"{lang}-{p.role}" for lang, p in SOURCE_PATTERNS],
)
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_of_a_source_pattern_holds_its_cue(
    language: str, pattern: SourcePattern, data: st.DataObject
) -> None:
    """The screen that passes over paragraphs without a cue never hides a source:
    whatever text a source pattern finds something in, its cue (and so the
    screen) finds something too."""
    text = data.draw(st.from_regex(pattern.regex, fullmatch=False))
    assert pattern.regex.search(text) is not None
    assert pattern.cue.search(text) is not None
    screen = family_screen(all_patterns(), "sources")
    assert screen is not None
    assert screen.search(text) is not None


LINE_PATTERNS = [
    (s.language, family, regex)
    for s in all_patterns()
    for family in ("captions", "related", "datelines", "editors")
    for regex in getattr(s, family)
]


@pytest.mark.parametrize(
    ("language", "family", "regex"),
    LINE_PATTERNS,
    ids=[f"{lang}-{family}-{i}" for i, (lang, family, _) in enumerate(LINE_PATTERNS)],
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_line_a_family_pattern_fits_passes_the_familys_screen(
    language: str, family: str, regex: re.Pattern[str], data: st.DataObject
) -> None:
    """A line the screen passes over is one none of the family's patterns fits."""
    text = data.draw(st.from_regex(regex, fullmatch=False))
    assert regex.search(text) is not None
    screen = family_screen(all_patterns(), family)
    assert screen is not None
    assert screen.search(text) is not None
