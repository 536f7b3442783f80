"""The HTTP API under ``/api/v1``: editor push and desk actions, the partner cursor, the spec.

Decisions the OpenAPI document (``schemas/openapi.yaml``) also states:

* Every editor route needs ``Authorization: Bearer KEY``. Role ``editor`` may push,
  replace, correct, withhold, release and read; killing a story and redelivering a
  dead letter need ``admin`` (a kill is a legal act, and final: a killed story
  cannot be corrected, withheld or released).
* Writes take ``If-Match: "<version>"`` (optional; without it the editor's write
  wins); a stale one is 412 with the current version. ``ETag`` is ``"<version>"``.
* The server owns ``version`` and ``version_created``; status changes go through
  the action routes, so a ``pub_status`` in pushed JSON may only restate it.
* ``application/json`` is story JSON, unless ``?format=ninjs`` or it carries a
  top-level ``uri`` (ninjs' required id, which story JSON never has).
* The cursor (``/feeds/{name}/items?after=``) is opaque: the last change sequence
  read plus the stories skipped because they were under embargo then, so an
  embargo lifting later delivers them once, and nothing is ever skipped twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

from aiohttp import hdrs, web

from wire.access import Editor
from wire.config import FeedSpec
from wire.cursors import Pending, decode_page, decode_position, encode_page, encode_position
from wire.deliver.retry import delivery_summary
from wire.desk import corrected_dict
from wire.errors import AuthError, Killed, StoryValidationError, UnsafeURL
from wire.formats import INPUT_CHOICES, STORY_PAGE, story_links
from wire.formats.creditkit import credit_kit
from wire.instants import format_instant, parse_instant
from wire.model import Audience, PubStatus, Role, Story
from wire.net.urlcheck import parse_target
from wire.publish import digest, queues, search
from wire.publish.signals import until
from wire.reachlog import PartnerReach, reach_of
from wire.sanitize import first_surrogate, safe_link
from wire.service import ACTIONS, SHA256, Wire, check_role, raw_summary
from wire.store.base import (
    Acknowledged,
    DeskQuery,
    Hold,
    IdempotentReply,
    IngestFailure,
    Listed,
    Publication,
    SaveResult,
)
from wire.store.search import words
from wire.storyjson import schema_bytes, story_from_dict, story_to_dict
from wire.usage import usage_dict
from wire.visibility import Decision, Verdict
from wire.web.auth import bearer_token
from wire.web.feeds import ITEMS, STORIES_LEFT, StoryAllowance, audience_of, entitled_feed
from wire.web.keys import AUTH, HOOKS, PUBLISHER, REACH, SOURCES, WIRE
from wire.web.problems import Problem
from wire.web.reaching import flush_reach, outstanding_kills

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.Response]]


STORY_JSON = "story"
INPUT_FORMATS: dict[str, str] = {
    "application/json": STORY_JSON,
    "application/ninjs+json": "ninjs",
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/xml": "auto",
    "text/xml": "auto",
    "application/rss+xml": "auto",
    "application/atom+xml": "auto",
    "application/vnd.iptc.g2.newsitem+xml": "auto",
    "application/vnd.iptc.g2.newsmessage+xml": "auto",
    "application/nitf+xml": "auto",
    "message/rfc822": "email",
}
"""What ``POST /stories`` takes, by media type: story JSON or a parser format."""

FORMAT_OVERRIDES = (STORY_JSON, *INPUT_CHOICES)

DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII only: str.isdigit() also accepts "²"
STRONG_VERSION_TAG = re.compile(r'"[0-9]{1,18}"')

DEFAULT_PAGE = 100
MAX_PAGE = 500
MAX_WAIT = 60  # seconds a long poll of the cursor may be held
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")  # as the story schema says
MAX_QUERY = 1000  # characters of a search query
MAX_QUERY_WORDS = 32


# helpers ---------------------------------------------------------------------------


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def story_path(guid: str) -> str:
    """The API URL path of a story; a guid's slashes are percent-encoded."""
    return f"{PREFIX}/stories/{quote(guid, safe=':@!$&()*+,;=')}"


def etag_of(story: Story) -> str:
    return f'"{story.version}"'


def story_response(story: Story, *, status: int = 200, location: bool = False) -> web.Response:
    headers = {"ETag": etag_of(story)}
    if location:
        headers["Location"] = story_path(story.guid)
    return web.json_response(story_to_dict(story), status=status, headers=headers, dumps=dumps)


def bad_body(pointer: str, detail: str) -> Problem:
    """A request body that is not what the operation takes (not a story: those
    are 422 ``invalid-story``), naming the member by JSON Pointer."""
    return Problem(400, detail, kind="invalid-body", pointer=pointer)


def bad_parameter(name: str, detail: str) -> Problem:
    return Problem(400, f"{name}: {detail}", kind="invalid-parameter", parameter=name)


async def require_editor(request: web.Request, role: Role = Role.EDITOR) -> Editor:
    """The editor behind the request's key; 401 without one, 403 below ``role``."""
    token = bearer_token(request)
    editor = await request.app[AUTH].editor(token, request.app[WIRE].clock())
    check_role(editor.role, role, f"{request.method} {request.path}")
    return editor


async def read_body(request: web.Request) -> bytes:
    """The whole body, or a 413 problem when it is over the configured cap."""
    cap = request.app[WIRE].config.server.max_body_bytes
    if request.content_length is not None and request.content_length > cap:
        raise Problem(413, f"the body is over the {cap}-byte limit", kind="too-large")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise Problem(413, f"the body is over the {cap}-byte limit", kind="too-large") from exc


def media_type(request: web.Request) -> str | None:
    """The request's media type without parameters; ``None`` when none was sent."""
    if hdrs.CONTENT_TYPE not in request.headers:
        return None
    return request.content_type.lower()


