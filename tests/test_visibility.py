"""The visibility rule as a function: what each audience may see of a story."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import stories
from wire.model import Audience, FeedFilter, Origin, PubStatus, Story
from wire.visibility import (
    KILL_NOTICE,
    NO_EXPOSURE,
    WITHHOLD_NOTICE,
    Exposure,
    Verdict,
    as_shown,
    decide,
    removal_notice,
    withdrawn,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ANY = (FeedFilter(),)
PUBLIC = Audience()
DESK_ONLY = Audience("desk-only", sources=frozenset({"desk"}), partner=True)
TRUSTED = Audience("trusted", embargo_rights=True, partner=True)


def story(**changes: object) -> Story:
    base = Story(
        guid="urn:v:1",
        headline="The copy",
        body=("Every word of it.",),
        origin=Origin(source="desk"),
        review=("desk note",),
        removed=("Follow us",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def verdict(audience: Audience, s: Story, exposure: Exposure = NO_EXPOSURE) -> Verdict:
    return decide(audience, s, exposure, now=NOW, scope=ANY).verdict


def test_a_usable_story_is_visible_without_the_desks_notes() -> None:
    decision = decide(PUBLIC, story(), NO_EXPOSURE, now=NOW, scope=ANY)
    assert decision.verdict is Verdict.VISIBLE
    assert decision.story is not None
    assert (decision.story.review, decision.story.removed) == ((), ())


def test_an_embargo_hides_a_story_from_audiences_without_embargo_rights() -> None:
    embargoed = story(embargoed_until=NOW + HOUR)
    assert verdict(PUBLIC, embargoed) is Verdict.HIDDEN
    assert verdict(TRUSTED, embargoed) is Verdict.VISIBLE
    assert verdict(PUBLIC, story(embargoed_until=NOW)) is Verdict.VISIBLE


def test_a_story_no_feed_in_scope_selects_is_hidden() -> None:
    other = (FeedFilter(sources=("other",)),)
    assert decide(PUBLIC, story(), NO_EXPOSURE, now=NOW, scope=other).verdict is Verdict.HIDDEN
    assert decide(PUBLIC, story(), NO_EXPOSURE, now=NOW, scope=()).verdict is Verdict.HIDDEN


def test_a_kill_is_announced_only_to_audiences_that_could_have_seen_it() -> None:
    seen = NO_EXPOSURE.after(story(), NOW)
    killed = story(pub_status=PubStatus.CANCELED, version=2, ed_note="Legal")
    assert verdict(PUBLIC, killed, seen) is Verdict.ANNOUNCE
    assert verdict(PUBLIC, killed) is Verdict.HIDDEN
    moved_away = Audience("elsewhere", sources=frozenset({"other"}), partner=True)
    assert verdict(moved_away, killed, seen) is Verdict.HIDDEN


def test_a_version_whose_embargo_never_lifted_was_seen_only_with_embargo_rights() -> None:
    embargoed = story(embargoed_until=NOW + HOUR)
    exposure = NO_EXPOSURE.after(embargoed, NOW)  # replaced before its embargo lifted
    killed = story(pub_status=PubStatus.CANCELED, version=2)
    assert verdict(PUBLIC, killed, exposure) is Verdict.HIDDEN
    assert verdict(TRUSTED, killed, exposure) is Verdict.ANNOUNCE
    lifted = NO_EXPOSURE.after(embargoed, NOW + 2 * HOUR)
    assert verdict(PUBLIC, killed, lifted) is Verdict.ANNOUNCE


def test_a_move_out_of_the_audiences_sources_is_announced_as_a_withhold() -> None:
    exposure = NO_EXPOSURE.after(story(), NOW)
    moved = story(origin=Origin(source="other"), version=2)
    decision = decide(DESK_ONLY, moved, exposure, now=NOW, scope=ANY)
    assert decision.verdict is Verdict.ANNOUNCE
    assert decision.story is not None
    assert decision.story.pub_status is PubStatus.WITHHELD
    assert decision.story.origin.source is None


def test_the_removal_notice_carries_identity_status_and_note_only() -> None:
    killed = story(
        pub_status=PubStatus.CANCELED,
        version=3,
        ed_note="Legal",
        signals=("correction",),
        byline=("A. Writer",),
        credit_line="Credit",
    )
    notice = removal_notice(killed)
    assert (notice.guid, notice.version, notice.pub_status) == ("urn:v:1", 3, PubStatus.CANCELED)
    assert notice.headline == KILL_NOTICE
    assert notice.body == (f"{KILL_NOTICE}: Legal",)
    assert (notice.byline, notice.credit_line, notice.signals) == ((), None, ())
    withheld = removal_notice(story(pub_status=PubStatus.WITHHELD))
    assert (withheld.headline, withheld.pub_status) == (WITHHOLD_NOTICE, PubStatus.WITHHELD)


def test_exposure_survives_its_stored_form() -> None:
    exposure = NO_EXPOSURE.after(story(subjects=("a", "b"), language="ar"), NOW)
    exposure = exposure.after(story(origin=Origin(source="x"), embargoed_until=NOW + HOUR), NOW)
    assert Exposure.from_json(exposure.to_json()) == exposure
    assert NO_EXPOSURE.to_json() is None
    assert Exposure.from_json(None) == NO_EXPOSURE


audiences = st.builds(
    Audience,
    name=st.just("someone"),
    feeds=st.none(),
    sources=st.one_of(st.none(), st.frozensets(st.sampled_from(["desk", "other", "x"]))),
    embargo_rights=st.booleans(),
    partner=st.booleans(),
)
histories = st.lists(
    st.builds(
        story,
        pub_status=st.sampled_from(list(PubStatus)),
        origin=st.builds(Origin, source=st.sampled_from(["desk", "other"])),
        embargoed_until=st.one_of(st.none(), st.sampled_from([NOW - HOUR, NOW + HOUR])),
    ),
    min_size=1,
    max_size=5,
)


def _exposure_of(versions: list[Story]) -> Exposure:
    exposure = NO_EXPOSURE
    for i, version in enumerate(versions[:-1]):
        exposure = exposure.after(version, NOW - HOUR * (len(versions) - i))
    return exposure


@given(audience=audiences, versions=histories)
def test_no_audience_is_ever_given_copy_that_is_not_usable_for_it(
    audience: Audience, versions: list[Story]
) -> None:
    current = versions[-1]
    decision = decide(audience, current, _exposure_of(versions), now=NOW, scope=ANY)
    if decision.verdict is Verdict.VISIBLE:
        assert current.pub_status is PubStatus.USABLE
        assert audience.entitled_to(current.facets)
    else:
        shown = decision.story
        assert shown is None or (shown.body != current.body and shown.headline != "The copy")


@given(audience=audiences, versions=histories)
def test_more_rights_never_show_less(audience: Audience, versions: list[Story]) -> None:
    exposure = _exposure_of(versions)
    wider = replace(audience, sources=None, embargo_rights=True)
    order = {Verdict.HIDDEN: 0, Verdict.ANNOUNCE: 1, Verdict.VISIBLE: 2}
    narrow = decide(audience, versions[-1], exposure, now=NOW, scope=ANY).verdict
    broad = decide(wider, versions[-1], exposure, now=NOW, scope=ANY).verdict
    assert order[broad] >= order[narrow]


@given(audience=audiences, versions=histories)
def test_an_announced_story_is_always_indexed_as_withdrawn(
    audience: Audience, versions: list[Story]
) -> None:
    exposure = _exposure_of(versions)
    if decide(audience, versions[-1], exposure, now=NOW, scope=ANY).verdict is Verdict.ANNOUNCE:
        assert withdrawn(versions[-1], exposure, NOW)


@given(s=stories)
def test_as_shown_is_the_story_or_its_notice_and_idempotent(s: Story) -> None:
    shown = as_shown(s)
    assert as_shown(shown) == shown
    if s.pub_status is PubStatus.USABLE:
        assert shown == s
    else:
        assert shown.headline in (KILL_NOTICE, WITHHOLD_NOTICE)
