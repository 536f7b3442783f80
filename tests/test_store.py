"""The store's behaviour, one suite run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from wire.errors import NotFound, StoreError, StoryValidationError, VersionConflict
from wire.model import (
    PUBLIC,
    Audience,
    FeedFilter,
    Origin,
    Provider,
    PubStatus,
    Story,
)
from wire.store import SQLStore
from wire.store.base import (
    Credential,
    Delivery,
    DeliveryKind,
    DeliveryState,
    IngestFailure,
    RawInput,
    SourceState,
    Subscription,
)
from wire.store.sql import head_revision
from wire.store.tables import counters, delivery_bodies, story_versions
from wire.storyjson import story_from_dict
from wire.visibility import NO_EXPOSURE, Verdict, decide

from .store_fixtures import store, twin
from .strategies import stories

__all__ = ["store"]  # the fixture, imported to be found by pytest

T0 = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
MIN = timedelta(minutes=1)
NOTIFY_IS_POSTGRES = (
    "LISTEN/NOTIFY is PostgreSQL's; SQLite instances watch the change sequence "
    "(tests/test_instances.py)"
)
FIXTURES = Path(__file__).parent / "fixtures"


def base_story() -> Story:
    """A full story from the shared fixtures, every field filled."""
    data = json.loads((FIXTURES / "stories" / "full.json").read_text(encoding="utf-8"))
    return story_from_dict(data)


def draft(guid: str, headline: str = "Harbour reopens", **changes: object) -> Story:
    return replace(Story(headline=headline, guid=guid), **changes)  # type: ignore[arg-type]


# versions ------------------------------------------------------------------------


async def test_first_save_is_version_1_stamped_now(store: SQLStore) -> None:
    result = await store.save(draft("urn:t:1"), now=T0)
    assert (result.created, result.changed, result.stale) == (True, True, False)
    assert result.story.version == 1
    assert result.story.first_created == T0
    assert result.story.version_created == T0
    assert await store.get("urn:t:1") == result.story


async def test_first_save_keeps_the_story_s_own_instants(store: SQLStore) -> None:
    story = base_story()
    result = await store.save(story, now=NOW)
    assert result.story == replace(story, version=1)


async def test_a_changed_story_becomes_the_next_version_and_keeps_first_created(
    store: SQLStore,
) -> None:
    await store.save(draft("urn:t:1", version_created=T0, first_created=T0), now=T0)
    result = await store.save(
        draft("urn:t:1", "Harbour reopens fully", version_created=T0 + MIN, first_created=T0 + MIN),
        now=NOW,
    )
    assert (result.created, result.changed) == (False, True)
    assert result.story.version == 2
    assert result.story.first_created == T0
    assert result.story.version_created == T0 + MIN


async def test_a_write_reports_the_version_it_replaced(store: SQLStore) -> None:
    first = await store.save(draft("urn:t:1", version_created=T0), now=NOW)
    second = await store.save(draft("urn:t:1", "edited", version_created=T0 + MIN), now=NOW)
    assert first.previous is None
    assert second.previous == first.story


async def test_history_keeps_every_version_untouched_oldest_first(store: SQLStore) -> None:
    v1 = (await store.save(draft("urn:t:1", "one", version_created=T0), now=T0)).story
    v2 = (await store.save(draft("urn:t:1", "two", version_created=T0 + MIN), now=T0)).story
    v3 = (await store.save(draft("urn:t:1", "three", version_created=T0 + 2 * MIN), now=T0)).story
    assert await store.history("urn:t:1") == [v1, v2, v3]
    assert await store.get("urn:t:1") == v3


async def test_history_of_an_unknown_guid_is_empty(store: SQLStore) -> None:
    assert await store.history("urn:t:nothing") == []
    assert await store.get("urn:t:nothing") is None


async def test_same_content_writes_nothing_whatever_its_version_and_origin(
    store: SQLStore,
) -> None:
    first = (await store.save(draft("urn:t:1", version_created=T0), now=T0)).story
    again = draft(
        "urn:t:1",
        version=7,
        version_created=T0 + MIN,
        origin=Origin(source="elsewhere", fetched_at=NOW),
    )
    result = await store.save(again, now=NOW)
    assert (result.created, result.changed, result.stale) == (False, False, False)
    assert result.story == first
    assert len(await store.history("urn:t:1")) == 1
    assert len(await store.changes(FeedFilter(), audience=PUBLIC, now=NOW, after=0, limit=10)) == 1


async def test_an_input_older_than_the_stored_version_is_stale(store: SQLStore) -> None:
    stored = (await store.save(draft("urn:t:1", "new", version_created=T0), now=T0)).story
    result = await store.save(draft("urn:t:1", "old", version_created=T0 - MIN), now=NOW)
    assert (result.changed, result.stale) == (False, True)
    assert result.story == stored
    assert await store.history("urn:t:1") == [stored]


async def test_an_input_as_old_as_the_stored_version_with_other_content_is_an_edit(
    store: SQLStore,
) -> None:
    """An upstream that edits an item without re-dating it: the edit is kept."""
    await store.save(draft("urn:t:1", "first", version_created=T0), now=T0)
    result = await store.save(draft("urn:t:1", "edited", version_created=T0), now=NOW)
    assert result.changed
    assert (result.story.version, result.story.headline) == (2, "edited")
    assert result.story.version_created == NOW


async def test_an_input_without_its_own_time_is_stamped_after_the_current_version(
    store: SQLStore,
) -> None:
    await store.save(draft("urn:t:1", "first", version_created=NOW), now=T0)
    result = await store.save(draft("urn:t:1", "second"), now=T0)
    assert result.changed
    assert result.story.version_created is not None
    assert result.story.version_created > NOW


async def test_if_match_on_an_old_version_is_a_conflict(store: SQLStore) -> None:
    await store.save(draft("urn:t:1", "one", version_created=T0), now=T0)
    await store.save(draft("urn:t:1", "two", version_created=T0 + MIN), now=T0)
    with pytest.raises(VersionConflict) as info:
        await store.save(draft("urn:t:1", "three"), now=NOW, expected_version=1)
    assert (info.value.expected, info.value.current) == (1, 2)
    assert len(await store.history("urn:t:1")) == 2


async def test_if_match_on_an_unknown_guid_is_a_conflict_with_version_0(store: SQLStore) -> None:
    with pytest.raises(VersionConflict) as info:
        await store.save(draft("urn:t:1"), now=NOW, expected_version=1)
    assert info.value.current == 0
    assert await store.get("urn:t:1") is None


async def test_an_editor_write_is_never_stale_and_is_stamped_now(store: SQLStore) -> None:
    await store.save(draft("urn:t:1", "agency copy", version_created=T0), now=T0)
    edit = draft("urn:t:1", "desk edit", version_created=T0 - MIN)
    result = await store.save(edit, now=NOW, expected_version=1)
    assert (result.changed, result.stale) == (True, False)
    assert result.story.version == 2
    assert result.story.version_created == NOW


async def test_a_story_without_guid_is_refused(store: SQLStore) -> None:
    with pytest.raises(StoreError):
        await store.save(Story(headline="no id"), now=NOW)


async def test_a_story_that_would_not_read_back_is_refused_and_nothing_is_written(
    store: SQLStore,
) -> None:
    with pytest.raises(StoryValidationError) as info:
        await store.save(draft("urn:t:1", language="not a language"), now=NOW)
    assert info.value.path == "/language"
    assert await store.get("urn:t:1") is None


async def test_text_with_a_lone_surrogate_is_refused_and_nothing_is_written(
    store: SQLStore,
) -> None:
    with pytest.raises(StoryValidationError):
        await store.save(draft("urn:t:1", headline="Broken \ud800 escape"), now=NOW)
    assert await store.get("urn:t:1") is None


async def test_a_guid_with_nul_is_refused(store: SQLStore) -> None:
    with pytest.raises(StoryValidationError) as info:
        await store.save(draft("urn:t:\x00"), now=NOW)
    assert info.value.path == "/guid"
    assert await store.changes(FeedFilter(), audience=PUBLIC, now=NOW, after=0, limit=1) == []


async def test_an_ingested_version_does_not_revive_a_killed_story(store: SQLStore) -> None:
    await store.save(draft("urn:t:1", version_created=T0), now=T0)
    await store.save(draft("urn:t:1", pub_status=PubStatus.CANCELED), now=T0 + MIN)
    result = await store.save(draft("urn:t:1", headline="Harbour reopens again"), now=NOW)
    assert result.stale
    assert not result.changed
    assert [s.pub_status for s in await store.history("urn:t:1")] == [
        PubStatus.USABLE,
        PubStatus.CANCELED,
    ]


async def test_a_kill_is_the_current_version_and_leaves_feeds(store: SQLStore) -> None:
    await store.save(draft("urn:t:1", version_created=T0), now=T0)
    kill = draft("urn:t:1", pub_status=PubStatus.CANCELED, version_created=T0 + MIN)
    result = await store.save(kill, now=NOW)
    assert result.story.pub_status is PubStatus.CANCELED
    assert (await store.get("urn:t:1")) == result.story
    assert await store.latest(FeedFilter(), audience=PUBLIC, now=NOW, limit=10) == []
    (withdrawn,) = await store.withdrawals(since=T0, limit=10)
    assert withdrawn.story == result.story
    assert withdrawn.withdrawn_at == NOW  # the wall-clock time of the kill, not its version's
    assert withdrawn.exposure.seen[0].released
    assert await store.withdrawals(since=NOW, limit=10) == []


async def test_due_deliveries_are_of_the_kind_asked(store: SQLStore) -> None:
    for n in range(5):
        await store.enqueue(delivery(n, kind=DeliveryKind.WEBSUB))
    await store.enqueue(delivery(9))
    assert [d.id for d in await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=3)] == ["msg_9"]


async def test_a_newer_delivery_of_a_chain_supersedes_the_pending_older_one(
    store: SQLStore,
) -> None:
    await store.enqueue(delivery(1, chain="webhook\nacme\nurn:t:1"))
    await store.enqueue(delivery(2, chain="webhook\nacme\nurn:t:2"))
    await store.enqueue(delivery(3, chain="webhook\nacme\nurn:t:1"))
    assert [d.id for d in await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=10)] == [
        "msg_2",
        "msg_3",
    ]
    older = await store.get_delivery("msg_1")
    assert older is not None
    assert older.state == "superseded"
    # an attempt that was in flight when it was superseded cannot put it back
    await store.update_delivery(replace(older, state=DeliveryState.PENDING, attempts=1))
    again = await store.get_delivery("msg_1")
    assert again is not None
    assert again.state == "superseded"


async def test_concurrent_first_saves_of_one_guid_make_one_version_each(store: SQLStore) -> None:
    results = await asyncio.gather(
        *(
            store.save(draft("urn:t:race", f"take {n}", version_created=T0 + n * MIN), now=NOW)
            for n in range(6)
        )
    )
    history = await store.history("urn:t:race")
    assert [s.version for s in history] == list(range(1, len(history) + 1))
    assert sum(r.created for r in results) == 1
    assert len(history) == sum(r.changed for r in results)


# raw archive ---------------------------------------------------------------------


def raw_input(name: str = "raw-copy.txt") -> RawInput:
    data = (FIXTURES / "store" / name).read_bytes()
    return RawInput(hashlib.sha256(data).hexdigest(), data, T0, "mina-en", name, "text/plain")


async def test_raw_bytes_come_back_as_archived(store: SQLStore) -> None:
    raw = raw_input()
    await store.archive_raw(raw)
    assert await store.get_raw(raw.sha256) == raw
    assert await store.get_raw("0" * 64) is None


async def test_archiving_the_same_bytes_again_changes_nothing(store: SQLStore) -> None:
    raw = raw_input()
    await store.archive_raw(raw)
    await store.archive_raw(replace(raw, received_at=NOW, name="again.txt"))
    assert await store.get_raw(raw.sha256) == raw


async def test_raw_bytes_must_match_their_sha256(store: SQLStore) -> None:
    raw = raw_input()
    with pytest.raises(StoreError):
        await store.archive_raw(replace(raw, data=raw.data + b"!"))


async def test_versions_link_to_the_raw_input_that_produced_them(store: SQLStore) -> None:
    raw = raw_input()
    await store.archive_raw(raw)
    made = (
        await store.save(
            draft("urn:t:1", origin=Origin(source="mina-en", raw_sha256=raw.sha256)), now=NOW
        )
    ).story
    await store.save(draft("urn:t:2"), now=NOW)
    assert await store.versions_from_raw(raw.sha256) == [made]


async def test_failures_are_listed_newest_first(store: SQLStore) -> None:
    old = IngestFailure("a" * 64, "mina-en", "one.txt", "empty", T0)
    new = IngestFailure(None, None, "two.xml", "not well-formed", T0 + MIN)
    await store.record_failure(old)
    await store.record_failure(new)
    assert await store.failures() == [new, old]
    assert await store.failures(limit=1) == [new]


# feeds ---------------------------------------------------------------------------

SOURCES = ("mina-en", "mina-ar", "desk", None)
LANGUAGES = ("en", "ar", "fa")
PROVIDERS = ("MINA", "EWS", None)
SUBJECTS = ("politics", "sport", "weather")
KEYWORDS = ("taliban", "harbour")


def corpus_story(i: int) -> Story:
    """Story ``i`` of a corpus that covers every filter dimension, status and embargo,
    with some sort times shared so the guid tie-break matters."""
    provider = PROVIDERS[i % 3]
    status = PubStatus.USABLE
    if i % 11 == 5:
        status = PubStatus.WITHHELD
    elif i % 13 == 7:
        status = PubStatus.CANCELED
    embargo = None
    if i % 7 == 3:
        embargo = NOW + timedelta(hours=i)  # still embargoed
    elif i % 7 == 4:
        embargo = NOW - timedelta(hours=i)  # lifted
    return Story(
        headline=f"story {i}",
        guid=f"urn:t:corpus:{i:03d}",
        pub_status=status,
        version_created=T0 + (i // 2) * MIN,
        published_at=T0 + (i // 2) * MIN if i % 5 else None,
        embargoed_until=embargo,
        language=LANGUAGES[i % 3],
        provider=Provider(provider) if provider else None,
        subjects=tuple(s for n, s in enumerate(SUBJECTS) if (i >> n) & 1),
        keywords=tuple(k for n, k in enumerate(KEYWORDS) if (i >> (n + 2)) & 1),
        origin=Origin(source=SOURCES[i % 4]),
    )


def expected_latest(
    stored: list[Story],
    flt: FeedFilter,
    audience: Audience,
    limit: int,
    before: tuple[datetime, str] | None = None,
) -> list[Story]:
    """The same answer worked out in memory from the model's own rules."""

    def key(s: Story) -> tuple[datetime, str]:
        assert s.sort_time is not None
        return (s.sort_time, s.guid)

    seen = [
        s
        for s in stored
        if decide(audience, s, NO_EXPOSURE, now=NOW, scope=(flt,)).verdict is Verdict.VISIBLE
    ]
    seen = [s for s in seen if before is None or key(s) < before]
    return sorted(seen, key=key, reverse=True)[:limit]


