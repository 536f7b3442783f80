"""Who may see what of a story: the one visibility rule, for every channel.

Every channel asks ``decide`` — the four feed formats and their archive pages,
``/stories/{guid}.*``, the cursor API, WebSub distribution, webhooks — so no
channel can show an audience more, or tell it less, than another. Pure: values
in, a value out; the store keeps the facts it needs (``Exposure``) and the
channels do the I/O.

For (audience, story, exposure, now, scope) the answer is one of three:

* **visible** — the current version is usable, the audience is entitled to its
  source, a feed in ``scope`` selects it, and its embargo is over (or the
  audience holds embargo rights). The audience gets ``public_form`` (the copy,
  without the desk's internal ``removed`` and ``review``).
* **announce** — the current version is not visible to the audience (killed,
  withheld, put back under embargo, moved out of its feeds or sources) but an
  earlier version *could have been seen* by it in ``scope``. It gets
  ``removal_notice``: identity, status and note, nothing of the copy.
* **hidden** — neither: to this audience the story never existed.

"Could have been seen" is decided from history, not from the current state:
``Exposure`` records, for each earlier usable version, the facets feeds and
entitlements select by and whether its embargo lifted while it was current. A
story created withheld and then killed, or killed while still under embargo,
was never seen by anyone without embargo rights, so its kill is hidden from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from wire.model import Audience, Facets, FeedFilter, PubStatus, Story

KILL_NOTICE = "Withdrawn: do not use"
WITHHOLD_NOTICE = "Withheld: do not use until further notice"

__all__ = [
    "KILL_NOTICE",
    "WITHHOLD_NOTICE",
    "Decision",
    "Exposure",
    "FeedScope",
    "Seen",
    "Verdict",
    "as_shown",
    "decide",
    "public_form",
    "readable_filters",
    "removal_notice",
    "shown_since",
    "withdrawn",
]


class FeedScope(Protocol):
    """A feed as the rule needs it (``wire.config.FeedSpec`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def public(self) -> bool: ...

    @property
    def filter(self) -> FeedFilter: ...


@dataclass(frozen=True, slots=True)
class Seen:
    """An earlier usable version: what selected it, and whether its embargo (if
    any) lifted while it was the current version."""

    facets: Facets
    released: bool


@dataclass(frozen=True, slots=True)
class Exposure:
    """What earlier versions of a story could have been seen, by facets.

    Grows as versions are replaced (``after``); never shrinks, since an audience
    that could once have had the story must hear of its removal."""

    seen: tuple[Seen, ...] = ()

    def after(self, replaced: Story, at: datetime) -> Exposure:
        """The exposure once ``replaced`` stops being current at ``at``."""
        if replaced.pub_status is not PubStatus.USABLE:
            return self
        facets = replaced.facets
        released = not replaced.embargoed_at(at)
        kept: list[Seen] = []
        for seen in self.seen:
            if seen.facets == facets:
                released = released or seen.released
            else:
                kept.append(seen)
        return Exposure((*kept, Seen(facets, released)))

    def to_json(self) -> str | None:
        """The stored form (``None`` when nothing was ever seen)."""
        if not self.seen:
            return None
        return json.dumps(
            [
                [
                    s.facets.source,
                    s.facets.language,
                    s.facets.provider,
                    list(s.facets.subjects),
                    list(s.facets.keywords),
                    s.released,
                ]
                for s in self.seen
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | None) -> Exposure:
        if not text:
            return NO_EXPOSURE
        return cls(
            tuple(
                Seen(Facets(source, language, provider, tuple(subjects), tuple(keywords)), released)
                for source, language, provider, subjects, keywords, released in json.loads(text)
            )
        )


NO_EXPOSURE = Exposure()


class Verdict(StrEnum):
    HIDDEN = "hidden"
    VISIBLE = "visible"
    ANNOUNCE = "announce"


@dataclass(frozen=True, slots=True)
class Decision:
    """The rule's answer and what the audience is given (``None`` when hidden)."""

    verdict: Verdict
    story: Story | None = None


HIDDEN = Decision(Verdict.HIDDEN)


def readable_filters(audience: Audience, feeds: Iterable[FeedScope]) -> tuple[FeedFilter, ...]:
    """The filters of every feed the audience may read: the scope of the channels
    that are not one feed (story URLs, webhooks)."""
    return tuple(f.filter for f in feeds if audience.may_read_feed(f.name, public=f.public))


def _readable(audience: Audience, facets: Facets, scope: Sequence[FeedFilter]) -> bool:
    return audience.entitled_to(facets) and any(flt.selects(facets) for flt in scope)


def decide(
    audience: Audience,
    story: Story,
    exposure: Exposure,
    *,
    now: datetime,
    scope: Sequence[FeedFilter],
) -> Decision:
    """What ``audience`` may see of ``story`` at ``now`` through feeds in ``scope``."""
    if (
        story.pub_status is PubStatus.USABLE
        and _readable(audience, story.facets, scope)
        and (audience.embargo_rights or not story.embargoed_at(now))
    ):
        return Decision(Verdict.VISIBLE, public_form(story))
    for seen in exposure.seen:
        if (seen.released or audience.embargo_rights) and _readable(audience, seen.facets, scope):
            return Decision(Verdict.ANNOUNCE, removal_notice(story))
    return HIDDEN


def public_form(story: Story) -> Story:
    """A visible story as readers get it: the desk's ``removed`` and ``review`` stay in."""
    if not story.removed and not story.review:
        return story
    return replace(story, removed=(), review=())


def removal_notice(story: Story) -> Story:
    """What an audience that could have seen a story learns of its removal: the
    guid, version, status (``canceled`` for a kill, else ``withheld``), when, the
    provider and the editor's note — the headline and body are the notice itself.
    Not even the source: a story moved to another source must not name it to
    audiences that lost it."""
    status = PubStatus.CANCELED if story.pub_status is PubStatus.CANCELED else PubStatus.WITHHELD
    notice = KILL_NOTICE if status is PubStatus.CANCELED else WITHHOLD_NOTICE
    note = story.ed_note if story.pub_status is not PubStatus.USABLE else None
    return Story(
        headline=notice,
        guid=story.guid,
        version=story.version,
        pub_status=status,
        version_created=story.version_created,
        first_created=story.first_created,
        published_at=story.version_created,
        language=story.language,
        body=(f"{notice}: {note}" if note else f"{notice}.",),
        provider=story.provider,
        ed_note=note,
    )


def as_shown(story: Story) -> Story:
    """A story as a renderer shows it: usable ones as they are, any other as its
    removal notice (renderers are given only what the rule let through; this
    keeps a killed story's copy out of the bytes even if a caller slips)."""
    return story if story.pub_status is PubStatus.USABLE else removal_notice(story)


def withdrawn(story: Story, exposure: Exposure, now: datetime) -> bool:
    """Whether some audience that could have seen an earlier version may not see
    this one: the store indexes such versions so feeds find their announcements."""
    if not exposure.seen:
        return False
    if story.pub_status is not PubStatus.USABLE or story.embargoed_at(now):
        return True
    return any(seen.facets != story.facets for seen in exposure.seen)


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def shown_since(story: Story, now: datetime) -> datetime:
    """Since when readers see this version as it is shown at ``now``: its
    version's time, or the end of its embargo when that came later and has come.
    A feed's ``updated`` and ``Last-Modified`` are the newest of its stories', so
    they come from the content (the same on every instance) and still move when
    an embargo lifts and a story appears without a new version."""
    since = story.version_created or EPOCH
    lift = story.embargoed_until
    if lift is not None and since < lift <= now:
        return lift
    return since
