"""Attribution extraction, one behaviour at a time, in English, Indonesian and Arabic."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources

import pytest

from wire.errors import ConfigError
from wire.ingest.extract import detect_language, extract, extract_copy, parse_time
from wire.ingest.patterns import LANGUAGES, all_patterns, parse_patterns
from wire.model import Dateline, InfoSource, Picture, Provider, Related

FETCHED = datetime(2025, 7, 4, 2, 0, tzinfo=UTC)


def copy(*lines: str):  # type: ignore[no-untyped-def]
    return extract_copy("\n\n".join(lines), fetched_at=FETCHED)


# --- byline and time ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("sajadi - 5 hours ago", ("sajadi",)),
        ("By Jane Doe and John Roe | 2 days ago", ("Jane Doe", "John Roe")),
        ("Oleh: Rina Sari - 5 jam yang lalu", ("Rina Sari",)),
        ("بقلم: أحمد علي - منذ ٥ ساعات", ("أحمد علي",)),
        ("By Jane Doe", ("Jane Doe",)),
    ],
)
def test_byline_line_gives_the_byline(line: str, byline: tuple[str, ...]) -> None:
    assert copy("Headline", line, "Body text here.").byline == byline


@pytest.mark.parametrize(
    ("phrase", "language", "instant"),
    [
        ("5 hours ago", "en", datetime(2025, 7, 3, 21, tzinfo=UTC)),
        ("5 jam yang lalu", "id", datetime(2025, 7, 3, 21, tzinfo=UTC)),
        ("منذ ٥ ساعات", "ar", datetime(2025, 7, 3, 21, tzinfo=UTC)),
        ("Kamis, 3 Juli 2025 10:30 WIB", "id", datetime(2025, 7, 3, 3, 30, tzinfo=UTC)),
        ("3 Juli 2025 10:30 WITA", "id", datetime(2025, 7, 3, 2, 30, tzinfo=UTC)),
        ("Thursday, July 3", "en", datetime(2025, 7, 3, tzinfo=UTC)),
    ],
)
def test_time_phrases_count_back_from_the_fetch(
    phrase: str, language: str, instant: datetime
) -> None:
    assert parse_time(phrase, FETCHED, language) == instant


def test_a_yearless_date_never_lands_after_the_fetch() -> None:
    assert parse_time("Friday, July 4 10:00", FETCHED, "en") == datetime(2024, 7, 4, 10, tzinfo=UTC)


def test_byline_time_sets_published_at() -> None:
    assert copy("Headline", "sajadi - 5 hours ago", "Body.").published_at == datetime(
        2025, 7, 3, 21, tzinfo=UTC
    )


def test_a_date_in_the_body_is_not_the_publication_time() -> None:
    ex = copy("Headline", "The ministry said on Thursday, July 3, that talks went well.")
    assert ex.published_at is None


def test_a_bare_relative_time_that_was_cut_still_dates_the_story() -> None:
    ex = copy("Headline", "3 hours ago", "Body text.")
    assert ex.published_at == datetime(2025, 7, 3, 23, tzinfo=UTC)
    assert ex.removed == ("3 hours ago",)


# --- datelines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "dateline"),
    [
        ("Moscow, MINA – ", Dateline("Moscow", "MINA")),
        ("WASHINGTON (AP) — ", Dateline("WASHINGTON", "AP")),
        ("NEW YORK (Reuters) - ", Dateline("NEW YORK", "Reuters")),
        ("JAKARTA, October 26, 2012 (MINA) – ", Dateline("JAKARTA", "MINA", "2012-10-26")),
        (
            "Jakarta, 6 Shafar 1434/19 December 2012 (MINA) – ",
            Dateline("Jakarta", "MINA", "2012-12-19"),
        ),
        ("Jakarta, 26 Oktober 2012 (MINA) – ", Dateline("Jakarta", "MINA", "2012-10-26")),
        ("جاكرتا (معراج) – ", Dateline("جاكرتا", "معراج")),
        ("KABUL — ", Dateline("KABUL")),
    ],
)
def test_dateline_is_found_and_cut_from_the_first_paragraph(
    opening: str, dateline: Dateline
) -> None:
    ex = copy("Headline", opening + "The story starts here.")
    assert ex.dateline == dateline
    assert ex.body == ("The story starts here.",)


def test_no_dateline_leaves_the_first_paragraph_alone() -> None:
    ex = copy("Headline", "Moscow, which has labeled the withdrawal a failure, said so.")
    assert ex.dateline is None
    assert ex.body == ("Moscow, which has labeled the withdrawal a failure, said so.",)


def test_copy_opening_with_a_dateline_takes_its_first_sentence_as_headline() -> None:
    ex = copy("WASHINGTON (AP) — The Senate passed the bill. It now goes to the House.")
    assert ex.headline == "The Senate passed the bill."
    assert ex.body == ("The Senate passed the bill. It now goes to the House.",)


# --- sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        (
            "It said so, as reported by Al Jazeera.",
            InfoSource("Al Jazeera", "reported-by", "as reported by Al Jazeera"),
        ),
        (
            "Prices rose, according to Reuters.",
            InfoSource("Reuters", "according-to", "according to Reuters"),
        ),
        ("“No,” a spokesman told AFP.", InfoSource("AFP", "told", "told AFP")),
        (
            "It was confirmed, citing the state news agency WAM.",
            InfoSource("WAM", "citing", "citing the state news agency WAM"),
        ),
        (
            "The Tehran Times reported the deal.",
            InfoSource("Tehran Times", "reported-by", "The Tehran Times reported"),
        ),
        (
            "It was first reported by Middle East Eye.",
            InfoSource("Middle East Eye", "original-source", "first reported by Middle East Eye"),
        ),
        (
            "Gempa terjadi pagi ini, seperti dilansir Al Jazeera.",
            InfoSource("Al Jazeera", "reported-by", "seperti dilansir Al Jazeera"),
        ),
        ("Harga naik, menurut Antara.", InfoSource("Antara", "according-to", "menurut Antara")),
        (
            "Hal itu disampaikan, mengutip Kompas.",
            InfoSource("Kompas", "citing", "mengutip Kompas"),
        ),
        (
            "وصلت الشحنة، بحسب وكالة الأناضول.",
            InfoSource("وكالة الأناضول", "according-to", "بحسب وكالة الأناضول"),
        ),
        (
            "وصلت الشحنة، نقلا عن قناة الجزيرة.",
            InfoSource("قناة الجزيرة", "citing", "نقلا عن قناة الجزيرة"),
        ),
    ],
)
def test_media_sources_are_found_with_their_evidence(sentence: str, source: InfoSource) -> None:
    assert copy("Headline", sentence).sources == (source,)


@pytest.mark.parametrize(
    "sentence",
    [
        "“We believe,” Russia’s Foreign Ministry said in a statement, as the talks began.",
        "Forty people were injured, according to the Health Ministry.",
        "The plan failed, according to Muttaqi.",
        "The aide told reporters the vote was close.",
        "Sebanyak 40 orang dirawat, menurut Kementerian Kesehatan.",
        "وقال مسؤول إن الشحنة وصلت، نقلا عن وزارة الصحة.",
    ],
)
def test_people_and_ministries_are_not_media_sources(sentence: str) -> None:
    assert copy("Headline", sentence).sources == ()


def test_a_body_the_copy_calls_a_newspaper_is_a_source() -> None:
    ex = copy("Headline", "The figure was confirmed, according to the newspaper Kayhan.")
    assert ex.sources == (
        InfoSource("Kayhan", "according-to", "according to the newspaper Kayhan"),
    )


def test_a_known_outlet_is_found_even_when_more_capitals_follow() -> None:
    ex = copy("Headline", "The strike was confirmed, according to Reuters Monday.")
    assert ex.sources == (InfoSource("Reuters", "according-to", "according to Reuters"),)


# --- pictures, related, signature, editor ----------------------------------------


@pytest.mark.parametrize(
    ("line", "picture"),
    [
        (
            "Muttaqi and Zhirnov in Kabul (photo: X/@leadersmena)",
            Picture("Muttaqi and Zhirnov in Kabul", "X/@leadersmena"),
        ),
        ("Relawan di Lombok (Foto: Antara/Dedhez)", Picture("Relawan di Lombok", "Antara/Dedhez")),
        (
            "Senators leave. (AP Photo/Evan Vucci)",
            Picture("Senators leave.", "AP Photo/Evan Vucci"),
        ),
        ("Photo: AFP", Picture(None, "AFP")),
        ("متطوعون في جاكرتا (صورة: وكالة معراج)", Picture("متطوعون في جاكرتا", "وكالة معراج")),
    ],
)
def test_picture_caption_and_credit(line: str, picture: Picture) -> None:
    assert copy("Headline", line, "Body text.").pictures == (picture,)


def test_a_caption_line_followed_by_a_credit_line_is_one_picture() -> None:
    ex = copy("Headline", "Tankers off Fujairah.", "Credit: Reuters/Rula Rouhana", "Body text.")
    assert ex.pictures == (Picture("Tankers off Fujairah.", "Reuters/Rula Rouhana"),)
    assert ex.body == ("Body text.",)


@pytest.mark.parametrize(
    ("line", "related"),
    [
        ("Also Read: Iran Reaffirms Commitment", Related("Iran Reaffirms Commitment")),
        ("Baca Juga: Gempa Guncang Lombok", Related("Gempa Guncang Lombok")),
        ("اقرأ أيضا: مصر تفتح معبر رفح", Related("مصر تفتح معبر رفح")),
        (
            "Also Read: House Split https://example.com/h",
            Related("House Split", "https://example.com/h"),
        ),
    ],
)
def test_also_read_lines_become_related(line: str, related: Related) -> None:
    ex = copy("Headline", "Body text.", line, "More body.")
    assert ex.related == (related,)
    assert ex.body == ("Body text.", "More body.")


def test_agency_signature_gives_provider_and_credit_line() -> None:
    ex = copy("Headline", "Body text.", "Mi’raj News Agency (MINA)")
    assert ex.provider == Provider("Mi’raj News Agency", "MINA")
    assert ex.credit_line == "Mi’raj News Agency (MINA)"
    assert ex.body == ("Body text.",)


def test_parenthesised_short_form_is_not_a_signature_without_an_agency_word() -> None:
    ex = copy("Headline", "Body text.", "Islamic State Khorasan Province (ISKP)")
    assert ex.provider is None
    assert ex.body == ("Body text.", "Islamic State Khorasan Province (ISKP)")


@pytest.mark.parametrize(
    ("last", "editor", "rest"),
    [
        ("The end of it. [Shibgho]", "Shibgho", "The end of it."),
        ("The end of it. (L/RI-1/RS3)", "L/RI-1/RS3", "The end of it."),
    ],
)
def test_editor_sign_off_is_cut_from_the_last_paragraph(last: str, editor: str, rest: str) -> None:
    ex = copy("Headline", "First.", last)
    assert ex.editor == editor
    assert ex.body == ("First.", rest)


def test_a_bracket_inside_the_story_is_not_a_sign_off() -> None:
    ex = copy("Headline", "He said [the plan] would work.", "Last line.")
    assert ex.editor is None


# --- language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The minister said that the plan was in place for the year.", "en"),
        ("Pemerintah mengatakan bahwa bantuan yang dikirim akan tiba dalam dua hari.", "id"),
        ("قال الوزير إن الخطة في مكانها", "ar"),
    ],
)
def test_language_is_detected_by_script_and_stopwords(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_a_given_language_skips_detection() -> None:
    ex = extract(
        ["Headline", "Pemerintah mengirim bantuan yang besar."], fetched_at=FETCHED, language="en"
    )
    assert ex.language == "en"


# --- patterns are data ------------------------------------------------------------


def test_every_shipped_language_loads() -> None:
    assert [p.language for p in all_patterns()] == list(LANGUAGES)


def test_a_bad_pattern_is_a_config_error_naming_its_key() -> None:
    data = tomllib.loads(
        (resources.files("wire.ingest.patterns") / "en.toml").read_text(encoding="utf-8")
    )
    data["related"][0]["pattern"] = "(unclosed"
    with pytest.raises(ConfigError, match=r"patterns\.en\.related\[0\]\.pattern"):
        parse_patterns(data, "en")
