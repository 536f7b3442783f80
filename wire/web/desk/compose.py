"""``/desk/new``: an editor pastes raw copy (or uploads a file, or names a page to
fetch), sees what wire extracts from it, fixes it, and publishes.

Preview parses the input exactly as ingest does (``Wire.ingest(dry_run=True)``:
the source's policy, the same parsers and extraction) and stores nothing. The
preview page carries the input's bytes (base64) and the parse time, so Publish
parses the very same input again, lays the editor's fields over what it gives
(``wire.desk.edited_story``) and hands both to ``Wire.publish_copy``: the raw
bytes archived first, each story saved as an editor's write.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web

from wire.desk import edited_story
from wire.errors import IngestError, StoryValidationError
from wire.formats import AUTO, INPUT_CHOICES
from wire.instants import format_instant, parse_instant
from wire.intake import IngestOutcome
from wire.model import Story
from wire.poll.fetch import Verdict, fetch
from wire.sanitize import safe_link
from wire.web.desk.pages import desk_route, page
from wire.web.desk.session import PATH, SignedIn
from wire.web.desk.views import desk_story_path
from wire.web.keys import HTTP, WIRE

log = logging.getLogger(__name__)

FETCH_SECONDS = 20.0


class Input:
    """The input of a preview or a publish, as the form gave it."""

    def __init__(
        self,
        data: bytes,
        *,
        source: str | None,
        fmt: str,
        url: str | None,
        media_type: str | None,
        fetched_at: datetime,
    ) -> None:
        self.data = data
        self.source = source
        self.fmt = fmt
        self.url = url
        self.media_type = media_type
        self.fetched_at = fetched_at

    def hidden(self) -> dict[str, str]:
        """The fields that carry this input from the preview to Publish."""
        return {
            "raw": base64.b64encode(self.data).decode("ascii"),
            "source": self.source or "",
            "format": self.fmt,
            "url": self.url or "",
            "media_type": self.media_type or "",
            "fetched_at": format_instant(self.fetched_at) or "",
        }


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _choices(request: web.Request, form: Any) -> tuple[str | None, str]:
    """The source and format the form names, checked against the config."""
    config = request.app[WIRE].config
    source = _field(form, "source") or None
    if source is not None and config.source(source) is None:
        raise StoryValidationError("/source", f"no source named {source!r} in the config")
    fmt = _field(form, "format") or AUTO
    if fmt not in INPUT_CHOICES:
        raise StoryValidationError("/format", f"must be one of {', '.join(INPUT_CHOICES)}")
    return source, fmt


async def _given_input(request: web.Request, form: Any) -> Input:
    """What the new-story form gave: an uploaded file, else a page to fetch, else
    the pasted copy."""
    source, fmt = _choices(request, form)
    now = request.app[WIRE].clock()
    upload = form.get("file")
    if isinstance(upload, web.FileField):
        data = upload.file.read()
        if data:
            return Input(
                data,
                source=source,
                fmt=fmt,
                url=None,
                media_type=upload.content_type or None,
                fetched_at=now,
            )
    url = _field(form, "url")
    if url:
        return await _fetched(request, url, source=source, fmt=fmt, now=now)
    copy = form.get("copy")
    text = copy if isinstance(copy, str) else ""
    if not text.strip():
        raise StoryValidationError("/copy", "paste the copy, upload a file or give a page URL")
    return Input(
        text.replace("\r\n", "\n").encode("utf-8"),
        source=source,
        fmt=fmt,
        url=None,
        media_type="text/plain",
        fetched_at=now,
    )


async def _fetched(
    request: web.Request, url: str, *, source: str | None, fmt: str, now: datetime
) -> Input:
    """A page read as a source is polled: through the guarded client (no private
    address unless the config allows it), capped in time and size."""
    if not safe_link(url):
        raise StoryValidationError("/url", "must be an absolute http(s) URL")
    wire = request.app[WIRE]
    result = await fetch(
        request.app[HTTP],
        url,
        None,
        time_limit=FETCH_SECONDS,
        max_bytes=wire.config.server.max_body_bytes,
        clock=wire.clock,
    )
    if result.decision.verdict is not Verdict.NEW:
        reason = result.decision.reason or f"the page answered {result.decision.verdict}"
        raise StoryValidationError("/url", f"could not read {url}: {reason}")
    return Input(
        result.body,
        source=source,
        fmt=fmt if fmt != AUTO else AUTO,
        url=result.url,
        media_type=result.media_type,
        fetched_at=now,
    )


def _carried_input(request: web.Request, form: Any) -> Input:
    """The input a preview page carried to Publish."""
    source, fmt = _choices(request, form)
    try:
        data = base64.b64decode(_field(form, "raw"), validate=True)
        fetched_at = parse_instant(_field(form, "fetched_at"))
    except (binascii.Error, ValueError) as exc:
        raise StoryValidationError("/raw", "the preview's input did not come back whole") from exc
    if fetched_at is None:
        raise StoryValidationError("/fetched_at", "the preview's parse time did not come back")
    return Input(
        data,
        source=source,
        fmt=fmt,
        url=_field(form, "url") or None,
        media_type=_field(form, "media_type") or None,
        fetched_at=fetched_at,
    )


async def _read(request: web.Request, given: Input) -> IngestOutcome:
    """``given`` parsed as ingest parses it, nothing stored."""
    return await request.app[WIRE].ingest(
        given.data,
        name="desk preview",
        fmt=given.fmt,
        source=given.source,
        fetched_at=given.fetched_at,
        url=given.url,
        media_type=given.media_type,
        dry_run=True,
    )


def _new_context(
    request: web.Request, form: Any = None, error: str | None = None
) -> dict[str, Any]:
    config = request.app[WIRE].config
    return {
        "sources": [s.name for s in config.sources],
        "formats": INPUT_CHOICES,
        "copy": (
            form.get("copy") if form is not None and isinstance(form.get("copy"), str) else ""
        ),
        "chosen_source": _field(form, "source") if form is not None else "",
        "chosen_format": (_field(form, "format") if form is not None else "") or AUTO,
        "url": _field(form, "url") if form is not None else "",
        "error": error,
    }


async def new_story(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/new``: the form for pasted copy, a file or a page URL."""
    return page(request, "new.html", _new_context(request), who)


