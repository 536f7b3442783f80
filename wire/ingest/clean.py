"""Boilerplate removal for agency copy: page furniture out, and every cut listed. Pure.

Works on lines (one paragraph each). What counts as furniture is data in
``wire/ingest/patterns/*.toml``: ad markers, banner slogans, view counters, bare
relative times ("5 hours ago"), and end markers ("Recommendation for you") after
which nothing belongs to the article. A caption line printed twice in a row
(under its picture and again as alt text) is kept once; nothing of it is lost, so
it is not listed as removed. Other repeated lines are story text and stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from wire.ingest.patterns import PatternSet, all_patterns

_SENTENCE_END = re.compile(r"[.!?؟。]\W*$")
_SANDWICH_MAX_WORDS = 10


def _kind(line: str, sets: Sequence[PatternSet]) -> str | None:
    """Why ``line`` is furniture ("ad", "slogan", "views", "time", "end"), or ``None``."""
    folded = line.casefold()
    for s in sets:
        if folded in s.end_markers:
            return "end"
        if folded in s.ad_markers:
            return "ad"
        if folded in s.banner_slogans:
            return "slogan"
        if s.view_counter.fullmatch(line):
            return "views"
        if s.reltime.fullmatch(line):
            return "time"
    return None


def _is_caption(line: str, sets: Sequence[PatternSet]) -> bool:
    return any(regex.match(line) for s in sets for regex in s.captions)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def clean_lines(
    lines: Iterable[str], patterns: Sequence[PatternSet] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split lines into (kept, removed).

    ``kept`` keeps order and drops blank lines; ``removed`` lists each dropped line
    once, in the order first seen. A short line with no sentence end standing
    between two ad markers is furniture too (a banner slogan). Running
    ``clean_lines`` on its own ``kept`` output removes nothing."""
    sets = patterns or all_patterns()
    items = [line.strip() for line in lines]
    items = [line for line in items if line]
    kinds = [_kind(line, sets) for line in items]
    for i, line in enumerate(items):
        if kinds[i] is not None or i == 0 or i == len(items) - 1:
            continue
        if (
            kinds[i - 1] == "ad"
            and kinds[i + 1] == "ad"
            and len(line.split()) <= _SANDWICH_MAX_WORDS
            and not _SENTENCE_END.search(line)
        ):
            kinds[i] = "sandwich"
    kept: list[str] = []
    removed: list[str] = []
    ended = False
    for line, kind in zip(items, kinds, strict=True):
        ended = ended or kind == "end"
        if ended or kind is not None:
            removed.append(line)
        elif not (kept and kept[-1] == line and _is_caption(line, sets)):
            kept.append(line)
    return tuple(kept), _unique(removed)
