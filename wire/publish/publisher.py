"""Feeds as served: which stories each feed × audience holds, rendered and cached.

Selection asks the store's indexed query for the feed's latest N, so rendering
costs the same with a thousand or a million stories stored. The render cache is
invalidated by story change events for the feeds the story is (or was) in.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from wire.attribution import SourcePolicy
from wire.clock import Clock
from wire.config import Config, FeedSpec
from wire.cursors import decode_page, encode_page
from wire.errors import Unrenderable
from wire.events import EventBus, FeedChanged, StoredElsewhere, StoryChanged
from wire.formats import STORY_PAGE, Format, feed_path
from wire.model import PUBLIC, Audience, FeedFilter, Provider, Rights, Story
from wire.publish.atom import render_atom
from wire.publish.cache import RenderCache, Rendered, make_rendered, view_of
from wire.publish.feedmeta import FeedMeta
from wire.publish.newsml import render_newsml, render_newsml_story
from wire.publish.ninjs import render_ninjs, render_ninjs_story
from wire.publish.rss import render_rss
from wire.publish.storyhtml import render_story_html
from wire.store.base import IngestFailure, Store
from wire.visibility import HIDDEN, NO_EXPOSURE, Decision, Verdict, decide, readable_filters

log = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
THREAD_THRESHOLD = 20  # stories; larger renders leave the event loop free
WITHDRAWAL_PAGE = 200  # withdrawn stories read at a time while looking for a feed's notices


def _policies(config: Config, spec: FeedSpec) -> list[SourcePolicy]:
    return [
        src.policy
        for src in config.sources
        if not spec.filter.sources or src.name in spec.filter.sources
    ]


def feed_rights(config: Config, spec: FeedSpec) -> Rights | None:
    """Channel-level rights: what the feed's sources' policies say, when they agree."""
    policies = _policies(config, spec)
    holders = {p.copyright_holder for p in policies if p.copyright_holder}
    notices = {p.copyright_notice for p in policies if p.copyright_notice}
    if not holders and not notices:
        return None
    return Rights(
        copyright_holder="; ".join(sorted(holders)) or None,
        copyright_notice="; ".join(sorted(notices)) or None,
    )


def feed_provider(config: Config, spec: FeedSpec) -> Provider | None:
    """The distributing agency when every source in the feed names the same one."""
    names = {(p.provider, p.abbreviation) for p in _policies(config, spec) if p.provider}
    if len(names) != 1:
        return None
    name, abbreviation = names.pop()
    assert name is not None
    return Provider(name, abbreviation)


class Publisher:
    """Selects, renders and caches feeds; tells listeners when a feed changed."""

    def __init__(
        self, config: Config, store: Store, clock: Clock, *, bus: EventBus | None = None
    ) -> None:
        self.config = config
        self.bus = bus or EventBus()  # where ``FeedChanged`` goes
        self.store = store
        self.clock = clock
        self.cache = RenderCache(self._render_cached, clock)
        self.base_url = config.server.base_url.rstrip("/")
        self.specs = {spec.name: spec for spec in config.feeds}
        self._links = {
            (spec.name, fmt): (
                f'<{self.hub_url}>; rel="hub", <{self.feed_url(spec.name, fmt)}>; rel="self"'
            )
            for spec in config.feeds
            for fmt in spec.formats
        }
        self._rights = {spec.name: feed_rights(config, spec) for spec in config.feeds}
        self._reported: set[tuple[str, int, str]] = set()
        self._providers = {spec.name: feed_provider(config, spec) for spec in config.feeds}

    # URLs ---------------------------------------------------------------
    @property
    def hub_url(self) -> str:
        return f"{self.base_url}/websub"

    def feed_url(self, feed: str, fmt: str) -> str:
        return self.base_url + feed_path(feed, fmt)

    def link_header(self, feed: str, fmt: str) -> str | None:
        return self._links.get((feed, fmt))

    def topic(self, url: str) -> tuple[str, str] | None:
        """(feed, format) of a topic URL this server publishes, else None."""
        for feed, fmt in self._links:
            if self.feed_url(feed, fmt) == url.split("?", 1)[0]:
                return feed, fmt
        return None

    # change events ------------------------------------------------------
    def feeds_of(self, story: Story) -> list[FeedSpec]:
        return [spec for spec in self.config.feeds if spec.filter.matches(story)]

    async def on_story_changed(self, event: StoryChanged) -> None:
        """Drop cached renderings of every feed the story is or was in, then announce
        each as ``FeedChanged``."""
        names = {spec.name for spec in self.feeds_of(event.story)}
        if event.previous is not None:
            names |= {spec.name for spec in self.feeds_of(event.previous)}
        for name in sorted(names):
            self.cache.invalidate(name)
        for name in sorted(names):
            await self.bus.publish(FeedChanged(name))

    async def on_stored_elsewhere(self, event: StoredElsewhere) -> None:
        """Another process changed a story: forget what this one cached of it."""
        await self.forget(event.guid)

    async def forget(self, guid: str) -> None:
        """A committed change, perhaps by another instance sharing the database:
        drop the cached feeds the story is in or was ever in (its exposure); the
        next request renders afresh."""
        entry = await self.store.get_entry(guid)
        if entry is None:
            names = set(self.specs)
        else:
            facets = [entry.story.facets, *(seen.facets for seen in entry.exposure.seen)]
            names = {
                spec.name
                for spec in self.config.feeds
                if any(spec.filter.selects(f) for f in facets)
            }
        for name in sorted(names):
            self.cache.invalidate(name)

    async def refresh(self, feed: str) -> None:
        """Scheduled re-render: tombstone windows move and embargoes lift with time."""
        shown = self.cache.last(feed)
        self.cache.invalidate(feed)
        changed = False
        for fmt, view, before in shown:
            after = await self.cache.get(feed, fmt, view)
            changed |= before.etag != after.etag
        if changed:
            await self.bus.publish(FeedChanged(feed))

    # rendering ------------------------------------------------------------
    async def rendered(self, feed: str, fmt: str, audience: Audience) -> Rendered:
        return await self.cache.get(feed, fmt, view_of(audience))

    def cached(self, feed: str, fmt: str, audience: Audience) -> Rendered | None:
        """The audience's current rendering if it is cached (no rendering, no waiting)."""
        return self.cache.peek(feed, fmt, view_of(audience))

    async def _render_cached(self, feed: str, fmt: str, view: Audience) -> bytes:
        body, _ = await self._render(feed, fmt, view, before=None)
        return body

    async def render_page(self, feed: str, fmt: str, audience: Audience, before: str) -> Rendered:
        """An RFC 5005 archive page: the feed's stories older than the cursor.

        Not cached; its Last-Modified is the newest change on the page, so it
        moves with the ETag and ``If-Modified-Since`` works on it too."""
        body, updated = await self._render(feed, fmt, view_of(audience), before=decode_page(before))
        return self.wrap(body, Format(fmt).feed_type, modified=updated)

    async def _render(
        self, feed: str, fmt: str, view: Audience, *, before: tuple[datetime, str] | None
    ) -> tuple[bytes, datetime]:
        """The feed's bytes for a view, and its newest change (the feed's ``updated``).

        Every story shown went through the visibility rule: the store's indexed
        query finds the candidates, ``decide`` says what the view gets. The
        current page also announces, for the tombstone window (wall clock), the
        removals of stories the view could have seen in this feed; archive pages
        hold only visible stories."""
        spec = self.specs[feed]
        now = self.clock()
        scope = (spec.filter,)
        found = await self.store.latest(
            spec.filter, audience=view, now=now, limit=spec.size, before=before
        )
        items = [
            d.story
            for s in found
            if (d := decide(view, s, NO_EXPOSURE, now=now, scope=scope)).story is not None
        ]
        if before is None:
            items += await self._announcements(view, scope, now=now, limit=spec.size)
            items.sort(key=lambda s: (s.sort_time or EPOCH, s.guid), reverse=True)
        oldest = found[-1] if len(found) == spec.size else None
        meta = self._meta(spec, fmt, items, oldest=oldest, archive=before is not None)
        if len(items) > THREAD_THRESHOLD:
            body, bad = await asyncio.to_thread(_render_isolated, fmt, meta, items)
        else:
            body, bad = _render_isolated(fmt, meta, items)
        for story, reason in bad:
            await self._unrenderable(story, fmt, reason)
        return body, meta.updated

    async def _unrenderable(self, story: Story, fmt: str, reason: str) -> None:
        """A story left out of a rendering: logged and recorded (``/api/v1/failures``)
        once per version and format, and counted, so the desk can mend or kill it."""
        key = (story.guid, story.version, fmt)
        if key in self._reported:
            return
        self._reported.add(key)
        log.error(
            "story left out of a feed: it does not render",
            extra={"guid": story.guid, "version": story.version, "format": fmt, "error": reason},
        )
        await self.store.record_failure(
            IngestFailure(
                story.origin.raw_sha256,
                story.origin.source,
                f"render {fmt} {story.guid} v{story.version}",
                f"does not render as {fmt}, left out of feeds: {reason}",
                self.clock(),
            )
        )

    async def _announcements(
        self, view: Audience, scope: tuple[FeedFilter, ...], *, now: datetime, limit: int
    ) -> list[Story]:
        """Removal notices the view must see in a feed: withdrawn in the window,
        and could have been seen by the view there."""
        since = now - timedelta(days=self.config.server.tombstone_days)
        notices: list[Story] = []
        before: tuple[datetime, str] | None = None
        while len(notices) < limit:
            page = await self.store.withdrawals(since=since, limit=WITHDRAWAL_PAGE, before=before)
            for entry in page:
                decision = decide(view, entry.story, entry.exposure, now=now, scope=scope)
                if decision.verdict is Verdict.ANNOUNCE and decision.story is not None:
                    notices.append(decision.story)
            if len(page) < WITHDRAWAL_PAGE:
                break
            last = page[-1]
            assert last.withdrawn_at is not None
            before = (last.withdrawn_at, last.story.guid)
        return notices[:limit]

    def _meta(
        self, spec: FeedSpec, fmt: str, items: list[Story], *, oldest: Story | None, archive: bool
    ) -> FeedMeta:
        """``oldest``: the last story of a full page, where the next archive page starts."""
        changed = [s.version_created for s in items if s.version_created]
        self_url = self.feed_url(spec.name, fmt)
        older = (
            f"{self_url}?before={encode_page(oldest.sort_time or EPOCH, oldest.guid)}"
            if oldest is not None
            else None
        )
        return FeedMeta(
            name=spec.name,
            title=spec.title,
            description=spec.description or spec.title,
            self_url=self_url,
            site_url=f"{self.base_url}/",
            hub_url=self.hub_url,
            language=spec.language,
            updated=max(changed, default=EPOCH),
            story_url_template=f"{self.base_url}/stories/{{guid}}.html",
            rights=self._rights.get(spec.name),
            provider=self._providers.get(spec.name),
            prev_archive=older,
            current=self_url if archive else None,
            archive=archive,
        )

    @staticmethod
    def wrap(body: bytes, content_type: str, *, modified: datetime) -> Rendered:
        """Uncached bytes (archive pages, single stories) with the same validators.

        ``modified`` comes from the content (never the clock), so the same bytes
        keep the same Last-Modified and ETag and Last-Modified move together."""
        return make_rendered(body, content_type, previous=None, now=modified)

    # single stories -------------------------------------------------------
    async def story_decision(self, guid: str, audience: Audience) -> Decision:
        """What this audience may see of one story at its URL: the visibility rule
        over every feed it may read (a story is shown only to an audience that
        reads a feed selecting it)."""
        entry = await self.store.get_entry(guid)
        if entry is None:
            return HIDDEN
        scope = readable_filters(audience, self.config.feeds)
        return decide(audience, entry.story, entry.exposure, now=self.clock(), scope=scope)

    async def story_rendered(self, story: Story, ext: str, content_type: str) -> Rendered:
        """One story's bytes with validators from its own ``version_created``.
        Raises ``Unrenderable`` (recorded like a feed's) when it does not render."""
        try:
            body = self.render_story(story, ext)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            await self._unrenderable(story, ext, reason)
            raise Unrenderable(f"story {story.guid!r} cannot be rendered now") from exc
        return self.wrap(body, content_type, modified=story.version_created or EPOCH)

    @staticmethod
    def render_story(story: Story, ext: str) -> bytes:
        return _STORY_RENDERERS[ext](story)


