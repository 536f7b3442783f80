"""Feeds assembled from per-story fragments: rendered once, shared, bounded.

The assembly itself (one gzip stream out of separately compressed segments, an
ETag that follows the bytes) is property-tested; the publisher is then run on a
real store (SQLite and PostgreSQL) with several partner views: a change renders
the changed story once per format whatever the number of views, leaves the views
that cannot show it as they were, and memory stays within its bounds.
"""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.clocks import START, FakeClock, eventually
from tests.store_fixtures import on_database
from tests.validators import feed_meta
from wire.config import Config, parse_config
from wire.formats import Format
from wire.model import Audience, Origin, Story
from wire.publish.assembly import Fragment, Frame, assemble
from wire.publish.atom import ATOM
from wire.publish.feedmeta import fragment_meta
from wire.publish.fragments import FragmentCache
from wire.publish.newsml import NEWSML
from wire.publish.ninjs import NINJS
from wire.publish.rss import RSS
from wire.runtime import Runtime, running
from wire.tokens import hash_token

chunks = st.binary(max_size=3000)
META = feed_meta("atom")
separators = st.sampled_from([b"", b", "])


# the assembly -------------------------------------------------------------------------


@given(head=chunks, tail=chunks, parts=st.lists(chunks, max_size=12), separator=separators)
def test_an_assembled_gzip_body_is_one_gzip_stream_of_the_body(
    head: bytes, tail: bytes, parts: list[bytes], separator: bytes
) -> None:
    document = assemble(Frame(head, tail), [Fragment.of(p) for p in parts], separator)
    assert document.body == head + separator.join(parts) + tail
    assert gzip.decompress(document.gzipped) == document.body
    # One member, read to its end: what a browser's or curl's inflate sees.
    inflate = zlib.decompressobj(wbits=31)
    assert inflate.decompress(document.gzipped) == document.body
    assert inflate.eof
    assert inflate.unused_data == b""


@given(
    first=st.lists(chunks, min_size=1, max_size=5),
    second=st.lists(chunks, min_size=1, max_size=5),
    separator=separators,
)
def test_different_bytes_never_share_an_etag(
    first: list[bytes], second: list[bytes], separator: bytes
) -> None:
    frame = Frame(b"<feed>", b"</feed>")
    a = assemble(frame, [Fragment.of(p) for p in first], separator)
    b = assemble(frame, [Fragment.of(p) for p in second], separator)
    assert (a.etag == b.etag) == (first == second)


def test_the_same_fragments_give_the_same_etag() -> None:
    frame = Frame(b"<feed>", b"</feed>")
    parts = [b"<entry>1</entry>", b"<entry>2</entry>"]
    first = assemble(frame, [Fragment.of(p) for p in parts])
    again = assemble(frame, [Fragment.of(p) for p in parts])
    assert first == again


def test_an_assembled_gzip_body_is_about_as_small_as_compressing_it_whole() -> None:
    """Segments refer back into the stories before them, so joining them costs
    little against compressing the document in one piece."""
    words = [f"word{n}" for n in range(400)]
    rng = random.Random(7)
    stories = [
        story(
            n,
            "alpha",
            headline=" ".join(rng.choices(words, k=8)),
            body=tuple(" ".join(rng.choices(words, k=60)) for _ in range(5)),
        )
        for n in range(60)
    ]
    cache = FragmentCache()
    for layout in (RSS, ATOM, NEWSML, NINJS):
        fragments = [
            Fragment.of(layout.fragment(fragment_meta(META, s), s))
            for s in stories
            if layout.carries(s)
        ]
        document = assemble(
            layout.frame(META, stories), fragments, layout.separator, after=cache.follow
        )
        assert gzip.decompress(document.gzipped) == document.body
        assert len(document.gzipped) <= 1.08 * len(gzip.compress(document.body, 6))


# the publisher over a real store -------------------------------------------------------