def unsupported(got: str | None, accepted: list[str]) -> Problem:
    what = f"Content-Type {got!r}" if got else "a body without Content-Type"
    return Problem(
        415,
        f"{what} is not accepted here; send one of: {', '.join(accepted)}",
        kind="unsupported-media-type",
        headers={"Accept-Post": ", ".join(accepted)},
    )


def decode_json(data: bytes) -> Any:
    """JSON text to a value; invalid JSON is a 422 at ``/``, a lone surrogate
    (``"\\ud800"``, valid JSON but not Unicode text) a 422 at its field."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise StoryValidationError("/", f"invalid JSON: {exc}") from exc
    where = first_surrogate(value)
    if where is not None:
        raise StoryValidationError(where, "holds a lone surrogate, which is not Unicode text")
    return value


def is_ninjs_shaped(value: Any) -> bool:
    """ninjs carries ``uri`` (required there); story JSON has no such member."""
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(i, dict) and "uri" in i for i in items)


def parse_if_match(header: str | None, current: int | None) -> int | None:
    """The version a write is conditional on (``None``: unconditional).

    Strong comparison (RFC 9110 13.1.1): ``W/`` tags and tags that are not a
    version never match. ``*`` matches any existing story."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        if current is None:
            raise Problem(412, "If-Match: * but there is no such story", kind="version-conflict")
        return current
    versions: list[int] = []
    for tag in (t.strip() for t in value.split(",")):
        if STRONG_VERSION_TAG.fullmatch(tag):
            versions.append(int(tag[1:-1]))
    if current is not None and current in versions:
        return current
    if len(versions) == 1:
        return versions[0]  # the store checks it atomically and names the current version
    raise Problem(
        412,
        f"If-Match {value!r} does not match the current version",
        kind="version-conflict",
        current_version=current or 0,
    )


def write_condition(request: web.Request, current: Story | None) -> int | None:
    """``If-Match`` / ``If-None-Match: *`` as the version the store must find."""
    inm = request.headers.get(hdrs.IF_NONE_MATCH)
    if inm is not None and inm.strip() == "*":
        if current is not None:
            raise Problem(
                412,
                "If-None-Match: * but the story exists",
                kind="version-conflict",
                current_version=current.version,
            )
        return 0
    return parse_if_match(request.headers.get(hdrs.IF_MATCH), current.version if current else None)


