"""The desk's pages over stories already in: the inbox (filters, search, the
stories that need review), a story with its versions, attribution, raw input,
deliveries and actions, and the sources' and failed inputs' state.

Every page reads through what the API reads through (``Store.find_stories``,
``Wire.current``, ``Wire.archived``, ``SourceRunner.status``) and every action
calls what the API calls (``Wire.act``, ``Wire.correct``, ``Webhooks.redeliver``),
with the same rights (``wire.service.check_role``) and the same errors.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDict

from wire.cursors import decode_page, encode_page
from wire.desk import edited_story
from wire.errors import Forbidden, NotFound, StoreError, StoryValidationError
from wire.formats import STORY_PAGE, story_links, story_path
from wire.model import PubStatus, Role, Story
from wire.reachlog import PartnerReach, reach_of
from wire.service import ACTIONS, check_role
from wire.web.api import DEFAULT_PAGE, desk_query, failure_dict, raw_response
from wire.web.desk.diff import version_diff
from wire.web.desk.pages import desk_route, page
from wire.web.desk.session import PATH, SignedIn
from wire.web.keys import HOOKS, PUBLISHER, SOURCES, WIRE
from wire.web.reaching import flush_reach

log = logging.getLogger(__name__)

FILTERS = ("q", "source", "status", "language", "embargoed", "needs_review", "before")
RAW_SHOWN = 200_000  # characters of an archived input shown on the story page


def desk_story_path(guid: str) -> str:
    return f"{PATH}/stories/{quote(guid, safe='')}"


def _filtered(request: web.Request, **fixed: str) -> web.Request:
    """The request with its empty filter fields dropped (a form's "any") and
    ``fixed`` ones set, as ``desk_query`` reads filters."""
    kept: MultiDict[str] = MultiDict(
        (k, v.strip()) for k, v in request.query.items() if k in FILTERS and v.strip()
    )
    kept.update(fixed)
    return request.clone(rel_url=request.rel_url.with_query(kept))


async def _listing(
    request: web.Request, who: SignedIn, *, title: str, template_query: dict[str, str]
) -> web.StreamResponse:
    query_request = _filtered(request, **template_query)
    query = desk_query(query_request)
    before = query_request.query.get("before")
    wire = request.app[WIRE]
    now = wire.clock()
    position = decode_page(before) if before else None
    found = await wire.store.find_stories(query, now=now, limit=DEFAULT_PAGE + 1, before=position)
    listed = found[:DEFAULT_PAGE]
    older = None
    if len(found) > DEFAULT_PAGE:
        last = listed[-1].story
        assert last.sort_time is not None  # every stored version has one
        kept = {k: v for k, v in query_request.query.items() if k != "before"}
        older = "?" + "&".join(
            f"{k}={quote(v, safe='')}"
            for k, v in {**kept, "before": encode_page(last.sort_time, last.guid)}.items()
        )
    context: dict[str, Any] = {
        "title": title,
        "listed": listed,
        "now": now,
        "filters": {k: query_request.query.get(k, "") for k in FILTERS},
        "sources": [s.name for s in wire.config.sources],
        "statuses": [s.value for s in PubStatus],
        "older": older,
        "story_href": desk_story_path,
        "review_view": bool(template_query),
    }
    return page(request, "inbox.html", context, who)


async def inbox(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk``: the latest stories, every status, filtered and searched."""
    return await _listing(request, who, title="Inbox", template_query={})


async def needs_review(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/review``: the stories whose review notes are not empty, or held as
    near duplicates, newest first."""
    return await _listing(
        request, who, title="Needs review", template_query={"needs_review": "true"}
    )


def _guid(request: web.Request) -> str:
    return request.match_info["guid"]


async def _reach(request: web.Request, story: Story) -> list[PartnerReach]:
    """Who received which version (``wire.reachlog``), this instance's latest too."""
    wire = request.app[WIRE]
    with contextlib.suppress(StoreError):
        await flush_reach(request.app)
    return reach_of(story, await wire.store.reached(story.guid), await wire.store.acks(story.guid))


async def story_view(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/stories/{guid}``: every version with what changed, the attribution,
    the raw input, the actions, and who was sent which version."""
    wire = request.app[WIRE]
    guid = _guid(request)
    current = await wire.current(guid)
    versions = await wire.store.history(guid)
    diffs = [(newer, version_diff(older, newer)) for older, newer in itertools.pairwise(versions)]
    raw_text, raw = None, None
    if current.origin.raw_sha256:
        try:
            raw, _made = await wire.archived(current.origin.raw_sha256)
        except NotFound:  # archived before the archive kept everything
            raw = None
        if raw is not None:
            raw_text = raw.data[:RAW_SHOWN].decode("utf-8", errors="replace")
    hold = await wire.store.get_hold(guid)
    context = {
        "story": current,
        "versions": list(reversed(versions)),
        "diffs": list(reversed(diffs)),
        "raw": raw,
        "raw_text": raw_text,
        "raw_cut": raw is not None and len(raw.data) > RAW_SHOWN,
        "deliveries": await request.app[HOOKS].of_story(guid),
        "publications": await wire.store.publications(guid),
        "reach": await _reach(request, current),
        "hold": hold if hold is not None and hold.decision is None else None,
        "links": story_links(request.app[PUBLISHER].base_url, guid),
        "public_page": request.app[PUBLISHER].base_url.rstrip("/") + story_path(guid, STORY_PAGE),
        "killed": current.pub_status is PubStatus.CANCELED,
        "may_kill": _may(who, ACTIONS["kill"].role),
        "may_redeliver": _may(who, Role.ADMIN),
        "here": desk_story_path(guid),
    }
    return page(request, "story.html", context, who)


def _may(who: SignedIn, role: Role) -> bool:
    try:
        check_role(who.editor.role, role, "this")
    except Forbidden:
        return False
    return True


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _expected_version(form: Any) -> int | None:
    """The version the page showed: an action applies to it, or is refused (412)."""
    raw = _field(form, "version")
    return int(raw) if raw and raw.isascii() and raw.isdigit() else None


async def act(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``POST /desk/stories/{guid}/{kill|withhold|release}``: ``Wire.act``."""
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound(text=f"no desk action {action!r}")
    form = await request.post()
    note = (_field(form, "note") or "").strip() or None
    guid = _guid(request)
    result = await request.app[WIRE].act(
        action, guid, note, role=who.editor.role, expected_version=_expected_version(form)
    )
    log.info(
        "story %s at the desk",
        ACTIONS[action].reason,
        extra={"editor": who.editor.name, "guid": guid},
    )
    raise web.HTTPSeeOther(desk_story_path(result.story.guid))


async def correct(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``POST /desk/stories/{guid}/correct``: the edited fields and a note, through
    ``Wire.correct`` as the API's correction goes."""
    form = await request.post()
    note = (_field(form, "note") or "").strip()
    if not note:
        raise StoryValidationError(
            "/ed_note", "a correction needs a note saying what was corrected"
        )
    wire = request.app[WIRE]
    current = await wire.current(_guid(request))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    corrected = edited_story(current, fields)
    result = await wire.correct(
        current.guid, corrected, note, expected_version=_expected_version(form) or current.version
    )
    log.info("story corrected at the desk", extra={"editor": who.editor.name, "guid": current.guid})
    raise web.HTTPSeeOther(desk_story_path(result.story.guid))


async def redeliver(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``POST /desk/deliveries/{id}/redeliver``: a dead letter sent again (admin)."""
    check_role(who.editor.role, Role.ADMIN, "redeliver")
    form = await request.post()
    await request.app[HOOKS].redeliver(request.match_info["id"])
    back = _field(form, "back")
    raise web.HTTPSeeOther(back if back and back.startswith(f"{PATH}/") else f"{PATH}/failures")


async def sources(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/sources``: each source's polling state and last error."""
    rows = await request.app[SOURCES].status()
    return page(request, "sources.html", {"rows": rows}, who)


async def failures(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/failures``: failed inputs with their reason and raw bytes, and dead
    deliveries to send again."""
    wire = request.app[WIRE]
    failed = [failure_dict(f) for f in await wire.store.failures(limit=200)]
    dead = await wire.store.dead_letters(limit=100)
    context = {"failed": failed, "dead": dead, "may_redeliver": _may(who, Role.ADMIN)}
    return page(request, "failures.html", context, who)


async def raw(request: web.Request, who: SignedIn) -> web.StreamResponse:
    """``/desk/raw/{sha256}``: an archived input's bytes, as the API serves them
    (an attachment, never rendered on wire's origin)."""
    return await raw_response(request)


def setup_routes(app: web.Application) -> None:
    r = app.router
    guid = "{guid:[^/]+}"
    r.add_get(PATH, desk_route(inbox))
    r.add_get(f"{PATH}/review", desk_route(needs_review))
    r.add_get(f"{PATH}/stories/{guid}", desk_route(story_view))
    r.add_post(f"{PATH}/stories/{guid}/correct", desk_route(correct))
    r.add_post(f"{PATH}/stories/{guid}/{{action:kill|withhold|release}}", desk_route(act))
    r.add_post(f"{PATH}/deliveries/{{id}}/redeliver", desk_route(redeliver))
    r.add_get(f"{PATH}/sources", desk_route(sources))
    r.add_get(f"{PATH}/failures", desk_route(failures))
    r.add_get(f"{PATH}/raw/{{sha256}}", desk_route(raw))
