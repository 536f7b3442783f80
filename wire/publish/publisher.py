"""Feeds as served: which stories each feed × audience holds, assembled and cached.

Selection asks the store's indexed query for the feed's latest N, so rendering
costs the same with a thousand or a million stories stored. Each story's item is
rendered once per version and format (``wire.publish.fragments``) and a view's
document is assembled from those fragments (``wire.publish.assembly``). A story
change drops only the cached views that can show it, in the feeds it is or was
in; each is assembled again on its next request (or at once for push
subscribers, who ask for it as soon as the feed has changed).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from cachetools import LRUCache

from wire.attribution import SourcePolicy
from wire.clock import Clock
from wire.config import Config, FeedSpec
from wire.cursors import decode_page, encode_page
from wire.errors import Unrenderable
from wire.events import EventBus, FeedChanged, StoredElsewhere, StoryChanged
from wire.formats import STORY_PAGE, Format, feed_path, siblings, story_format
from wire.metrics import RENDER_LOOKUPS
from wire.model import PUBLIC, Audience, Facets, FeedFilter, Provider, Rights, Story
from wire.publish.assembly import Assembled, Fragment, Frame, Layout, assemble, whole
from wire.publish.atom import ATOM
from wire.publish.cache import Key, RenderCache, Rendered, make_rendered, view_of
from wire.publish.changes import SharedReads
from wire.publish.feedmeta import Alternate, FeedMeta, fragment_meta
from wire.publish.fragments import (
    KEYS_KEPT,
    Failed,
    FragmentCache,
    FragmentKey,
    Selection,
    StoryKey,
    render_fragments,
)
from wire.publish.lifts import EmbargoLifts
from wire.publish.newsml import NEWSML, render_newsml_story
from wire.publish.ninjs import NINJS, render_ninjs_story
from wire.publish.nitf import render_nitf_story
from wire.publish.plaintext import render_text_story
from wire.publish.rss import RSS
from wire.publish.signals import FeedSignals
from wire.publish.storyhtml import render_story_html
from wire.store.base import Entry, IngestFailure, Store
from wire.visibility import (
    EPOCH,
    HIDDEN,
    NO_EXPOSURE,
    Decision,
    Verdict,
    decide,
    readable_filters,
    shown_since,
)

log = logging.getLogger(__name__)

THREAD_THRESHOLD = 20  # fragments to render; more leave the event loop free
WITHDRAWAL_PAGE = 200  # withdrawn stories read at a time while looking for a feed's notices
_EVERY_STORY = Audience(name="every story", embargo_rights=True, partner=True)
CONTENTS_KEPT = 4096  # renderings whose stories are remembered by ETag, for kill reach
FRONT_PAGE_STORIES = 20  # the newest public stories the front page lists
SELECTIONS_KEPT = 8192  # (feed, view) selections shared by the formats of a view (refs, ~2 KB)


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


def link_header(hub: str, self_url: str, alternates: tuple[Alternate, ...]) -> str:
    """An RFC 8288 ``Link`` value: the WebSub hub, the feed itself, and one
    ``rel="alternate"`` (with its media type and label) per other format."""
    links = [f'<{hub}>; rel="hub"', f'<{self_url}>; rel="self"']
    links += [
        f'<{a.href}>; rel="alternate"; type="{a.media_type}"; title="{a.title}"' for a in alternates
    ]
    return ", ".join(links)


class Publisher:
    """Selects, renders and caches feeds; tells listeners when a feed changed."""

    def __init__(
        self, config: Config, store: Store, clock: Clock, *, bus: EventBus | None = None
    ) -> None:
        self.config = config
        self.bus = bus or EventBus()  # where ``FeedChanged`` goes
        self.store = store
        self.clock = clock
        megabyte = 1 << 20
        self.cache = RenderCache(
            self._render_cached, max_bytes=config.server.render_cache_mb * megabyte
        )
        self.fragments = FragmentCache(max_bytes=config.server.fragment_cache_mb * megabyte)
        self._selections: LRUCache[tuple[str, Audience], tuple[int, Selection]] = LRUCache(
            maxsize=SELECTIONS_KEPT
        )
        # Views whose entitlements differ but whose stories do not (a source with
        # nothing in the feed) share one document, bytes and all.
        self._documents: LRUCache[tuple[str, FeedMeta, tuple[StoryKey, ...]], Assembled] = LRUCache(
            maxsize=config.server.render_cache_mb * megabyte,
            getsizeof=lambda d: len(d.body) + len(d.gzipped),
        )
        self._newest: dict[str, tuple[int, asyncio.Future[list[Story]]]] = {}
        self._metas: LRUCache[tuple[object, ...], FeedMeta] = LRUCache(maxsize=SELECTIONS_KEPT)
        self._keys_by_object: LRUCache[tuple[int, str], tuple[Story, StoryKey]] = LRUCache(
            maxsize=KEYS_KEPT
        )
        self._changes = 0  # story changes seen: the withdrawals read below stand until the next
        self._withdrawn: tuple[int, datetime, asyncio.Future[list[Entry]]] | None = None
        self.base_url = config.server.base_url.rstrip("/")
        self._use_feeds(config)
        self._reported: set[tuple[str, int, str]] = set()
        self._assembling: set[asyncio.Task[None]] = set()  # eager assemblies under way
        self._contents: LRUCache[str, tuple[tuple[str, int], ...]] = LRUCache(maxsize=CONTENTS_KEPT)
        self.signals = FeedSignals()  # long polls waiting for a feed to change
        self.change_reads = SharedReads()  # their reads when a change wakes them
        self.lifts = EmbargoLifts(store.next_embargo, self._embargo_lifted, clock)

    def _use_feeds(self, config: Config) -> None:
        """What the config's feeds decide: specs, links, rights, providers."""
        self.config = config
        self.specs = {spec.name: spec for spec in config.feeds}
        self._alternates = {
            (spec.name, fmt): tuple(
                Alternate(self.feed_url(spec.name, other), other.media_type, other.label)
                for other in siblings(fmt, spec.formats)
            )
            for spec in config.feeds
            for fmt in spec.formats
        }
        self._links = {
            (feed, fmt): link_header(self.hub_url, self.feed_url(feed, fmt), alternates)
            for (feed, fmt), alternates in self._alternates.items()
        }
        self._rights = {spec.name: feed_rights(config, spec) for spec in config.feeds}
        self._providers = {spec.name: feed_provider(config, spec) for spec in config.feeds}

    def reconfigure(self, config: Config) -> None:
        """Serve the feeds of a reloaded config (its ``[server]`` is this one's):
        every cached view and selection is dropped, since a feed's title, filter,
        rights or size may have changed; fragments stand (a story's item depends on
        the story and its feed context, which is part of the fragment's key)."""
        old = set(self.specs)
        self._use_feeds(config)
        self._selections.clear()
        self._newest.clear()
        for name in old | set(self.specs):
            self.cache.invalidate(name)
        self._changes += 1
        self.signals.changed_all()

    # URLs ---------------------------------------------------------------
    @property
    def hub_url(self) -> str:
        return f"{self.base_url}/websub"

    def feed_url(self, feed: str, fmt: str) -> str:
        return self.base_url + feed_path(feed, fmt)

    def link_header(self, feed: str, fmt: str) -> str | None:
        """The ``Link`` header of every response of this feed in this format (both
        serving paths send it): hub, self, and the feed in its other formats."""
        return self._links.get((feed, fmt))

    def topic(self, url: str) -> tuple[str, str] | None:
        """(feed, format) of a topic URL this server publishes, else None."""
        for feed, fmt in self._links:
            if self.feed_url(feed, fmt) == url.split("?", 1)[0]:
                return feed, fmt
        return None

    # change events ------------------------------------------------------
    def _feeds_selecting(self, facets: set[Facets]) -> set[str]:
        """The feeds a story with these facets is, was or was seen in: a removal is
        announced in a feed it has left (the visibility rule reads its exposure), so
        that feed's views change with it too."""
        return {
            spec.name for spec in self.config.feeds if any(spec.filter.selects(f) for f in facets)
        }

    async def on_story_changed(self, event: StoryChanged) -> None:
        """Drop the cached views that can show the story, before or after the change,
        of every feed it is or was in; then announce each feed as ``FeedChanged``.

        A view shows a story only if it is entitled to the source of the version
        shown or of a version it saw (``wire.visibility.decide``); a view entitled
        to none of them showed nothing of it and shows nothing now, so its bytes
        stand and a change costs nothing in the views it does not reach."""
        facets = {event.story.facets}
        if event.previous is not None:
            facets.add(event.previous.facets)
        facets |= {seen.facets for seen in event.exposure.seen}
        facets |= {seen.facets for seen in event.previous_exposure.seen}
        names = self._feeds_selecting(facets)

        def shows(view: Audience) -> bool:
            return any(view.entitled_to(f) for f in facets)

        self._changes += 1
        stale = [key for name in sorted(names) for key in self.cache.invalidate(name, shows)]
        self.signals.changed(names)
        if self.config.server.render_eagerly and stale:
            self._reassemble(stale)
        for name in sorted(names):
            await self.bus.publish(FeedChanged(name))

    def _reassemble(self, keys: list[Key]) -> None:
        """``server.render_eagerly``: assemble the views a change dropped at once, in
        the background, rather than on each one's first poll. Polls arriving
        meanwhile wait for the same assembly (it is single-flight), so they wait
        less; views nobody polls again cost their assembly anyway."""

        async def run() -> None:
            for feed, fmt, view in keys:
                try:
                    await self.cache.get(feed, fmt, view)
                except Exception:  # the poll that needs it tries again, and says why
                    log.debug("eager assembly failed", exc_info=True)

        task = asyncio.get_running_loop().create_task(run())
        self._assembling.add(task)
        task.add_done_callback(self._assembling.discard)

    def close(self) -> None:
        """Stop the embargo timer and the eager assemblies under way (shutdown)."""
        self.lifts.close()
        for task in list(self._assembling):
            task.cancel()

    def _embargo_lifted(self) -> None:
        """An embargo lifted: every feed's cached views may now show more."""
        self._changes += 1
        for name in self.specs:
            self.cache.invalidate(name)
        self.signals.changed_all()

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
            names = self._feeds_selecting(
                {entry.story.facets, *(seen.facets for seen in entry.exposure.seen)}
            )
        self._changes += 1
        for name in sorted(names):
            self.cache.invalidate(name)
        self.signals.changed(names)

    async def refresh(self, feed: str) -> None:
        """Scheduled re-render: tombstone windows move and embargoes lift with time."""
        shown = self.cache.last(feed)
        self._changes += 1
        self.cache.invalidate(feed)
        changed = False
        for fmt, view, etag in shown:
            after = await self.cache.get(feed, fmt, view)
            changed |= etag != after.etag
        if changed:
            await self.bus.publish(FeedChanged(feed))

    # rendering ------------------------------------------------------------
    async def rendered(self, feed: str, fmt: str, audience: Audience) -> Rendered:
        """The audience's rendering to serve: cached, or assembled now. Counted as a
        render-cache hit or miss (the feed shortcut counts the hits it finds itself)."""
        view = view_of(audience)
        hit = self.cache.peek(feed, fmt, view)
        if hit is not None:
            RENDER_LOOKUPS.add((fmt, "hit"))
            return hit
        RENDER_LOOKUPS.add((fmt, "miss"))
        return await self.cache.get(feed, fmt, view)

    def cached(self, feed: str, fmt: str, audience: Audience) -> Rendered | None:
        """The audience's current rendering if it is cached (no rendering, no waiting)."""
        return self.cache.peek(feed, fmt, view_of(audience))

    async def _render_cached(
        self, feed: str, fmt: str, view: Audience
    ) -> tuple[Assembled, datetime]:
        return await self._render(feed, fmt, view, before=None)

    async def pages(self, feed: str, audience: Audience) -> list[tuple[str | None, Selection]]:
        """Every page of a feed as ``audience`` sees it, the current one first: each
        page's archive cursor (``?before=``; None for the current page) and what it
        shows, following the pages' own ``prev-archive`` links to the oldest."""
        spec, view = self.specs[feed], view_of(audience)
        pages: list[tuple[str | None, Selection]] = [(None, await self._current(spec, view))]
        while (oldest := pages[-1][1].oldest) is not None:
            page_end = (oldest.sort_time or EPOCH, oldest.guid)
            selection = await self._select(spec, view, before=page_end)
            if not selection.items:
                break
            pages.append((encode_page(*page_end), selection))
        return pages

    async def render_page(self, feed: str, fmt: str, audience: Audience, before: str) -> Rendered:
        """An RFC 5005 archive page: the feed's stories older than the cursor.

        Not cached; its Last-Modified is the newest change on the page, so it
        moves with the ETag and ``If-Modified-Since`` works on it too."""
        document, updated = await self._render(
            feed, fmt, view_of(audience), before=decode_page(before)
        )
        return make_rendered(document, Format(fmt).feed_type, modified=updated)

    async def _render(
        self, feed: str, fmt: str, view: Audience, *, before: tuple[datetime, str] | None
    ) -> tuple[Assembled, datetime]:
        """The feed's document for a view, and its newest change (the feed's ``updated``).

        Every story shown went through the visibility rule: the store's indexed
        query finds the candidates, ``decide`` says what the view gets. The
        current page also announces, for the tombstone window (wall clock), the
        removals of stories the view could have seen in this feed; archive pages
        hold only visible stories."""
        spec = self.specs[feed]
        if before is None:
            await self.lifts.watch(self._changes)
            selection = await self._current(spec, view)
        else:
            selection = await self._select(spec, view, before=before)
        meta = self._meta(
            spec, fmt, selection.updated, oldest=selection.oldest, archive=before is not None
        )
        document, bad = await self._assemble(fmt, meta, selection)
        for failed in bad:
            await self._unrenderable(failed.story, fmt, failed.reason)
        self._contents[document.etag] = tuple((s.guid, s.version) for s in selection.items)
        return document, meta.updated

    def contents(self, etag: str) -> tuple[tuple[str, int], ...] | None:
        """The (guid, version) pairs a rendering showed, by its ETag, while it is
        remembered: what a partner sent those bytes received (``wire.reachlog``)."""
        return self._contents.get(etag)

    async def _current(self, spec: FeedSpec, view: Audience) -> Selection:
        """The current page's selection, shared by the feed's formats until the feed
        changes (the formats of one view are usually asked for together)."""
        generation = self.cache.generation(spec.name)
        known = self._selections.get((spec.name, view))
        if known is not None and known[0] == generation:
            return known[1]
        selection = await self._select(spec, view, before=None)
        self._selections[(spec.name, view)] = (generation, selection)
        return selection

    async def _candidates(self, spec: FeedSpec, now: datetime) -> list[Story]:
        """The feed's newest stories whatever the reader's entitlements or embargo
        rights, read once per change of the feed and shared by its views (with
        embargo rights the answer does not depend on ``now``). After a change every
        view asks at once: they all wait for the one read."""
        generation = self.cache.generation(spec.name)
        known = self._newest.get(spec.name)
        if known is None or known[0] != generation:
            read = self.store.latest(spec.filter, audience=_EVERY_STORY, now=now, limit=spec.size)
            known = (generation, asyncio.ensure_future(read))
            self._newest[spec.name] = known
        try:
            return await asyncio.shield(known[1])
        except BaseException:
            if self._newest.get(spec.name) is known:
                del self._newest[spec.name]  # the next view tries again
            raise

    async def _select(
        self, spec: FeedSpec, view: Audience, *, before: tuple[datetime, str] | None
    ) -> Selection:
        """Every story shown went through the visibility rule: the store's indexed
        query finds the candidates, ``decide`` says what the view gets. The
        current page also announces, for the tombstone window (wall clock), the
        removals of stories the view could have seen in this feed; archive pages
        hold only visible stories."""
        now = self.clock()
        scope = (spec.filter,)
        found: list[Story] | None = None
        decisions: list[Decision] = []
        if before is None:
            # The feed's newest stories for any reader: when the view sees all of
            # them (or they are all the feed has), they are its page too.
            found = await self._candidates(spec, now)
            decisions = [decide(view, s, NO_EXPOSURE, now=now, scope=scope) for s in found]
            shows_all = all(d.verdict is Verdict.VISIBLE for d in decisions)
            if not shows_all and len(found) == spec.size:
                found = None
        if found is None:
            found = await self.store.latest(
                spec.filter, audience=view, now=now, limit=spec.size, before=before
            )
            decisions = [decide(view, s, NO_EXPOSURE, now=now, scope=scope) for s in found]
        items = [d.story for d in decisions if d.story is not None]
        if before is None:
            items += await self._announcements(view, scope, now=now, limit=spec.size)
            items.sort(key=lambda s: (s.sort_time or EPOCH, s.guid), reverse=True)
        oldest = found[-1] if len(found) == spec.size else None
        updated = max((shown_since(s, now) for s in items), default=EPOCH)
        # Any format's meta gives the same fragment context (site, provider, dates).
        meta = self._meta(spec, spec.formats[0], updated, oldest=None, archive=False)
        keys = tuple(self._story_key(meta, story) for story in items)
        return Selection(tuple(items), oldest, keys, updated)

    def _story_key(self, meta: FeedMeta, story: Story) -> StoryKey:
        """The interned key of ``story`` in ``meta``'s feed. Stories are mostly the
        same objects from view to view (the store decodes each document once and
        the public form of a story is itself), so the key is remembered by object
        while the object is held; a story without a time of its own takes the
        feed's, so its key is made afresh."""
        if story.version_created is None and story.sort_time is None:
            return self.fragments.intern(StoryKey(story, fragment_meta(meta, story)))
        memo = (id(story), meta.name)
        known = self._keys_by_object.get(memo)
        if known is not None and known[0] is story:
            return known[1]
        key = self.fragments.intern(StoryKey(story, fragment_meta(meta, story)))
        self._keys_by_object[memo] = (story, key)
        return key

    async def _assemble(
        self, fmt: str, meta: FeedMeta, selection: Selection
    ) -> tuple[Assembled, list[Failed]]:
        """The document of the selection from its cached fragments, rendering the
        missing ones (off the event loop when there are many); the stories whose
        fragment or frame does not render are left out and returned."""
        document_key = (fmt, meta, selection.keys)
        known = self._documents.get(document_key)
        if known is not None:
            # Another view shows the same stories under the same head: same bytes.
            return known, []
        layout = _LAYOUTS[fmt]
        keyed: list[tuple[FragmentKey, Fragment | None]] = []
        for story, story_key in zip(selection.items, selection.keys, strict=True):
            if layout.carries(story):
                key = (fmt, story_key)
                keyed.append((key, self.fragments.get(key)))
        missing = [key for key, fragment in keyed if fragment is None]
        made: dict[FragmentKey, Fragment | Failed] = {}
        if missing:
            if len(missing) > THREAD_THRESHOLD:
                results = await asyncio.to_thread(render_fragments, layout, missing)
            else:
                results = render_fragments(layout, missing)
            for key, result in results:
                made[key] = result
                if isinstance(result, Fragment):
                    self.fragments.put(key, result)
        bad = [r for r in made.values() if isinstance(r, Failed)]
        left_out = {id(f.story) for f in bad}
        frame, frame_bad = _frame_isolated(
            layout, meta, [s for s in selection.items if id(s) not in left_out]
        )
        bad += frame_bad
        left_out |= {id(f.story) for f in frame_bad}
        fragments = []
        for key, fragment in keyed:
            found = fragment if fragment is not None else made[key]
            if isinstance(found, Fragment) and id(key[1].story) not in left_out:
                fragments.append(found)
        document = assemble(frame, fragments, layout.separator, after=self.fragments.follow)
        if not bad and len(document.body) + len(document.gzipped) <= self._documents.maxsize:
            self._documents[document_key] = document
        return document, bad

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
            page = await self._withdrawals(since, before)
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

    async def _withdrawals(
        self, since: datetime, before: tuple[datetime, str] | None
    ) -> list[Entry]:
        """A page of withdrawals, newest first. The first page is the same for every
        view and is read once until a story changes; a later ``since`` only drops
        its oldest entries, so they are filtered out here."""
        if before is not None:
            return await self.store.withdrawals(since=since, limit=WITHDRAWAL_PAGE, before=before)
        known = self._withdrawn
        if known is None or known[0] != self._changes or known[1] > since:
            read = self.store.withdrawals(since=since, limit=WITHDRAWAL_PAGE)
            known = (self._changes, since, asyncio.ensure_future(read))
            self._withdrawn = known
        try:
            page = await asyncio.shield(known[2])
        except BaseException:
            if self._withdrawn is known:
                self._withdrawn = None
            raise
        return [e for e in page if e.withdrawn_at is not None and e.withdrawn_at > since]

    def _meta(
        self,
        spec: FeedSpec,
        fmt: str,
        updated: datetime,
        *,
        oldest: Story | None,
        archive: bool,
    ) -> FeedMeta:
        """``updated``: the newest change shown; ``oldest``: the last story of a full
        page, where the next archive page starts. Remembered: every view of a feed
        whose newest change and page end agree has the same head."""
        page_end = (oldest.sort_time or EPOCH, oldest.guid) if oldest is not None else None
        memo = (spec.name, fmt, updated, page_end, archive)
        known = self._metas.get(memo)
        if known is not None:
            return known
        self_url = self.feed_url(spec.name, fmt)
        older = f"{self_url}?before={encode_page(*page_end)}" if page_end is not None else None
        meta = FeedMeta(
            name=spec.name,
            title=spec.title,
            description=spec.description or spec.title,
            self_url=self_url,
            site_url=f"{self.base_url}/",
            hub_url=self.hub_url,
            language=spec.language,
            updated=updated,
            story_url_template=f"{self.base_url}/stories/{{guid}}.html",
            rights=self._rights.get(spec.name),
            provider=self._providers.get(spec.name),
            prev_archive=older,
            current=self_url if archive else None,
            archive=archive,
            alternates=self._alternates.get((spec.name, fmt), ()),
        )
        self._metas[memo] = meta
        return meta

    @staticmethod
    def wrap(body: bytes, content_type: str, *, modified: datetime) -> Rendered:
        """Uncached bytes (single stories) with the same validators as feeds.

        ``modified`` comes from the content (never the clock), so the same bytes
        keep the same Last-Modified and ETag and Last-Modified move together."""
        return make_rendered(whole(body), content_type, modified=modified)

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

    def render_story(self, story: Story, ext: str) -> bytes:
        """One story's bytes in the story format served under ``ext`` (the page
        links to itself and the other formats under this wire's ``base_url``)."""
        found = story_format(ext)
        if found is None:
            raise KeyError(ext)
        if found.name == STORY_PAGE:
            return render_story_html(story, self.base_url)
        return _STORY_RENDERERS[found.name](story)

    async def front_page_stories(self, limit: int = FRONT_PAGE_STORIES) -> list[Story]:
        """The newest stories of the public feeds as the public sees them there
        (each through the visibility rule again: a removal notice is no story to
        list), newest first, each once."""
        now = self.clock()
        view = view_of(PUBLIC)
        found: dict[str, Story] = {}
        for spec in self.config.feeds:
            if not spec.public:
                continue
            selection = await self._current(spec, view)
            for story in selection.items:
                verdict = decide(PUBLIC, story, NO_EXPOSURE, now=now, scope=(spec.filter,))
                if verdict.verdict is Verdict.VISIBLE and verdict.story is not None:
                    found.setdefault(story.guid, verdict.story)
        newest = sorted(found.values(), key=lambda s: (s.sort_time or EPOCH, s.guid), reverse=True)
        return newest[:limit]


