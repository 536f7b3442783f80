"""How much one input may ask of the parser: elements and nesting depth.

The numbers come from the config (``max_elements``, ``max_depth``; parse time,
``parse_seconds``, is the worker pool's, ``wire.ingest.workers``). Element
counts are checked before any tree is built, on the text itself
(``check_markup``), and again, with nesting depth, while XML is parsed
(``wire.ingest.xmlsafe.parse_xml``), so a document of a million empty elements
is refused in milliseconds instead of holding a core for a minute. The limits
in force travel in a context variable set around one parse, so the parsers'
own signatures stay the same.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from wire.errors import InputTooLarge

_START = re.compile(r"<[A-Za-z_]")


@dataclass(frozen=True, slots=True)
class Limits:
    max_elements: int = 200_000
    max_depth: int = 200


DEFAULT_LIMITS = Limits()
_CURRENT: ContextVar[Limits] = ContextVar("wire_parse_limits", default=DEFAULT_LIMITS)


def current() -> Limits:
    """The limits in force for the parse under way."""
    return _CURRENT.get()


@contextlib.contextmanager
def applied(limits: Limits) -> Iterator[None]:
    """Parse under ``limits`` within the block."""
    token = _CURRENT.set(limits)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def check_markup(text: str, name: str, limits: Limits | None = None) -> None:
    """Refuse text with more start tags than ``max_elements``: counted cheaply,
    before any parser builds a tree (``str.count`` first, the tag pattern only
    when that bound is over)."""
    cap = (limits or current()).max_elements
    if text.count("<") <= cap:
        return
    count = sum(1 for _ in _START.finditer(text))
    if count > cap:
        raise InputTooLarge(name, f"{count} elements is over the limit of {cap}")
