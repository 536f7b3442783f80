"""ninjs 1.x and 2.x JSON bytes → draft stories: one object, a list, or either inside
an API's envelope (``{"items": [...]}``, ``{"total": 1, "item": {...}}``, ``{"data": ...}``).

The mapping is the DESIGN table read backwards: ninjs has no credit line, so it
comes from a ``descriptions`` entry with a credit role; the provider and the
outlets relied on share ``infosources`` and are told apart by role; pictures and
related stories are ``associations``.

What wire's own renderer writes reads back exactly: byline people from
``people`` entries with an author ``rel`` (else ``by`` as printed, one entry:
splitting a printed line on commas would split "Jane Doe, Staff Writer"), the
printed dateline description for agency and date beside ``located``, ``editor``
and ``signal`` descriptions, and ``urn:wire:picture:``/``urn:wire:related:``
association URIs, which stand for "no URL".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from wire.attribution import SourcePolicy
from wire.config import MAX_INPUT_BYTES
from wire.errors import InputTooLarge, MalformedInput
from wire.formats.ninjs import (
    AUTHOR_RELS,
    CREDIT_ROLES,
    DATELINE_ROLES,
    EDITOR_ROLES,
    NO_URL_PREFIXES,
    PROVIDER_ROLES,
    SIGNAL_ROLES,
    SUMMARY_ROLES,
)
from wire.ingest.identity import derived_guid
from wire.ingest.newsml import printed_dateline
from wire.ingest.values import finish, html_paragraphs, html_text, origin_of, urgency_of
from wire.instants import read_instant
from wire.model import (
    InfoSource,
    Origin,
    Picture,
    Provider,
    PubStatus,
    Related,
    Rights,
    SourceRole,
    Story,
)
from wire.text import squash

JSON = Mapping[str, Any]

NINJS_KEYS = frozenset(
    {
        "uri", "type", "version", "versioncreated", "firstcreated", "contentcreated",
        "pubstatus", "headline",
        "headlines", "byline", "by", "body_text", "body_html", "body_xml", "bodies",
        "description_text", "description_html", "descriptions", "copyrightholder",
        "copyrightnotice", "usageterms", "infosources", "located", "embargoed", "ednote",
        "associations", "subject", "subjects", "language", "slugline", "renditions",
        "urgency",
    }
)  # fmt: skip
"""Keys only ninjs objects carry; an object with none of them is not ninjs."""

_NOT_SUMMARY = CREDIT_ROLES | DATELINE_ROLES | EDITOR_ROLES | SIGNAL_ROLES
_PICTURE_TYPES = frozenset({"picture", "image", "graphic", "photo"})
_WIRE_ROLES = frozenset(r.value for r in SourceRole)
_SOURCE_ROLES = {
    "origprov": SourceRole.ORIGINAL_SOURCE.value,
    "originalsource": SourceRole.ORIGINAL_SOURCE.value,
    "infosrc": SourceRole.ORIGINAL_SOURCE.value,
    "source": SourceRole.ORIGINAL_SOURCE.value,
}


class _NotNinjs(Exception):
    """An object that fails the shape check; becomes MalformedInput with its path."""


def _role_code(role: Any) -> str:
    """The last segment of a role written as a URI, QCode or bare word, lower-cased."""
    text = role if isinstance(role, str) else ""
    return re.split(r"[:/#]", text.rstrip("/"))[-1].strip().lower()


def _text(obj: JSON, key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _NotNinjs(f"{path}/{key}: expected a string, got {type(value).__name__}")
    return squash(value)


def _list(obj: JSON, key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _NotNinjs(f"{path}/{key}: expected an array, got {type(value).__name__}")
    return value


def _objects(obj: JSON, key: str, path: str) -> list[JSON]:
    items = _list(obj, key, path)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _NotNinjs(f"{path}/{key}/{i}: expected an object")
    return items


def _instant(obj: JSON, key: str, path: str) -> datetime | None:
    value = _text(obj, key, path)
    if not value:
        return None
    parsed = read_instant(value)
    if parsed is None:
        raise _NotNinjs(f"{path}/{key}: not an ISO 8601 instant: {value!r}")
    return parsed


def _by_role(entries: Iterable[JSON], roles: frozenset[str]) -> list[JSON]:
    return [e for e in entries if _role_code(e.get("role")) in roles]


def _value(entry: JSON) -> str | None:
    """A headline/description/body entry's value as plain text."""
    raw = entry.get("value")
    if not isinstance(raw, str):
        return None
    if "html" in str(entry.get("contenttype") or ""):
        return html_text(raw)
    return squash(raw)


