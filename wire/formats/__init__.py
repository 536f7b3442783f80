"""The formats wire speaks, and everything named after them, in one table.

Every route, content type, file extension, label and config choice is derived
from ``Format`` (what wire publishes) and ``INPUT_FORMATS`` (what its parsers
read), so adding a format is one row here plus its renderer or parser
(docs/architecture.md has the checklist). The package's other modules hold each
format's vocabulary shared by its parser and its renderer: ``namespaces``,
``wire_namespace``, ``roles``, ``ninjs``, and ``xmlpath`` for reading XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """How one output format is named and served."""

    extension: str  # of the feed and, where there is one, the single story
    feed_type: str  # media type of a feed
    item_type: str | None  # media type of one story on its own; None: feeds only
    label: str  # what a person is shown


class Format(StrEnum):
    """An output format: a feed format, and for NewsML-G2 and ninjs a story format too."""

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
    def item_type(self) -> str | None:
        return self.spec.item_type

    @property
    def label(self) -> str:
        return self.spec.label


_SPECS: Final = {
    Format.RSS: FormatSpec("rss", "application/rss+xml; charset=utf-8", None, "RSS 2.0"),
    Format.ATOM: FormatSpec("atom", "application/atom+xml; charset=utf-8", None, "Atom 1.0"),
    Format.NEWSML: FormatSpec(
        "xml",
        "application/vnd.iptc.g2.newsmessage+xml; charset=utf-8",
        "application/vnd.iptc.g2.newsitem+xml; charset=utf-8",
        "NewsML-G2",
    ),
    Format.NINJS: FormatSpec("json", "application/json", "application/json", "ninjs 2.2"),
}

FEED_FORMATS: Final = tuple(f.value for f in Format)
"""Every feed format's name, in the order a feed lists them."""

_BY_EXTENSION: Final = {f.extension: f for f in Format}

STORY_PAGE: Final = "html"
"""The extension of a story's reading page (not a syndication format)."""
STORY_PAGE_TYPE: Final = "text/html; charset=utf-8"


def by_extension(extension: str) -> Format | None:
    """The feed format served under this extension (``xml`` → NewsML-G2)."""
    return _BY_EXTENSION.get(extension)


def story_extensions() -> tuple[str, ...]:
    """The extensions a single story is served under: each story format's, and the page."""
    return (*(f.extension for f in Format if f.item_type), STORY_PAGE)


def story_type(extension: str) -> str | None:
    """The media type of a single story served under this extension."""
    if extension == STORY_PAGE:
        return STORY_PAGE_TYPE
    fmt = by_extension(extension)
    return fmt.item_type if fmt is not None else None


def feed_path(feed: str, fmt: str) -> str:
    """The path a feed is served at in a format: ``/feeds/<name>.<extension>``."""
    return f"/feeds/{feed}.{Format(fmt).extension}"


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