def query_instant(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except ValueError as exc:
        raise bad_parameter(name, "must be an RFC 3339 instant, e.g. 2026-01-31T12:00:00Z") from exc


def query_source(request: web.Request) -> str | None:
    name = request.query.get("source")
    if name is not None and request.app[WIRE].config.source(name) is None:
        raise bad_parameter("source", f"no source named {name!r} in the config")
    return name


def query_limit(request: web.Request, default: int, maximum: int) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise bad_parameter("limit", f"must be a whole number from 1 to {maximum}")
    return int(raw)


def query_flag(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise bad_parameter(name, "must be true or false")
    return raw == "true"


def query_words(request: web.Request) -> tuple[str, ...]:
    """``q`` as the words every found story must hold; a query with no word
    (empty, or only punctuation) is refused rather than read as "everything"."""
    raw = request.query.get("q")
    if raw is None:
        return ()
    if len(raw) > MAX_QUERY:
        raise bad_parameter("q", f"must be at most {MAX_QUERY} characters")
    found = tuple(words(raw))
    if not found:
        raise bad_parameter("q", "holds no word to search for (letters or digits)")
    if len(found) > MAX_QUERY_WORDS:
        raise bad_parameter("q", f"must hold at most {MAX_QUERY_WORDS} distinct words")
    return found


def desk_query(request: web.Request) -> DeskQuery:
    """The filters of ``GET /api/v1/stories``; a bad value is a 400 naming it."""
    status = request.query.get("status")
    if status is not None and status not in {s.value for s in PubStatus}:
        raise bad_parameter("status", f"must be one of {', '.join(s.value for s in PubStatus)}")
    language = request.query.get("language")
    if language is not None and not LANGUAGE_TAG.fullmatch(language):
        raise bad_parameter("language", "must be a language tag, e.g. en or en-GB")
    return DeskQuery(
        source=query_source(request),
        status=PubStatus(status) if status is not None else None,
        language=language,
        needs_review=query_flag(request, "needs_review"),
        embargoed=query_flag(request, "embargoed"),
        words=query_words(request),
    )


# story JSON from the desk -------------------------------------------------------------


def action_note(data: bytes, media: str | None) -> str | None:
    """The optional ``{"ed_note": ...}`` body of a status action."""
    if not data.strip():
        return None
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    body = decode_json(data)
    if not isinstance(body, dict):
        raise StoryValidationError("/", "the body is a JSON object with an optional ed_note")
    extra = sorted(k for k in body if k != "ed_note")
    if extra:
        raise StoryValidationError(f"/{extra[0]}", "unknown member; only ed_note is allowed")
    note = body.get("ed_note")
    if note is not None and not isinstance(note, str):
        raise StoryValidationError("/ed_note", "must be a string")
    return note


# handlers: stories -------------------------------------------------------------------


def _save_status(result: SaveResult) -> int:
    return 201 if result.created else 200


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, as the draft suggests
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


async def post_story(request: web.Request) -> web.Response:
    """``POST /api/v1/stories``, answered once per ``Idempotency-Key``
    (draft-ietf-httpapi-idempotency-key-header): a retry of the same request gets
    the same answer again (``Idempotent-Replayed: true``) and creates nothing; the
    same key on a different request is a 409 conflict."""
    editor = await require_editor(request)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return await _post_story(request, editor)
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise Problem(
            400,
            "Idempotency-Key: 1 to 255 printable ASCII characters",
            kind="invalid-parameter",
            parameter="Idempotency-Key",
        )
    wire = request.app[WIRE]
    body = await read_body(request)
    fingerprint = hashlib.sha256(
        "\n".join((request.content_type, request.query_string)).encode() + b"\n" + body
    ).hexdigest()
    kept = await wire.store.get_reply(editor.name, key)
    if kept is not None:
        if kept.request_sha256 != fingerprint:
            raise Problem(
                409,
                "this Idempotency-Key was used for a different request",
                kind="idempotency-key-reused",
            )
        return web.Response(
            status=kept.status,
            body=kept.body,
            headers={**kept.headers, "Idempotent-Replayed": "true"},
        )
    response = await _post_story(request, editor)
    if 200 <= response.status < 300 and isinstance(response.body, bytes):
        headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
        await wire.store.put_reply(
            IdempotentReply(
                editor.name, key, fingerprint, response.status, headers, response.body, wire.clock()
            )
        )
    return response


async def _post_story(request: web.Request, editor: Editor) -> web.Response:
    """Story JSON, raw copy, a page or a structured format, pushed by ``editor``."""
    wire = request.app[WIRE]
    media = media_type(request)
    fmt = INPUT_FORMATS.get(media or "")
    if fmt is None:
        raise unsupported(media, list(INPUT_FORMATS))
    override = request.query.get("format")
    if override is not None and override not in FORMAT_OVERRIDES:
        raise bad_parameter("format", f"must be one of {', '.join(FORMAT_OVERRIDES)}")
    source = query_source(request)
    fetched_at = query_instant(request, "fetched_at")
    url = request.query.get("url")
    if url is not None and not safe_link(url):
        raise bad_parameter("url", "must be an absolute http(s) URL: where the page was read")
    data = await read_body(request)
    doc = decode_json(data) if fmt == STORY_JSON or override == STORY_JSON else None
    if override is not None:
        fmt = override
    elif fmt == STORY_JSON and is_ninjs_shaped(doc):
        fmt = "ninjs"
    if fmt == STORY_JSON:
        result = await _save_json(
            request,
            editor,
            data,
            doc,
            guid=None,
            source=source,
            fetched_at=fetched_at or wire.clock(),
        )
        return _results_response([result])
    outcome = await wire.ingest(
        data,
        name=f"push by {editor.name}",
        fmt=fmt,
        source=source,
        fetched_at=fetched_at,
        url=url,
        media_type=media,
    )
    if outcome.error is not None:
        raise outcome.error
    if not outcome.results:
        raise Problem(422, "the input holds no story", kind="unprocessable-input")
    log.info(
        "stories pushed",
        extra={"editor": editor.name, "stored": outcome.stored, "raw_sha256": outcome.raw_sha256},
    )
    return _results_response(list(outcome.results))


def _results_response(results: list[SaveResult]) -> web.Response:
    """One story: itself (409 when stale: the desk holds a newer version). Several: a list."""
    if len(results) == 1:
        result = results[0]
        if result.stale:
            raise Problem(
                409,
                "the stored version is newer than this input; nothing was written",
                kind="stale-input",
                current_version=result.story.version,
            )
        return story_response(result.story, status=_save_status(result), location=True)
    status = 201 if any(r.created for r in results) else 200
    body = {
        "stories": [story_to_dict(r.story) for r in results],
        "created": sum(r.created for r in results),
        "updated": sum(r.changed and not r.created for r in results),
        "unchanged": sum(not r.changed and not r.stale for r in results),
        "stale": sum(r.stale for r in results),
    }
    return web.json_response(body, status=status, dumps=dumps)


async def _save_json(
    request: web.Request,
    editor: Editor,
    data: bytes,
    doc: Any,
    *,
    guid: str | None,
    source: str | None,
    fetched_at: datetime,
) -> SaveResult:
    """Story JSON through the desk (``Wire.push_json``), conditional on the
    request's ``If-Match`` / ``If-None-Match: *``."""
    result = await request.app[WIRE].push_json(
        data,
        doc,
        editor=editor.name,
        guid=guid,
        source=source,
        fetched_at=fetched_at,
        condition=lambda current: write_condition(request, current),
    )
    log.info(
        "story saved",
        extra={"editor": editor.name, "guid": result.story.guid, "version": result.story.version},
    )
    return result


async def put_story(request: web.Request) -> web.Response:
    """``PUT /api/v1/stories/{guid}``: idempotent full replacement with story JSON."""
    editor = await require_editor(request)
    media = media_type(request)
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    data = await read_body(request)
    wire = request.app[WIRE]
    result = await _save_json(
        request,
        editor,
        data,
        decode_json(data),
        guid=request.match_info["guid"],
        source=None,
        fetched_at=wire.clock(),
    )
    return story_response(result.story, status=_save_status(result), location=result.created)


def listed_dict(listed: Listed, now: datetime) -> JSON:
    """A story as the desk's list shows it: enough to sort an inbox and open it."""
    story = listed.story
    assert story.sort_time is not None  # every stored version has both
    assert story.version_created is not None
    return {
        "guid": story.guid,
        "version": story.version,
        "headline": story.headline,
        "source": story.origin.source,
        "pub_status": story.pub_status.value,
        "language": story.language,
        "sort_time": format_instant(story.sort_time),
        "version_created": format_instant(story.version_created),
        "embargoed_until": format_instant(story.embargoed_until) if story.embargoed_until else None,
        "embargoed": story.embargoed_at(now),
        "review": list(story.review),
        "duplicate_of": listed.duplicate_of,
        "href": story_path(story.guid),
    }


async def list_stories(request: web.Request) -> web.Response:
    """``GET /api/v1/stories``: the desk's list, every status, newest first, filtered
    and searched, a page at a time (``before``: the ``next`` of the page before)."""
    await require_editor(request)
    query = desk_query(request)
    limit = query_limit(request, DEFAULT_PAGE, MAX_PAGE)
    before = request.query.get("before")
    position = decode_page(before) if before is not None else None
    wire = request.app[WIRE]
    now = wire.clock()
    found = await wire.store.find_stories(query, now=now, limit=limit + 1, before=position)
    page = found[:limit]
    following = None
    if len(found) > limit:
        last = page[-1].story
        assert last.sort_time is not None  # every stored version has one
        following = encode_page(last.sort_time, last.guid)
    body = {"stories": [listed_dict(item, now) for item in page], "next": following}
    return web.json_response(body, dumps=dumps)


async def get_story(request: web.Request) -> web.Response:
    """``GET /api/v1/stories/{guid}``: the editor's view, removed lines and review notes too."""
    await require_editor(request)
    story = await request.app[WIRE].current(request.match_info["guid"])
    inm = request.headers.get(hdrs.IF_NONE_MATCH)
    if inm is not None and {etag_of(story), "*"} & {t.strip() for t in inm.split(",")}:
        return web.Response(status=304, headers={"ETag": etag_of(story)})
    return story_response(story)


async def get_history(request: web.Request) -> web.Response:
    """``GET /api/v1/stories/{guid}/history``: every version, oldest first."""
    await require_editor(request)
    guid = request.match_info["guid"]
    versions = await request.app[WIRE].store.history(guid)
    if not versions:
        raise Problem(404, f"no story {guid!r}", kind="not-found")
    body = {"guid": guid, "versions": [story_to_dict(s) for s in versions]}
    return web.json_response(body, dumps=dumps)


def _not_killed(story: Story, action: str) -> None:
    if story.pub_status is PubStatus.CANCELED:
        raise Killed(story.guid, story.version, action)


async def _target(request: web.Request, done: str, *, killable: bool = False) -> tuple[Story, int]:
    """The story an action names and the version the write must find: ``If-Match``
    when given, else the version read here, so a write racing this one is refused
    rather than overwritten. A killed story is final unless ``killable``."""
    current = await request.app[WIRE].current(request.match_info["guid"])
    if not killable:
        _not_killed(current, done)
    expected = write_condition(request, current)
    return current, current.version if expected is None else expected


async def correct_story(request: web.Request) -> web.Response:
    """``POST …/correct``: the given fields replace the current ones, ``ed_note`` required."""
    editor = await require_editor(request)
    media = media_type(request)
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    data = await read_body(request)
    current, expected = await _target(request, "corrected")
    merged, note = corrected_dict(current, decode_json(data))
    corrected = story_from_dict(merged)
    result = await request.app[WIRE].correct(
        current.guid, corrected, note, expected_version=expected
    )
    log.info("story corrected", extra={"editor": editor.name, "guid": current.guid})
    return story_response(result.story)


def status_action(action: str) -> Handler:
    """The handler of ``POST …/kill``, ``…/withhold`` or ``…/release``."""

    async def handle(request: web.Request) -> web.Response:
        return await _status_action(request, action)

    return handle


async def _status_action(request: web.Request, action: str) -> web.Response:
    """A status action with an optional ``{"ed_note": …}`` body."""
    done = ACTIONS[action]
    editor = await require_editor(request, done.role)
    note = action_note(await read_body(request), media_type(request))
    current, expected = await _target(request, done.reason, killable=action == "kill")
    result = await request.app[WIRE].act(
        action, current.guid, note, role=editor.role, expected_version=expected
    )
    log.info("story %s", done.reason, extra={"editor": editor.name, "guid": current.guid})
    return story_response(result.story)


# handlers: the raw archive ------------------------------------------------------------


def _sha256(request: web.Request) -> str:
    sha = request.match_info["sha256"].lower()
    if not SHA256.fullmatch(sha):
        raise Problem(404, "an archived input is named by its sha256: 64 hexadecimal digits")
    return sha


async def get_raw(request: web.Request) -> web.Response:
    """``GET /api/v1/raw/{sha256}``: an archived input's bytes as they arrived.

    Served as an attachment of type ``application/octet-stream`` whatever it
    holds (its own media type is in ``X-Wire-Media-Type``): raw scraped pages
    must never render, or run, on wire's origin."""
    await require_editor(request)
    return await raw_response(request)


async def raw_response(request: web.Request) -> web.Response:
    """The archived input ``{sha256}`` names, as an attachment (the API's and the
    desk's one way of handing raw bytes to a browser)."""
    raw, _made = await request.app[WIRE].archived(_sha256(request))
    headers = {
        "Content-Disposition": f'attachment; filename="{raw.sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=31536000, immutable",
        "ETag": f'"{raw.sha256}"',
    }
    if raw.media_type:
        headers["X-Wire-Media-Type"] = raw.media_type
    return web.Response(body=raw.data, content_type="application/octet-stream", headers=headers)


async def get_raw_stories(request: web.Request) -> web.Response:
    """``GET /api/v1/raw/{sha256}/stories``: what was archived with an input, and
    every story version it made (the audit link from copy to story)."""
    await require_editor(request)
    raw, made = await request.app[WIRE].archived(_sha256(request))
    return web.json_response(raw_summary(raw, made), dumps=dumps)


# handlers: near-duplicate holds --------------------------------------------------------


async def hold_dict(wire: Wire, hold: Hold) -> JSON:
    """A hold as the desk reviews it: both stories' headlines and sources beside it."""
    held, original = await wire.store.get(hold.guid), await wire.store.get(hold.duplicate_of)
    return {
        "guid": hold.guid,
        "headline": held.headline if held else None,
        "source": held.origin.source if held else None,
        "duplicate_of": hold.duplicate_of,
        "duplicate_headline": original.headline if original else None,
        "duplicate_source": original.origin.source if original else None,
        "similarity": hold.similarity,
        "held_at": format_instant(hold.held_at),
        "decision": hold.decision,
        "decided_at": format_instant(hold.decided_at) if hold.decided_at else None,
        "decided_by": hold.decided_by,
    }


async def list_holds(request: web.Request) -> web.Response:
    """``GET /api/v1/holds``: stories held as near duplicates (``?all=true``: decided too)."""
    await require_editor(request)
    wire = request.app[WIRE]
    limit = query_limit(request, 100, 1000)
    every = request.query.get("all", "false")
    if every not in ("true", "false"):
        raise bad_parameter("all", "must be true or false")
    holds = await wire.holds(open_only=every == "false", limit=limit)
    return web.json_response({"holds": [await hold_dict(wire, h) for h in holds]}, dumps=dumps)


async def decide_hold(request: web.Request) -> web.Response:
    """``POST /api/v1/holds/{guid}`` with ``{"decision": "merge" | "keep-both"}``."""
    editor = await require_editor(request)
    media = media_type(request)
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    body = decode_json(await read_body(request))
    decision = body.get("decision") if isinstance(body, dict) else None
    if not isinstance(decision, str):
        raise StoryValidationError("/decision", "required: 'merge' or 'keep-both'")
    wire = request.app[WIRE]
    guid = request.match_info["guid"]
    result = await wire.decide_hold(guid, decision, editor=editor.name)
    log.info("hold decided", extra={"editor": editor.name, "guid": guid, "decision": decision})
    hold = await wire.store.get_hold(guid)
    assert hold is not None
    return web.json_response(
        {"hold": await hold_dict(wire, hold), "story": story_to_dict(result.story)}, dumps=dumps
    )


# the story quota ---------------------------------------------------------------------

QUOTA_CHANNELS = ("cursor", "queue", "search")
"""Where a partner's ``stories_per_day`` is spent: the channels it pulls items by."""


async def stories_left(request: web.Request, audience: Audience, limit: int) -> int:
    """How many items this answer may deliver under the partner's
    ``stories_per_day`` (``limit`` when it has none): what the store counted today
    on every instance and this instance has not written yet, taken from the quota.
    None left is a 429 until midnight UTC. Sets the ``"stories"`` policy of the
    ``RateLimit`` headers."""
    quota = audience.stories_per_day
    if quota is None:
        return limit
    wire = request.app[WIRE]
    now = wire.clock()
    today = now.date()
    stored = sum(
        row.items
        for row in await wire.store.usage(today, today, audience.name)
        if row.channel in QUOTA_CHANNELS
    )
    left = max(0, quota - stored - wire.usage.items(audience.name, today, QUOTA_CHANNELS))
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), now.tzinfo)
    reset = max(1, int((midnight - now).total_seconds()))
    request[STORIES_LEFT] = StoryAllowance(quota, left, reset)
    if left == 0:
        raise Problem(
            429,
            f"the story quota of {quota} a day is used up; it renews at midnight UTC",
            kind="quota-exceeded",
            headers={"Retry-After": str(reset)},
        )
    return min(limit, left)


