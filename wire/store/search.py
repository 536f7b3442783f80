"""Words for the desk's text search, cut once in Python for both databases. Pure.

SQLite's FTS5 and PostgreSQL's text search each have a tokenizer of their own,
and they disagree: PostgreSQL's parser keeps ``3.14``, ``a.b@c.de`` and URLs
whole and takes what a letter is from the database's ``LC_CTYPE`` (even over
words already cut, ``to_tsvector('simple', …)`` splits some, at Bengali
fraction signs for one); FTS5's ``unicode61`` knows Unicode 6.1 and strips
some diacritics but not others. So neither is asked to find words. ``words``
does, here, and the store keeps its answer as the index text: words joined by
single spaces, each made only of characters both backends keep inside a word.
FTS5 (``unicode61``, diacritics left alone, every letter, mark and number
category a word character) splits that text at the spaces and nowhere else;
PostgreSQL does not parse it at all (``array_to_tsvector`` takes the words as
they are). A query is cut by the same function and becomes words that must all
be present, so both backends answer the same.

Text is cut at whitespace, and each piece is folded and cut again: a word is a
run of letters, marks and numbers after NFKC, case folding and the removal of
combining marks (``é`` and ``e``, ``ﬁ`` and ``fi``, ``İ`` and ``i``
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
from functools import lru_cache
from itertools import chain

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


def _spaceless(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _SPACELESS)


def _deleted(cp: int) -> bool:
    """Combining marks (but the kana voicing marks) and format characters vanish."""
    if cp in _DROPPED:
        return True
    return unicodedata.category(chr(cp)) in ("Mn", "Cf") and cp not in _KEPT_MARKS


_TABLE_CACHE = 100_000  # characters a table remembers (a text of every code point stays cheap)


class _Deletion(dict[int, int | None]):
    """``str.translate``'s table deleting what ``_deleted`` says, filled as
    characters are met (a miss is slow in ``translate``; a hit is not)."""

    def __missing__(self, cp: int) -> int | None:
        value = None if _deleted(cp) else cp
        if len(self) < _TABLE_CACHE:
            self[cp] = value
        return value


class _Separation(dict[int, str | int]):
    """``str.translate``'s table from folded text to words separated by spaces,
    filled as characters are met: a letter, number or kept mark stays (categories
    ``L*``, ``N*``, ``Mc``, ``Me``), a character of a space-less script becomes a
    word of its own, anything else a space."""

    def __missing__(self, cp: int) -> str | int:
        category = unicodedata.category(chr(cp))
        if category[0] in "LN" or category in ("Mc", "Me") or cp in _KEPT_MARKS:
            value: str | int = f" {chr(cp)} " if _spaceless(cp) else cp
        else:
            value = " "
        if len(self) < _TABLE_CACHE:
            self[cp] = value
        return value


_DELETION = _Deletion()
_SEPARATION = _Separation()
_ASCII_SEPARATION = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
"""What ``_SEPARATION`` does to ASCII, as a table ``translate`` runs at C speed."""


def fold(text: str) -> str:
    """Text as words are compared: NFKC, case-folded, combining marks removed,
    format characters deleted. Idempotent: applied until nothing changes (once
    more than needed, for almost every text)."""
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", text).casefold()
        if not folded.isascii():  # ASCII has no mark or format character
            folded = unicodedata.normalize("NFD", folded).translate(_DELETION)
            folded = unicodedata.normalize("NFC", folded)
        if folded == text:
            break
        text = folded
    return text


@lru_cache(maxsize=1 << 16)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    """The words of one whitespace-free chunk (news repeats its words: cached)."""
    folded = fold(chunk)
    table = _ASCII_SEPARATION if folded.isascii() else _SEPARATION
    cut = folded.translate(table).split()
    return tuple(w for w in cut if len(w) <= MAX_WORD)


def word_run(text: str) -> list[str]:
    """Every word of ``text`` in order, repeats kept (what a phrase is matched
    against). Cut at whitespace first, then each piece folded and cut on its own."""
    if text.isascii():  # most copy: folding is lower-casing, words are [a-z0-9]+
        cut = text.lower().translate(_ASCII_SEPARATION).split()
        return [w for w in cut if len(w) <= MAX_WORD]
    return list(chain.from_iterable(map(_chunk_words, text.split())))


def words(text: str) -> list[str]:
    """The words of ``text``, each once, in the order they first appear."""
    return list(dict.fromkeys(word_run(text)))


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
