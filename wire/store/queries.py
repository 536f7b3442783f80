"""The SELECTs behind feeds, cursors, embargo release and the desk's list.

Pure: builds queries, runs none.

Each query is shaped to walk one index in the order it returns, so its cost
follows ``limit`` rather than the number of stories stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    column,
    func,
    or_,
    select,
    table,
    text,
)

from wire.model import Audience, FeedFilter, PubStatus
from wire.store.base import DeskQuery
from wire.store.rows import indexable
from wire.store.search import fts5_match, tsquery
from wire.store.tables import (
    PG_SEARCH_VECTOR,
    STORY_SEARCH_FTS,
    holds,
    stories,
    story_search,
    story_terms,
)

_USABLE = PubStatus.USABLE.value
_TERM_KINDS = ("subject", "keyword")


@dataclass(frozen=True, slots=True)
class _Selection:
    """A feed filter intersected with an audience's source entitlement."""

    sources: tuple[str, ...] | None
    languages: tuple[str, ...]
    providers: tuple[str, ...]
    subjects: tuple[str, ...]
    keywords: tuple[str, ...]

    @classmethod
    def of(cls, flt: FeedFilter, audience: Audience) -> _Selection | None:
        """``None`` when nothing can match (the filter and entitlement are disjoint)."""
        sources: set[str] | None = set(flt.sources) if flt.sources else None
        if audience.sources is not None:
            sources = set(audience.sources) if sources is None else sources & audience.sources
        if sources is not None and not sources:
            return None

        def values(items: Iterable[str]) -> tuple[str, ...]:
            return tuple(sorted({indexable(v) for v in items}))

        return cls(
            values(sources) if sources is not None else None,
            values(flt.languages),
            values(flt.providers),
            values(flt.subjects),
            values(flt.keywords),
        )

    def dimensions(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each dimension that narrows the feed, with its values, in the order a
        driver is chosen: source first (usually the most selective), terms last."""
        pairs = (
            ("source", self.sources or ()),
            ("language", self.languages),
            ("provider", self.providers),
            ("subject", self.subjects),
            ("keyword", self.keywords),
        )
        return [(name, values) for name, values in pairs if values]

    def driver(self) -> tuple[str, tuple[str, ...]] | None:
        """The dimension whose index a feed query walks, one branch per value."""
        dims = self.dimensions()
        return dims[0] if dims else None

    def conditions(self, *, skip: str | None = None) -> list[ColumnElement[bool]]:
        """Every dimension as a SQL condition on ``stories`` (except ``skip``)."""
        conds: list[ColumnElement[bool]] = []
        for name, values in self.dimensions():
            if name == skip:
                continue
            if name in _TERM_KINDS:
                other = story_terms.alias(f"{name}_match")
                conds.append(
                    select(other.c.guid)
                    .where(
                        other.c.guid == stories.c.guid,
                        other.c.kind == name,
                        other.c.term.in_(values),
                    )
                    .correlate(stories)
                    .exists()
                )
            else:
                conds.append(stories.c[name].in_(values))
        return conds


def _not_embargoed(audience: Audience, now: datetime) -> list[ColumnElement[bool]]:
    if audience.embargo_rights:
        return []
    return [or_(stories.c.embargoed_until.is_(None), stories.c.embargoed_until <= now)]


def _keyset(time_col: Any, guid_col: Any, before: tuple[datetime, str] | None) -> list[Any]:
    """Strictly older than ``before`` in (time, guid) order, as an index range."""
    if before is None:
        return []
    at, guid = before
    return [time_col <= at, or_(time_col < at, guid_col < guid)]


def latest_queries(
    flt: FeedFilter,
    audience: Audience,
    *,
    now: datetime,
    limit: int,
    before: tuple[datetime, str] | None = None,
) -> list[Select[Any]]:
    """The queries behind ``latest``: one per value of the driving dimension, each an
    index walk in (sort_time, guid) order that stops after ``limit`` rows. Their
    union, de-duplicated and cut to ``limit``, is the answer; the cost follows
    ``limit`` × the number of values, not the number of stories stored."""
    sel = _Selection.of(flt, audience)
    if sel is None:
        return []
    columns = (stories.c.guid, stories.c.sort_time, stories.c.doc)
    visible = _not_embargoed(audience, now)
    driver = sel.driver()
    if driver is None:
        return [
            select(*columns)
            .where(
                stories.c.pub_status == _USABLE,
                *visible,
                *_keyset(stories.c.sort_time, stories.c.guid, before),
            )
            .order_by(stories.c.sort_time.desc(), stories.c.guid.desc())
            .limit(limit)
        ]
    name, values = driver
    rest = sel.conditions(skip=name)
    queries: list[Select[Any]] = []
    for value in values:
        if name in _TERM_KINDS:
            t = story_terms.c
            query = (
                select(*columns)
                .select_from(story_terms.join(stories, t.guid == stories.c.guid))
                .where(
                    t.kind == name,
                    t.term == value,
                    t.pub_status == _USABLE,
                    *_keyset(t.sort_time, t.guid, before),
                    *visible,
                    *rest,
                )
                .order_by(t.sort_time.desc(), t.guid.desc())
            )
        else:
            query = (
                select(*columns)
                .where(
                    stories.c[name] == value,
                    stories.c.pub_status == _USABLE,
                    *_keyset(stories.c.sort_time, stories.c.guid, before),
                    *visible,
                    *rest,
                )
                .order_by(stories.c.sort_time.desc(), stories.c.guid.desc())
            )
        queries.append(query.limit(limit))
    return queries


def withdrawals_query(
    *, since: datetime, limit: int, before: tuple[datetime, str] | None = None
) -> Select[Any] | None:
    """Stories withdrawn after ``since``, newest withdrawal first (an index walk on
    ``withdrawn_at``); ``None`` when ``limit`` asks for nothing."""
    if limit <= 0:
        return None
    s = stories.c
    return (
        select(s.doc, s.exposure, s.withdrawn_at)
        .where(s.withdrawn_at > since, *_keyset(s.withdrawn_at, s.guid, before))
        .order_by(s.withdrawn_at.desc(), s.guid.desc())
        .limit(limit)
    )


def changes_query(
    flt: FeedFilter, audience: Audience, *, now: datetime, after: int, limit: int
) -> Select[Any] | None:
    """Current versions by change sequence after ``after``: usable ones the feed may
    show the audience now, and every withdrawn one (the visibility rule decides
    which of those the audience hears of); ``None`` when nothing can match."""
    sel = _Selection.of(flt, audience)
    if sel is None or limit <= 0:
        return None
    visible = and_(
        stories.c.pub_status == _USABLE, *_not_embargoed(audience, now), *sel.conditions()
    )
    return (
        select(stories.c.seq, stories.c.doc, stories.c.exposure, stories.c.withdrawn_at)
        .where(stories.c.seq > after, or_(stories.c.withdrawn_at.is_not(None), visible))
        .order_by(stories.c.seq)
        .limit(limit)
    )


def embargoes_query(start: datetime, end: datetime) -> Select[Any]:
    """Usable stories whose embargo lifts in (start, end], soonest first."""
    s = stories.c
    return (
        select(s.doc)
        .where(s.pub_status == _USABLE, s.embargoed_until > start, s.embargoed_until <= end)
        .order_by(s.embargoed_until, s.guid)
    )


def next_embargo_query(after: datetime) -> Select[Any]:
    """When the next usable story's embargo lifts, strictly after ``after``."""
    s = stories.c
    return select(func.min(s.embargoed_until)).where(
        s.pub_status == _USABLE, s.embargoed_until > after
    )


_fts = table(STORY_SEARCH_FTS, column("rowid"), column(STORY_SEARCH_FTS))
"""SQLite's FTS5 table over ``story_search`` (made by migration 0007, not by metadata)."""


def _having_words(words: tuple[str, ...], *, postgres: bool) -> ColumnElement[bool]:
    """Stories whose index holds every word: FTS5 ``MATCH`` on SQLite, ``@@`` on
    the GIN-indexed vector on PostgreSQL; the words are taken as they are on both."""
    ss = story_search.c
    if postgres:
        hit: ColumnElement[bool] | TextClause = text(
            f"{PG_SEARCH_VECTOR} @@ CAST(:wire_tsquery AS tsquery)"
        ).bindparams(wire_tsquery=tsquery(words))
    else:
        matching = select(_fts.c.rowid).where(
            _fts.c[STORY_SEARCH_FTS].op("MATCH")(fts5_match(words))
        )
        hit = ss.id.in_(matching)
    return stories.c.guid.in_(select(ss.guid).where(hit))


def desk_query(
    query: DeskQuery,
    *,
    now: datetime,
    limit: int,
    before: tuple[datetime, str] | None,
    postgres: bool,
) -> Select[Any]:
    """The desk's list: every status and embargo, filtered as ``query`` says,
    newest first by (sort time, guid), with the open near-duplicate hold of each."""
    s, h = stories.c, holds.c
    held = h.guid.is_not(None)
    conds: list[Any] = []
    if query.source is not None:
        conds.append(s.source == indexable(query.source))
    if query.status is not None:
        conds.append(s.pub_status == query.status.value)
    if query.language is not None:
        tag = query.language.lower()
        conds.append(or_(func.lower(s.language) == tag, func.lower(s.language).like(f"{tag}-%")))
    if query.needs_review is True:
        conds.append(or_(s.reviews > 0, held))
    elif query.needs_review is False:
        conds.append(and_(s.reviews == 0, ~held))
    if query.embargoed is True:
        conds.append(s.embargoed_until > now)
    elif query.embargoed is False:
        conds.append(or_(s.embargoed_until.is_(None), s.embargoed_until <= now))
    if query.words:
        conds.append(_having_words(query.words, postgres=postgres))
    joined = stories.outerjoin(holds, and_(h.guid == s.guid, h.decision.is_(None)))
    return (
        select(s.guid, s.sort_time, s.doc, h.duplicate_of)
        .select_from(joined)
        .where(*conds, *_keyset(s.sort_time, s.guid, before))
        .order_by(s.sort_time.desc(), s.guid.desc())
        .limit(limit)
    )