# handlers: partner cursor ------------------------------------------------------------


async def _start_position(request: web.Request) -> tuple[int, Pending]:
    """Where a read of the cursor starts: ``after=CURSOR`` (a ``next`` given
    before), ``after=now`` (from now on), ``since=INSTANT`` (every change made
    since), or neither (the beginning of time)."""
    after, since = request.query.get("after"), request.query.get("since")
    store = request.app[WIRE].store
    if after is not None and since is not None:
        raise bad_parameter("since", "give after or since, not both")
    if after == "now":
        return await store.change_position(), ()
    if after:
        return decode_position(after)
    if since is not None:
        try:
            instant = parse_instant(since)
        except ValueError:
            raise bad_parameter("since", "must be an RFC 3339 instant") from None
        return await store.change_position(instant), ()
    return 0, ()


def _query_wait(request: web.Request) -> int:
    raw = request.query.get("wait")
    if raw is None:
        return 0
    if not DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_WAIT:
        raise bad_parameter("wait", f"must be a whole number of seconds from 1 to {MAX_WAIT}")
    return int(raw)


async def feed_items(request: web.Request) -> web.Response:
    """``GET /api/v1/feeds/{name}/items?after=CURSOR``: catch up with no gap, no
    duplicate. With ``wait=S`` an empty page is held until the first change this
    reader may see, or S seconds (``wire.publish.signals``)."""
    audience = await audience_of(request)
    publisher = request.app[PUBLISHER]
    spec = entitled_feed(publisher, request.match_info["name"], None, audience)
    position = await _start_position(request)
    limit = await stories_left(request, audience, query_limit(request, DEFAULT_PAGE, MAX_PAGE))
    wait = _query_wait(request)
    wire = request.app[WIRE]
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        signal = publisher.signals.next_change(spec.name)  # before the read: no change missed
        stories, seq, pending, more = await publisher.change_reads.read(
            wire.store, spec, audience, *position, limit, now=wire.clock()
        )
        if stories or more or not await until(signal, deadline):
            break
        position = (seq, pending)  # what was read held nothing for this reader
    request[ITEMS] = len(stories)
    if audience.partner:
        now = wire.clock()
        for s in stories:
            request.app[REACH].reached(audience.name, s.guid, s.version, "cursor", now)
    body = {
        "items": [
            {**story_to_dict(s), "renditions": story_links(request.app[PUBLISHER].base_url, s.guid)}
            for s in stories
        ],
        "next": encode_position(seq, pending),
        "more": more,
    }
    cache = "public" if audience.is_public else "private"
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": f"{cache}, no-cache"})


