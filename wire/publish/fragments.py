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

from cachetools import LRUCache

from wire.model import Story
from wire.publish.assembly import Fragment, Layout
from wire.publish.feedmeta import FeedMeta, fragment_meta

FragmentKey = tuple[str, Story, FeedMeta]


@dataclass(frozen=True, slots=True)
class Failed:
    """A story whose fragment does not render, and why."""

    story: Story
    reason: str


def render_fragment(layout: Layout, key: FragmentKey) -> Fragment | Failed:
    """One fragment, or why it cannot be made (a renderer's refusal is data here:
    one story that does not render must not take its feed down)."""
    _, story, meta = key
    try:
        return Fragment.of(layout.fragment(meta, story))
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
        self._lru: LRUCache[FragmentKey, Fragment] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda fragment: fragment.size
        )
        self.rendered = 0  # fragments rendered so far (benchmarks and tests read it)

    @staticmethod
    def key(fmt: str, story: Story, meta: FeedMeta) -> FragmentKey:
        return (fmt, story, fragment_meta(meta, story))

    @property
    def size(self) -> int:
        """Bytes held."""
        return int(self._lru.currsize)

    def get(self, key: FragmentKey) -> Fragment | None:
        return self._lru.get(key)

    def put(self, key: FragmentKey, fragment: Fragment) -> None:
        self.rendered += 1
        if fragment.size <= self._lru.maxsize:
            self._lru[key] = fragment
