"""What a save writes, decided from the stored and the incoming story alone. Pure: no database.

The store reads the current version under a lock, asks ``plan_save`` and carries
out the answer, so every rule about versions (numbering, staleness, kills,
If-Match) lives here and is testable without a connection.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from wire.errors import IdentityCollision, StoreError, StoryValidationError, VersionConflict
from wire.model import Origin, PubStatus, Story
from wire.store.base import Entry, Hold, SaveResult, Write
from wire.store.search import story_words
from wire.storyjson import encode_story
from wire.visibility import NO_EXPOSURE, Exposure, withdrawn

_ONE_MICROSECOND = timedelta(microseconds=1)


def _content(story: Story) -> Story:
    """The part of a story that counts as its content when deciding "changed"."""
    return replace(story, version=1, version_created=None, first_created=None, origin=Origin())


def plan_save(
    story: Story,
    current: Story | None,
    *,
    now: datetime,
    expected_version: int | None,
    editorial: bool = False,
    id_space: frozenset[str] | None = None,
) -> tuple[Story | None, bool]:
    """The version to write (``None``: write nothing) and whether the input was stale.

    Raises ``VersionConflict`` when ``expected_version`` is not the current version
    (0 for an unknown guid). An editor's write is ``editorial`` (or carries an
    ``expected_version``): it wins, stamped ``now`` (or just after the current
    version) if its own ``version_created`` is not newer; the editor API is what
    refuses to edit a killed story.

    Ingested input (not editorial):

    - is stale when its ``version_created`` is older than the current one's; the
      same instant with other content is an edit the upstream did not re-date,
      and is kept;
    - a kill always applies, whatever its version or time: a kill is final, and
      a late one must not be lost; a non-kill of a killed story is stale (an
      upstream that still lists the item never brings it back);
    - a story an editor withheld stays withheld: the new copy is kept as a
      version, but only an editor releases it;
    - raises ``IdentityCollision`` when the guid belongs to a story of a source
      outside ``id_space`` (the sources sharing the input's id space): another
      source's item never takes a story over."""
    current_version = current.version if current else 0
    if expected_version is not None and expected_version != current_version:
        raise VersionConflict(story.guid, expected_version, current_version)
    editor = editorial or expected_version is not None
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
    owner = current.origin.source
    if (
        not editor
        and id_space is not None
        and owner is not None
        and story.origin.source is not None
        and owner not in id_space
    ):
        raise IdentityCollision(story.guid, owner)
    if _content(story) == _content(current):
        return None, False
    revives = (
        current.pub_status is PubStatus.CANCELED and story.pub_status is not PubStatus.CANCELED
    )
    if revives and not editor:
        return None, True
    kill = story.pub_status is PubStatus.CANCELED
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
        older = created < current.version_created
        if older and not (editor or kill):
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


def plan_exposure(
    new: Story, current: Entry | None, now: datetime
) -> tuple[Exposure, datetime | None]:
    """The exposure and withdrawal time to store with ``new``, which replaces
    ``current`` at ``now`` (wall clock).

    The replaced version joins the exposure (if it was usable). ``new`` is
    withdrawn when an audience that could have seen an earlier version may not
    see it; the withdrawal keeps its first time while the story stays withdrawn
    with the same status (edits to a withheld story do not restart its
    announcement window), and a new status (withheld, then killed) is a new one."""
    exposure = NO_EXPOSURE if current is None else current.exposure.after(current.story, now)
    if not withdrawn(new, exposure, now):
        return exposure, None
    if (
        current is not None
        and current.withdrawn_at is not None
        and current.story.pub_status is new.pub_status
    ):
        return exposure, current.withdrawn_at
    return exposure, now


def check_guid(guid: str) -> None:
    """Refuse a guid no store can key a story by, before it is looked up: raises
    ``StoreError`` for none, ``StoryValidationError`` for one holding NUL
    (PostgreSQL text cannot hold it, SQLite cuts a key at it)."""
    if not guid:
        raise StoreError("a story needs a guid before it is stored")
    if "\x00" in guid:
        raise StoryValidationError("/guid", "must not contain a NUL character")


def plan_write(
    story: Story,
    entry: Entry | None,
    *,
    now: datetime,
    expected_version: int | None = None,
    editorial: bool = False,
    id_space: frozenset[str] | None = None,
    hold: Hold | None = None,
    validated: bool = False,
) -> tuple[SaveResult, Write | None]:
    """What saving ``story`` over the current ``entry`` answers, and what it
    writes (``None``: nothing). The whole of ``Store.save`` but the statements:
    the single save and a batch of saves (``wire.store.batch``) both run it.

    Raises what ``plan_save`` and ``check_guid`` raise."""
    check_guid(story.guid)
    current = entry.story if entry else None
    before = entry.exposure if entry else NO_EXPOSURE
    new, stale = plan_save(
        story,
        current,
        now=now,
        expected_version=expected_version,
        editorial=editorial,
        id_space=id_space,
    )
    if new is None:
        assert current is not None
        kept = SaveResult(
            current,
            created=False,
            changed=False,
            stale=stale,
            exposure=before,
            previous_exposure=before,
        )
        return kept, None
    exposure, withdrawn_at = plan_exposure(new, entry, now)
    doc = encode_story(new, validate=not validated)
    created = current is None
    write = Write(
        new,
        doc,
        exposure,
        withdrawn_at,
        created,
        now,
        replace(hold, guid=new.guid) if created and hold is not None else None,
        story_words(new, current),
    )
    result = SaveResult(
        new,
        created=created,
        changed=True,
        previous=current,
        exposure=exposure,
        previous_exposure=before,
    )
    return result, write