# handlers: feed digest ---------------------------------------------------------------

MAX_DIGEST_WINDOW = timedelta(days=31)


def _instant_parameter(request: web.Request, name: str) -> datetime:
    raw = request.query.get(name)
    if raw is None:
        raise bad_parameter(name, "is required: an RFC 3339 instant")
    try:
        found = parse_instant(raw)
    except ValueError:
        found = None
    if found is None:
        raise bad_parameter(name, "must be an RFC 3339 instant")
    return found


async def feed_digest(request: web.Request) -> web.Response:
    """``GET /api/v1/feeds/{name}/digest?from=&to=``: what the cursor delivers this
    reader for versions made in the window, an entry each and one hash over them
    (``wire.publish.digest``), for a partner to check its copy against."""
    audience = await audience_of(request)
    publisher = request.app[PUBLISHER]
    spec = entitled_feed(publisher, request.match_info["name"], None, audience)
    start, end = _instant_parameter(request, "from"), _instant_parameter(request, "to")
    if not start < end:
        raise bad_parameter("to", "must be after from")
    if end - start > MAX_DIGEST_WINDOW:
        raise bad_parameter("to", f"the window is at most {MAX_DIGEST_WINDOW.days} days")
    wire = request.app[WIRE]
    entries = await digest.feed_digest(
        wire.store, spec, audience, start=start, end=end, now=wire.clock()
    )
    body = {
        "feed": spec.name,
        "from": format_instant(start),
        "to": format_instant(end),
        "items": [
            {"guid": e.guid, "version": e.version, "status": e.status, "sha256": e.sha256}
            for e in sorted(entries, key=lambda e: e.guid)
        ],
        "digest": digest.digest_of(entries),
    }
    cache = "public" if audience.is_public else "private"
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": f"{cache}, no-cache"})