def _frame_isolated(
    layout: Layout, meta: FeedMeta, stories: list[Story]
) -> tuple[Frame, list[Failed]]:
    """The frame of ``stories``, and the stories it must leave out to render.

    A frame holds a little of each story (NewsML lists each in its package, Atom
    carries removals as tombstones). One story the renderer refuses must not take
    the feed down for everyone: when the frame fails, each story is tried alone.
    The common case renders once."""
    try:
        return layout.frame(meta, stories), []
    except Exception:
        pass
    good: list[Story] = []
    bad: list[Failed] = []
    for story in stories:
        try:
            layout.frame(meta, [story])
        except Exception as exc:
            bad.append(Failed(story, f"{type(exc).__name__}: {exc}"))
        else:
            good.append(story)
    return layout.frame(meta, good), bad


def _ninjs_story(story: Story) -> bytes:
    return json.dumps(render_ninjs_story(story), ensure_ascii=False).encode("utf-8")


_LAYOUTS: dict[str, Layout] = {
    Format.RSS: RSS,
    Format.ATOM: ATOM,
    Format.NEWSML: NEWSML,
    Format.NINJS: NINJS,
}
_STORY_RENDERERS: dict[str, Callable[[Story], bytes]] = {
    "newsml": render_newsml_story,
    "ninjs": _ninjs_story,
    "nitf": render_nitf_story,
    "text": render_text_story,
    "html": render_story_html,
}
"""The layout of each feed format and the renderer of each single-story format, by
its name in ``wire.formats.STORY_FORMATS`` (a test checks none is missing)."""


__all__ = ["PUBLIC", "Publisher"]
