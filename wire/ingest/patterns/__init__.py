"""Per-language agency-copy patterns: TOML data next to this file → typed, compiled sets.

Adding a language is adding a ``<code>.toml`` with the same keys as ``en.toml``;
no code branches on the language. Placeholders in regexes (``{name}``, ``{noun}``,
``{suffix}``, ``{outlet}``, ``{reltime}``, ``{date}``) are filled from the same
file so each pattern reads close to the phrase it finds; ``{name}`` becomes the
named group ``name``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from wire.errors import ConfigError
from wire.ingest.dates import DateNames

__all__ = [
    "LANGUAGES",
    "PatternSet",
    "SourcePattern",
    "all_patterns",
    "family_screen",
    "load_patterns",
]

LANGUAGES = ("en", "id", "ar")
"""The languages shipped with wire, in the order their patterns are tried."""

_PLACEHOLDER = re.compile(r"\{(name|noun|suffix|outlet|reltime|date)\}")


@dataclass(frozen=True, slots=True)
class SourcePattern:
    """A phrase naming an outlet the story relies on, and the role it gives it.

    ``cue``: a cheap pattern every match of ``regex`` contains (the phrase's
    verb: "reported", "according"), so a paragraph without any cue is passed
    over without running the patterns, whose outlet names make them slow to
    search (``family_screen``). Without one, the pattern is its own cue."""

    role: str
    regex: re.Pattern[str]
    cue: re.Pattern[str]


@dataclass(frozen=True, slots=True, eq=False)
class PatternSet:
    """Every pattern for one language, compiled. Compared and hashed by identity:
    a set is compiled once (``load_patterns``), and the screens built over sets
    (``family_screen``) are looked up by them on every line of copy."""

    language: str
    script: str | None
    stopwords: frozenset[str]
    ad_markers: frozenset[str]  # casefolded whole lines
    banner_slogans: frozenset[str]  # casefolded whole lines
    end_markers: frozenset[str]  # casefolded whole lines
    view_counter: re.Pattern[str]
    reltime: re.Pattern[str]  # a relative time phrase, unanchored
    timezones: tuple[tuple[str, str], ...]  # (abbreviation, UTC offset)
    dates: DateNames  # the forms read without dateparser
    byline_prefix: re.Pattern[str]
    byline_joiners: re.Pattern[str]
    outlets: frozenset[str]  # casefolded
    media_words: frozenset[str]  # casefolded last words of an outlet's name
    media_prefixes: tuple[str, ...]  # casefolded first words of an outlet's name
    agency_words: tuple[str, ...]  # casefolded
    sources: tuple[SourcePattern, ...]
    captions: tuple[re.Pattern[str], ...]
    related: tuple[re.Pattern[str], ...]
    datelines: tuple[re.Pattern[str], ...]
    editors: tuple[re.Pattern[str], ...]
    signature: re.Pattern[str]
    copyright: re.Pattern[str]
    cues: dict[str, re.Pattern[str]] = field(default_factory=dict)
    """Per family (``sources``, ``captions``, ``related``, ``datelines``,
    ``editors``): a pattern that finds something (``search``) in every text one
    of the family's patterns fits, joined from each entry's ``cue`` (the pattern itself where it
    has none). See ``family_screen``."""


def _get(data: dict[str, Any], key: str, lang: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"patterns.{lang}.{key}", "missing")
        node = node[part]
    return node


def _strings(data: dict[str, Any], key: str, lang: str) -> list[str]:
    value = _get(data, key, lang)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"patterns.{lang}.{key}", "must be a list of strings")
    return value


def _compile(text: str, subs: dict[str, str], key: str, lang: str) -> re.Pattern[str]:
    expanded = _PLACEHOLDER.sub(lambda m: subs[m.group(1)], text)
    try:
        return re.compile(expanded)
    except re.error as exc:
        raise ConfigError(f"patterns.{lang}.{key}", f"bad regex: {exc}") from exc


def _list_of_patterns(
    data: dict[str, Any], key: str, subs: dict[str, str], lang: str
) -> tuple[re.Pattern[str], ...]:
    entries = data.get(key, [])
    return tuple(
        _compile(str(e["pattern"]), subs, f"{key}[{i}].pattern", lang)
        for i, e in enumerate(entries)
    )


_FAMILIES = {
    "sources": "source",
    "captions": "caption",
    "related": "related",
    "datelines": "dateline",
    "editors": "editor",
}
"""The line families with a cue, and their TOML array of tables."""


def _cues(data: dict[str, Any], key: str, subs: dict[str, str], lang: str) -> re.Pattern[str]:
    entries = data.get(key, [])
    cues = [
        _compile(str(e.get("cue", e["pattern"])), subs, f"{key}[{i}].cue", lang).pattern
        for i, e in enumerate(entries)
    ]
    joined = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', c)})" for c in cues)
    return _compile(joined, {}, f"{key}.cues", lang)


def _date_names(data: dict[str, Any], lang: str) -> DateNames:
    units = _get(data, "time.units", lang)
    counts = _get(data, "time.counts", lang)
    if not isinstance(units, dict) or not isinstance(counts, dict):
        raise ConfigError(f"patterns.{lang}.time", "units and counts must be tables")
    try:
        return DateNames.build(
            months=_strings(data, "time.months", lang),
            weekdays=_strings(data, "time.weekdays", lang),
            ago=str(_get(data, "time.ago", lang)),
            counts={str(k): int(v) for k, v in counts.items()},
            units={str(k): _strings(data, f"time.units.{k}", lang) for k in units},
        )
    except (re.error, ValueError) as exc:
        raise ConfigError(f"patterns.{lang}.time", str(exc)) from exc


def parse_patterns(data: dict[str, Any], lang: str) -> PatternSet:
    """One language's TOML table → a compiled ``PatternSet``; ``ConfigError`` names a bad key."""
    outlets = _strings(data, "extract.outlets", lang)
    outlet_alt = "|".join(re.escape(o) for o in sorted(outlets, key=len, reverse=True))
    subs = {
        "outlet": f"(?:{outlet_alt})",
        "reltime": str(_get(data, "time.reltime", lang)),
        "name": str(_get(data, "extract.name", lang)),
        "noun": str(_get(data, "extract.noun", lang)),
        "suffix": str(_get(data, "extract.suffix", lang)),
        "date": str(_get(data, "extract.date", lang)),
    }
    # {name} is always the captured name: the group the extractor reads.
    subs["name"] = "(?P<name>" + _PLACEHOLDER.sub(lambda m: subs[m.group(1)], subs["name"]) + ")"
    zones = _get(data, "time.timezones", lang)
    return PatternSet(
        language=lang,
        script=data.get("script"),
        stopwords=frozenset(w.casefold() for w in _strings(data, "stopwords", lang)),
        ad_markers=frozenset(s.casefold() for s in _strings(data, "clean.ad_markers", lang)),
        banner_slogans=frozenset(
            s.casefold() for s in _strings(data, "clean.banner_slogans", lang)
        ),
        end_markers=frozenset(s.casefold() for s in _strings(data, "clean.end_markers", lang)),
        view_counter=_compile(
            str(_get(data, "clean.view_counter", lang)), subs, "clean.view_counter", lang
        ),
        reltime=_compile(subs["reltime"], subs, "time.reltime", lang),
        timezones=tuple((str(k), str(v)) for k, v in dict(zones).items()),
        dates=_date_names(data, lang),
        byline_prefix=_compile(str(_get(data, "byline.prefix", lang)), subs, "byline.prefix", lang),
        byline_joiners=_compile(
            str(_get(data, "byline.joiners", lang)), subs, "byline.joiners", lang
        ),
        outlets=frozenset(o.casefold() for o in outlets),
        media_words=frozenset(w.casefold() for w in _strings(data, "extract.media_words", lang)),
        media_prefixes=tuple(w.casefold() for w in _strings(data, "extract.media_prefixes", lang)),
        agency_words=tuple(w.casefold() for w in _strings(data, "extract.agency_words", lang)),
        sources=tuple(
            SourcePattern(
                role=str(e["role"]),
                regex=_compile(str(e["pattern"]), subs, f"source[{i}].pattern", lang),
                cue=_compile(str(e.get("cue", e["pattern"])), subs, f"source[{i}].cue", lang),
            )
            for i, e in enumerate(data.get("source", []))
        ),
        captions=_list_of_patterns(data, "caption", subs, lang),
        related=_list_of_patterns(data, "related", subs, lang),
        datelines=_list_of_patterns(data, "dateline", subs, lang),
        editors=_list_of_patterns(data, "editor", subs, lang),
        signature=_compile(
            str(_get(data, "signature.pattern", lang)), subs, "signature.pattern", lang
        ),
        copyright=_compile(
            str(_get(data, "copyright.pattern", lang)), subs, "copyright.pattern", lang
        ),
        cues={
            family: _cues(data, key, subs, lang)
            for family, key in _FAMILIES.items()
            if data.get(key)
        },
    )


@cache
def load_patterns(lang: str) -> PatternSet:
    """The shipped pattern set for ``lang``; ``ConfigError`` if there is none."""
    if lang not in LANGUAGES:
        raise ConfigError(f"patterns.{lang}", f"no patterns for language {lang!r}")
    text = resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"patterns.{lang}", f"invalid TOML: {exc}") from exc
    return parse_patterns(data, lang)


@cache
def all_patterns() -> tuple[PatternSet, ...]:
    """Every shipped language's patterns: copy often mixes furniture from several."""
    return tuple(load_patterns(lang) for lang in LANGUAGES)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@cache
def family_screen(sets: tuple[PatternSet, ...], family: str) -> re.Pattern[str] | None:
    """The cues of a family (``sources``, ``captions``, ``related``,
    ``datelines``, ``editors``) across ``sets`` as one alternation: where its
    ``search`` finds nothing, none of the family's patterns fits, so the line or
    paragraph is passed over in one call instead of one per pattern (most fit no
    family). ``None`` when no set has the family."""
    cues = [s.cues[family].pattern for s in sets if family in s.cues]
    return re.compile("|".join(f"(?:{c})" for c in cues)) if cues else None
