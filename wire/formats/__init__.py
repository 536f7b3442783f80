"""The formats wire speaks, and everything named after them, in one table.

Every route, content type, file extension, label and config choice is derived
from ``Format`` (the feed formats), ``STORY_FORMATS`` (what one story is served
as at ``/stories/{guid}.<extension>``) and ``INPUT_FORMATS`` (what its parsers
read), so adding a format is one row here plus its renderer or parser
(docs/architecture.md has the checklist). The package's other modules hold each
format's vocabulary shared by its parser and its renderer: ``namespaces``,
``wire_namespace``, ``roles``, ``ninjs``, ``rights`` (the rights statement), and
``xmlpath`` for reading XML. ``siblings`` names a feed's other formats, which
every feed links to (``rel="alternate"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """How one feed format is named and served."""

    extension: str  # of the feed
    feed_type: str  # media type of a feed
    label: str  # what a person is shown


class Format(StrEnum):
    """A feed format (NewsML-G2 and ninjs are story formats too: ``STORY_FORMATS``)."""

    RSS = "rss"
    ATOM = "atom"
    NEWSML = "newsml"
    NINJS = "ninjs"

    @property
    def spec(self) -> FormatSpec:
        return _SPECS[self]

    @property
    def extension(self) -> str:
        return self.spec.extension

    @property
    def feed_type(self) -> str:
        return self.spec.feed_type

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def media_type(self) -> str:
        """The feed's media type without parameters, as a link's ``type`` says it."""
        return self.feed_type.split(";", 1)[0].strip()


_SPECS: Final = {
    Format.RSS: FormatSpec("rss", "application/rss+xml; charset=utf-8", "RSS 2.0"),
    Format.ATOM: FormatSpec("atom", "application/atom+xml; charset=utf-8", "Atom 1.0"),
    Format.NEWSML: FormatSpec(
        "xml", "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8", "NewsML-G2"
    ),
    Format.NINJS: FormatSpec("json", "application/json", "ninjs 2.2"),
}

FEED_FORMATS: Final = tuple(f.value for f in Format)
"""Every feed format's name, in the order a feed lists them."""

_BY_EXTENSION: Final = {f.extension: f for f in Format}


@dataclass(frozen=True, slots=True)
class StoryFormat:
    """One way a single story is served: ``/stories/{guid}.<extension>``.

    ``name`` is what feeds and the cursor call the rendition (``nitf``); the
    story page (``html``) is one too, so partners find every form in one list."""

    name: str
    extension: str
    media_type: str
    label: str


STORY_FORMATS: Final = (
    StoryFormat(
        "newsml", "xml", "application/vnd.iptc.g2.newsitem+xml; charset=utf-8", "NewsML-G2"
    ),
    StoryFormat("ninjs", "json", "application/json", "ninjs 2.2"),
    StoryFormat("nitf", "nitf", "text/vnd.iptc.nitf; charset=utf-8", "NITF 3.6"),
    StoryFormat("text", "txt", "text/plain; charset=utf-8", "Plain text"),
    StoryFormat("html", "html", "text/html; charset=utf-8", "Web page"),
)
"""Every single-story format, in the order links to them are listed. NITF's media
type is the one IPTC registered with IANA (``text/vnd.IPTC.NITF``)."""

_STORY_BY_EXTENSION: Final = {s.extension: s for s in STORY_FORMATS}
STORY_PAGE: Final = "html"
"""The extension of a story's reading page (not a syndication format)."""


def by_extension(extension: str) -> Format | None:
    """The feed format served under this extension (``xml`` → NewsML-G2)."""
    return _BY_EXTENSION.get(extension)


def story_format(extension: str) -> StoryFormat | None:
    """The single-story format served under this extension (``nitf`` → NITF 3.6)."""
    return _STORY_BY_EXTENSION.get(extension)


def story_extensions() -> tuple[str, ...]:
    """The extensions a single story is served under."""
    return tuple(s.extension for s in STORY_FORMATS)


def story_type(extension: str) -> str | None:
    """The media type of a single story served under this extension."""
    found = story_format(extension)
    return found.media_type if found is not None else None


def story_path(guid: str, extension: str) -> str:
    """The path of one story in one format, its guid percent-encoded whole."""
    return f"/stories/{quote(guid, safe='')}.{extension}"


def story_links(base_url: str, guid: str) -> dict[str, str]:
    """Every rendition of one story by name (``{"nitf": ".../stories/g.nitf"}``):
    what feeds and the change cursor offer with each item."""
    base = base_url.rstrip("/")
    return {s.name: base + story_path(guid, s.extension) for s in STORY_FORMATS}


def feed_path(feed: str, fmt: str) -> str:
    """The path a feed is served at in a format: ``/feeds/<name>.<extension>``."""
    return f"/feeds/{feed}.{Format(fmt).extension}"


def siblings(fmt: str, offered: tuple[str, ...]) -> tuple[Format, ...]:
    """The other formats a feed offered in ``offered`` is served in, in the
    table's order: what its ``rel="alternate"`` links point to."""
    return tuple(f for f in Format if f.value in offered and f.value != fmt)


def extension_pattern(extensions: tuple[str, ...]) -> str:
    """A route pattern alternative of the extensions (``rss|atom|xml|json``)."""
    return "|".join(extensions)


INPUT_FORMATS: Final = (
    "text",
    "html",
    "rss",
    "atom",
    "newsml",
    "nitf",
    "ninjs",
    "anpa",  # ANPA 1312, the AP wire
    "iptc7901",  # IPTC 7901, dpa and the European agencies' wire
    "email",  # RFC 5322 and MIME: how stringers file
    "newsml1",  # NewsML 1.x, the IPTC standard before G2 (AFP, ANA-MPA)
    "apmedia",  # AP Media API JSON: its feed and item envelopes around AP's items
)
"""What the parsers read (``auto``: recognised by content, never by name)."""
AUTO: Final = "auto"
INPUT_CHOICES: Final = (AUTO, *INPUT_FORMATS)
"""What a source's ``format`` or ``--format`` may say."""