@pytest.fixture
async def corpus(store: SQLStore) -> list[Story]:
    return [(await store.save(corpus_story(i), now=NOW)).story for i in range(40)]


FILTERS = [
    FeedFilter(),
    FeedFilter(sources=("mina-en",)),
    FeedFilter(sources=("mina-en", "desk")),
    FeedFilter(languages=("ar",)),
    FeedFilter(languages=("ar", "fa")),
    FeedFilter(providers=("MINA",)),
    FeedFilter(subjects=("sport",)),
    FeedFilter(subjects=("sport", "weather")),
    FeedFilter(keywords=("harbour",)),
    FeedFilter(subjects=("politics",), keywords=("taliban",)),
    FeedFilter(sources=("mina-ar",), languages=("en", "ar"), subjects=("weather", "politics")),
    FeedFilter(sources=("nobody",)),
]


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
async def test_latest_carries_exactly_what_the_filter_matches(
    store: SQLStore, corpus: list[Story], flt: FeedFilter
) -> None:
    got = await store.latest(flt, audience=PUBLIC, now=NOW, limit=8)
    assert got == expected_latest(corpus, flt, PUBLIC, 8)


async def test_latest_shows_a_partner_only_its_entitled_sources(
    store: SQLStore, corpus: list[Story]
) -> None:
    partner = Audience("partner", sources=frozenset({"mina-ar", "desk"}))
    got = await store.latest(FeedFilter(), audience=partner, now=NOW, limit=50)
    assert got == expected_latest(corpus, FeedFilter(), partner, 50)
    assert {s.origin.source for s in got} == {"mina-ar", "desk"}


