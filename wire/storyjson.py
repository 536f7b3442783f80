"""Story ↔ JSON, lossless both ways, validated against ``schemas/story.schema.json``.

Contains no business logic: the shape lives in ``wire.model`` and the schema.

Every story is validated on its way in, so validation is on the ingest path's
budget: ``jsonschema`` (pure Python) took two thirds of a millisecond per story,
a third of parsing a piece of copy. ``jsonschema_rs`` (Rust) answers "valid?"
in microseconds and decides for the valid documents, nearly all of them; a
document it refuses is checked again by ``jsonschema``, whose error wire words
for the client (``_human``), and which has the last word: the fast check never
lets in what ``jsonschema`` refuses, it only skips the slow walk for what both
accept (``tests/test_storyjson.py`` holds them to the same verdicts).
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator

from wire.errors import StoryValidationError
from wire.instants import format_instant, parse_instant
from wire.model import (
    Dateline,
    InfoSource,
    Origin,
    Picture,
    Provider,
    PubStatus,
    Related,
    Rights,
    Story,
)

SCHEMAS = "wire.schemas"  # the top-level schemas/ directory, installed as this package


def schema_bytes(name: str) -> bytes:
    """One of wire's schema documents, from the installed package (wheel or editable)."""
    return resources.files(SCHEMAS).joinpath(name).read_bytes()


JSON = dict[str, Any]


@cache
def schema_validator(name: str = "story.schema.json") -> Draft202012Validator:
    """A validator for one of wire's own schemas, with format checks switched on."""
    schema = json.loads(schema_bytes(name))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _not_space() -> str:
    r"""Python's ``\S`` as a class of ECMA-262, which ``jsonschema_rs`` follows: its
    ``\s`` leaves out U+001C–U+001F and U+0085, which Python's takes in (none of
    Python's is above U+3000). Worked out when first needed, not at import."""
    space = (c for c in map(chr, range(0x3001)) if re.match(r"\s", c))
    return "[^" + "".join(f"\\u{ord(c):04x}" for c in space) + "]"


