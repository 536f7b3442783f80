"""Attribution extraction from clean copy: headline, byline and time, pictures,
dateline, sources, related links, agency signature, editor sign-off. Pure.

Input is a list of paragraphs that ``wire.ingest.clean`` has already rid of
furniture. Every pattern is data (``wire/ingest/patterns``); the code here only
decides *where* in the copy each kind of line may appear. Nothing is dropped
silently: what becomes a structured value (a time phrase, a "Photo:" label) is
listed in ``Extraction.consumed`` so tests can prove no text goes missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import dateparser

from wire.ingest.clean import clean_lines
from wire.ingest.dates import DateNames, read_date, read_relative
from wire.ingest.patterns import (
    LANGUAGES,
    PatternSet,
    all_patterns,
    family_screen,
)
from wire.ingest.repair import script_of
from wire.ingest.unwrap import unwrap
from wire.model import Dateline, InfoSource, Picture, Provider, Related, Rights
from wire.text import one_line

__all__ = [
    "Extraction",
    "clean_text",
    "detect_language",
    "extract",
    "extract_copy",
    "match_caption",
    "parse_date",
    "parse_time",
    "words",
]

_BYLINE_TIME = re.compile(r"^(?P<who>.+?)\s+[-–—|•·]\s+(?P<when>.+)$")
_URL_TAIL = re.compile(r"^(?P<title>.*?)\s*[(\[<]?(?P<url>https?://[^\s)\]>]+)[)\]>]?$")
_SENTENCE = re.compile(r"^(.+?[.!?؟])(?:\s|$)")
_YEAR = re.compile(r"\b\d{4}\b")
_DIGIT = re.compile(r"\d")
_NUMERIC_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_HEADER_TIME_MAX_WORDS = 9
_NAME_MAX_WORDS = 5
_HEADLINE_FALLBACK_CHARS = 120
_FUTURE_TOLERANCE = timedelta(minutes=5)
_SCRIPT_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one piece of copy, before any source policy is applied."""

    headline: str
    language: str
    body: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()
    published_at: datetime | None = None
    dateline: Dateline | None = None
    provider: Provider | None = None
    credit_line: str | None = None
    editor: str | None = None
    pictures: tuple[Picture, ...] = ()
    sources: tuple[InfoSource, ...] = ()
    related: tuple[Related, ...] = ()
    rights: Rights = field(default_factory=Rights)
    removed: tuple[str, ...] = ()
    consumed: tuple[str, ...] = ()  # label and time phrases that became structured values
    review: tuple[str, ...] = ()


# --- small helpers ------------------------------------------------------------


def _ascii_digits(text: str) -> str:
    """Arabic-Indic and other decimal digits as ASCII, for date parsing only."""
    return "".join(
        str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text
    )


def _residue(text: str, match: re.Match[str], *groups: str) -> str:
    """``text`` with the spans of ``groups`` cut out: the label words around them."""
    spans = sorted(match.span(g) for g in groups if match.group(g) is not None)
    out: list[str] = []
    pos = match.start()
    for start, end in spans:
        out.append(text[pos:start])
        pos = end
    out.append(text[pos : match.end()])
    return one_line(" ".join(out))


def _norm_name(name: str) -> str:
    name = one_line(name.replace("’", "'")).casefold()
    return name[4:] if name.startswith("the ") else name


def _ordered(sets: Sequence[PatternSet], language: str) -> tuple[PatternSet, ...]:
    """The story's own language first: its patterns win where two would match."""
    return tuple(sorted(sets, key=lambda s: s.language != language))


# --- language and time --------------------------------------------------------


def detect_language(text: str, patterns: Sequence[PatternSet] | None = None) -> str:
    """The likeliest language among the shipped ones: by script first (a language
    set with a ``script`` wins when enough letters are in it), then by stopwords."""
    sets = patterns or all_patterns()
    # Counted per distinct letter: naming each letter of a long story is what cost time.
    letters = {c: n for c, n in Counter(text).items() if c.isalpha()}
    total = sum(letters.values())
    if total:
        scripts = Counter[str | None]()
        for c, n in letters.items():
            scripts[script_of(c)] += n
        for s in sets:
            if s.script and scripts[s.script] / total >= _SCRIPT_SHARE:
                return s.language
    words = Counter(re.findall(r"\w+", text.casefold()))
    scores = [
        (sum(words[w] for w in s.stopwords & words.keys()), -i, s.language)
        for i, s in enumerate(sets)
    ]
    candidates = [sc for sc in scores if not sets[-sc[1]].script]
    return max(candidates or scores)[2]