def _body(obj: JSON, path: str) -> tuple[str, ...]:
    bodies = _objects(obj, "bodies", path)
    if bodies:
        main = _by_role(bodies, frozenset({"main", "body", ""})) or bodies
        raw = main[0].get("value")
        if not isinstance(raw, str):
            raise _NotNinjs(f"{path}/bodies/0/value: expected a string")
        if "html" in str(main[0].get("contenttype") or "") or raw.lstrip().startswith("<"):
            return html_paragraphs(raw)
        return _plain_paragraphs(raw)
    if (html := obj.get("body_html")) is not None or (html := obj.get("body_xml")) is not None:
        if not isinstance(html, str):
            raise _NotNinjs(f"{path}/body_html: expected a string")
        return html_paragraphs(html)
    if (text := obj.get("body_text")) is not None:
        if not isinstance(text, str):
            raise _NotNinjs(f"{path}/body_text: expected a string")
        return _plain_paragraphs(text)
    return ()


def _plain_paragraphs(text: str) -> tuple[str, ...]:
    chunks = re.split(r"\n\s*\n", text) if "\n\n" in text else text.split("\n")
    return tuple(p for p in (squash(c) for c in chunks) if p)


def _headline(obj: JSON, path: str) -> str | None:
    headlines = _objects(obj, "headlines", path)
    if headlines:
        main = _by_role(headlines, frozenset({"main", "headline", ""})) or headlines
        if found := _value(main[0]):
            return found
    return _text(obj, "headline", path) or _text(obj, "title", path)


def _summary_and_credit(obj: JSON, path: str) -> tuple[str | None, str | None]:
    descriptions = _objects(obj, "descriptions", path)
    credit = next((v for d in _by_role(descriptions, CREDIT_ROLES) if (v := _value(d))), None)
    rest = [d for d in descriptions if _role_code(d.get("role")) not in _NOT_SUMMARY]
    summaries = _by_role(rest, SUMMARY_ROLES | {""}) or rest
    summary = next((v for d in summaries if (v := _value(d))), None)
    if summary is None:
        summary = _text(obj, "description_text", path) or html_text(
            _text(obj, "description_html", path)
        )
    return summary, credit


def _described(obj: JSON, roles: frozenset[str], path: str) -> list[str]:
    """The values of the ``descriptions`` entries with one of ``roles``, in order."""
    found = _by_role(_objects(obj, "descriptions", path), roles)
    return [v for d in found if (v := _value(d))]


def _byline(obj: JSON, path: str) -> tuple[str, ...]:
    """Authors from ``people``; else ``by`` (or 1.x ``byline``) as one printed entry."""
    authors = [
        name
        for person in _objects(obj, "people", path)
        if _role_code(person.get("rel")) in AUTHOR_RELS
        and isinstance(person.get("name"), str)
        and (name := squash(person["name"]))
    ]
    if authors:
        return tuple(dict.fromkeys(authors))
    by = _text(obj, "by", path) or _text(obj, "byline", path)
    return (by,) if by else ()


def _url(uri: Any) -> str | None:
    """An association URI as a URL: None for wire's "no URL" URIs and non-strings."""
    if not isinstance(uri, str) or uri.startswith(NO_URL_PREFIXES):
        return None
    return uri