def _as_python_reads_it(node: Any) -> Any:
    r"""The schema with each pattern's ``\S`` spelled out as Python reads it, so the
    quick check never finds "not blank" what ``jsonschema`` finds blank. (The other
    differences go the safe way: ECMA's ``\d`` and ``$`` are the stricter.)"""
    if isinstance(node, dict):
        return {
            k: v.replace("\\S", _not_space())
            if k == "pattern" and isinstance(v, str)
            else _as_python_reads_it(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_as_python_reads_it(v) for v in node]
    return node


@cache
def fast_validator(name: str = "story.schema.json") -> jsonschema_rs.Validator:
    """The same schema compiled by ``jsonschema_rs``, formats checked: the quick yes."""
    schema = _as_python_reads_it(json.loads(schema_bytes(name)))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _compact(obj: Any) -> JSON:
    """A nested object with only the members it has (absent means null)."""
    return {f.name: v for f in fields(obj) if (v := getattr(obj, f.name)) is not None}


def story_to_dict(story: Story) -> JSON:
    """The story's public JSON form: every top-level field (``null`` or ``[]`` where
    empty); nested objects carry only the members they have."""
    return {
        "guid": story.guid,
        "version": story.version,
        "pub_status": story.pub_status.value,
        "urgency": story.urgency,
        "version_created": format_instant(story.version_created),
        "first_created": format_instant(story.first_created),
        "published_at": format_instant(story.published_at),
        "embargoed_until": format_instant(story.embargoed_until),
        "language": story.language,
        "headline": story.headline,
        "slugline": story.slugline,
        "summary": story.summary,
        "body": list(story.body),
        "link": story.link,
        "byline": list(story.byline),
        "provider": _compact(story.provider) if story.provider else None,
        "credit_line": story.credit_line,
        "dateline": _compact(story.dateline) if story.dateline else None,
        "editor": story.editor,
        "pictures": [_compact(p) for p in story.pictures],
        "sources": [_compact(s) for s in story.sources],
        "related": [_compact(r) for r in story.related],
        "rights": _compact(story.rights),
        "subjects": list(story.subjects),
        "keywords": list(story.keywords),
        "signals": list(story.signals),
        "ed_note": story.ed_note,
        "origin": _compact(replace(story.origin, fetched_at=None))
        | (
            {"fetched_at": format_instant(story.origin.fetched_at)}
            if story.origin.fetched_at
            else {}
        ),
        "removed": list(story.removed),
        "review": list(story.review),
    }


def _error_path(error: jsonschema.ValidationError) -> str:
    path = "/" + "/".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = schema.get("properties", {})
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            path = path.rstrip("/") + "/" + extra[0]
    return path


INSTANT_FORM = "an RFC 3339 instant such as 2026-01-31T12:00:00Z"
_FORMATS = {"date": "a calendar date such as 2026-01-31", "uri": "an absolute URI"}


def _human(error: jsonschema.ValidationError) -> str:
    """The schema's complaint in words: a value that does not match a pattern or
    format says what form is expected instead of printing the pattern."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern":
        if str(schema.get("description", "")).startswith("RFC 3339 instant"):
            return f"{error.instance!r} is not {INSTANT_FORM}"
        if error.validator_value == "\\S":
            return "must not be blank"
        return f"{error.instance!r} is not in the expected form"
    if error.validator == "format" and error.validator_value in _FORMATS:
        return f"{error.instance!r} is not {_FORMATS[str(error.validator_value)]}"
    return error.message


def validate_story_dict(data: Any) -> None:
    """Raise ``StoryValidationError`` naming the first bad field's JSON path."""
    try:
        valid = fast_validator().is_valid(data)
    except (UnicodeError, ValueError):  # lone surrogates do not cross into Rust
        valid = False
    if not valid:
        errors = sorted(
            schema_validator().iter_errors(data), key=lambda e: (list(e.absolute_path), e.message)
        )
        if errors:
            first = errors[0]
            raise StoryValidationError(_error_path(first), _human(first))
    for key in ("version_created", "first_created", "published_at", "embargoed_until"):
        _check_instant(data.get(key), f"/{key}")
    _check_instant((data.get("origin") or {}).get("fetched_at"), "/origin/fetched_at")
    dl = data.get("dateline") or {}
    if dl.get("date") is not None:
        try:
            date.fromisoformat(dl["date"])
        except ValueError as exc:
            raise StoryValidationError(
                "/dateline/date", f"{dl['date']!r} is not a calendar date such as 2026-01-31"
            ) from exc


def _check_instant(value: str | None, path: str) -> None:
    try:
        parse_instant(value)
    except ValueError as exc:
        raise StoryValidationError(path, f"not a valid instant: {exc}") from exc


def story_from_dict(data: Any) -> Story:
    """Validate and build a story; missing optional fields take their defaults."""
    validate_story_dict(data)
    origin = data.get("origin") or {}
    return Story(
        guid=data.get("guid", ""),
        version=data.get("version", 1),
        pub_status=PubStatus(data.get("pub_status", "usable")),
        urgency=data.get("urgency"),
        version_created=parse_instant(data.get("version_created")),
        first_created=parse_instant(data.get("first_created")),
        published_at=parse_instant(data.get("published_at")),
        embargoed_until=parse_instant(data.get("embargoed_until")),
        language=data.get("language"),
        headline=data["headline"],
        slugline=data.get("slugline"),
        summary=data.get("summary"),
        body=tuple(data.get("body", ())),
        link=data.get("link"),
        byline=tuple(data.get("byline", ())),
        provider=Provider(**data["provider"]) if data.get("provider") else None,
        credit_line=data.get("credit_line"),
        dateline=Dateline(**data["dateline"]) if data.get("dateline") else None,
        editor=data.get("editor"),
        pictures=tuple(Picture(**p) for p in data.get("pictures", ())),
        sources=tuple(InfoSource(**s) for s in data.get("sources", ())),
        related=tuple(Related(**r) for r in data.get("related", ())),
        rights=Rights(**(data.get("rights") or {})),
        subjects=tuple(data.get("subjects", ())),
        keywords=tuple(data.get("keywords", ())),
        signals=tuple(data.get("signals", ())),
        ed_note=data.get("ed_note"),
        origin=Origin(
            source=origin.get("source"),
            format=origin.get("format"),
            fetched_at=parse_instant(origin.get("fetched_at")),
            raw_sha256=origin.get("raw_sha256"),
            url=origin.get("url"),
        ),
        removed=tuple(data.get("removed", ())),
        review=tuple(data.get("review", ())),
    )


def dumps(story: Story, *, indent: int | None = 2) -> str:
    """The story as JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(story_to_dict(story), ensure_ascii=False, indent=indent)


def loads(text: str | bytes) -> Story:
    """JSON text to a story; invalid JSON is a ``StoryValidationError`` at ``/``."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoryValidationError("/", f"invalid JSON: {exc}") from exc
    return story_from_dict(data)


def encode_story(story: Story, *, validate: bool = True) -> str:
    """The stored JSON document; raises ``StoryValidationError`` for a story that
    would not read back (better refused now than unreadable later), including text
    with a lone surrogate (JSON's ``"\\ud800"``), which no database text column holds.

    ``validate=False``: the story's content was checked against the schema
    already (the ingest pipeline's ``encode_story``); the schema is the dearest
    part of a save, and checked once is enough. Lone surrogates are still refused."""
    data = story_to_dict(story)
    if validate:
        validate_story_dict(data)
    doc = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        doc.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StoryValidationError("", "text is not valid Unicode (a lone surrogate)") from exc
    return doc
