"""``plan_save``: the version rules, decided without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wire.errors import VersionConflict
from wire.model import PubStatus, Story
from wire.store.plan import plan_save

T0 = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
MIN = timedelta(minutes=1)
STORED = Story(
    guid="urn:t:1", headline="Harbour reopens", version=2, version_created=T0, first_created=T0
)
KILLED = Story(
    guid="urn:t:1",
    headline="Harbour reopens",
    version=3,
    pub_status=PubStatus.CANCELED,
    version_created=T0 + MIN,
    first_created=T0,
)


def test_a_new_guid_is_version_1_stamped_now() -> None:
    fresh = Story(guid="urn:t:9", headline="h")
    new, stale = plan_save(fresh, None, now=NOW, expected_version=None)
    assert new is not None
    assert not stale
    assert (new.version, new.version_created, new.first_created) == (1, NOW, NOW)


def test_a_dated_new_story_is_first_created_when_its_version_was() -> None:
    fetched = Story(guid="urn:t:9", headline="h", version_created=T0)
    new, _ = plan_save(fetched, None, now=NOW, expected_version=None)
    assert new is not None
    assert (new.first_created, new.version_created) == (T0, T0)


def test_a_newer_edition_is_the_next_version_keeping_first_created() -> None:
    edition = Story(guid="urn:t:1", headline="Harbour reopens fully", version_created=T0 + MIN)
    new, stale = plan_save(edition, STORED, now=NOW, expected_version=None)
    assert new is not None
    assert not stale
    assert (new.version, new.first_created, new.version_created) == (3, T0, T0 + MIN)


def test_an_older_edition_is_stale() -> None:
    edition = Story(guid="urn:t:1", headline="Harbour shut", version_created=T0 - MIN)
    assert plan_save(edition, STORED, now=NOW, expected_version=None) == (None, True)


def test_an_ingested_usable_version_never_revives_a_killed_story() -> None:
    newer = Story(guid="urn:t:1", headline="Harbour reopens", version_created=NOW)
    assert plan_save(newer, KILLED, now=NOW, expected_version=None) == (None, True)


def test_an_undated_ingested_version_never_revives_a_killed_story() -> None:
    undated = Story(guid="urn:t:1", headline="Harbour reopens")
    assert plan_save(undated, KILLED, now=NOW, expected_version=None) == (None, True)


def test_a_second_kill_of_a_killed_story_is_written() -> None:
    again = Story(
        guid="urn:t:1", headline="Harbour reopens", pub_status=PubStatus.CANCELED, ed_note="legal"
    )
    new, stale = plan_save(again, KILLED, now=NOW, expected_version=None)
    assert new is not None
    assert not stale
    assert new.version == 4


def test_an_editor_write_over_a_kill_is_the_editor_s_call() -> None:
    restored = Story(guid="urn:t:1", headline="Harbour reopens")
    new, _ = plan_save(restored, KILLED, now=NOW, expected_version=3)
    assert new is not None
    assert (new.pub_status, new.version, new.version_created) == (PubStatus.USABLE, 4, NOW)


def test_if_match_on_another_version_is_a_conflict() -> None:
    with pytest.raises(VersionConflict) as caught:
        plan_save(STORED, STORED, now=NOW, expected_version=1)
    assert (caught.value.expected, caught.value.current) == (1, 2)


WITHHELD = Story(
    guid="urn:t:1",
    headline="Harbour reopens",
    version=3,
    pub_status=PubStatus.WITHHELD,
    version_created=T0 + MIN,
    first_created=T0,
)


def test_an_ingested_update_of_a_withheld_story_is_kept_but_stays_withheld() -> None:
    update = Story(guid="urn:t:1", headline="Harbour reopens fully", version_created=NOW)
    new, stale = plan_save(update, WITHHELD, now=NOW, expected_version=None)
    assert new is not None
    assert not stale
    assert (new.version, new.headline, new.pub_status) == (4, update.headline, PubStatus.WITHHELD)


def test_an_ingested_copy_equal_but_for_status_does_not_release_a_withheld_story() -> None:
    same = Story(guid="urn:t:1", headline="Harbour reopens", version_created=NOW)
    assert plan_save(same, WITHHELD, now=NOW, expected_version=None) == (None, False)


def test_an_editor_releases_a_withheld_story() -> None:
    release = Story(guid="urn:t:1", headline="Harbour reopens", version_created=NOW)
    new, _ = plan_save(release, WITHHELD, now=NOW, expected_version=3)
    assert new is not None
    assert new.pub_status is PubStatus.USABLE