def _infosources(obj: JSON, path: str) -> tuple[Provider | None, tuple[InfoSource, ...]]:
    provider = None
    sources: list[InfoSource] = []
    for entry in _objects(obj, "infosources", path):
        name = entry.get("name") or entry.get("literal") or entry.get("uri")
        if not isinstance(name, str) or not squash(name):
            continue
        code = _role_code(entry.get("role"))
        uri = entry.get("uri") if isinstance(entry.get("uri"), str) else None
        if code in PROVIDER_ROLES and provider is None:
            abbreviation = entry.get("literal")
            provider = Provider(
                str(squash(name)),
                abbreviation if isinstance(abbreviation, str) and abbreviation != name else None,
            )
            continue
        role = code if code in _WIRE_ROLES else _SOURCE_ROLES.get(code, SourceRole.REPORTED_BY)
        sources.append(InfoSource(name=str(squash(name)), role=str(role), url=uri))
    return provider, tuple(sources)


def _associations(obj: JSON, path: str) -> list[JSON]:
    raw = obj.get("associations")
    if raw is None:
        return []
    if isinstance(raw, dict):  # ninjs 1.x: {"name": {...}}
        items = [dict(v, name=k) if isinstance(v, dict) else v for k, v in raw.items()]
    elif isinstance(raw, list):  # ninjs 2.x: [{"name": ..., ...}]
        items = raw
    else:
        raise _NotNinjs(f"{path}/associations: expected an object or an array")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _NotNinjs(f"{path}/associations/{i}: expected an object")
    return items


def _rendition_href(obj: JSON) -> str | None:
    renditions = obj.get("renditions")
    values = renditions.values() if isinstance(renditions, dict) else renditions or []
    for rendition in values if isinstance(values, Iterable) else []:
        if isinstance(rendition, dict) and isinstance(rendition.get("href"), str):
            return str(rendition["href"])
    return None


def _picture(obj: JSON, path: str) -> Picture:
    summary, credit = _summary_and_credit(obj, path)
    return Picture(
        caption=summary or _headline(obj, path),
        credit=credit or _text(obj, "by", path) or _text(obj, "byline", path),
        url=_rendition_href(obj) or _url(obj.get("uri")),
        copyright=_text(obj, "copyrightnotice", path),
    )


def _version(obj: JSON, path: str) -> int:
    raw = obj.get("version")
    if raw is None:
        return 1
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    raise _NotNinjs(f"{path}/version: not a positive version number: {raw!r}")


def _subjects(obj: JSON, path: str) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("subjects", "subject"):
        for subject in _objects(obj, key, path):
            value = subject.get("uri") or subject.get("code") or subject.get("name")
            if isinstance(value, str) and (value := squash(value)):
                out.append(value)
    return tuple(dict.fromkeys(out))


def _story(obj: JSON, *, path: str, origin: Origin) -> Story:
    if not NINJS_KEYS & obj.keys():
        raise _NotNinjs(f"{path or '/'}: an object with none of ninjs's properties")
    review: list[str] = []
    headline = _headline(obj, path)
    summary, credit = _summary_and_credit(obj, path)
    body = _body(obj, path)
    if not headline:
        headline = summary or (body[0][:120] if body else None)
        if not headline:
            raise _NotNinjs(f"{path or '/'}: no headline, description or body")
        review.append("no headline: taken from the description or body")
    uri = _text(obj, "uri", path)
    if not uri:
        review.append("no uri: guid derived from source and headline")
    status_raw = (_text(obj, "pubstatus", path) or "usable").lower()
    try:
        status = PubStatus(status_raw)
    except ValueError:
        status = PubStatus.USABLE
        review.append(f"unknown pubstatus {status_raw!r}: taken as usable")
    provider, sources = _infosources(obj, path)
    pictures: list[Picture] = []
    related: list[Related] = []
    for i, assoc in enumerate(_associations(obj, path)):
        sub = f"{path}/associations/{i}"
        kind = str(assoc.get("type") or "").lower()
        if kind in _PICTURE_TYPES:
            pictures.append(_picture(assoc, sub))
        else:
            title = _headline(assoc, sub) or _text(assoc, "name", sub) or _text(assoc, "uri", sub)
            if title:
                related.append(Related(title=title, url=_url(assoc.get("uri"))))
    printed = next(iter(_described(obj, DATELINE_ROLES, path)), None)
    editor = next(iter(_described(obj, EDITOR_ROLES, path)), None)
    keywords = [k for k in _list(obj, "keywords", path) if isinstance(k, str) and k.strip()]
    versioncreated = _instant(obj, "versioncreated", path)
    firstcreated = _instant(obj, "firstcreated", path)
    return Story(
        guid=uri or derived_guid(origin.source, headline),
        version=_version(obj, path),
        pub_status=status,
        urgency=urgency_of(obj.get("urgency")),
        version_created=versioncreated,
        first_created=firstcreated,
        # Published when its content was created (as wire writes it), else first created.
        published_at=_instant(obj, "contentcreated", path) or firstcreated,
        embargoed_until=_instant(obj, "embargoed", path),
        language=_text(obj, "language", path),  # conform() drops one that is not a tag
        headline=headline,
        slugline=_text(obj, "slugline", path),
        summary=summary,
        body=body,
        byline=_byline(obj, path),
        provider=provider,
        credit_line=credit,
        dateline=printed_dateline(_text(obj, "located", path), printed),
        editor=editor,
        pictures=tuple(pictures),
        sources=sources,
        related=tuple(related),
        rights=Rights(
            copyright_holder=_text(obj, "copyrightholder", path),
            copyright_notice=_text(obj, "copyrightnotice", path),
            usage_terms=_text(obj, "usageterms", path),
        ),
        subjects=_subjects(obj, path),
        keywords=tuple(dict.fromkeys(k.strip() for k in keywords)),
        signals=tuple(dict.fromkeys(_described(obj, SIGNAL_ROLES, path))),
        ed_note=_text(obj, "ednote", path),
        origin=origin,
        review=tuple(review),
    )