def _is_time_phrase(text: str, sets: Sequence[PatternSet], language: str, base: datetime) -> bool:
    if any(s.reltime.fullmatch(text) for s in sets):
        return True
    if len(text.split()) > _HEADER_TIME_MAX_WORDS or not _DIGIT.search(text):
        return False
    if not (_NUMERIC_DATE.search(text) or re.search(r"[^\W\d_]{3,}", text)):
        return False  # "1" or "2024" alone is a number, not a time
    if text.endswith(".") and not text.endswith("a.m.") and not text.endswith("p.m."):
        return False
    return parse_time(text, base, language, sets) is not None


def _names(languages: Sequence[str], sets: Sequence[PatternSet]) -> list[DateNames]:
    """Each language's date names in the order dateparser is given the languages:
    dateparser reads a phrase in one language at a time, so does the fast path."""
    by_language = {s.language: s.dates for s in sets}
    return [by_language[lang] for lang in languages if lang in by_language]


def _fast_read(
    text: str, languages: Sequence[str], sets: Sequence[PatternSet], base: datetime | None
) -> datetime | None:
    """What dateparser would read, where ``wire.ingest.dates`` can read it without
    dateparser: a relative phrase too when there is a ``base`` to count back from."""
    for names in _names(languages, sets):
        found = read_relative(text, names, base) if base is not None else None
        found = found or read_date(text, names)
        if found is not None:
            return found
    return None


def parse_time(
    phrase: str,
    fetched_at: datetime,
    language: str,
    patterns: Sequence[PatternSet] | None = None,
) -> datetime | None:
    """A printed time ("5 hours ago", "Kamis, 3 Juli 2025 10:30 WIB") as a UTC instant.

    Relative phrases count back from ``fetched_at``; dates without a year prefer
    the past, and nothing lands after the fetch (a yearless date that would is
    taken from the year before)."""
    sets = patterns or all_patterns()
    text = _ascii_digits(phrase)
    for s in sets:
        for abbr, offset in s.timezones:
            text = re.sub(rf"\b{re.escape(abbr)}\b", offset, text)
    base = fetched_at.astimezone(UTC).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    languages = list(dict.fromkeys([language, "en"]))
    parsed = _fast_read(text, languages, sets, base)
    if parsed is None:
        try:
            parsed = dateparser.parse(text, languages=languages, settings=settings)
        except (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError):
            return None
    if parsed is None:
        return None
    parsed = parsed.astimezone(UTC)
    limit = fetched_at.astimezone(UTC) + _FUTURE_TOLERANCE
    if parsed > limit and not _YEAR.search(text):
        try:
            parsed = parsed.replace(year=parsed.year - 1)
        except ValueError:  # 29 February
            parsed = parsed - timedelta(days=365)
    return parsed if parsed <= limit else None


