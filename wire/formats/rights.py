"""A story's rights as the one line a feed reader shows, and back.

RSS ``dc:rights`` and Atom ``rights`` are the only rights most readers display,
so there the copyright notice (else the holder) and the usage terms travel as
one statement, joined by " — " (``© 2025 EWS — Editorial use only.``). The
usage terms also go on their own in ``media:license``, where a program finds
them; wire's feed parser takes them from there and the notice back out of the
statement.
"""

from __future__ import annotations

from typing import Final

from wire.model import Rights
from wire.text import one_line

JOIN: Final = " — "


def statement(rights: Rights) -> str | None:
    """The notice (else the holder) and the usage terms as one line; None when
    both are absent."""
    parts = (rights.copyright_notice or rights.copyright_holder, rights.usage_terms)
    return JOIN.join(p for part in parts if part and (p := one_line(part))) or None


def notice_of(text: str | None, terms: str | None) -> str | None:
    """The notice in a statement ``statement`` made with these usage terms: the
    text without them. Any other text is the notice as it stands."""
    if not text:
        return None
    text, terms = one_line(text), one_line(terms or "")
    if terms and text == terms:
        return None
    if terms and text.endswith(JOIN + terms):
        return text[: -len(JOIN + terms)] or None
    return text or None