_WRAPPERS = ("items", "item", "data")
"""Members an API's envelope puts ninjs in: ``{"items": [...]}``, ``{"total": 1,
"item": {...}}``, ``{"data": {...}}`` and their nestings."""
_MAX_WRAPPING = 4


def _objects_in(doc: Any, name: str, path: str = "", depth: int = 0) -> list[tuple[str, JSON]]:
    """The ninjs objects of a document: one object, a list of them, or either inside
    an API's envelope (``_WRAPPERS``), which is taken off whatever else it says."""
    if isinstance(doc, dict) and not (NINJS_KEYS & doc.keys()) and depth < _MAX_WRAPPING:
        for key in _WRAPPERS:
            if isinstance(doc.get(key), (dict, list)):
                return _objects_in(doc[key], name, f"{path}/{key}", depth + 1)
    if isinstance(doc, dict):
        return [(path, doc)]
    if not isinstance(doc, list):
        raise MalformedInput(name, f"not ninjs: top-level JSON is a {type(doc).__name__}")
    out: list[tuple[str, JSON]] = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            raise MalformedInput(name, f"not ninjs: {path}/{i} is not an object")
        out.append((f"{path}/{i}", item))
    return out


def read_object(obj: JSON, *, path: str, origin: Origin, name: str) -> Story:
    """One ninjs object as a draft story (not yet finished: the caller ends with
    ``values.finish``); ``MalformedInput`` naming ``path`` when it is not ninjs.
    The AP Media API reader (``wire.ingest.apmedia``) reads AP's items through it."""
    try:
        return _story(obj, path=path, origin=origin)
    except _NotNinjs as exc:
        raise MalformedInput(name, f"not ninjs: {exc}") from exc


def parse_ninjs(
    data: bytes,
    *,
    name: str,
    fetched_at: datetime,
    source: str | None = None,
    policy: SourcePolicy | None = None,
    url: str | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> list[Story]:
    """Every ninjs object in the input as a draft story.

    Raises ``InputTooLarge``, or ``MalformedInput`` for invalid JSON and for JSON
    that is not ninjs (the message names the offending path)."""
    if len(data) > max_bytes:
        raise InputTooLarge(name, f"{len(data)} bytes is over the {max_bytes}-byte limit")
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedInput(name, f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedInput(name, "JSON nested too deeply") from exc
    origin = origin_of(data, fmt="ninjs", source=source, fetched_at=fetched_at, url=url)
    stories = [
        read_object(obj, path=path, origin=origin, name=name)
        for path, obj in _objects_in(doc, name)
    ]
    return finish(stories, name=name, policy=policy)
