"""Words for the desk's text search, cut once in Python for both databases. Pure.

SQLite's FTS5 and PostgreSQL's text search each have a tokenizer of their own,
and they disagree: PostgreSQL's parser keeps ``3.14``, ``a.b@c.de`` and URLs
whole, depends on the database's ``LC_CTYPE`` for what a letter is, and its
``simple`` configuration still lower-cases; FTS5's ``unicode61`` knows Unicode
6.1 and strips some diacritics but not others. So neither is asked to find
words. ``words`` does, here, and the store keeps its answer as the index text:
words joined by single spaces, each made only of characters both backends keep
inside a word. FTS5 (``unicode61``, diacritics left alone, every letter, mark
and number category a word character) splits that text at the spaces and
nowhere else; PostgreSQL does not parse it at all (``array_to_tsvector`` takes
the words as they are). A query is cut by the same function and becomes words
that must all be present, so both backends answer the same.

A word is a run of letters, marks and numbers after NFKC, case folding and the
removal of combining marks (``é`` and ``e``, ``ﬁ`` and ``fi``, ``İ`` and ``i``
match; Arabic vowel marks and tatweel are dropped). Everything else separates
words: hyphens, underscores, apostrophes, the dots of ``3.14`` and of URLs and
e-mail addresses, which are found by their parts. Invisible format characters
(soft hyphens, zero-width joiners) vanish instead, so they never split a word.
Chinese and Japanese, written without spaces, are cut into single characters.
A word over ``MAX_WORD`` characters is not indexed, and a story's words are
kept once each, in the order they first appear: search asks only whether a word
is there.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from wire.model import PubStatus, Story

MAX_WORD = 100
"""Characters in the longest word indexed (PostgreSQL refuses lexemes over 2 KiB)."""

FTS5_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* Co Cn Cs'"
"""The FTS5 tokenizer over index text: every character ``words`` keeps in a word
is a word character to it (``Cn``: letters newer than SQLite's Unicode tables)."""

_DROPPED = {0x0640}  # ARABIC TATWEEL: a stretch, not a letter
_KEPT_MARKS = {0x3099, 0x309A}  # kana voicing marks: で is not て
_SPACELESS = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),  # ideographic iteration mark, closing mark, number zero
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def _ranges(points: Iterable[int]) -> str:
    """A regex character class body for these (sorted) code points."""
    out: list[str] = []
    start = prev = -2
    for cp in points:
        if cp != prev + 1:
            if start >= 0:
                out.append(_span(start, prev))
            start = cp
        prev = cp
    if start >= 0:
        out.append(_span(start, prev))
    return "".join(out)


def _span(start: int, end: int) -> str:
    return f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}"


_MARK_PLANES = (range(0x0000, 0x20000), range(0xE0000, 0xE1000))
"""Where every mark and format character is (the BMP, plane 1, tags and selectors)."""


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The word pattern, the space-less script pattern and the pattern of what
    is deleted (combining marks, format characters), built once from this
    Python's Unicode tables. A word character is a letter or number (``[^\\W_]``:
    Python's ``isalnum``, categories ``L*`` and ``N*``) or a mark that is kept
    (``Mc``, ``Me``)."""
    kept: list[int] = []
    deleted: list[int] = []
    for plane in _MARK_PLANES:
        for cp in plane:
            category = unicodedata.category(chr(cp))
            if cp in _DROPPED or (category in ("Mn", "Cf") and cp not in _KEPT_MARKS):
                deleted.append(cp)
            elif category in ("Mc", "Me") or cp in _KEPT_MARKS:
                kept.append(cp)
    spaceless = "".join(_span(lo, hi) for lo, hi in _SPACELESS)
    return (
        re.compile(f"(?:[^\\W_]|[{_ranges(kept)}])+"),
        re.compile(f"[{spaceless}]"),
        re.compile(f"[{_ranges(deleted)}]+"),
    )


def fold(text: str) -> str:
    """Text as words are compared: NFKC, case-folded, combining marks removed,
    format characters deleted. Idempotent: applied until nothing changes."""
    deleted = _patterns()[2]
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", text).casefold()
        folded = deleted.sub("", unicodedata.normalize("NFD", folded))
        folded = unicodedata.normalize("NFC", folded)
        if folded == text:
            break
        text = folded
    return text


def words(text: str) -> list[str]:
    """The words of ``text``, each once, in the order they first appear."""
    word, spaceless, _deleted = _patterns()
    found: dict[str, None] = {}
    for run in word.findall(fold(text)):
        pieces = spaceless.sub(lambda m: f" {m.group()} ", run).split()
        for piece in pieces:
            if len(piece) <= MAX_WORD:
                found[piece] = None
    return list(found)


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def index_text(parts: Iterable[str | None]) -> str:
    """The index text of a story's texts: their words, once each, space-separated.
    Body paragraphs may be sanitized XHTML: tags separate words, entities are read."""
    found: dict[str, None] = {}
    for part in parts:
        if part:
            text = html.unescape(_TAG.sub(" ", part)) if "<" in part or "&" in part else part
            found.update(dict.fromkeys(words(text)))
    return " ".join(found)


def story_words(story: Story, replaced: Story | None = None) -> str:
    """What the search finds a version by: its headline and body. A kill also
    keeps the words of the version it ``replaced``, so that an editor still finds
    a killed story by what it said when the kill notice says nothing of it."""
    parts: list[str | None] = [story.headline, *story.body]
    if story.pub_status is PubStatus.CANCELED and replaced is not None:
        parts += [replaced.headline, *replaced.body]
    return index_text(parts)


def fts5_match(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression requiring every word: each a quoted string (words
    hold no quote, so none needs doubling, but it is doubled all the same)."""
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def tsquery(terms: Iterable[str]) -> str:
    """A PostgreSQL ``tsquery`` literal requiring every word, each a quoted
    lexeme taken as it is (``'…'::tsquery`` does not normalize)."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)