async def test_latest_with_a_filter_outside_the_entitlement_is_empty(
    store: SQLStore, corpus: list[Story]
) -> None:
    partner = Audience("partner", sources=frozenset({"mina-ar"}))
    flt = FeedFilter(sources=("mina-en",))
    assert await store.latest(flt, audience=partner, now=NOW, limit=50) == []


async def test_embargoed_stories_show_only_to_embargo_rights_until_they_lift(
    store: SQLStore, corpus: list[Story]
) -> None:
    embargoed = {
        s.guid
        for s in corpus
        if s.pub_status is PubStatus.USABLE and s.embargoed_until and s.embargoed_until > NOW
    }
    public = await store.latest(FeedFilter(), audience=PUBLIC, now=NOW, limit=100)
    trusted = Audience("partner", embargo_rights=True)
    early = await store.latest(FeedFilter(), audience=trusted, now=NOW, limit=100)
    later = await store.latest(
        FeedFilter(), audience=PUBLIC, now=NOW + timedelta(days=9), limit=100
    )
    assert embargoed
    assert not embargoed & {s.guid for s in public}
    assert embargoed <= {s.guid for s in early}
    assert embargoed <= {s.guid for s in later}


async def test_latest_never_shows_withheld_or_canceled_stories(
    store: SQLStore, corpus: list[Story]
) -> None:
    trusted = Audience("partner", embargo_rights=True)
    got = await store.latest(FeedFilter(), audience=trusted, now=NOW, limit=100)
    assert {s.pub_status for s in got} == {PubStatus.USABLE}
    assert len(got) == sum(s.pub_status is PubStatus.USABLE for s in corpus)


