"""Every XML namespace URI wire reads or writes, declared once.

Parsers and renderers both import from here, so the two sides of a format can
never disagree on a URI. wire's own namespace and what it holds are in
``wire.formats.wire_namespace``.
"""

from __future__ import annotations

from typing import Final

ATOM_NS: Final = "http://www.w3.org/2005/Atom"
TOMBSTONE_NS: Final = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721 at:deleted-entry
HISTORY_NS: Final = "http://purl.org/syndication/history/1.0"  # RFC 5005 fh:archive
MEDIA_NS: Final = "http://search.yahoo.com/mrss/"
DC_NS: Final = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS: Final = "http://purl.org/dc/terms/"
CONTENT_NS: Final = "http://purl.org/rss/1.0/modules/content/"
RSS1_NS: Final = "http://purl.org/rss/1.0/"
XHTML_NS: Final = "http://www.w3.org/1999/xhtml"
NAR_NS: Final = "http://iptc.org/std/nar/2006-10-01/"  # NewsML-G2
NEWSML1_NS_PREFIX: Final = "http://iptc.org/std/NewsML/"
"""NewsML 1.x in its XML Schema form (``http://iptc.org/std/NewsML/2003-10-10/``);
the DTD form, the usual one, has no namespace."""
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
XML_LANG: Final = "{" + XML_NS + "}lang"

WIRE_NS: Final = "https://wire.example/ns/1.0"
WIRE_PREFIX: Final = "wire"
SOURCE_ROLE_SCHEME: Final = WIRE_NS + "/source-role/"
"""The NewsML-G2 scheme of wire's source roles (alias ``SOURCE_ROLE_ALIAS``)."""
SOURCE_ROLE_ALIAS: Final = "wirerole"
GROUP_ROLE_SCHEME: Final = WIRE_NS + "/group-role/"
"""The NewsML-G2 scheme of wire's package group roles (alias ``GROUP_ROLE_ALIAS``)."""
GROUP_ROLE_ALIAS: Final = "wiregroup"
FEED_GROUP_ROLE: Final = GROUP_ROLE_SCHEME + "feed"
"""``group/@roleuri`` of a NewsML-G2 feed package's root group: "these items are
the feed, in order" (a listing, not a set of related stories)."""
FEED_GROUP_QCODE: Final = GROUP_ROLE_ALIAS + ":feed"
"""The same role as a QCode (``group/@role``), which resolves through the
package's catalog to ``FEED_GROUP_ROLE``: consumers that read only ``role``
(Superdesk's NewsML-G2 parser requires it) find one."""

NINJS_FEED_KIND: Final = WIRE_NS + "/ninjs-feed"
"""``kind`` of wire's ninjs feed wrapper (ninjs defines no feed document)."""

NINJS_SCHEMA_URI: Final = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json"
RENDITION_SCHEME: Final = WIRE_NS + "/rendition/"
"""The NewsML-G2 scheme of the story formats wire serves (``wirernd:nitf``): the
``rendition`` of each ``remoteContent`` a feed item links (alias ``RENDITION_ALIAS``)."""
RENDITION_ALIAS: Final = "wirernd"
