"""The story and its parts, as plain typed values.

The JSON names of these fields are the public contract (``../shared/DESIGN.md``,
"The story"); ``wire.storyjson`` converts both ways and ``schemas/story.schema.json``
describes the JSON form. Values are frozen: a change is a new value
(``dataclasses.replace``), which keeps parsing and rendering pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PubStatus(StrEnum):
    """Publishing status, named as in NewsML-G2 ``stat:`` and ninjs ``pubstatus``."""

    USABLE = "usable"
    WITHHELD = "withheld"
    CANCELED = "canceled"


class SourceRole(StrEnum):
    """How a story relies on an outlet it names."""

    REPORTED_BY = "reported-by"
    ACCORDING_TO = "according-to"
    TOLD = "told"
    CITING = "citing"
    ORIGINAL_SOURCE = "original-source"
    QUOTED = "quoted"


@dataclass(frozen=True, slots=True)
class Provider:
    """The agency that distributes the story."""

    name: str
    abbreviation: str | None = None


@dataclass(frozen=True, slots=True)
class Dateline:
    """``Moscow, MINA –``: the place, the agency, and the date when the copy gives one."""

    place: str
    agency: str | None = None
    date: str | None = None  # ISO 8601 calendar date, YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture that goes with the story, with its own caption and credit."""

    caption: str | None = None
    credit: str | None = None
    url: str | None = None
    copyright: str | None = None


@dataclass(frozen=True, slots=True)
class InfoSource:
    """An outlet the story relies on; ``evidence`` is the phrase that says so."""

    name: str
    role: str = SourceRole.REPORTED_BY.value
    evidence: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Related:
    """An "Also Read" link."""

    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Rights:
    """Copyright and usage terms: from the source's policy unless the input carries its own."""

    copyright_holder: str | None = None
    copyright_notice: str | None = None
    usage_terms: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Provenance: where the story came from; the raw bytes stay in the archive."""

    source: str | None = None
    format: str | None = None
    fetched_at: datetime | None = None
    raw_sha256: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Story:
    """One version of one story, with its attribution made explicit."""

    headline: str
    guid: str = ""
    version: int = 1
    pub_status: PubStatus = PubStatus.USABLE
    version_created: datetime | None = None
    first_created: datetime | None = None
    published_at: datetime | None = None
    embargoed_until: datetime | None = None
    language: str | None = None
    slugline: str | None = None
    summary: str | None = None
    body: tuple[str, ...] = ()
    link: str | None = None
    byline: tuple[str, ...] = ()
    provider: Provider | None = None
    credit_line: str | None = None
    dateline: Dateline | None = None
    editor: str | None = None
    pictures: tuple[Picture, ...] = ()
    sources: tuple[InfoSource, ...] = ()
    related: tuple[Related, ...] = ()
    rights: Rights = field(default_factory=Rights)
    subjects: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    ed_note: str | None = None
    origin: Origin = field(default_factory=Origin)
    removed: tuple[str, ...] = ()
    review: tuple[str, ...] = ()

    def is_visible(self, now: datetime, *, embargo_rights: bool = False) -> bool:
        """Whether an audience may see this version now: usable and, unless it
        holds embargo rights, past its embargo."""
        if self.pub_status is not PubStatus.USABLE:
            return False
        return embargo_rights or self.embargoed_until is None or self.embargoed_until <= now

    @property
    def sort_time(self) -> datetime | None:
        """The instant feeds order by: publication, else first creation."""
        return self.published_at or self.first_created or self.version_created


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which stories a feed carries; an empty tuple means "any"."""

    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()

    def matches(self, story: Story) -> bool:
        """The same rule the store's indexed query applies, for one story in memory."""
        provider = story.provider.name if story.provider else None
        return (
            (not self.sources or story.origin.source in self.sources)
            and (not self.languages or story.language in self.languages)
            and (not self.providers or provider in self.providers)
            and (not self.subjects or bool(set(self.subjects) & set(story.subjects)))
            and (not self.keywords or bool(set(self.keywords) & set(story.keywords)))
        )


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is reading: the public, or a partner with its entitlements.

    ``feeds``/``sources`` of ``None`` mean unrestricted (the public reads every
    public feed, a partner with no source list reads every source)."""

    name: str = "public"
    feeds: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    embargo_rights: bool = False

    @property
    def is_public(self) -> bool:
        return self.name == "public"

    def may_read_feed(self, feed: str) -> bool:
        return self.feeds is None or feed in self.feeds

    def may_see(self, story: Story, now: datetime) -> bool:
        """Entitled to this story's source, and past its embargo unless entitled to embargoes."""
        if self.sources is not None and story.origin.source not in self.sources:
            return False
        return story.is_visible(now, embargo_rights=self.embargo_rights)


PUBLIC = Audience()
