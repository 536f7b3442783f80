"""Items a parser leaves out of an input, named, while the rest of it is read.

A newsMessage of forty items with one broken (a video item with no headline)
must not lose the other thirty-nine: the parser skips the broken item with a
reason (``skip``), and the pipeline hands the reasons back with the stories
(``Parsed.skipped``) for the desk to record as failures. A context variable
carries the list, so the parsers' signatures stay the same.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from wire.duplicates import Fingerprint
from wire.model import Story

_CURRENT: ContextVar[list[str] | None] = ContextVar("wire_skipped", default=None)


class Parsed(list[Story]):
    """The stories of one input, the reasons items of it were left out, and, when
    the parse was asked for them, the stories' near-duplicate fingerprints (one
    per story, computed where the parse ran: on a parse worker's core)."""

    skipped: tuple[str, ...] = ()
    prints: tuple[Fingerprint | None, ...] | None = None


def skip(reason: str) -> None:
    """Note an item left out of the input being parsed."""
    found = _CURRENT.get()
    if found is not None:
        found.append(reason)


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """Collect the reasons ``skip`` is given within the block."""
    found: list[str] = []
    token = _CURRENT.set(found)
    try:
        yield found
    finally:
        _CURRENT.reset(token)
