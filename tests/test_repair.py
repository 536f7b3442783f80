"""Decoding and text repair: what comes in as bytes, what goes on as text."""

from __future__ import annotations

import importlib
import re
from typing import Any

import ftfy
import pytest
from ftfy.badness import BADNESS_RE
from hypothesis import given, settings
from hypothesis import strategies as st

from wire.errors import InputTooLarge, MalformedInput, NoContent
from wire.ingest.repair import (
    _mojibake_alphabet,
    check_size,
    could_be_mojibake,
    decode,
    fix_mojibake,
    normalize_whitespace,
    repair,
    repair_split_mojibake,
    repair_text,
)

NBSP = "\u00a0"


def test_utf8_is_read_as_utf8() -> None:
    assert decode("Mi’raj – “quoted”".encode(), "x") == "Mi’raj – “quoted”"


def test_utf8_bom_is_dropped() -> None:
    assert decode(b"\xef\xbb\xbfHello", "x") == "Hello"


def test_utf16_with_bom_is_read() -> None:
    assert decode("جاكرتا".encode("utf-16"), "x") == "جاكرتا"


def test_windows_1252_is_the_fallback() -> None:
    assert decode(b"\x93Caf\xe9\x94 \x96 ok", "x") == "“Café” – ok"


def test_bytes_neither_utf8_nor_1252_are_malformed_and_named() -> None:
    with pytest.raises(MalformedInput) as err:
        decode(b"caf\xe9 \x81\x8d", "story-17.txt")
    assert err.value.input_name == "story-17.txt"
    assert "UTF-8" in err.value.reason


def test_binary_is_no_content() -> None:
    with pytest.raises(NoContent, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n"])
def test_empty_is_no_content(data: bytes) -> None:
    with pytest.raises(NoContent, match="empty"):
        decode(data, "empty.txt")


def test_size_cap_is_checked_before_anything_else() -> None:
    with pytest.raises(InputTooLarge, match=r"big\.txt"):
        check_size(b"x" * 11, "big.txt", limit=10)
    check_size(b"x" * 10, "ok.txt", limit=10)


def test_greek_mojibake_of_a_no_break_space_is_repaired() -> None:
    assert repair_split_mojibake("the 1980s.Β" + NBSP) == "the 1980s." + NBSP


def test_cyrillic_mojibake_of_a_no_break_space_is_repaired() -> None:
    assert repair_split_mojibake("influence.В" + NBSP + "\nNext") == "influence." + NBSP + "\nNext"


def test_latin_a_circumflex_before_a_symbol_is_repaired() -> None:
    assert repair_split_mojibake("25Â°C") == "25°C"


def test_genuine_greek_is_left_untouched() -> None:
    text = "Η ΒΟΥΛΗ ΣΉΜΕΡΑ και το Β" + NBSP + "μέρος"
    assert repair_split_mojibake(text) == text


def test_genuine_cyrillic_is_left_untouched() -> None:
    text = "Москва В" + NBSP + "городе, ВЁ"
    assert repair_split_mojibake(text) == text


def test_latin_capital_before_a_closing_quote_is_left_untouched() -> None:
    text = "“CAFÉ” and “SEÑOR”"
    assert repair_split_mojibake(text) == text


def test_mojibake_split_across_lines_is_fixed_on_the_whole_document() -> None:
    broken = "Russia’s envoy".encode().decode("cp1252") + "\n" + "Kabul’s".encode().decode("cp1252")
    assert repair_text(broken) == "Russia’s envoy\nKabul’s"


def test_curly_quotes_and_dashes_stay_as_they_are() -> None:
    text = "“We believe,” he said – and ‘so’ — did she…"
    assert repair_text(text) == text


def test_whitespace_is_normalised_per_line() -> None:
    raw = "  Head\t line \r\n\r\n\r\n\r\nBody" + NBSP + NBSP + "text \u200b\rEnd  \n\n"
    assert normalize_whitespace(raw) == "Head line\n\nBody text\nEnd"


def test_repair_of_the_sample_tail_leaves_no_mojibake() -> None:
    raw = "during the 1980s.Β\u00a0\n\nRussia".encode()
    assert repair(raw, "x") == "during the 1980s.\n\nRussia"


def test_repair_of_only_control_characters_is_no_content() -> None:
    with pytest.raises(NoContent):
        repair("\x07\u200b \n", "x")


_PARSER: Any = importlib.import_module("re._parser")  # the regex parser, to read ftfy's
_SRE: Any = importlib.import_module("re._constants")


def test_every_pattern_of_ftfys_heuristic_needs_a_character_of_the_alphabet() -> None:
    """The claim ``could_be_mojibake`` rests on, read from ftfy's own regex: each
    alternative has a position only characters of the alphabet can fill."""
    alphabet = _mojibake_alphabet()
    tree = _PARSER.parse(BADNESS_RE.pattern, re.VERBOSE)
    [(op, (_, branches))] = list(tree)
    assert op is _SRE.BRANCH

    def chars(item: tuple[Any, Any]) -> set[str] | None:
        kind, value = item
        if kind is _SRE.LITERAL:
            return {chr(value)}
        if kind is not _SRE.IN:
            return None
        found: set[str] = set()
        for sub, arg in value:
            if sub is _SRE.LITERAL:
                found.add(chr(arg))
            elif sub is _SRE.RANGE:
                found.update(map(chr, range(arg[0], arg[1] + 1)))
            else:
                return None  # a class such as \w: any character
        return found

    for branch in branches:
        assert any((c := chars(item)) is not None and c <= alphabet for item in branch), branch


_PLAIN = "“”‘’–—…\u00a0·©®™•«»" + "إندونيسيا ترسل" + "abc XYZ 123.,;:!?'\"()\n"


@settings(max_examples=300)
@given(st.text(st.sampled_from(_PLAIN) | st.characters(codec="utf-8", exclude_categories=["Cs"])))
def test_text_ftfy_is_not_asked_about_is_text_ftfy_leaves_alone(text: str) -> None:
    if not could_be_mojibake(text):
        assert ftfy.fix_encoding(text) == text


@settings(max_examples=200)
@given(st.text(st.sampled_from(_PLAIN), max_size=40))
def test_curly_quotes_dashes_and_arabic_skip_ftfy(text: str) -> None:
    assert not could_be_mojibake(text)
    assert fix_mojibake(text) == repair_split_mojibake(ftfy.fix_encoding(text))


def test_mojibake_is_still_asked_about() -> None:
    broken = "Russia’s envoy".encode().decode("cp1252")
    assert could_be_mojibake(broken)
    assert fix_mojibake(broken) == "Russia’s envoy"