@pytest.mark.parametrize("flt", [FeedFilter(), FeedFilter(subjects=("sport", "weather"))], ids=repr)
async def test_keyset_pages_walk_the_archive_without_gap_or_repeat(
    store: SQLStore, corpus: list[Story], flt: FeedFilter
) -> None:
    pages: list[Story] = []
    before: tuple[datetime, str] | None = None
    while page := await store.latest(flt, audience=PUBLIC, now=NOW, limit=3, before=before):
        pages.extend(page)
        last = page[-1]
        assert last.sort_time is not None
        before = (last.sort_time, last.guid)
    assert pages == expected_latest(corpus, flt, PUBLIC, 1000)


filters = st.builds(
    FeedFilter,
    sources=st.lists(st.sampled_from(SOURCES[:3]), max_size=2).map(tuple),
    languages=st.lists(st.sampled_from(LANGUAGES), max_size=2).map(tuple),
    providers=st.lists(st.sampled_from(PROVIDERS[:2]), max_size=2).map(tuple),
    subjects=st.lists(st.sampled_from(SUBJECTS), max_size=2).map(tuple),
    keywords=st.lists(st.sampled_from(KEYWORDS), max_size=1).map(tuple),
)
audiences = st.builds(
    Audience,
    name=st.just("partner"),
    sources=st.none() | st.frozensets(st.sampled_from(SOURCES[:3])),
    embargo_rights=st.booleans(),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flt=filters, audience=audiences, limit=st.integers(1, 12))