# handlers: partner search ------------------------------------------------------------


async def search_stories(request: web.Request) -> web.Response:
    """``GET /api/v1/search?q=…``: the stories this reader may see whose words the
    query names (``wire.publish.search``), newest first, a page at a time."""
    audience = await audience_of(request)
    raw = request.query.get("q", "")
    if len(raw) > MAX_QUERY:
        raise bad_parameter("q", f"must be at most {MAX_QUERY} characters")
    try:
        query = search.parse_query(raw)
    except search.BadQuery as exc:
        raise bad_parameter("q", str(exc)) from None
    limit = await stories_left(request, audience, query_limit(request, 20, 100))
    before = request.query.get("before")
    position = decode_page(before) if before is not None else None
    publisher = request.app[PUBLISHER]
    found, following = await search.search(publisher, audience, query, limit=limit, before=position)
    request[ITEMS] = len(found)
    body = {
        "items": [_item_dict(request, story) for story in found],
        "next": encode_page(*following) if following is not None else None,
    }
    cache = "public" if audience.is_public else "private"
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": f"{cache}, no-cache"})


# handlers: credit kit and where published --------------------------------------------

MAX_URL = 2000


async def _visible_to(request: web.Request, audience: Audience) -> Decision:
    """The story at ``{guid}`` as this reader may see it: 404 when it never could."""
    guid = request.match_info["guid"]
    decision = await request.app[PUBLISHER].story_decision(guid, audience)
    if decision.story is None:
        raise Problem(404, f"no story {guid!r}", kind="not-found")
    return decision


async def get_credit(request: web.Request) -> web.Response:
    """``GET /api/v1/stories/{guid}/credit?lang=``: what to print beside the story,
    ready made (``wire.formats.creditkit``), for a reader who may see it."""
    audience = await audience_of(request)
    decision = await _visible_to(request, audience)
    story = decision.story
    assert story is not None
    if decision.verdict is not Verdict.VISIBLE:
        raise Problem(410, f"story {story.guid!r} was withdrawn: do not use", kind="gone")
    language = request.query.get("lang") or story.language
    if language is not None and not LANGUAGE_TAG.fullmatch(language):
        raise bad_parameter("lang", "must be a language tag, e.g. en or id")
    publisher = request.app[PUBLISHER]
    url = story_links(publisher.base_url, story.guid)[STORY_PAGE]
    kit = credit_kit(story, url, language)
    body = {
        "guid": story.guid,
        "version": story.version,
        "canonical_url": url,
        "credit_line": kit.credit_line,
        "sources": kit.sources,
        "rights": story_to_dict(story).get("rights", {}),
        "attribution": {"language": kit.language, "text": kit.text, "html": kit.html},
    }
    cache = "public" if audience.is_public else "private"
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": f"{cache}, max-age=60"})


def _publication_dict(found: Publication) -> JSON:
    return {
        "partner": found.partner,
        "url": found.url,
        "reported_at": format_instant(found.reported_at),
    }


async def report_publication(request: web.Request) -> web.Response:
    """``POST /api/v1/stories/{guid}/publications {"url": …}``: a partner says where
    it ran a story (one it may see, or saw before a kill); each URL once."""
    audience = await audience_of(request)
    if not audience.partner:
        raise AuthError("reporting a publication needs a partner token")
    decision = await _visible_to(request, audience)
    assert decision.story is not None
    media = media_type(request)
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    body = decode_json(await read_body(request))
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL:
        raise bad_body("/url", f"the page's URL (at most {MAX_URL} characters) is required")
    if extra := sorted(set(body) - {"url"}):
        raise bad_body(f"/{extra[0]}", "unknown member; only url is allowed")
    try:
        parse_target(url)
    except UnsafeURL as exc:
        raise bad_body("/url", str(exc)) from None
    wire = request.app[WIRE]
    found = Publication(decision.story.guid, audience.name, url, wire.clock())
    created = await wire.store.add_publication(found)
    return web.json_response(_publication_dict(found), status=201 if created else 200)


