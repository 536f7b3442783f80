"""Story fragments rendered once per version and kept, for every feed and view.

The fragment of a story in a format depends on the story version as the view
gets it (``decide`` gives every view that sees it the same public form, and
every view that learns of its removal the same notice) and on the few feed
values ``fragment_meta`` keeps. That triple is the key, so a cached fragment is
exactly what rendering it again would give: nothing to invalidate when a story
changes, since its new version is a new key; the old one ages out of the LRU.

The cache is bounded by bytes (``server.fragment_cache_mb``): an evicted fragment
is rendered again when a view needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache

from wire.model import Story
from wire.publish.assembly import Fragment, Layout, follow
from wire.publish.feedmeta import FeedMeta


class StoryKey:
    """A story as shown and its fragment context, hashed once.

    A ``Story``'s hash walks every field, body included; the key hashes what tells
    versions apart (guid, version, status, times) and leaves the rest to equality,
    which is an identity check in the common case: the store decodes each stored
    document once, and selections intern their keys (``FragmentCache.intern``)."""

    __slots__ = ("_hash", "meta", "story")

    def __init__(self, story: Story, meta: FeedMeta) -> None:
        self.story = story
        self.meta = meta
        self._hash = hash(
            (story.guid, story.version, story.pub_status, story.version_created, meta)
        )

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, StoryKey) or self._hash != other._hash:
            return False
        # Dataclass equality compares field by field even for the same object.
        return (self.story is other.story or self.story == other.story) and (
            self.meta is other.meta or self.meta == other.meta
        )


FragmentKey = tuple[str, StoryKey]
KEYS_KEPT = 20_000  # story keys interned, a few feeds' worth of versions


@dataclass(frozen=True, slots=True)
class Selection:
    """What one view of a feed shows, in order, with each story's key: worked out
    once and shared by the feed's formats."""

    items: tuple[Story, ...]
    oldest: Story | None
    keys: tuple[StoryKey, ...]
    updated: datetime  # the newest change shown: the feed's ``updated``


@dataclass(frozen=True, slots=True)
class Failed:
    """A story whose fragment does not render, and why."""

    story: Story
    reason: str


def render_fragment(layout: Layout, key: FragmentKey) -> Fragment | Failed:
    """One fragment, or why it cannot be made (a renderer's refusal is data here:
    one story that does not render must not take its feed down)."""
    story_key = key[1]
    story = story_key.story
    try:
        return Fragment.of(layout.fragment(story_key.meta, story))
    except Exception as exc:
        return Failed(story, f"{type(exc).__name__}: {exc}")


def render_fragments(
    layout: Layout, keys: Sequence[FragmentKey]
) -> list[tuple[FragmentKey, Fragment | Failed]]:
    """Pure and thread-safe: the publisher runs large batches off the event loop."""
    return [(key, render_fragment(layout, key)) for key in keys]


class FragmentCache:
    """Fragments by (format, story version as shown, fragment context), LRU by bytes."""

    def __init__(self, *, max_bytes: int = 128 << 20) -> None:
        # A fragment's gzip segments are about a quarter of its bytes: the budget
        # is shared in that proportion.
        self._lru: LRUCache[FragmentKey, Fragment] = LRUCache(
            maxsize=max_bytes - max_bytes // 4, getsizeof=lambda fragment: fragment.size
        )
        self._keys: LRUCache[StoryKey, StoryKey] = LRUCache(maxsize=KEYS_KEPT)
        self._segments: LRUCache[tuple[tuple[bytes, ...], bytes, bytes], bytes] = LRUCache(
            maxsize=max_bytes // 4, getsizeof=lambda segment: len(segment) + 150
        )
        self.rendered = 0  # fragments rendered so far (benchmarks and tests read it)

    @property
    def size(self) -> int:
        """Bytes held by fragments and by their gzip segments."""
        return int(self._lru.currsize + self._segments.currsize)

    def get(self, key: FragmentKey) -> Fragment | None:
        try:
            return self._lru[key]
        except KeyError:
            return None

    def follow(self, context: Sequence[Fragment], separator: bytes, fragment: Fragment) -> bytes:
        """``assembly.follow``, once per run of neighbouring fragments."""
        key = (tuple(f.digest for f in context), separator, fragment.digest)
        try:
            return self._segments[key]
        except KeyError:
            segment = follow(context, separator, fragment)
            if len(segment) + 150 <= self._segments.maxsize:
                self._segments[key] = segment
            return segment

    def intern(self, key: StoryKey) -> StoryKey:
        """The key already in use for an equal story and context, else ``key``: later
        lookups of it then compare by identity."""
        known = self._keys.get(key)
        if known is None:
            self._keys[key] = key
            return key
        return known

    def put(self, key: FragmentKey, fragment: Fragment) -> None:
        self.rendered += 1
        if fragment.size <= self._lru.maxsize:
            self._lru[key] = fragment
