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
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from wire.errors import StoryValidationError
from wire.instants import parse_instant
from wire.model import Dateline, InfoSource, Origin, Picture, Provider, PubStatus, Rights, Story
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


# the desk's edit form ---------------------------------------------------------------

Form = Mapping[str, str]
"""A submitted form's fields by name (one value each)."""

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LOCAL_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def _text(form: Form, name: str, current: str | None) -> str | None:
    """A one-line field: absent keeps ``current``; empty clears it."""
    if name not in form:
        return current
    value = " ".join(form[name].split())
    return value or None


def _lines(form: Form, name: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """A field of one entry per line (byline names)."""
    if name not in form:
        return current
    return tuple(line for line in (" ".join(x.split()) for x in form[name].splitlines()) if line)


def _paragraphs(form: Form, name: str, current: tuple[str, ...]) -> tuple[str, ...]:
    """The body: paragraphs parted by a blank line, each paragraph's lines joined."""
    if name not in form:
        return current
    text = form[name].replace("\r\n", "\n")
    return tuple(p for p in (" ".join(x.split()) for x in _PARAGRAPH_BREAK.split(text)) if p)


def embargo_instant(value: str) -> datetime | None:
    """The embargo field: empty is none; ``YYYY-MM-DDTHH:MM`` (what a browser's
    ``datetime-local`` sends) is read as UTC, as the form says; an RFC 3339
    instant is read as written."""
    value = value.strip()
    if not value:
        return None
    if _LOCAL_MINUTE.fullmatch(value):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise StoryValidationError(
            "/embargoed_until", "must be a date and time, e.g. 2026-12-03T18:00 (UTC)"
        ) from exc


def _pictures(form: Form, prefix: str, pictures: tuple[Picture, ...]) -> tuple[Picture, ...]:
    return tuple(
        replace(
            p,
            caption=_text(form, f"{prefix}picture-{i}-caption", p.caption),
            credit=_text(form, f"{prefix}picture-{i}-credit", p.credit),
        )
        for i, p in enumerate(pictures)
    )


def _sources(form: Form, prefix: str, sources: tuple[InfoSource, ...]) -> tuple[InfoSource, ...]:
    """The sources as edited: each kept unless its name was emptied, its role as
    chosen; one more when the form's new-source row is filled."""
    kept = []
    for i, source in enumerate(sources):
        name = _text(form, f"{prefix}source-{i}-name", source.name)
        if name is None:
            continue
        role = _text(form, f"{prefix}source-{i}-role", source.role) or source.role
        kept.append(replace(source, name=name, role=role))
    added = _text(form, f"{prefix}source-new-name", None)
    if added is not None:
        role = _text(form, f"{prefix}source-new-role", None) or "reported-by"
        kept.append(InfoSource(added, role, evidence=None))
    return tuple(kept)


def edited_story(story: Story, form: Form, prefix: str = "") -> Story:
    """``story`` with the desk form's fields laid over it: what an editor fixed
    in the preview or the correction form. Fields the form does not carry are
    kept as they are. Pure; the result is sanitized and validated on its way
    into the store, as every write is.

    Raises ``StoryValidationError`` for an empty headline or a bad embargo time."""
    headline = _text(form, f"{prefix}headline", story.headline)
    if not headline:
        raise StoryValidationError("/headline", "a story needs a headline")
    place = _text(form, f"{prefix}dateline", story.dateline.place if story.dateline else None)
    dateline = None
    if place is not None:
        agency = story.dateline.agency if story.dateline else None
        date = story.dateline.date if story.dateline else None
        dateline = Dateline(place, _text(form, f"{prefix}dateline-agency", agency), date)
    provider_name = _text(
        form, f"{prefix}provider", story.provider.name if story.provider else None
    )
    provider = None
    if provider_name is not None:
        same = story.provider is not None and story.provider.name == provider_name
        provider = story.provider if same else Provider(provider_name)
    rights = Rights(
        copyright_holder=story.rights.copyright_holder,
        copyright_notice=_text(form, f"{prefix}copyright", story.rights.copyright_notice),
        usage_terms=_text(form, f"{prefix}usage-terms", story.rights.usage_terms),
    )
    embargo = story.embargoed_until
    if f"{prefix}embargo" in form:
        embargo = embargo_instant(form[f"{prefix}embargo"])
    return replace(
        story,
        headline=headline,
        summary=_text(form, f"{prefix}summary", story.summary),
        byline=_lines(form, f"{prefix}byline", story.byline),
        dateline=dateline,
        provider=provider,
        credit_line=_text(form, f"{prefix}credit-line", story.credit_line),
        editor=_text(form, f"{prefix}editor", story.editor),
        body=_paragraphs(form, f"{prefix}body", story.body),
        pictures=_pictures(form, prefix, story.pictures),
        sources=_sources(form, prefix, story.sources),
        rights=rights,
        embargoed_until=embargo,
    )