def parse_date(text: str, fetched_at: datetime, language: str) -> str | None:
    """A dateline date as YYYY-MM-DD; of "6 Shafar 1434/19 December 2012" the
    Gregorian part (the one in a plausible year) wins."""
    for part in reversed(_ascii_digits(text).split("/")):
        year = _YEAR.search(part)
        if not year or not 1900 <= int(year.group(0)) <= fetched_at.year + 1:
            continue
        languages = list(dict.fromkeys([language, *LANGUAGES]))
        parsed = _fast_read(part, languages, all_patterns(), None)
        if parsed is None:
            try:
                parsed = dateparser.parse(
                    part.strip(),
                    languages=languages,
                    settings={"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]},
                )
            except (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError):
                continue
        if parsed is not None:
            return str(parsed.date().isoformat())
    return None


# --- per-line recognisers -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Byline:
    names: tuple[str, ...]
    when: str | None
    residue: str


def _split_names(who: str, s: PatternSet) -> tuple[str, ...] | None:
    names = tuple(n.strip() for n in s.byline_joiners.split(who) if n and n.strip())
    if not names:
        return None
    for n in names:
        if len(n.split()) > _NAME_MAX_WORDS or _DIGIT.search(n) or n[-1] in ".!?:;؟":
            return None
    return names


def _match_byline(
    line: str, sets: Sequence[PatternSet], language: str, base: datetime
) -> _Byline | None:
    for s in sets:
        prefix = s.byline_prefix.match(line)
        rest = line[prefix.end() :] if prefix else line
        label = prefix.group(0).strip() if prefix else ""
        timed = _BYLINE_TIME.match(rest)
        if timed and _is_time_phrase(timed.group("when"), sets, language, base):
            names = _split_names(timed.group("who"), s)
            if names:
                return _Byline(names, timed.group("when"), label)
        if prefix:
            names = _split_names(rest, s)
            if names:
                return _Byline(names, None, label)
    return None


def _none_fit(line: str, sets: Sequence[PatternSet], family: str) -> bool:
    """Whether no pattern of the family fits ``line``, asked of all of them at
    once (``family_screen``)."""
    screen = family_screen(tuple(sets), family)
    return screen is not None and screen.search(line) is None


def match_caption(line: str, sets: Sequence[PatternSet]) -> tuple[Picture, str] | None:
    if _none_fit(line, sets, "captions"):
        return None
    for s in sets:
        for regex in s.captions:
            m = regex.match(line)
            if m:
                caption = (m.group("caption") or "").strip() or None
                credit = m.group("credit").strip()
                return Picture(caption=caption, credit=credit), _residue(
                    line, m, "caption", "credit"
                )
    return None


def _match_related(line: str, sets: Sequence[PatternSet]) -> tuple[Related, str] | None:
    if _none_fit(line, sets, "related"):
        return None
    for s in sets:
        for regex in s.related:
            m = regex.match(line)
            if m:
                title = m.group("title").strip()
                url = None
                tail = _URL_TAIL.match(title)
                if tail and tail.group("title").strip(" -–—|:"):
                    title, url = tail.group("title").strip(" -–—|:"), tail.group("url")
                return Related(title=title, url=url), _residue(line, m, "title")
    return None


def _match_signature(
    line: str, sets: Sequence[PatternSet], agency: str | None
) -> tuple[Provider, str] | None:
    for s in sets:
        m = s.signature.match(line)
        if not m:
            continue
        name, abbr = m.group("name").strip(), m.group("abbr").strip()
        folded = name.casefold()
        agency_named = any(w in folded for w in s.agency_words)
        if agency_named or (agency is not None and abbr.casefold() == agency.casefold()):
            return Provider(name=name, abbreviation=abbr), line
    return None


def _match_editor(text: str, sets: Sequence[PatternSet]) -> tuple[str, str] | None:
    """(editor, text before the sign-off) when ``text`` ends with a sign-off."""
    if _none_fit(text, sets, "editors"):
        return None
    for s in sets:
        for regex in s.editors:
            m = regex.search(text)
            if m:
                return m.group("editor").strip(), text[: m.start()].rstrip()
    return None


def _match_dateline(
    text: str, sets: Sequence[PatternSet], fetched_at: datetime, language: str
) -> tuple[Dateline, str, str] | None:
    """(dateline, the paragraph without it, the date as printed) for a dateline opening."""
    if _none_fit(text, sets, "datelines"):
        return None
    for s in sets:
        for regex in s.datelines:
            m = regex.match(text)
            if not m:
                continue
            groups = m.groupdict()
            agency = (groups.get("agency") or "").strip() or None
            raw_date = (groups.get("date") or "").strip() or None
            iso = parse_date(raw_date, fetched_at, language) if raw_date else None
            dateline = Dateline(place=m.group("place").strip(), agency=agency, date=iso)
            return dateline, text[m.end() :].strip(), raw_date or ""
    return None


def _is_media(name: str, noun: str | None, suffix: str | None, s: PatternSet) -> bool:
    """Whether the copy names an outlet: a known one, a name ending in a media
    word ("Tehran Times"), or one the copy itself calls a newspaper, agency …"""
    if noun or suffix:
        return True
    norm = _norm_name(name)
    if not norm:
        return False
    if norm in s.outlets or norm.replace("'", "’") in s.outlets:
        return True
    words = norm.split()
    if words[-1] in s.media_words and len(words) > 1:
        return True
    return any(norm.startswith(p + " ") for p in s.media_prefixes)


def _find_sources(paragraphs: Sequence[str], sets: Sequence[PatternSet]) -> tuple[InfoSource, ...]:
    found: list[tuple[int, int, InfoSource]] = []
    taken: list[tuple[int, int, int]] = []
    for pi, text in enumerate(paragraphs):
        if _none_fit(text, sets, "sources"):
            continue
        for s in sets:
            if _none_fit(text, (s,), "sources"):
                continue
            for pattern in s.sources:
                if pattern.cue.search(text) is None:
                    continue
                for m in pattern.regex.finditer(text):
                    hit = _source_from_match(text, m, pattern.role, s)
                    if hit is None:
                        continue
                    start, end, source = hit
                    if any(p == pi and start < e and b < end for p, b, e in taken):
                        continue
                    taken.append((pi, start, end))
                    found.append((pi, start, source))
    found.sort(key=lambda t: (t[0], t[1]))
    unique: dict[tuple[str, str], InfoSource] = {}
    for _, _, source in found:
        unique.setdefault((_norm_name(source.name), source.role), source)
    return tuple(unique.values())


def _source_from_match(
    text: str, m: re.Match[str], role: str, s: PatternSet
) -> tuple[int, int, InfoSource] | None:
    groups = m.groupdict()
    noun, suffix = groups.get("noun") or None, groups.get("suffix") or None
    name = m.group("name")
    name_start = m.start("name")
    trailing = m.end("name") < m.end() and not suffix  # "{name} reported"
    words = name.split()
    for k in range(len(words), 0, -1):
        candidate = " ".join(words[:k])
        if k < len(words) and trailing:
            break
        if _is_media(candidate, noun, suffix if k == len(words) else None, s):
            end = m.end() if k == len(words) else name_start + len(candidate)
            clean = re.sub(r"^(?i:the)\s+", "", candidate)
            evidence = text[m.start() : end].strip()
            return m.start(), end, InfoSource(name=clean, role=role, evidence=evidence)
    return None


# --- the whole extraction -----------------------------------------------------


@dataclass(slots=True)
class _Header:
    """Byline and time lines between the headline and the story, as they are met."""

    sets: Sequence[PatternSet]
    language: str
    fetched_at: datetime
    consumed: list[str]
    byline: tuple[str, ...] = ()
    published: datetime | None = None

    def take(self, line: str) -> bool:
        """Record ``line`` if it is a byline or a printed time; ``False`` if it is neither."""
        by = _match_byline(line, self.sets, self.language, self.fetched_at)
        when = by.when if by is not None else None
        if by is not None:
            self.byline = tuple(dict.fromkeys((*self.byline, *by.names)))
            self.consumed.append(by.residue)
        elif _is_time_phrase(line, self.sets, self.language, self.fetched_at):
            when = line
        else:
            return False
        if when is not None:
            self.consumed.append(when)
            self.published = self.published or parse_time(
                when, self.fetched_at, self.language, self.sets
            )
        return True


def _headline_from(text: str) -> str:
    first = _SENTENCE.match(text)
    sentence = first.group(1) if first else text
    if len(sentence) <= _HEADLINE_FALLBACK_CHARS:
        return sentence
    cut = sentence[:_HEADLINE_FALLBACK_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def extract(
    paragraphs: Sequence[str],
    *,
    fetched_at: datetime,
    removed: Sequence[str] = (),
    headline: str | None = None,
    language: str | None = None,
    patterns: Sequence[PatternSet] | None = None,
) -> Extraction:
    """Find the attribution in clean paragraphs.

    ``headline`` given (an HTML title) means the copy need not open with one;
    ``language`` given (the source's policy) skips detection. ``removed`` are the
    furniture lines cleaning cut; a bare relative time among them dates the story
    when no byline does."""
    paras = [one_line(p) for p in paragraphs]
    paras = [p for p in paras if p]
    lang = language or detect_language("\n".join(paras), patterns)
    sets = _ordered(patterns or all_patterns(), lang)
    consumed: list[str] = []

    # Headline: the first paragraph, unless the copy opens straight with a dateline.
    if headline is not None:
        headline = one_line(headline)
        if paras and paras[0] == headline:
            paras.pop(0)
    elif paras and _match_dateline(paras[0], sets, fetched_at, lang) is None:
        headline = paras.pop(0)
    elif paras:
        opening = _match_dateline(paras[0], sets, fetched_at, lang)
        headline = _headline_from(opening[1] if opening and opening[1] else paras[0])
    else:
        headline = ""

    # Header: byline, time and pictures between the headline and the story.
    header = _Header(sets, lang, fetched_at, consumed)
    pictures: list[Picture] = []
    i = 0
    while i < len(paras):
        line = paras[i]
        if header.take(line):
            i += 1
            continue
        pic = match_caption(line, sets)
        if pic is not None:
            pictures.append(pic[0])
            consumed.append(pic[1])
            i += 1
            continue
        # A caption on its own line, its credit on the next ("Photo: AFP").
        credit = match_caption(paras[i + 1], sets) if i + 1 < len(paras) else None
        if credit is not None and credit[0].caption is None:
            pictures.append(replace(credit[0], caption=line))
            consumed.append(credit[1])
            i += 2
            continue
        break

    # The rest: story paragraphs, with related links, pictures, signature,
    # copyright and sign-offs picked out wherever they stand.
    body: list[str] = []
    related: list[Related] = []
    provider: Provider | None = None
    credit_line: str | None = None
    rights = Rights()
    editor: str | None = None
    review: list[str] = []
    captions = {p.caption for p in pictures if p.caption}
    opening_agency: str | None = None
    for line in paras[i:]:
        if not body:
            opening = _match_dateline(line, sets, fetched_at, lang)
            opening_agency = opening[0].agency if opening else opening_agency
        rel = _match_related(line, sets)
        if rel is not None:
            related.append(rel[0])
            consumed.append(rel[1])
            continue
        sig = _match_signature(line, sets, opening_agency)
        if sig is not None:
            if provider is None:
                provider, credit_line = sig
            elif sig[1] != credit_line:
                review.append(f"a second agency signature in the copy: {sig[1]!r}")
                body.append(line)
            continue
        pic = match_caption(line, sets)
        if pic is not None:
            if pic[0].caption is None and pictures and pictures[-1].credit is None:
                pictures[-1] = replace(pictures[-1], credit=pic[0].credit)
            else:
                pictures.append(pic[0])
            captions.update(p.caption for p in pictures if p.caption)
            consumed.append(pic[1])
            continue
        if line in captions:
            continue
        right = _match_rights(line, sets)
        if right is not None and rights in (Rights(), right):
            rights = right
            continue
        sign = _match_editor(line, sets)
        if sign is not None and not sign[1] and editor in (None, sign[0]):
            editor = sign[0]
            continue
        if not body and header.take(line):
            continue  # header lines after a signature or link still open the story
        body.append(line)

    published = header.published
    if published is None:
        for line in removed:
            if any(s.reltime.fullmatch(line) for s in sets):
                published = parse_time(line, fetched_at, lang, sets)
                if published is not None:
                    break

    dateline: Dateline | None = None
    if body:
        opening = _match_dateline(body[0], sets, fetched_at, lang)
        if opening is not None:
            dateline, rest, raw_date = opening
            consumed.append(raw_date)
            if rest:
                body[0] = rest
            else:
                body.pop(0)
    if body:
        sign = _match_editor(body[-1], sets)
        if sign is not None:
            editor = editor or sign[0]
            if sign[1]:
                body[-1] = sign[1]
            else:
                body.pop()

    return Extraction(
        headline=headline,
        language=lang,
        body=tuple(body),
        byline=header.byline,
        published_at=published,
        dateline=dateline,
        provider=provider,
        credit_line=credit_line,
        editor=editor,
        pictures=tuple(pictures),
        sources=_find_sources(body, sets),
        related=tuple(related),
        rights=rights,
        removed=tuple(removed),
        consumed=tuple(c for c in consumed if c),
        review=tuple(review),
    )


def _match_rights(line: str, sets: Sequence[PatternSet]) -> Rights | None:
    for s in sets:
        m = s.copyright.match(line)
        if m:
            return Rights(
                copyright_holder=m.group("holder").strip(), copyright_notice=m.group("notice")
            )
    return None


def extract_copy(
    text: str,
    *,
    fetched_at: datetime,
    headline: str | None = None,
    language: str | None = None,
    patterns: Sequence[PatternSet] | None = None,
) -> Extraction:
    """Clean then extract repaired text: one paragraph per line, or hard-wrapped
    copy, whose paragraphs ``wire.ingest.unwrap`` first puts back on one line each."""
    kept, removed = clean_lines(unwrap(text).split("\n"), patterns)
    return extract(
        kept,
        fetched_at=fetched_at,
        removed=removed,
        headline=headline,
        language=language,
        patterns=patterns,
    )


def clean_text(extraction: Extraction) -> str:
    """The story's own text as copy again: headline, its copyright line, then one
    paragraph per line. The copyright line comes first because the first such line
    of a copy is its rights: a later one (another holder's) stays in the body, and
    does again when the copy is read back."""
    notice = extraction.rights.copyright_notice
    return "\n\n".join((extraction.headline, *([notice] if notice else []), *extraction.body))


def words(texts: Iterable[str]) -> set[str]:
    """The word tokens of some texts, for "nothing was lost" checks."""
    return {w for t in texts for w in re.findall(r"\w+", t)}
