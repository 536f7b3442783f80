"""Whitespace, folded the one way every part of wire folds it.

``str.split()`` with no argument splits on every Unicode whitespace run
(newlines, tabs, no-break spaces), so joining its parts with one space is the
whole rule; what else a module does to text (casefolding, repair) it does
itself.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """Every run of whitespace (newlines included) as one space, ends trimmed."""
    return " ".join(text.split())


def squash(text: str | None) -> str | None:
    """``one_line``, with ``None`` for nothing (or nothing but whitespace) left."""
    if text is None:
        return None
    return one_line(text) or None
