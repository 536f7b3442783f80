"""The ninjs 2.2 vocabulary wire writes, and the variants of it wire reads.

ninjs leaves most role codes to the provider. Each role wire writes is named
once here (``CREDITLINE`` …); the sets beside it are what wire accepts for the
same meaning from other agencies, always including what wire itself writes,
so wire's own ninjs reads back exactly.
"""

from __future__ import annotations

from typing import Final

from wire.formats.namespaces import NINJS_SCHEMA_URI

__all__ = ["NINJS_SCHEMA_URI"]

# descriptions/role
SUMMARY: Final = "summary"
CREDITLINE: Final = "creditline"
DATELINE: Final = "dateline"
EDITOR: Final = "editor"
SIGNAL: Final = "signal"
CAPTION: Final = "caption"
# infosources/role of the distributing agency
PROVIDER: Final = "provider"
# people/rel of a byline person
AUTHOR: Final = "author"

CREDIT_ROLES: Final = frozenset({CREDITLINE, "credit", "credit_line"})
DATELINE_ROLES: Final = frozenset({DATELINE})
EDITOR_ROLES: Final = frozenset({EDITOR})
SIGNAL_ROLES: Final = frozenset({SIGNAL})
SUMMARY_ROLES: Final = frozenset(
    {SUMMARY, "abstract", "teaser", "description", "desc", "lead", CAPTION}
)
PROVIDER_ROLES: Final = frozenset({PROVIDER, "distributor", "agency", "publisher", "funder"})
"""``infosources`` role codes that name the distributing agency rather than a source."""
AUTHOR_RELS: Final = frozenset({AUTHOR, "creator", "byline", "writer"})
"""``people/rel`` codes that make a person part of the byline."""

NO_URL_PREFIXES: Final = ("urn:wire:picture:", "urn:wire:related:")
"""Association URIs wire writes for a picture or link that has no URL: read back
as "no URL", never as an address."""
