"""How a story relies on an outlet, in wire's words and in the IPTC's.

One table, read both ways: ``IPTC_ROLE`` is what wire writes in NewsML-G2
(``infoSource/@role``, beside its own ``wirerole:`` code so nothing is lost);
``role_of_code`` reads any agency's codes, from the same table's inverse plus
the aliases agencies use in practice.
"""

from __future__ import annotations

from typing import Final

from wire.model import SourceRole

IPTC_ROLE: Final[dict[str, str]] = {
    SourceRole.REPORTED_BY: "cpprole:originfo",
    SourceRole.ACCORDING_TO: "cpprole:originfo",
    SourceRole.TOLD: "cpprole:originfo",
    SourceRole.CITING: "cpprole:contentSource",
    SourceRole.ORIGINAL_SOURCE: "cpprole:origcont",
    SourceRole.QUOTED: "cpprole:contentSource",
}
"""wire source role → IPTC Content Production Party Role (written); a role wire
does not know is written as ``IPTC_FALLBACK``."""
IPTC_FALLBACK: Final = "cpprole:contentSource"

_ALIASES: Final = {
    "origprov": SourceRole.ORIGINAL_SOURCE,
    "originalprovider": SourceRole.ORIGINAL_SOURCE,
    "originalsource": SourceRole.ORIGINAL_SOURCE,
    "infosrc": SourceRole.ORIGINAL_SOURCE,
    "infosource": SourceRole.ORIGINAL_SOURCE,
    "origsrc": SourceRole.ORIGINAL_SOURCE,
    "quoted": SourceRole.QUOTED,
    "citedsource": SourceRole.CITING,
}
"""Codes agencies write for roles the IPTC table does not name one to one."""


def _inverse() -> dict[str, SourceRole]:
    """IPTC codes that stand for exactly one wire role (the first listed wins for
    the shared ``originfo``/``contentSource``: the broader reading)."""
    out: dict[str, SourceRole] = {}
    for role, qcode in IPTC_ROLE.items():
        out.setdefault(qcode.partition(":")[2].lower(), SourceRole(role))
    return out


READ_CODES: Final = {**_inverse(), **_ALIASES}
"""A role code (the part after a scheme alias, lower-cased) → wire's role."""

WIRE_ROLES: Final = frozenset(r.value for r in SourceRole)


def role_of_code(code: str | None) -> SourceRole | None:
    """wire's role for an upstream role code (``cpprole:origcont``, ``origprov``, a
    wire role itself); None when it names none."""
    bare = (code or "").rpartition(":")[2].strip().lower()
    if bare in WIRE_ROLES:
        return SourceRole(bare)
    return READ_CODES.get(bare)


ROLE_WORDS: Final[dict[str, str]] = {
    SourceRole.REPORTED_BY: "as reported by",
    SourceRole.ACCORDING_TO: "according to",
    SourceRole.TOLD: "as told to",
    SourceRole.CITING: "citing",
    SourceRole.ORIGINAL_SOURCE: "first published by",
    SourceRole.QUOTED: "as quoted by",
}
"""How each role is printed before the outlet's name ("as reported by Al Jazeera");
a role wire does not know is printed as ``ROLE_WORDS_FALLBACK``."""
ROLE_WORDS_FALLBACK: Final = "from"