PARTNERS = {"alpha-only": ["alpha"], "beta-only": ["beta"], "both": ["alpha", "beta"]}


def config(folder: Path, **server: int | bool) -> Config:
    raw = {
        "server": {
            "data_dir": str(folder),
            "base_url": "http://wire.test",
            **server,
        },
        "sources": [{"name": s, "kind": "push"} for s in ("alpha", "beta")],
        "feeds": [{"name": "all", "title": "All", "size": 50}],
        "partners": [
            {"name": name, "sources": sources, "tokens": [{"hash": hash_token(f"wire_pt_{name}")}]}
            for name, sources in PARTNERS.items()
        ],
    }
    return parse_config(raw, base_dir=folder, env={})


def view(name: str) -> Audience:
    return Audience(name=name, sources=frozenset(PARTNERS[name]), partner=True)


VIEWS = [view(name) for name in PARTNERS]


def story(n: int, source: str, **changes: object) -> Story:
    made = Story(
        guid=f"urn:frag:{n}",
        headline=f"Story {n} from {source}",
        body=(f"Paragraph one of story {n}.", "Paragraph two of it, a little longer."),
        byline=("A Reporter",),
        published_at=START - timedelta(minutes=n),
        version_created=START - timedelta(minutes=n),
        origin=Origin(source=source),
    )
    return replace(made, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def runtime(tmp_path: Path, database: str) -> AsyncIterator[Runtime]:
    settings = on_database(config(tmp_path), database)
    async with running(settings, clock=FakeClock(START)) as rt:
        for n in range(12):
            await rt.wire.save(story(n, "alpha" if n % 2 else "beta"))
        await rt.wire.bus.drain()
        yield rt


async def render_all(rt: Runtime) -> dict[tuple[str, str], bytes]:
    return {
        (v.name, fmt): (await rt.publisher.rendered("all", fmt, v)).body
        for v in VIEWS
        for fmt in Format
    }


async def test_a_story_is_rendered_once_per_format_for_every_view(runtime: Runtime) -> None:
    fragments = runtime.publisher.fragments
    before = fragments.rendered
    await render_all(runtime)
    # 12 stories in 4 formats, whatever the number of views that show them.
    assert fragments.rendered - before == 12 * len(Format)


async def test_a_change_renders_only_the_changed_story_again(runtime: Runtime) -> None:
    await render_all(runtime)
    fragments = runtime.publisher.fragments
    before = fragments.rendered
    await runtime.wire.save(story(1, "alpha", headline="Story 1, corrected", version=2))
    await runtime.wire.bus.drain()
    after = await render_all(runtime)
    assert fragments.rendered - before == len(Format)
    assert b"Story 1, corrected" in after[("alpha-only", "atom")]
    assert b"Story 1, corrected" in after[("both", "atom")]


async def test_views_that_cannot_show_a_changed_story_keep_their_bytes(runtime: Runtime) -> None:
    await render_all(runtime)
    publisher = runtime.publisher
    kept = {v.name: publisher.cached("all", "atom", v) for v in VIEWS}
    await runtime.wire.save(story(1, "alpha", headline="Story 1, corrected", version=2))
    await runtime.wire.bus.drain()
    assert publisher.cached("all", "atom", view("beta-only")) is kept["beta-only"]
    assert publisher.cached("all", "atom", view("alpha-only")) is None
    assert publisher.cached("all", "atom", view("both")) is None


async def test_eagerly_a_changed_view_is_assembled_before_anyone_polls_it(
    tmp_path: Path, database: str
) -> None:
    settings = on_database(config(tmp_path, render_eagerly=True), database)
    async with running(settings, clock=FakeClock(START)) as rt:
        await rt.wire.save(story(1, "alpha"))
        await rt.wire.bus.drain()
        await render_all(rt)
        await rt.wire.save(story(1, "alpha", headline="Story 1, corrected", version=2))
        await rt.wire.bus.drain()
        await eventually(lambda: rt.publisher.cached("all", "atom", view("both")) is not None)
        cached = rt.publisher.cached("all", "atom", view("both"))
        assert cached is not None
        assert b"Story 1, corrected" in cached.body


async def test_lazily_a_changed_view_waits_for_its_next_poll(runtime: Runtime) -> None:
    await render_all(runtime)
    await runtime.wire.save(story(1, "alpha", headline="Story 1, corrected", version=2))
    await runtime.wire.bus.drain()
    assert runtime.publisher.cached("all", "atom", view("both")) is None


async def test_a_story_moved_away_from_a_view_leaves_it_a_removal_notice(
    runtime: Runtime,
) -> None:
    await render_all(runtime)
    await runtime.wire.save(story(1, "beta", version=2), editorial=True)
    await runtime.wire.bus.drain()
    alpha = await runtime.publisher.rendered("all", "rss", view("alpha-only"))
    assert b"urn:frag:1" in alpha.body
    assert b"Story 1 from" not in alpha.body  # the notice, never the copy
    beta = await runtime.publisher.rendered("all", "rss", view("beta-only"))
    assert b"Story 1 from beta" in beta.body


async def test_assembled_feeds_are_the_documents_rendered_whole(runtime: Runtime) -> None:
    """What the cache assembles from fragments is what rendering the same stories
    in one piece gives, in every format and view."""
    from wire.publish.publisher import _LAYOUTS

    publisher = runtime.publisher
    for v in VIEWS:
        for fmt in Format:
            rendered = await publisher.rendered("all", fmt, v)
            shown = await runtime.store.latest(
                publisher.specs["all"].filter, audience=v, now=START, limit=50
            )
            updated = max(s.version_created for s in shown if s.version_created)
            meta = publisher._meta(publisher.specs["all"], fmt, updated, oldest=None, archive=False)
            assert rendered.body == _LAYOUTS[fmt].render(meta, shown)


async def test_memory_stays_within_its_bounds(tmp_path: Path) -> None:
    settings = config(tmp_path, fragment_cache_mb=1, render_cache_mb=1)
    async with running(settings, clock=FakeClock(START)) as rt:
        for n in range(40):
            await rt.wire.save(story(n, "alpha", body=(f"Paragraph {n}. " * 500,)))
        for v in VIEWS:
            for fmt in Format:
                await rt.publisher.rendered("all", fmt, v)
        assert 0 < rt.publisher.fragments.size <= 1 << 20
        assert 0 < rt.publisher.cache.size <= 1 << 20
        # An evicted view is assembled again, with the same validators.
        first = await rt.publisher.rendered("all", "atom", view("both"))
        for v in VIEWS:
            for fmt in Format:
                await rt.publisher.rendered("all", fmt, v)
        again = await rt.publisher.rendered("all", "atom", view("both"))
        assert (again.etag, again.last_modified) == (first.etag, first.last_modified)


async def test_views_with_the_same_stories_count_their_bytes_once(tmp_path: Path) -> None:
    settings = config(tmp_path, render_cache_mb=1)
    async with running(settings, clock=FakeClock(START)) as rt:
        for n in range(30):
            await rt.wire.save(story(n, "alpha", body=(f"Paragraph {n}. " * 300,)))
        # Twenty partners whose extra source has nothing in the feed: one document.
        views = [
            Audience(name=f"p{i}", sources=frozenset({"alpha", f"extra-{i}"}), partner=True)
            for i in range(20)
        ]
        first = await rt.publisher.rendered("all", "atom", views[0])
        assert 20 * len(first.body) > 1 << 20  # counted per view, they would not fit
        for v in views:
            await rt.publisher.rendered("all", "atom", v)
        assert all(rt.publisher.cached("all", "atom", v) is not None for v in views)
        assert rt.publisher.cache.size <= 1 << 20
