"""Raw bytes → repaired text: decoding, mojibake repair, whitespace normalisation. Pure.

Order matters: decode strictly (UTF-8 with or without BOM, UTF-16/32 with a BOM),
then ``ftfy.fix_encoding`` over the *whole* document (``fix_text`` works line by
line and misses mojibake split across lines; ``fix_encoding`` also leaves curly
quotes and dashes alone), then a targeted pass for the one case ftfy deliberately
skips, then whitespace. Everything else stays as it arrived.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.badness

from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, MalformedInput, NoContent
from wire.ingest.encodings import bom_of

"""Inputs over this size are refused before any work is done on them."""

# Code pages whose lead-byte characters ftfy leaves alone when followed by a
# no-break space or symbol: "Β\u00a0" (cp1253), "В\u00a0" (cp1251), "Â\u00a0" (cp1252).
_CODEPAGES = ("cp1253", "cp1251", "cp1252")


# Every Unicode line break str.splitlines() knows, folded to "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Horizontal space: tabs, no-break and other Unicode spaces; zero-width space too.
_SPACES = re.compile(r"[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\ufeff\u00ad]")
# C0/C1 control characters other than the newline (tabs were folded above).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def check_size(data: bytes | str, name: str, limit: int = MAX_INPUT_BYTES) -> None:
    """Raise ``InputTooLarge`` before any parsing when the input is over ``limit`` bytes."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > limit:
        raise InputTooLarge(name, f"{size} bytes is over the {limit}-byte limit")


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or a high share of control bytes: not text in any encoding we read."""
    if b"\x00" in data:
        return True
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    return controls > max(4, len(sample) // 50)


def decode(data: bytes, name: str) -> str:
    """Bytes to text, strictly: a BOM wins, then UTF-8, then Windows-1252.

    Windows-1252 is the one sensible fallback for agency copy (old desk systems);
    bytes it leaves undefined mean the input is not text we can read, and guessing
    further would only manufacture mojibake. Raises ``NoContent`` for empty or
    binary input and ``MalformedInput`` for bytes no candidate decodes."""
    if not data.strip():
        raise NoContent(name, "the input is empty")
    if (found := bom_of(data)) is not None:
        bom, codec = found
        try:
            return data[len(bom) :].decode(codec)
        except UnicodeDecodeError as exc:
            raise MalformedInput(name, f"not decodable as {codec}: {exc.reason}") from exc
    if _looks_binary(data):
        raise NoContent(name, "the input is binary, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise MalformedInput(
                name,
                f"not decodable as UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                "or Windows-1252",
            ) from utf8_error


def script_of(char: str) -> str | None:
    """ "GREEK" / "CYRILLIC" / "LATIN" for a letter, ``None`` for anything else."""
    if not char.isalpha():
        return None
    try:
        return unicodedata.name(char).split(" ", 1)[0]
    except ValueError:
        return None


def _lead_continuation_table() -> dict[tuple[str, str], tuple[str, str]]:
    """(lead char, continuation char) → (repaired char, script of the lead char)."""
    table: dict[tuple[str, str], tuple[str, str]] = {}
    for codepage in _CODEPAGES:
        for lead in range(0xC2, 0xE0):
            for cont in range(0x80, 0xC0):
                pair = bytes((lead, cont))
                try:
                    decoded = pair.decode(codepage)
                    fixed = pair.decode("utf-8")
                except (UnicodeDecodeError, ValueError):
                    continue
                first, second = decoded[0], decoded[1]
                if unicodedata.category(fixed) in ("Cc", "Cn"):
                    continue
                if codepage == "cp1252" and first not in "ÂÃ":
                    # Latin capitals before quotes and dashes are common in real
                    # text ("CAFÉ”"); only the classic "Â"/"Ã" prefixes are safe.
                    continue
                # Latin needs no neighbour guard: "Â"/"Ã" before a symbol is never a word.
                script = "" if codepage == "cp1252" else (script_of(first) or "")
                table.setdefault((first, second), (fixed, script))
    return table


_PAIRS = _lead_continuation_table()
_PAIR_RE = re.compile(
    "|".join(sorted({re.escape(a + b) for a, b in _PAIRS}, key=len, reverse=True))
)


def repair_split_mojibake(text: str) -> str:
    """Undo a UTF-8 two-byte sequence read through a single-byte code page.

    ftfy leaves a lone capital followed by a no-break space on purpose: in Greek or
    Cyrillic text that can be genuine. Here such a pair is re-encoded and decoded
    as UTF-8 only when neither neighbour nor the second character is a letter of
    the lead character's own script ("ВЁ" is a Russian word). So "Β\\u00a0" after
    an English sentence becomes a no-break space while real Greek or Cyrillic
    words are left exactly as they are."""

    def fix(match: re.Match[str]) -> str:
        pair = match.group(0)
        first, second = pair[0], pair[1]
        fixed, script = _PAIRS[(first, second)]
        start, end = match.span()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if script and script in (script_of(before), script_of(after), script_of(second)):
            return pair
        return fixed

    return _PAIR_RE.sub(fix, text)


def normalize_whitespace(text: str) -> str:
    """One "\\n" per line break, single spaces inside lines, no blanks at line ends,
    at most one empty line in a row, no controls or invisible characters."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _mojibake_alphabet() -> frozenset[str]:
    """The characters one of which every pattern of ftfy's mojibake heuristic
    (``ftfy.badness``) needs, besides ASCII, its "common" characters and quotation marks.

    ``ftfy.fix_encoding`` changes nothing in text its heuristic finds clean, and
    running the heuristic costs more than the rest of a story's repair; text with
    none of these characters (ASCII copy with curly quotes and dashes, Arabic)
    cannot match it, so it is not asked. Taken from ftfy's own tables, so the
    alphabet follows ftfy's heuristic; ``tests/test_repair.py`` checks the claim."""
    categories = ftfy.badness.MOJIBAKE_CATEGORIES
    plain = {"common", "start_punctuation", "end_punctuation"}
    every = "".join(map(chr, range(0x80, 0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    found: set[str] = set()
    for name, chars in categories.items():
        if name not in plain:
            found.update(re.findall(f"[{chars}]", every))
    found.update(c for c in ftfy.badness.BADNESS_RE.pattern if not c.isascii())
    for name in plain:
        found.difference_update(re.findall(f"[{categories[name]}]", every))
    return frozenset(found)


_SUSPECT = re.compile("[" + "".join(sorted(map(re.escape, _mojibake_alphabet()))) + "]")


def could_be_mojibake(text: str) -> bool:
    """Whether ftfy's mojibake heuristic could find anything in ``text`` (see
    ``_mojibake_alphabet``); ``False`` means ``ftfy.fix_encoding`` leaves it as it is."""
    return _SUSPECT.search(text) is not None


def fix_mojibake(text: str) -> str:
    """ftfy's encoding repair over the whole document, then the split-pair pass.

    ftfy is asked only about text that could hold mojibake (``could_be_mojibake``).
    Whitespace is left alone, so this also suits markup."""
    if could_be_mojibake(text):
        text = ftfy.fix_encoding(text)
    return repair_split_mojibake(text)


def repair_text(text: str) -> str:
    """Mojibake repair on the whole document, then whitespace normalisation."""
    return normalize_whitespace(fix_mojibake(text))


def repair(data: bytes | str, name: str) -> str:
    """Decode (if bytes) and repair; ``NoContent`` when nothing but whitespace is left."""
    text = decode(data, name) if isinstance(data, bytes) else data
    repaired = repair_text(text)
    if not repaired:
        raise NoContent(name, "the input has no text")
    return repaired