def _render_isolated(
    fmt: str, meta: FeedMeta, stories: list[Story]
) -> tuple[bytes, list[tuple[Story, str]]]:
    """The rendering, and the stories left out of it because they do not render.

    One story that a renderer refuses (text that slipped past the door, a bug)
    must not take its feed down for everyone: when the whole rendering fails,
    each story is tried alone and the ones that fail are left out. The common
    case renders once."""
    try:
        return _render_format(fmt, meta, stories), []
    except Exception:
        pass
    good: list[Story] = []
    bad: list[tuple[Story, str]] = []
    for story in stories:
        try:
            _render_format(fmt, meta, [story])
        except Exception as exc:
            bad.append((story, f"{type(exc).__name__}: {exc}"))
        else:
            good.append(story)
    return _render_format(fmt, meta, good), bad


def _ninjs_story(story: Story) -> bytes:
    return json.dumps(render_ninjs_story(story), ensure_ascii=False).encode("utf-8")


_FEED_RENDERERS: dict[str, Callable[[FeedMeta, list[Story]], bytes]] = {
    Format.RSS: render_rss,
    Format.ATOM: render_atom,
    Format.NEWSML: render_newsml,
    Format.NINJS: render_ninjs,
}
_STORY_RENDERERS: dict[str, Callable[[Story], bytes]] = {
    Format.NEWSML.extension: render_newsml_story,
    Format.NINJS.extension: _ninjs_story,
    STORY_PAGE: render_story_html,
}
"""The renderer of each feed format and of each single-story extension
(``wire.formats`` names them; a test checks none is missing)."""


def _render_format(fmt: str, meta: FeedMeta, stories: list[Story]) -> bytes:
    return _FEED_RENDERERS[fmt](meta, stories)


__all__ = ["PUBLIC", "Publisher"]