async def test_latest_agrees_with_the_model_for_any_filter_and_audience(
    store: SQLStore, corpus: list[Story], flt: FeedFilter, audience: Audience, limit: int
) -> None:
    got = await store.latest(flt, audience=audience, now=NOW, limit=limit)
    assert got == expected_latest(corpus, flt, audience, limit)


# changes ---------------------------------------------------------------------------


async def test_changes_leave_out_what_the_audience_may_not_see_and_kills_never_seen(
    store: SQLStore, corpus: list[Story]
) -> None:
    got = await store.changes(FeedFilter(), audience=PUBLIC, now=NOW, after=0, limit=100)
    expected = {
        s.guid
        for s in corpus
        if decide(PUBLIC, s, NO_EXPOSURE, now=NOW, scope=(FeedFilter(),)).verdict is Verdict.VISIBLE
    }
    assert {e.story.guid for _seq, e in got} == expected
    assert [seq for seq, _s in got] == sorted(seq for seq, _s in got)


async def test_a_changed_story_moves_to_the_end_of_the_changes(store: SQLStore) -> None:
    for n in range(3):
        await store.save(draft(f"urn:t:{n}", version_created=T0), now=NOW)
    await store.save(draft("urn:t:0", "edited", version_created=T0 + MIN), now=NOW)
    got = await store.changes(FeedFilter(), audience=PUBLIC, now=NOW, after=0, limit=10)
    assert [e.story.guid for _seq, e in got] == ["urn:t:1", "urn:t:2", "urn:t:0"]
    assert got[-1][1].story.version == 2


async def test_the_changes_cursor_misses_nothing_while_writers_run(store: SQLStore) -> None:
    guids = [f"urn:t:w{n:02d}" for n in range(16)]
    rounds = 3
    writers_done = asyncio.Event()
    seen: dict[str, int] = {}
    seqs: list[int] = []

    async def write(guid: str) -> None:
        for n in range(rounds):
            story = draft(guid, f"{guid} take {n}", version_created=T0 + n * MIN)
            await store.save(story, now=NOW)

    async def read() -> None:
        cursor = 0
        while True:
            finished = writers_done.is_set()
            page = await store.changes(
                FeedFilter(), audience=PUBLIC, now=NOW, after=cursor, limit=4
            )
            for seq, entry in page:
                assert seq > cursor
                seqs.append(seq)
                seen[entry.story.guid] = entry.story.version
                cursor = seq
            if finished and not page:
                return
            await asyncio.sleep(0)

    async def write_all() -> None:
        await asyncio.gather(*(write(g) for g in guids))
        writers_done.set()

    await asyncio.gather(read(), write_all())
    assert seen == dict.fromkeys(guids, rounds)
    assert seqs == sorted(set(seqs))


# embargoes -------------------------------------------------------------------------


async def test_embargo_lifts_are_found_by_window_and_next_one(store: SQLStore) -> None:
    times = [T0 + n * timedelta(hours=1) for n in range(1, 4)]
    for n, at in enumerate(times):
        await store.save(draft(f"urn:t:e{n}", embargoed_until=at), now=T0)
    await store.save(
        draft("urn:t:killed", embargoed_until=times[0], pub_status=PubStatus.CANCELED), now=T0
    )
    window = await store.embargoes_between(times[0], times[2])
    assert [s.guid for s in window] == ["urn:t:e1", "urn:t:e2"]
    assert await store.next_embargo(T0) == times[0]
    assert await store.next_embargo(times[0]) == times[1]
    assert await store.next_embargo(times[2]) is None


# credentials, subscriptions, deliveries, sources -----------------------------------


