"""What a save writes, decided from the stored and the incoming story alone. Pure: no database.

The store reads the current version under a lock, asks ``plan_save`` and carries
out the answer, so every rule about versions (numbering, staleness, kills,
If-Match) lives here and is testable without a connection.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from wire.errors import VersionConflict
from wire.model import Origin, PubStatus, Story

_ONE_MICROSECOND = timedelta(microseconds=1)


def _content(story: Story) -> Story:
    """The part of a story that counts as its content when deciding "changed"."""
    return replace(story, version=1, version_created=None, first_created=None, origin=Origin())


def plan_save(
    story: Story, current: Story | None, *, now: datetime, expected_version: int | None
) -> tuple[Story | None, bool]:
    """The version to write (``None``: write nothing) and whether the input was stale.

    Raises ``VersionConflict`` when ``expected_version`` is not the current version
    (0 for an unknown guid). Ingested input (no ``expected_version``) is stale when
    its ``version_created`` is not newer than the current one's, and when the story
    is killed and the input is not a kill: a kill applies to the whole story, so an
    upstream that still lists the item (or lists it undated) never brings it back.
    Editor writes (``expected_version`` given) are never stale: they win, stamped
    ``now`` (or just after the current version) if their own ``version_created`` is
    not newer; the editor API is what refuses to edit a killed story. Likewise a
    story an editor withheld stays withheld through ingested updates: the new
    copy is kept as a version, but only an editor releases it."""
    current_version = current.version if current else 0
    if expected_version is not None and expected_version != current_version:
        raise VersionConflict(story.guid, expected_version, current_version)
    if current is None:
        return (
            replace(
                story,
                version=1,
                # Never after its own version: an input dated by its source (a fetch
                # time, an upstream versionCreated) was first created no later.
                first_created=story.first_created or story.version_created or now,
                version_created=story.version_created or now,
            ),
            False,
        )
    if _content(story) == _content(current):
        return None, False
    editor = expected_version is not None
    revives = (
        current.pub_status is PubStatus.CANCELED and story.pub_status is not PubStatus.CANCELED
    )
    if revives and not editor:
        return None, True
    if (
        not editor
        and current.pub_status is PubStatus.WITHHELD
        and story.pub_status is PubStatus.USABLE
    ):
        story = replace(story, pub_status=PubStatus.WITHHELD)
        if _content(story) == _content(current):
            return None, False
    assert current.version_created is not None  # every stored version has one
    created = story.version_created
    if created is not None and created <= current.version_created:
        if not editor:
            return None, True
        created = None
    if created is None:
        created = max(now, current.version_created + _ONE_MICROSECOND)
    return (
        replace(
            story,
            version=current.version + 1,
            first_created=current.first_created,
            version_created=created,
        ),
        False,
    )
