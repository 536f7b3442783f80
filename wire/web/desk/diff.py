"""What changed between two versions of a story, line by line, for an editor.

Each version is compared as its plain-text rendering (``story_text``): the
headline, the text and the whole attribution (byline, dateline, credit, sources,
rights) in the words a partner prints, so a changed credit line shows as plainly
as a changed sentence. ``difflib`` finds the changes; unchanged runs are folded
to a line of context around each change. Pure.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from wire.model import Story
from wire.publish.plaintext import story_text

CONTEXT = 1  # unchanged lines kept around a change

Kind = Literal["same", "added", "removed", "folded"]


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: Kind
    text: str


def version_lines(story: Story) -> list[str]:
    """A version as the lines it is compared by (blank lines dropped)."""
    return [line for line in story_text(story).splitlines() if line.strip()]


def version_diff(before: Story, after: Story) -> list[DiffLine]:
    """The lines removed and added from ``before`` to ``after``, with context."""
    old, new = version_lines(before), version_lines(after)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            run = old[i1:i2]
            if len(run) > 2 * CONTEXT + 1:
                head = run[:CONTEXT] if out else []
                tail = run[-CONTEXT:] if i2 < len(old) else []
                out += [DiffLine("same", line) for line in head]
                out.append(
                    DiffLine("folded", f"{len(run) - len(head) - len(tail)} lines unchanged")
                )
                out += [DiffLine("same", line) for line in tail]
            else:
                out += [DiffLine("same", line) for line in run]
            continue
        out += [DiffLine("removed", line) for line in old[i1:i2]]
        out += [DiffLine("added", line) for line in new[j1:j2]]
    return out


__all__ = ["DiffLine", "version_diff", "version_lines"]
