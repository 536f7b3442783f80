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


class Role(StrEnum):
    """What an editor key may do: editors push and act on stories, admins also
    kill and manage deliveries. Ordered: each role may do what those below it may."""

    EDITOR = "editor"
    ADMIN = "admin"

    def may(self, needed: Role) -> bool:
        """Whether this role covers what ``needed`` may do."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


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
    urgency: int | None = None  # IPTC urgency: 1 most urgent … 9 least; None when unknown
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

    def embargoed_at(self, now: datetime) -> bool:
        """Whether this version is still under embargo at ``now``."""
        return self.embargoed_until is not None and self.embargoed_until > now

    @property
    def sort_time(self) -> datetime | None:
        """The instant feeds order by and show as the publication time: publication
        (else first creation), or the embargo's end when that is later, so a story
        pushed early under embargo takes its place in feeds when it is released."""
        base = self.published_at or self.first_created or self.version_created
        if self.embargoed_until is not None and (base is None or self.embargoed_until > base):
            return self.embargoed_until
        return base

    @property
    def facets(self) -> Facets:
        return Facets(
            source=self.origin.source,
            language=self.language,
            provider=self.provider.name if self.provider else None,
            subjects=self.subjects,
            keywords=self.keywords,
        )


@dataclass(frozen=True, slots=True)
class Facets:
    """What feeds and source entitlements select a story by: the part of a version
    that decides which feeds it is in. Kept for earlier versions by the visibility
    rule (``wire.visibility``), so a story that left a feed is still known to have been in it."""

    source: str | None = None
    language: str | None = None
    provider: str | None = None
    subjects: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


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
        return self.selects(story.facets)

    def selects(self, facets: Facets) -> bool:
        return (
            (not self.sources or facets.source in self.sources)
            and (not self.languages or facets.language in self.languages)
            and (not self.providers or facets.provider in self.providers)
            and (not self.subjects or bool(set(self.subjects) & set(facets.subjects)))
            and (not self.keywords or bool(set(self.keywords) & set(facets.keywords)))
        )


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is reading: the public, or a partner with its entitlements.

    ``feeds``/``sources`` of ``None`` mean unrestricted (the public reads every
    public feed, a partner with no feed list reads every feed, public or not, and
    one with no source list every source). ``partner`` tells a partner from the
    public, whatever its name. What an audience may see of a story is decided by
    ``wire.visibility``, from these entitlements."""

    name: str = "public"
    feeds: frozenset[str] | None = None
    sources: frozenset[str] | None = None
    embargo_rights: bool = False
    partner: bool = False
    rate_per_minute: int | None = None  # the partner's own request quota; None: the default
    stories_per_day: int | None = None  # stories the partner may take a day by pull; None: any

    @property
    def is_public(self) -> bool:
        return not self.partner

    def may_read_feed(self, feed: str, *, public: bool = True) -> bool:
        """Whether this audience reads the feed ``feed`` (``public``: open to everyone)."""
        if not self.partner and not public:
            return False
        return self.feeds is None or feed in self.feeds

    def entitled_to(self, facets: Facets) -> bool:
        """Entitled to the source of a version with these facets."""
        return self.sources is None or facets.source in self.sources


PUBLIC = Audience()