async def test_credentials_are_found_by_hash_listed_and_revoked(store: SQLStore) -> None:
    editor = Credential("sha256:" + "e" * 64, "editor", "desk", "admin", T0, None)
    partner = Credential("sha256:" + "p" * 64, "partner", "acme", None, T0, NOW)
    await store.add_credential(editor)
    await store.add_credential(partner)
    assert await store.find_credential(partner.token_hash) == partner
    assert await store.find_credential("sha256:unknown") is None
    assert await store.list_credentials() == [editor, partner]
    assert await store.delete_credential(editor.token_hash)
    assert not await store.delete_credential(editor.token_hash)
    assert await store.list_credentials() == [partner]


async def test_a_subscription_is_replaced_by_topic_and_callback(store: SQLStore) -> None:
    topic = "http://wire.example/feeds/world.atom"
    first = Subscription(topic, "http://sub.example/cb", NOW, "s1", "public", T0)
    renewed = replace(first, expires_at=NOW + timedelta(days=1), secret="s2")
    await store.put_subscription(first)
    await store.put_subscription(renewed)
    assert await store.subscriptions(topic, now=T0) == [renewed]


async def test_expired_subscriptions_are_not_listed(store: SQLStore) -> None:
    topic = "http://wire.example/feeds/world.atom"
    await store.put_subscription(Subscription(topic, "http://a.example/cb", T0 + MIN))
    live = Subscription(topic, "http://b.example/cb", NOW)
    await store.put_subscription(live)
    assert await store.subscriptions(topic, now=T0 + MIN) == [live]
    assert await store.subscriptions("http://wire.example/other", now=T0) == []


async def test_a_subscription_can_be_deleted_once(store: SQLStore) -> None:
    sub = Subscription("http://t.example/", "http://c.example/", NOW)
    await store.put_subscription(sub)
    assert await store.delete_subscription(sub.topic, sub.callback)
    assert not await store.delete_subscription(sub.topic, sub.callback)
    assert await store.subscriptions(sub.topic, now=T0) == []


def delivery(n: int, **changes: object) -> Delivery:
    base = Delivery(
        id=f"msg_{n}",
        kind=DeliveryKind.WEBHOOK,
        target="https://partner.example/hook",
        body=b'{"guid": "urn:t:1"}\x00\xff',
        headers={"content-type": "application/json", "webhook-id": f"msg_{n}"},
        subject="acme",
        created_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_a_delivery_id_is_queued_once(store: SQLStore) -> None:
    await store.enqueue(delivery(1))
    await store.enqueue(delivery(1, target="https://other.example/"))
    assert await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=10) == [delivery(1)]


async def test_a_change_queues_its_deliveries_in_one_call(store: SQLStore) -> None:
    await store.enqueue(delivery(1))
    batch = [delivery(n, chain=f"websub\ntopic\ncb-{n}") for n in range(1, 1201)]
    queued = await store.enqueue_many(batch)
    assert [d.id for d in queued] == [f"msg_{n}" for n in range(2, 1201)]  # msg_1 was there
    due = await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=2000)
    assert [d.id for d in due] == [f"msg_{n}" for n in range(1, 1201)]  # in the order queued


async def test_a_body_sent_to_many_is_stored_once(store: SQLStore) -> None:
    body = b"<feed>" + b"x" * 100_000 + b"</feed>"
    await store.enqueue_many(
        [delivery(n, body=body, target=f"https://s{n}.example/") for n in range(50)]
    )
    async with store._read() as conn:
        rows = (await conn.execute(select(func.count()).select_from(delivery_bodies))).scalar_one()
    assert rows == 1
    for n in (0, 49):
        found = await store.get_delivery(f"msg_{n}")
        assert found is not None
        assert found.body == body
    due = await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=100)
    assert {d.body for d in due} == {body}


async def test_finished_deliveries_are_pruned_with_the_bodies_no_one_needs(
    store: SQLStore,
) -> None:
    old, recent = T0, T0 + timedelta(days=2)
    states = {
        1: (DeliveryState.DELIVERED, old, b"one"),
        2: (DeliveryState.SUPERSEDED, old, b"two"),
        3: (DeliveryState.PENDING, old, b"three"),
        4: (DeliveryState.DEAD, old, b"four"),
        5: (DeliveryState.DELIVERED, recent, b"five"),
        6: (DeliveryState.DELIVERED, old, b"three"),  # its body is still pending elsewhere
    }
    await store.enqueue_many(
        [delivery(n, created_at=at, body=body) for n, (_, at, body) in states.items()]
    )
    for n, (state, _, _) in states.items():
        queued = await store.get_delivery(f"msg_{n}")
        assert queued is not None
        await store.update_delivery(replace(queued, state=state))
    assert await store.prune_deliveries(before=T0 + timedelta(days=1)) == 3
    kept = {n for n in states if await store.get_delivery(f"msg_{n}") is not None}
    assert kept == {3, 4, 5}
    for n in kept:
        found = await store.get_delivery(f"msg_{n}")
        assert found is not None
        assert found.body == states[n][2]
    async with store._read() as conn:
        bodies = {r.body for r in await conn.execute(select(delivery_bodies.c.body))}
    assert bodies == {b"three", b"four", b"five"}


