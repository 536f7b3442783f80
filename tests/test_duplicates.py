"""Near duplicates: the same story arriving twice is held for the desk, not published twice.

The copy in ``tests/fixtures/duplicates/`` is agency-style raw copy written for
these tests: one earthquake story, the same story re-sent by another source with
its headline and one word touched up, an unrelated story on the same event, and
two days of a daily prayer-times series that open the same way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given
from hypothesis import strategies as st

from tests.clocks import FakeClock
from tests.desk_client import EDITOR, Client, problem, push, story_doc
from wire.attribution import SourcePolicy
from wire.config import (
    Config,
    DuplicateSettings,
    FeedSpec,
    ServerSettings,
    SourceConfig,
    SourceKind,
)
from wire.duplicates import MIN_WORDS, PERMUTATIONS, best_match, fingerprint, signature, similarity
from wire.errors import AlreadyDecided, NotFound, OnHold, StoryValidationError
from wire.events import ChangeReason
from wire.intake import KEEP_BOTH, MERGE
from wire.model import PUBLIC, PubStatus, Story
from wire.publish.publisher import Publisher
from wire.service import Wire
from wire.store import SQLStore

COPY = Path(__file__).resolve().parent / "fixtures" / "duplicates"
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def copy(name: str) -> bytes:
    return (COPY / f"{name}.txt").read_bytes()


def desk(store: SQLStore, tmp_path: Path, clock: FakeClock, **duplicates: object) -> Wire:
    sources = (
        SourceConfig("mina", SourceKind.PUSH, policy=SourcePolicy(provider="MINA")),
        SourceConfig("partner-wire", SourceKind.PUSH, policy=SourcePolicy(provider="Partner Wire")),
        SourceConfig(
            "mina-daily", SourceKind.PUSH, policy=SourcePolicy(series=(r"^Prayer Times",))
        ),
    )
    config = Config(
        server=ServerSettings(data_dir=tmp_path),
        sources=sources,
        feeds=(FeedSpec(name="all", title="All"),),
        duplicates=DuplicateSettings(**duplicates),  # type: ignore[arg-type]
    )
    return Wire(config, store, clock=clock)


async def ingest(wire: Wire, name: str, source: str) -> Story:
    outcome = await wire.ingest(copy(name), name=f"{name}.txt", source=source)
    assert outcome.error is None, outcome.error
    (story,) = outcome.stories
    return story


async def feed_guids(wire: Wire) -> list[str]:
    """The guids the public ninjs feed shows, rendered afresh."""
    publisher = Publisher(wire.config, wire.store, clock=wire.clock)
    rendered = await publisher.rendered("all", "ninjs", PUBLIC)
    return [item["uri"] for item in json.loads(rendered.body)["items"]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


# the measure --------------------------------------------------------------------------------


def body(words: list[str]) -> Story:
    return Story(headline="Headline", body=(" ".join(words),))


def test_the_same_story_touched_up_is_nearly_the_same() -> None:
    first = fingerprint(Story(headline="x", body=(copy("quake-agency").decode(),)))
    again = fingerprint(Story(headline="x", body=(copy("quake-other").decode(),)))
    assert first is not None
    assert again is not None
    assert similarity(first.signature, again.signature) >= 0.8


def test_another_story_on_the_same_event_is_not() -> None:
    first = fingerprint(Story(headline="x", body=(copy("quake-agency").decode(),)))
    other = fingerprint(Story(headline="x", body=(copy("quake-unrelated").decode(),)))
    assert first is not None
    assert other is not None
    assert similarity(first.signature, other.signature) < 0.3


def test_copy_too_short_to_judge_has_no_fingerprint() -> None:
    assert fingerprint(body(["word"] * (MIN_WORDS - 2))) is None


def test_attribution_is_not_part_of_the_comparison() -> None:
    story = Story(headline="Quake", body=(copy("quake-agency").decode(),))
    credited = replace(story, credit_line="Partner Wire", byline=("Someone Else",))
    a, b = fingerprint(story), fingerprint(credited)
    assert a is not None
    assert b is not None
    assert a == b


@given(st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=6), min_size=MIN_WORDS))
def test_a_text_is_wholly_like_itself_whatever_its_case(words: list[str]) -> None:
    a = fingerprint(body(words))
    b = fingerprint(body([w.upper() for w in words]))
    assert a is not None
    assert b is not None
    assert a.bands == b.bands
    assert similarity(a.signature, b.signature) == 1.0


@given(
    st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=6), min_size=MIN_WORDS),
    st.floats(0.01, 1.0),
)
def test_a_match_is_never_below_the_threshold(words: list[str], threshold: float) -> None:
    a = fingerprint(body(words))
    b = fingerprint(body([*words[: len(words) // 2], "zzz", *words[len(words) // 2 :]]))
    assert a is not None
    assert b is not None
    match = best_match(a, [("other", b.signature)], threshold=threshold)
    score = similarity(a.signature, b.signature)
    assert (match is not None) == (score >= threshold)


# the desk -----------------------------------------------------------------------------------


async def test_the_same_copy_under_another_source_is_held_not_published(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    clock.advance(minutes=5)
    again = await ingest(wire, "quake-other", "partner-wire")
    assert again.guid != original.guid
    assert again.pub_status is PubStatus.WITHHELD
    assert any(original.guid in note and "held for review" in note for note in again.review)
    assert await feed_guids(wire) == [original.guid]
    (hold,) = await wire.holds()
    assert (hold.guid, hold.duplicate_of, hold.decision) == (again.guid, original.guid, None)
    assert hold.similarity >= 0.8


async def test_three_sources_pushing_one_copy_make_one_public_story(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    data = copy("quake-agency")
    guids = []
    for source in ("mina", "partner-wire", "mina-daily"):
        outcome = await wire.ingest(data, name="push", source=source)
        guids.append(outcome.stories[0].guid)
    assert len(set(guids)) == 3
    assert await feed_guids(wire) == [guids[0]]
    assert {h.duplicate_of for h in await wire.holds()} == {guids[0]}


async def test_an_unrelated_story_is_published(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    first = await ingest(wire, "quake-agency", "mina")
    second = await ingest(wire, "quake-unrelated", "partner-wire")
    assert second.pub_status is PubStatus.USABLE
    assert set(await feed_guids(wire)) == {first.guid, second.guid}
    assert await wire.holds() == []


async def test_days_of_a_daily_series_are_stories_of_their_own(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    monday = await ingest(wire, "prayer-day1", "mina-daily")
    clock.advance(days=1)
    tuesday = await ingest(wire, "prayer-day2", "mina-daily")
    assert monday.guid != tuesday.guid
    assert tuesday.pub_status is PubStatus.USABLE
    assert await wire.holds() == []


async def test_stories_older_than_the_window_are_not_compared(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock, window_hours=24)
    await ingest(wire, "quake-agency", "mina")
    clock.advance(hours=25)
    again = await ingest(wire, "quake-other", "partner-wire")
    assert again.pub_status is PubStatus.USABLE


async def test_holding_can_be_turned_off(store: SQLStore, tmp_path: Path, clock: FakeClock) -> None:
    wire = desk(store, tmp_path, clock, hold=False)
    await ingest(wire, "quake-agency", "mina")
    again = await ingest(wire, "quake-other", "partner-wire")
    assert again.pub_status is PubStatus.USABLE


async def test_an_update_of_a_held_story_stays_held(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    clock.advance(minutes=10)
    update = replace(held, pub_status=PubStatus.USABLE, summary="Now with a summary.", version=1)
    result = await wire.save(update)
    assert result.changed
    assert result.story.pub_status is PubStatus.WITHHELD


async def test_merge_keeps_the_duplicate_out_for_good(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    result = await wire.decide_hold(held.guid, MERGE, editor="rania")
    assert result.story.pub_status is PubStatus.CANCELED
    # never public, so nobody is told of its removal either: no notice in the feed
    assert await feed_guids(wire) == [original.guid]
    clock.advance(minutes=30)
    later = replace(held, pub_status=PubStatus.USABLE, summary="An update upstream.")
    assert (await wire.save(later)).story.pub_status is PubStatus.CANCELED
    assert await wire.holds() == []
    (decided,) = await wire.holds(open_only=False)
    assert (decided.decision, decided.decided_by) == (MERGE, "rania")


async def test_keep_both_publishes_the_held_story(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    result = await wire.decide_hold(held.guid, KEEP_BOTH, editor="rania")
    assert result.story.pub_status is PubStatus.USABLE
    assert set(await feed_guids(wire)) == {original.guid, held.guid}
    clock.advance(minutes=30)
    later = replace(result.story, summary="An update upstream.")
    assert (await wire.save(later)).story.pub_status is PubStatus.USABLE


async def test_a_hold_is_decided_once(store: SQLStore, tmp_path: Path, clock: FakeClock) -> None:
    wire = desk(store, tmp_path, clock)
    await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    await wire.decide_hold(held.guid, KEEP_BOTH, editor="rania")
    with pytest.raises(AlreadyDecided):
        await wire.decide_hold(held.guid, MERGE, editor="rania")


async def test_deciding_needs_a_held_story_and_a_known_decision(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    with pytest.raises(NotFound):
        await wire.decide_hold(original.guid, MERGE, editor="rania")
    with pytest.raises(StoryValidationError):
        await wire.decide_hold(held.guid, "publish", editor="rania")


async def test_a_third_copy_is_held_against_the_original_not_the_held_one(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    await ingest(wire, "quake-other", "partner-wire")
    clock.advance(minutes=1)
    third = await wire.ingest(copy("quake-other"), name="again", source="mina-daily")
    assert third.stories[0].pub_status is PubStatus.WITHHELD
    assert {h.duplicate_of for h in await wire.holds()} == {original.guid}


async def test_a_correction_of_the_original_is_not_screened(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    clock.advance(minutes=1)
    fixed = replace(original, headline="Strong Earthquake Shakes Eastern Turkiye, 38 Injured")
    result = await wire.correct(original.guid, fixed, "headline fixed")
    assert result.story.pub_status is PubStatus.USABLE
    assert await wire.holds() == []


# over HTTP ----------------------------------------------------------------------------------


async def post_copy(client: Client, name: str, source: str) -> dict[str, object]:
    resp = await client.post(
        f"/api/v1/stories?source={source}",
        data=copy(name),
        headers={**EDITOR, "Content-Type": "text/plain; charset=utf-8"},
    )
    assert resp.status == 201, await resp.text()
    doc: dict[str, object] = await resp.json()
    return doc


async def test_the_desk_lists_holds_and_decides_them(client: Client, clock: FakeClock) -> None:
    original = await post_copy(client, "quake-agency", "agency")
    held = await post_copy(client, "quake-other", "other")
    assert held["pub_status"] == "withheld"
    resp = await client.get("/api/v1/holds", headers=EDITOR)
    assert resp.status == 200
    (listed,) = (await resp.json())["holds"]
    assert listed["guid"] == held["guid"]
    assert listed["duplicate_of"] == original["guid"]
    assert listed["duplicate_headline"] == original["headline"]
    assert (listed["source"], listed["duplicate_source"]) == ("other", "agency")
    feed = await (await client.get("/feeds/all.json")).json()
    assert [i["uri"] for i in feed["items"]] == [original["guid"]]

    resp = await client.post(
        f"/api/v1/holds/{held['guid']}", json={"decision": "keep-both"}, headers=EDITOR
    )
    assert resp.status == 200, await resp.text()
    decided = await resp.json()
    assert decided["hold"]["decision"] == "keep-both"
    assert decided["hold"]["decided_by"] == "rania"
    assert decided["story"]["pub_status"] == "usable"
    feed = await (await client.get("/feeds/all.json")).json()
    assert {i["uri"] for i in feed["items"]} == {original["guid"], held["guid"]}
    assert (await (await client.get("/api/v1/holds", headers=EDITOR)).json())["holds"] == []


async def test_a_second_decision_is_a_conflict(client: Client) -> None:
    await post_copy(client, "quake-agency", "agency")
    held = await post_copy(client, "quake-other", "other")
    path = f"/api/v1/holds/{held['guid']}"
    assert (await client.post(path, json={"decision": "merge"}, headers=EDITOR)).status == 200
    body = await problem(await client.post(path, json={"decision": "merge"}, headers=EDITOR), 409)
    assert body["type"].endswith("already-decided")


async def test_a_bad_decision_is_refused(client: Client) -> None:
    await post_copy(client, "quake-agency", "agency")
    held = await post_copy(client, "quake-other", "other")
    path = f"/api/v1/holds/{held['guid']}"
    await problem(await client.post(path, json={"decision": "publish"}, headers=EDITOR), 422)
    await problem(await client.post(path, json={}, headers=EDITOR), 422)
    await problem(
        await client.post("/api/v1/holds/nosuch", json={"decision": "merge"}, headers=EDITOR), 404
    )
    await problem(await client.get("/api/v1/holds?all=maybe", headers=EDITOR), 400)


async def test_holds_are_for_editors_only(client: Client) -> None:
    await problem(await client.get("/api/v1/holds"), 401)


async def test_story_json_under_another_source_is_held(client: Client) -> None:
    first = await push(client, story_doc(origin={"source": "agency"}))
    second = await push(client, story_doc(origin={"source": "other"}))
    assert first["pub_status"] == "usable"
    assert second["pub_status"] == "withheld"
    (listed,) = (await (await client.get("/api/v1/holds", headers=EDITOR)).json())["holds"]
    assert (listed["guid"], listed["duplicate_of"]) == (second["guid"], first["guid"])


async def test_an_editor_may_follow_up_a_story_of_the_same_source(client: Client) -> None:
    await push(client, story_doc(guid="urn:desk:1", origin={"source": "agency"}))
    follow_up = await push(client, story_doc(guid="urn:desk:2", origin={"source": "agency"}))
    assert follow_up["pub_status"] == "usable"


async def test_a_held_story_is_released_only_by_deciding_its_hold(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    with pytest.raises(OnHold):
        await wire.set_status(
            held.guid, PubStatus.USABLE, None, reason=ChangeReason.RELEASED, lift_embargo=True
        )
    assert (await wire.current(held.guid)).version == held.version


async def test_an_update_of_a_held_story_keeps_its_review_note(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    clock.advance(minutes=10)
    update = replace(held, pub_status=PubStatus.USABLE, summary="Now with a summary.", review=())
    result = await wire.save(update)
    assert any(original.guid in note for note in result.story.review)


async def test_upstream_versions_of_a_merged_story_store_nothing(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    await ingest(wire, "quake-agency", "mina")
    held = await ingest(wire, "quake-other", "partner-wire")
    merged = await wire.decide_hold(held.guid, MERGE, editor="rania")
    clock.advance(minutes=30)
    later = await wire.save(replace(held, summary="An update upstream."))
    assert not later.changed
    assert later.story.version == merged.story.version


async def test_a_killed_story_resent_under_a_new_guid_is_a_new_story(
    store: SQLStore, tmp_path: Path, clock: FakeClock
) -> None:
    wire = desk(store, tmp_path, clock)
    original = await ingest(wire, "quake-agency", "mina")
    await wire.set_status(original.guid, PubStatus.CANCELED, "legal", reason=ChangeReason.KILLED)
    clock.advance(minutes=5)
    again = await ingest(wire, "quake-other", "partner-wire")
    assert again.pub_status is PubStatus.USABLE
    assert await wire.holds() == []


async def test_the_release_action_points_a_held_story_to_its_hold(client: Client) -> None:
    await post_copy(client, "quake-agency", "agency")
    held = await post_copy(client, "quake-other", "other")
    resp = await client.post(f"/api/v1/stories/{held['guid']}/release", headers=EDITOR)
    body = await problem(resp, 409)
    assert body["type"].endswith("on-hold")


def test_a_signature_is_the_one_stored_by_earlier_releases() -> None:
    """Signatures are stored and compared across releases: the same words give
    the same bytes (``SCHEME``), however they are computed."""
    body = (
        "The harbour reopened on Tuesday after three days of storms kept every ship "
        "in port and the fish market closed",
    )
    print_ = fingerprint(Story(guid="urn:pin", headline="Harbour reopens", body=body))
    assert print_ is not None
    digest = hashlib.sha256(print_.signature).hexdigest()
    assert digest == "b38fb0ba25785cf63dd856869b0442acd57324df43d19092f5ac60aea559cdf9"


@given(st.sets(st.binary(min_size=0, max_size=40), min_size=1, max_size=300))
def test_a_signature_is_datasketchs_affine32_minhash(shingles: set[bytes]) -> None:
    """wire computes the MinHash itself (datasketch's import loads scipy); its
    values are datasketch's own, bit for bit, for any set of shingles."""
    expected = MinHash(num_perm=PERMUTATIONS, seed=1, scheme="affine32")
    expected.update_batch(sorted(shingles))
    assert signature(shingles).tobytes() == expected.hashvalues.astype("<u4").tobytes()


@given(
    st.sets(st.binary(max_size=12), min_size=1, max_size=60),
    st.sets(st.binary(max_size=12), min_size=1, max_size=60),
)
def test_similarity_is_datasketchs_jaccard_estimate(first: set[bytes], second: set[bytes]) -> None:
    a, b = signature(first), signature(second)
    lean = [LeanMinHash(seed=1, hashvalues=v, scheme="affine32") for v in (a, b)]
    assert similarity(a.tobytes(), b.tobytes()) == lean[0].jaccard(lean[1])
