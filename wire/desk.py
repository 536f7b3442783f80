"""The desk's rules for story JSON an editor sends: what a push, a replacement
and a correction may say. Pure: no store, no HTTP.

The server owns version numbers and stamps; a status is changed by an action
(kill, withhold, release), never by restating it in a body; a story's source
stays unless the body names another (a move is an explicit act, see
``wire.visibility``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from wire.errors import StoryValidationError
from wire.model import Origin, PubStatus, Story
from wire.storyjson import JSON, story_from_dict, story_to_dict


def desk_story(
    data: Any,
    *,
    guid: str | None,
    current: Story | None,
    origin: Origin,
) -> Story:
    """Validated story JSON as the desk stores it. Pure.

    The server owns version numbers and stamps; ``guid`` (from the URL) must agree
    with the body's; a new story without one gets one derived from its content
    (``content_guid``); the
    status may only be restated (actions change it), and a new story may start
    withheld but not killed. The stored story's source is kept unless the body
    (or ``origin``) names another."""
    story = story_from_dict(data)
    if guid is not None and story.guid and story.guid != guid:
        raise StoryValidationError("/guid", f"is {story.guid!r} but the URL names {guid!r}")
    stated = data.get("pub_status") if isinstance(data, dict) else None
    if current is not None:
        status = current.pub_status
        if stated is not None and stated != status.value:
            raise StoryValidationError(
                "/pub_status", f"is {status.value!r}; change it with kill, withhold or release"
            )
    else:
        status = story.pub_status
        if status is PubStatus.CANCELED:
            raise StoryValidationError("/pub_status", "a new story cannot start killed")
    given = story.origin
    # The source stays unless the body names another: a move is an explicit act
    # (and audiences that lose the story hear of it, see ``wire.visibility``).
    kept = current.origin.source if current is not None else None
    source = given.source or origin.source or kept
    return replace(
        story,
        guid=guid or story.guid or content_guid(data, source),
        pub_status=status,
        version=1,
        version_created=None,
        origin=Origin(
            source=source,
            format=given.format or origin.format,
            fetched_at=given.fetched_at or origin.fetched_at,
            raw_sha256=origin.raw_sha256,
            url=given.url or origin.url,
        ),
    )


def content_guid(data: Any, source: str | None) -> str:
    """The guid of story JSON sent without one: derived from its content and source,
    so the same document pushed twice (a client's retry) is one story."""
    canonical = json.dumps([source, data], sort_keys=True, ensure_ascii=False)
    return "urn:wire:desk:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def corrected_dict(current: Story, patch: Any) -> tuple[JSON, str]:
    """The current story with the correction's fields laid over it, and the note.

    Fields given replace the current ones; absent ones are kept. Pure."""
    if not isinstance(patch, dict):
        raise StoryValidationError("/", "a correction is a JSON object")
    note = patch.get("ed_note")
    if not isinstance(note, str) or not note.strip():
        raise StoryValidationError("/ed_note", "a correction needs a non-empty ed_note")
    for key in ("guid", "pub_status"):
        if key in patch and patch[key] != story_to_dict(current)[key]:
            raise StoryValidationError(f"/{key}", "cannot change in a correction")
    owned = {"version", "version_created", "first_created", "origin"}
    merged = {**story_to_dict(current), **{k: v for k, v in patch.items() if k not in owned}}
    merged.pop("version_created", None)
    return merged, note.strip()