async def test_within_one_batch_the_later_delivery_of_a_chain_wins(store: SQLStore) -> None:
    await store.enqueue(delivery(1, chain="webhook\nacme\nurn:t:1"))
    queued = await store.enqueue_many(
        [
            delivery(2, chain="webhook\nacme\nurn:t:1"),
            delivery(3, chain="webhook\nacme\nurn:t:1"),
        ]
    )
    assert [d.id for d in queued] == ["msg_3"]
    due = await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=10)
    assert [d.id for d in due] == ["msg_3"]
    for superseded in ("msg_1", "msg_2"):
        found = await store.get_delivery(superseded)
        assert found is not None
        assert found.state == DeliveryState.SUPERSEDED


async def test_an_attempt_writes_its_state_never_the_body(store: SQLStore) -> None:
    await store.enqueue(delivery(1))
    queued = await store.get_delivery("msg_1")
    assert queued is not None
    await store.update_delivery(
        replace(queued, body=b"other", attempts=1, last_error="HTTP 500", next_attempt_at=NOW)
    )
    after = await store.get_delivery("msg_1")
    assert after is not None
    assert after.body == queued.body
    assert (after.attempts, after.last_error, after.next_attempt_at) == (1, "HTTP 500", NOW)


async def test_due_deliveries_come_oldest_first_and_only_when_due(store: SQLStore) -> None:
    await store.enqueue(delivery(1, next_attempt_at=T0 + 2 * MIN))
    await store.enqueue(delivery(2))
    await store.enqueue(delivery(3, next_attempt_at=T0 + MIN))
    await store.enqueue(delivery(4, next_attempt_at=NOW))
    got = await store.due(kind=DeliveryKind.WEBHOOK, now=T0 + 2 * MIN, limit=10)
    assert [d.id for d in got] == ["msg_2", "msg_3", "msg_1"]
    assert [
        d.id for d in await store.due(kind=DeliveryKind.WEBHOOK, now=T0 + 2 * MIN, limit=1)
    ] == ["msg_2"]


async def test_a_failed_attempt_is_recorded_and_a_dead_letter_leaves_the_queue(
    store: SQLStore,
) -> None:
    await store.enqueue(delivery(1))
    await store.enqueue(delivery(2))
    retry = delivery(1, attempts=1, next_attempt_at=T0 + MIN, last_error="HTTP 503")
    dead = delivery(2, attempts=8, last_error="HTTP 410", state=DeliveryState.DEAD)
    await store.update_delivery(retry)
    await store.update_delivery(dead)
    assert await store.due(kind=DeliveryKind.WEBHOOK, now=T0, limit=10) == []
    assert await store.due(kind=DeliveryKind.WEBHOOK, now=T0 + MIN, limit=10) == [retry]
    assert await store.dead_letters() == [dead]


async def test_a_delivery_is_found_by_id_in_any_state(store: SQLStore) -> None:
    await store.enqueue(delivery(1))
    await store.enqueue(delivery(2))
    dead = delivery(2, attempts=8, last_error="HTTP 410", state=DeliveryState.DEAD)
    await store.update_delivery(dead)
    assert await store.get_delivery("msg_1") == delivery(1)
    assert await store.get_delivery("msg_2") == dead
    assert await store.get_delivery("msg_3") is None


async def test_updating_a_delivery_never_queued_is_not_found(store: SQLStore) -> None:
    with pytest.raises(NotFound):
        await store.update_delivery(delivery(9))


async def test_source_state_is_kept_and_replaced(store: SQLStore) -> None:
    first = SourceState("mina-en", url="https://mina.example/rss", etag='"a"', failures=2)
    second = SourceState(
        "mina-en",
        url="https://mina.example/feed",
        etag='"b"',
        last_modified="Tue, 01 Jul 2025 12:00:00 GMT",
        last_success=T0,
        last_error="timeout",
        last_error_at=T0 - MIN,
        next_run=T0 + 5 * MIN,
        items_seen=10,
        items_stored=3,
    )
    other = SourceState("desk")
    await store.put_source_state(first)
    await store.put_source_state(second)
    await store.put_source_state(other)
    assert await store.get_source_state("mina-en") == second
    assert await store.get_source_state("nobody") is None
    assert await store.source_states() == [other, second]


# lifecycle ------------------------------------------------------------------------


async def test_ready_reports_the_newest_migration(store: SQLStore) -> None:
    assert await store.ready() == head_revision()


async def test_a_closed_store_is_not_ready(store: SQLStore) -> None:
    other = twin(store)
    await other.open()
    await other.close()
    with pytest.raises(StoreError):
        await other.ready()