async def preview(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``POST /desk/preview``: what wire extracts from the input, editable; nothing stored."""
    form = await request.post()
    try:
        given = await _given_input(request, form)
        outcome = await _read(request, given)
        if outcome.error is not None:
            raise outcome.error
        if not outcome.stories:
            raise StoryValidationError("/copy", "the input holds no story")
    except (StoryValidationError, IngestError) as exc:
        detail = exc.problem if isinstance(exc, StoryValidationError) else str(exc)
        return page(request, "new.html", _new_context(request, form, detail), who, status=422)
    context = {"stories": outcome.stories, "hidden": given.hidden()}
    return page(request, "preview.html", context, who)


def _edited(stories: tuple[Story, ...], form: Any) -> list[Story]:
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    out = []
    for i, story in enumerate(stories):
        prefix = f"s{i}-"
        edited = edited_story(story, fields, prefix)
        if fields.get(f"{prefix}reviewed") == "yes":
            edited = replace(edited, review=())  # the editor has seen and checked it
        out.append(edited)
    return out


async def publish(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``POST /desk/publish``: the previewed input read again, the editor's fields
    laid over it, then archived and saved (``Wire.publish_copy``)."""
    form = await request.post()
    given = _carried_input(request, form)
    outcome = await _read(request, given)
    if outcome.error is not None:
        raise outcome.error
    stories = _edited(outcome.stories, form)
    if not stories:
        raise StoryValidationError("/raw", "the input holds no story")
    results = await request.app[WIRE].publish_copy(
        given.data,
        stories,
        name=f"desk: {who.editor.name}",
        source=given.source,
        media_type=given.media_type,
    )
    log.info(
        "stories published at the desk",
        extra={"editor": who.editor.name, "guids": [r.story.guid for r in results]},
    )
    if len(results) == 1:
        raise web.HTTPSeeOther(desk_story_path(results[0].story.guid))
    raise web.HTTPSeeOther(PATH)


def setup_routes(app: web.Application) -> None:
    app.router.add_get(f"{PATH}/new", desk_route(new_story))
    app.router.add_post(f"{PATH}/preview", desk_route(preview))
    app.router.add_post(f"{PATH}/publish", desk_route(publish))