async def list_publications(request: web.Request) -> web.Response:
    """``GET /api/v1/stories/{guid}/publications``: where partners ran it (editors)."""
    await require_editor(request)
    guid = request.match_info["guid"]
    found = await request.app[WIRE].store.publications(guid)
    return web.json_response({"publications": [_publication_dict(p) for p in found]}, dumps=dumps)


# handlers: kill reach ----------------------------------------------------------------


def _reach_dict(found: PartnerReach, published: list[str]) -> JSON:
    return {
        "partner": found.partner,
        "received": [
            {"version": version, "channels": list(channels)}
            for version, channels in found.received.items()
        ],
        "acknowledged": found.acknowledged,
        "outstanding": found.outstanding,
        "published_at": published,
    }


async def story_reach(request: web.Request) -> web.Response:
    """``GET /api/v1/stories/{guid}/reach``: which partner received which version by
    which channel, what each acknowledged, and who still owes an acknowledgement
    of a kill or correction (editors)."""
    await require_editor(request)
    wire = request.app[WIRE]
    story = await wire.current(request.match_info["guid"])
    await flush_reach(request.app)  # what this instance recorded last
    reach = reach_of(story, await wire.store.reached(story.guid), await wire.store.acks(story.guid))
    published: dict[str, list[str]] = {}
    for found in await wire.store.publications(story.guid):
        published.setdefault(found.partner, []).append(found.url)
    body = {
        "guid": story.guid,
        "version": story.version,
        "pub_status": story.pub_status.value,
        "partners": [_reach_dict(r, published.get(r.partner, [])) for r in reach],
    }
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": "no-store"})


async def acknowledge(request: web.Request) -> web.Response:
    """``POST /api/v1/stories/{guid}/ack``: a partner acknowledges the story's
    current version (a kill it has carried out, a correction it has applied)."""
    audience = await audience_of(request)
    if not audience.partner:
        raise AuthError("an acknowledgement needs a partner token")
    decision = await _visible_to(request, audience)
    story = decision.story
    assert story is not None
    wire = request.app[WIRE]
    await wire.store.add_ack(Acknowledged(story.guid, audience.name, story.version, wire.clock()))
    return web.json_response(
        {"guid": story.guid, "version": story.version, "pub_status": story.pub_status.value}
    )


async def list_outstanding_kills(request: web.Request) -> web.Response:
    """``GET /api/v1/kills/outstanding``: the recent kills some partner that had
    the story has not acknowledged, and those partners (editors)."""
    await require_editor(request)
    kills = await outstanding_kills(request.app)
    body = {
        "kills": [
            {
                "guid": k.story.guid,
                "version": k.story.version,
                "killed_at": format_instant(k.killed_at),
                "partners": list(k.partners),
            }
            for k in kills
        ]
    }
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": "no-store"})


# handlers: usage ---------------------------------------------------------------------


def _day_parameter(request: web.Request, name: str, default: date) -> date:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_parameter(name, "must be a day, YYYY-MM-DD") from None


async def _is_editor(request: web.Request) -> bool:
    """Whether the request's bearer token is an editor key (else it is read as a
    partner's, or the public's)."""
    token = bearer_token(request)
    if token is None:
        return False
    try:
        await request.app[AUTH].editor(token, request.app[WIRE].clock())
    except AuthError:
        return False
    return True


async def get_usage(request: web.Request) -> web.Response:
    """``GET /api/v1/usage?from=DAY&to=DAY``: requests, bytes and items delivered per
    partner, day and channel — every partner's for an editor key, a partner's own
    for its token."""
    wire = request.app[WIRE]
    partner: str | None
    if await _is_editor(request):
        partner = request.query.get("partner")
    else:
        audience = await audience_of(request)
        if not audience.partner:
            raise AuthError("usage needs a partner token or an editor key")
        partner = audience.name
    today = wire.clock().date()
    end = _day_parameter(request, "to", today)
    start = _day_parameter(request, "from", end - timedelta(days=6))
    if start > end:
        raise bad_parameter("from", "must not be after to")
    if (end - start).days > 366:
        raise bad_parameter("from", "the window is at most a year")
    await wire.flush_usage()  # this instance's counts too
    rows = await wire.store.usage(start, end, partner)
    body = {"usage": [usage_dict(r) for r in rows]}
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": "private, no-cache"})


# handlers: partner queues ------------------------------------------------------------

CONSUMER = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_ACKS = 1000  # receipts one acknowledgement may carry


async def _queue_reader(request: web.Request) -> tuple[Audience, FeedSpec]:
    """The partner behind a queue request and the feed it may read; a queue is a
    partner's (the public has the feeds and the cursor)."""
    audience = await audience_of(request)
    if not audience.partner:
        raise AuthError("a queue needs a partner token")
    spec = entitled_feed(request.app[PUBLISHER], request.match_info["name"], None, audience)
    return audience, spec


def _item_dict(request: web.Request, story: Story) -> JSON:
    base = request.app[PUBLISHER].base_url
    return {**story_to_dict(story), "renditions": story_links(base, story.guid)}


async def queue_receive(request: web.Request) -> web.Response:
    """``GET /api/v1/feeds/{name}/queue?consumer=ID``: the consumer's next items,
    each with a receipt; unacknowledged ones come back after the visibility
    timeout (``wire.publish.queues``)."""
    audience, spec = await _queue_reader(request)
    consumer = request.query.get("consumer", "")
    if not CONSUMER.fullmatch(consumer):
        raise bad_parameter("consumer", "1 to 64 letters, digits, '.', '_' or '-'")
    limit = await stories_left(request, audience, query_limit(request, DEFAULT_PAGE, MAX_PAGE))
    wire = request.app[WIRE]
    timeout = wire.config.server.queue_visibility_seconds
    received = await queues.receive(
        wire.store,
        spec,
        audience,
        consumer,
        limit,
        now=wire.clock(),
        lease=timedelta(seconds=timeout),
    )
    request[ITEMS] = len(received)
    body = {
        "items": [{"receipt": r.receipt, "story": _item_dict(request, r.story)} for r in received],
        "visibility_timeout": timeout,
    }
    return web.json_response(body, dumps=dumps, headers={"Cache-Control": "private, no-store"})


