"""Hard-wrapped copy → one paragraph per line. Pure.

Cleaning and extraction read copy as one paragraph per line. Old wire systems
and e-mail deliver it hard-wrapped instead: every paragraph broken into lines of
about the same width (typically 60–80 columns), paragraphs apart by a blank line.
Read line by line, such copy has its paragraphs split mid-sentence, and a
dateline, byline or "as reported by …" running onto a second line is missed.
``unwrap`` re-joins those lines, and only in copy that clearly is hard-wrapped;
any other text comes back as the very same string.

The rule, on the blocks of lines between blank lines:

* Lines repeated in a row (a caption printed twice, under its picture and as its
  alt text, perhaps wrapped itself) are never joined to each other; every other
  pair of lines next to each other in a block is a *candidate* wrap.
* The wrap width ``W`` is the longest first line of a candidate. A candidate is a
  *break* when its first line is short, meaning the next line's first word would
  have fitted within ``W`` (a wrapper would have put it there), and a unit ends
  or begins there: the first line ends a sentence or a clause (``. ! ? : ; ) ”``
  …) or the next one starts with anything but a lower-case letter. Otherwise it
  is a *wrap* when its first line is within 25% below ``W``, and *odd* if not.
* The copy is hard-wrapped when ``W`` lies between 30 and 100 characters, there
  are at least two wraps, at least as many wraps as breaks, and odd candidates
  make up no more than a tenth of the wraps. One paragraph per line does not
  qualify: it has no candidates at all (paragraphs apart by blank lines), or
  (paragraphs on consecutive lines) most of its candidates are breaks.
* In hard-wrapped copy the lines of every wrap and odd candidate are joined with
  one space, and a line ending in a hyphen right after a letter or digit runs
  on into a next line that starts with one ("self-" + "defence" is "self-defence": the
  hyphen stays, as it may belong to the word). Breaks and repeats stay apart;
  the paragraphs come out separated by a blank line, repeats on consecutive lines
  as before (so cleaning still keeps a twice-printed caption once).

Joining only turns line breaks into spaces, so no word is lost or added, and the
output has nothing left to join: ``unwrap(unwrap(x)) == unwrap(x)``. Greedy
wrappers (e-mail clients, ``fold -s``, teleprinter systems) are inverted
exactly; copy wrapped to a balanced "goal" width (GNU ``fmt``) may keep a break
before a capitalised word that would have fitted on the line above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["is_hard_wrapped", "unwrap"]

_MIN_WIDTH = 30
_MAX_WIDTH = 100
_BAND = 0.75  # a wrapped line is at least this share of the wrap width
_ODD_SHARE = 10  # at most one odd candidate per this many wraps
_MAX_REPEAT = 8  # longest run of lines looked for as printed twice
_UNIT_END = frozenset('.!?:;…؟。)]}"”’»')
_HYPHEN_RUN_ON = re.compile(r"\w-$")
_WORD_START = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class _Layout:
    """A document's blocks, each split into runs never to be joined to each other."""

    blocks: tuple[tuple[tuple[str, ...], ...], ...]

    def pairs(self) -> list[tuple[str, str]]:
        """Every candidate: two lines next to each other inside one run."""
        return [
            (run[i], run[i + 1])
            for block in self.blocks
            for run in block
            for i in range(len(run) - 1)
        ]


def _repeat_at(lines: Sequence[str], i: int) -> int:
    """The length of the longest run starting at ``i`` that is printed again right after."""
    for k in range(min(_MAX_REPEAT, (len(lines) - i) // 2), 0, -1):
        if all(lines[i + j] == lines[i + k + j] for j in range(k)):
            return k
    return 0


def _runs(lines: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """A block's lines in runs: a repeated run and its copy each stand alone."""
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    i = 0
    while i < len(lines):
        k = _repeat_at(lines, i)
        if k == 0:
            current.append(lines[i])
            i += 1
            continue
        if current:
            runs.append(tuple(current))
            current = []
        runs += [tuple(lines[i : i + k]), tuple(lines[i + k : i + 2 * k])]
        i += 2 * k
    if current:
        runs.append(tuple(current))
    return tuple(runs)


def _layout(text: str) -> _Layout:
    blocks: list[tuple[tuple[str, ...], ...]] = []
    block: list[str] = []
    for raw in [*text.split("\n"), ""]:
        line = raw.strip()
        if line:
            block.append(line)
        elif block:
            blocks.append(_runs(block))
            block = []
    return _Layout(tuple(blocks))


def _is_break(line: str, following: str, width: int) -> bool:
    """Whether the line break between ``line`` and ``following`` was meant:
    the next word had room on the line, and a unit ends or begins here."""
    word = following.split()[0]
    if len(line) + 1 + len(word) > width:
        return False
    first = following[0]
    return line[-1] in _UNIT_END or not (first.isalpha() and first.islower())


def _width(pairs: Sequence[tuple[str, str]]) -> int:
    return max((len(line) for line, _ in pairs), default=0)


def _hard_wrapped(pairs: Sequence[tuple[str, str]]) -> bool:
    width = _width(pairs)
    if not _MIN_WIDTH <= width <= _MAX_WIDTH:
        return False
    wraps = breaks = odd = 0
    for line, following in pairs:
        if _is_break(line, following, width):
            breaks += 1
        elif len(line) >= _BAND * width:
            wraps += 1
        else:
            odd += 1
    return wraps >= 2 and wraps >= breaks and odd * _ODD_SHARE <= wraps


def is_hard_wrapped(text: str) -> bool:
    """Whether ``text`` is copy hard-wrapped to a fixed width (the rule above)."""
    return _hard_wrapped(_layout(text).pairs())


def _join(line: str, following: str) -> str:
    if _HYPHEN_RUN_ON.search(line) and _WORD_START.match(following):
        return line + following
    return line + " " + following


def _paragraphs(run: Sequence[str], width: int) -> list[str]:
    paragraphs = [run[0]]
    for line, following in pairwise(run):
        if _is_break(line, following, width):
            paragraphs.append(following)
        else:
            paragraphs[-1] = _join(paragraphs[-1], following)
    return paragraphs


def unwrap(text: str) -> str:
    """``text`` with hard-wrapped paragraphs re-joined, one paragraph per line.

    Expects repaired text ("\\n" line breaks). Copy that is not clearly
    hard-wrapped is returned unchanged, as the same string."""
    layout = _layout(text)
    pairs = layout.pairs()
    if not _hard_wrapped(pairs):
        return text
    width = _width(pairs)
    out: list[str] = []
    for block in layout.blocks:
        paragraphs = [p for run in block for p in _paragraphs(run, width)]
        rendered = paragraphs[0]
        for previous, paragraph in pairwise(paragraphs):
            rendered += ("\n" if paragraph == previous else "\n\n") + paragraph
        out.append(rendered)
    return "\n\n".join(out)