async def test_an_unreachable_database_does_not_open() -> None:
    unreachable = SQLStore("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    with pytest.raises(StoreError):
        await unreachable.open()


async def test_reopening_keeps_every_story_and_migrates_nothing(store: SQLStore) -> None:
    saved = (await store.save(base_story(), now=NOW)).story
    await store.close()
    await store.open()
    again = twin(store)
    async with again:
        assert await again.ready() == head_revision()
        assert await again.get(saved.guid) == saved
        assert await again.history(saved.guid) == [saved]


async def test_only_one_instance_holds_the_leader_lock(store: SQLStore) -> None:
    other = twin(store)
    await other.open()
    try:
        assert await store.try_leader_lock()
        assert await store.try_leader_lock()
        assert not await other.try_leader_lock()
        await store.close()
        assert await other.try_leader_lock()
    finally:
        await other.close()
        await store.open()


async def test_change_listeners_hear_each_committed_change_once(store: SQLStore) -> None:
    heard: list[str] = []

    async def listen(guid: str) -> None:
        heard.append(guid)

    await store.add_change_listener(listen)
    await store.save(draft("urn:t:1", version_created=T0), now=NOW)
    await store.save(draft("urn:t:1", version_created=T0 + MIN), now=NOW)  # unchanged
    await store.save(draft("urn:t:2", version_created=T0), now=NOW)
    await asyncio.sleep(0.2)  # a NOTIFY echo of our own writes would arrive by now
    assert heard == ["urn:t:1", "urn:t:2"]


async def test_other_instances_hear_changes_through_postgres(store: SQLStore) -> None:
    if not store.is_postgres:
        pytest.skip(NOTIFY_IS_POSTGRES)
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(guid: str) -> None:
        await heard.put(guid)

    async with twin(store) as other:
        await other.add_change_listener(listen)
        await store.save(draft("urn:t:1"), now=NOW)
        assert await asyncio.wait_for(heard.get(), timeout=5) == "urn:t:1"


async def test_remote_only_listeners_hear_other_instances_not_their_own(
    store: SQLStore,
) -> None:
    if not store.is_postgres:
        pytest.skip(NOTIFY_IS_POSTGRES)
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(guid: str) -> None:
        await heard.put(guid)

    async with twin(store) as other:
        await other.add_change_listener(listen, remote_only=True)
        await other.save(draft("urn:t:own"), now=NOW)
        await store.save(draft("urn:t:theirs"), now=NOW)
        assert await asyncio.wait_for(heard.get(), timeout=5) == "urn:t:theirs"
        await asyncio.sleep(0.2)
        assert heard.empty()


async def test_story_versions_are_unique_per_guid_and_version(store: SQLStore) -> None:
    await store.save(draft("urn:t:1", version_created=T0), now=NOW)
    await store.save(draft("urn:t:1", "edited", version_created=T0 + MIN), now=NOW)
    engine = store._require()
    async with engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(story_versions.c.version).where(story_versions.c.guid == "urn:t:1")
                )
            )
            .scalars()
            .all()
        )
        seq = (
            await conn.execute(select(counters.c.value).where(counters.c.name == "change_seq"))
        ).scalar_one()
        total = (await conn.execute(select(func.count()).select_from(story_versions))).scalar()
    assert sorted(rows) == [1, 2]
    assert seq == total == 2


# round trip ---------------------------------------------------------------------------


_fresh = itertools.count()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(story=stories)
async def test_any_story_reads_back_exactly_as_saved(store: SQLStore, story: Story) -> None:
    story = replace(story, guid=f"urn:t:prop:{next(_fresh)}")
    result = await store.save(story, now=NOW)
    expected = replace(
        story,
        version=1,
        first_created=story.first_created or story.version_created or NOW,
        version_created=story.version_created or NOW,
    )
    assert result.story == expected
    assert await store.get(story.guid) == expected
    assert await store.history(story.guid) == [expected]


async def test_the_visibility_migration_rebuilds_exposure_from_history(store: SQLStore) -> None:
    """Upgrading a database from before exposures were kept replays each story's
    versions: what existing stories exposed, and their withdrawals, come out as a
    fresh store would have stored them."""
    from alembic import command

    from wire.store.sql.engine import _alembic_config

    await store.save(draft("urn:m:1", version_created=T0), now=T0)
    await store.save(draft("urn:m:1", pub_status=PubStatus.CANCELED), now=T0 + MIN)
    await store.save(draft("urn:m:2", embargoed_until=NOW + MIN, version_created=T0), now=T0)
    await store.save(draft("urn:m:2", "edited"), now=T0 + MIN)
    before = [await store.get_entry(g) for g in ("urn:m:1", "urn:m:2")]
    engine = store._require()
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0001"))
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "head"))
    after = [await store.get_entry(g) for g in ("urn:m:1", "urn:m:2")]
    assert after == before
    assert before[0] is not None
    assert before[0].withdrawn_at == T0 + MIN