async def queue_ack(request: web.Request) -> web.Response:
    """``POST /api/v1/feeds/{name}/queue/ack {"receipts": [...]}``: the items stored
    by the consumer leave its queue."""
    audience, spec = await _queue_reader(request)
    media = media_type(request)
    if media != "application/json":
        raise unsupported(media, ["application/json"])
    body = decode_json(await read_body(request))
    receipts = body.get("receipts") if isinstance(body, dict) else None
    if (
        not isinstance(receipts, list)
        or not all(isinstance(r, str) and 0 < len(r) <= 512 for r in receipts)
        or len(receipts) > MAX_ACKS
    ):
        raise bad_body("/receipts", f"a list of at most {MAX_ACKS} receipts (strings) is required")
    if extra := sorted(set(body) - {"receipts"}):
        raise bad_body(f"/{extra[0]}", "unknown member; only receipts is allowed")
    wire = request.app[WIRE]
    now = wire.clock()
    done = await queues.ack(wire.store, spec, audience, receipts, now=now)
    for item in done:
        request.app[REACH].reached(audience.name, item.guid, item.version, "queue", now)
    return web.json_response({"acknowledged": len(done)}, headers={"Cache-Control": "no-store"})


# handlers: operations ------------------------------------------------------------------


def failure_dict(failure: IngestFailure) -> JSON:
    return {
        "raw_sha256": failure.raw_sha256,
        "source": failure.source,
        "name": failure.name,
        "reason": failure.reason,
        "at": format_instant(failure.at),
    }


async def list_sources(request: web.Request) -> web.Response:
    await require_editor(request)
    return web.json_response({"sources": await request.app[SOURCES].status()}, dumps=dumps)


async def list_failures(request: web.Request) -> web.Response:
    await require_editor(request)
    limit = query_limit(request, 100, 1000)
    failures = await request.app[WIRE].store.failures(limit=limit)
    return web.json_response({"failures": [failure_dict(f) for f in failures]}, dumps=dumps)


async def list_dead(request: web.Request) -> web.Response:
    await require_editor(request)
    limit = query_limit(request, 100, 1000)
    dead = await request.app[WIRE].store.dead_letters(limit=limit)
    return web.json_response({"deliveries": [delivery_summary(d) for d in dead]}, dumps=dumps)


async def redeliver(request: web.Request) -> web.Response:
    await require_editor(request, Role.ADMIN)
    revived = await request.app[HOOKS].redeliver(request.match_info["id"])
    return web.json_response(delivery_summary(revived), status=202, dumps=dumps)


@cache
def openapi_bytes() -> bytes:
    return schema_bytes("openapi.yaml")


async def openapi(request: web.Request) -> web.Response:
    """``GET /api/v1/openapi.yaml``: this API's own description (public)."""
    return web.Response(body=openapi_bytes(), content_type="application/yaml", charset="utf-8")


def setup_routes(app: web.Application) -> None:
    guid = "{guid:[^/]+}"
    r = app.router
    r.add_post(f"{PREFIX}/stories", post_story)
    r.add_get(f"{PREFIX}/stories", list_stories)
    r.add_put(f"{PREFIX}/stories/{guid}", put_story)
    r.add_get(f"{PREFIX}/stories/{guid}", get_story)
    r.add_get(f"{PREFIX}/stories/{guid}/history", get_history)
    r.add_get(f"{PREFIX}/stories/{guid}/credit", get_credit)
    r.add_get(f"{PREFIX}/stories/{guid}/reach", story_reach)
    r.add_post(f"{PREFIX}/stories/{guid}/ack", acknowledge)
    r.add_get(f"{PREFIX}/stories/{guid}/publications", list_publications)
    r.add_post(f"{PREFIX}/stories/{guid}/publications", report_publication)
    r.add_post(f"{PREFIX}/stories/{guid}/correct", correct_story)
    for action in ACTIONS:
        r.add_post(f"{PREFIX}/stories/{guid}/{action}", status_action(action))
    r.add_get(f"{PREFIX}/feeds/{{name}}/items", feed_items)
    r.add_get(f"{PREFIX}/feeds/{{name}}/queue", queue_receive)
    r.add_get(f"{PREFIX}/search", search_stories)
    r.add_get(f"{PREFIX}/kills/outstanding", list_outstanding_kills)
    r.add_get(f"{PREFIX}/usage", get_usage)
    r.add_get(f"{PREFIX}/feeds/{{name}}/digest", feed_digest)
    r.add_post(f"{PREFIX}/feeds/{{name}}/queue/ack", queue_ack)
    r.add_get(f"{PREFIX}/sources", list_sources)
    r.add_get(f"{PREFIX}/failures", list_failures)
    r.add_get(f"{PREFIX}/raw/{{sha256}}", get_raw)
    r.add_get(f"{PREFIX}/raw/{{sha256}}/stories", get_raw_stories)
    r.add_get(f"{PREFIX}/holds", list_holds)
    r.add_post(f"{PREFIX}/holds/{guid}", decide_hold)
    r.add_get(f"{PREFIX}/deliveries/dead", list_dead)
    r.add_post(f"{PREFIX}/deliveries/{{id}}/redeliver", redeliver)
    r.add_get(f"{PREFIX}/openapi.yaml", openapi)


__all__ = [
    "parse_if_match",
    "setup_routes",
]
