"""The API reference page at ``/api/v1/docs``: ``schemas/openapi.yaml`` as one
readable HTML page — each operation with its parameters, body and answers, each
schema with its members — for a partner's developer who has no OpenAPI viewer.

Written here rather than vendoring Swagger UI or Redoc: those are megabytes of
JavaScript that would need a script-permitting policy on a public page, while
the document is small and static; a page made once at start-up from the spec
needs no script at all and is served under the same strict policy as the story
pages. ``reference`` is pure (spec in, page model out); Markdown in descriptions
is rendered by markdown-it-py with raw HTML disabled, so the page carries no
markup the spec's authors did not write as Markdown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from wire.storyjson import schema_bytes

METHODS = ("get", "put", "post", "delete", "patch", "head")
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})
Spec = Mapping[str, Any]


def markdown(text: str | None) -> Markup:
    """A description's Markdown as HTML (raw HTML in it is shown as text)."""
    return Markup(_MARKDOWN.render(text)) if text else Markup("")


@dataclass(frozen=True, slots=True)
class Member:
    """A parameter, a header or a schema's property."""

    name: str
    kind: Markup
    required: bool
    description: Markup
    where: str = ""
    members: tuple[Member, ...] = ()
    """An inline object's own members (of the object, or of an array's items)."""


@dataclass(frozen=True, slots=True)
class Content:
    media_type: str
    kind: Markup


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    description: Markup
    content: tuple[Content, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: Markup
    security: tuple[str, ...]
    parameters: tuple[Member, ...]
    body: tuple[Content, ...]
    body_required: bool
    answers: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    description: Markup
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class SchemaDoc:
    name: str
    anchor: str
    description: Markup
    kind: Markup
    members: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    version: str
    summary: str
    description: Markup
    groups: tuple[Group, ...]
    schemas: tuple[SchemaDoc, ...]
    security: Mapping[str, Markup] = field(default_factory=dict)


def _resolve(spec: Spec, node: Any) -> Any:
    """``node`` with a local ``$ref`` followed (``#/components/...``)."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and seen < 16:
        ref = str(node["$ref"])
        if not ref.startswith("#/"):
            return node
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node, seen = target, seen + 1
    return node


def _schema_anchor(name: str) -> str:
    return f"schema-{name}"


def _ref_name(node: Any) -> str | None:
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if ref.startswith("#/components/schemas/"):
            return ref.rsplit("/", 1)[1]
    return None


def kind_of(spec: Spec, node: Any, depth: int = 0) -> Markup:
    """A schema in a few words: a named schema links to its section; ``array of
    Story``, ``string (date-time)``, ``"usable" or "withheld"``, ``A or B``."""
    if (name := _ref_name(node)) is not None:
        return Markup('<a href="#{}"><code>{}</code></a>').format(_schema_anchor(name), name)
    node = _resolve(spec, node)
    if not isinstance(node, Mapping) or depth > 4:
        return Markup("any")
    if "const" in node:
        return Markup("<code>{}</code>").format(_literal(node["const"]))
    if "enum" in node:
        return Markup(" or ").join(
            Markup("<code>{}</code>").format(_literal(v)) for v in node["enum"]
        )
    for combiner, word in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combiner in node:
            return Markup(word).join(kind_of(spec, part, depth + 1) for part in node[combiner])
    kind = node.get("type", "object" if "properties" in node else "any")
    if isinstance(kind, list):
        return Markup(" or ").join(escape(k) for k in kind)
    if kind == "array":
        return Markup("array of {}").format(kind_of(spec, node.get("items", {}), depth + 1))
    words = escape(kind)
    details = [str(node[k]) for k in ("format",) if k in node]
    if "pattern" in node:
        details.append(f"pattern {node['pattern']}")
    if details:
        words = Markup("{} ({})").format(words, ", ".join(details))
    return words


def _literal(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower()


def _inline_object(node: Any) -> Mapping[str, Any] | None:
    """The object schema written in place in ``node`` (not a named one): itself,
    an array's items, or the non-null choice of ``oneOf``/``anyOf``."""
    if not isinstance(node, Mapping) or "$ref" in node:
        return None
    if "properties" in node:
        return node
    if node.get("type") == "array":
        return _inline_object(node.get("items"))
    for combiner in ("oneOf", "anyOf"):
        choices = [c for c in node.get(combiner, ()) if c.get("type") != "null"]
        if len(choices) == 1:
            return _inline_object(choices[0])
    return None


def _members(spec: Spec, node: Any, depth: int = 0) -> tuple[Member, ...]:
    node = _resolve(spec, node)
    if not isinstance(node, Mapping) or depth > 3:
        return ()
    required = set(node.get("required", ()))
    return tuple(
        Member(
            name=str(name),
            kind=kind_of(spec, prop),
            required=name in required,
            description=markdown(_resolve(spec, prop).get("description")),
            members=_members(spec, inline, depth + 1)
            if (inline := _inline_object(prop)) is not None
            else (),
        )
        for name, prop in (node.get("properties") or {}).items()
    )


def _content(spec: Spec, content: Any) -> tuple[Content, ...]:
    return tuple(
        Content(str(media), kind_of(spec, (body or {}).get("schema", {})))
        for media, body in (content or {}).items()
    )


def _parameters(spec: Spec, *lists: Any) -> tuple[Member, ...]:
    """Path-level then operation-level parameters; the latter win by (in, name)."""
    found: dict[tuple[str, str], Member] = {}
    for listed in lists:
        for raw in listed or ():
            p = _resolve(spec, raw)
            found[(p.get("in", ""), p.get("name", ""))] = Member(
                name=str(p.get("name", "")),
                kind=kind_of(spec, p.get("schema", {})),
                required=bool(p.get("required")),
                description=markdown(p.get("description")),
                where=str(p.get("in", "")),
            )
    return tuple(found.values())


def _operation(spec: Spec, path: str, method: str, item: Spec, op: Spec) -> Operation:
    body = _resolve(spec, op.get("requestBody") or {})
    security = op.get("security", spec.get("security")) or []
    schemes = [str(name) for option in security for name in option]
    if not security or any(not option for option in security):
        schemes.append("none")
    answers = tuple(
        Answer(
            status=str(status),
            description=markdown(_resolve(spec, answer).get("description")),
            content=_content(spec, _resolve(spec, answer).get("content")),
        )
        for status, answer in (op.get("responses") or {}).items()
    )
    return Operation(
        anchor=str(op.get("operationId") or f"{method}-{path}"),
        method=method.upper(),
        path=path,
        summary=str(op.get("summary", "")),
        description=markdown(op.get("description")),
        security=tuple(schemes),
        parameters=_parameters(spec, item.get("parameters"), op.get("parameters")),
        body=_content(spec, body.get("content")),
        body_required=bool(body.get("required")),
        answers=answers,
    )


def _operations(spec: Spec) -> Iterator[tuple[str, Operation]]:
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                yield str(tag), _operation(spec, str(path), method, item, op)


def _groups(grouped: dict[str, list[Operation]], tags: dict[str, Markup]) -> tuple[Group, ...]:
    return tuple(
        Group(name, tags.get(name, Markup("")), tuple(ops)) for name, ops in grouped.items() if ops
    )


def _webhooks(spec: Spec) -> Group | None:
    """What wire sends (OpenAPI 3.1 ``webhooks``), as a group of its own."""
    hooks = spec.get("webhooks") or {}
    operations = tuple(
        _operation(spec, f"webhook {name}", method, item, item[method])
        for name, item in hooks.items()
        for method in METHODS
        if method in item
    )
    if not operations:
        return None
    about = markdown(
        "What wire sends to partners' endpoints: the request, and the answer it wants."
    )
    return Group("webhooks", about, operations)


def reference(spec: Spec) -> Reference:
    """The page model of an OpenAPI 3.1 document: its operations grouped by their
    first tag (in the document's tag order), then its component schemas."""
    info = spec.get("info") or {}
    tags = {str(t["name"]): markdown(t.get("description")) for t in spec.get("tags") or ()}
    grouped: dict[str, list[Operation]] = {name: [] for name in tags}
    for tag, op in _operations(spec):
        grouped.setdefault(tag, []).append(op)
    schemas = (spec.get("components") or {}).get("schemas") or {}
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    return Reference(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        summary=str(info.get("summary", "")),
        description=markdown(info.get("description")),
        groups=(*_groups(grouped, tags), *([hooks] if (hooks := _webhooks(spec)) else [])),
        schemas=tuple(
            SchemaDoc(
                name=str(name),
                anchor=_schema_anchor(str(name)),
                description=markdown(_resolve(spec, node).get("description")),
                kind=kind_of(spec, node),
                members=_members(spec, node),
            )
            for name, node in schemas.items()
        ),
        security={str(k): markdown(v.get("description")) for k, v in schemes.items()},
    )


_TEMPLATES = Environment(
    loader=PackageLoader("wire.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_reference(spec: Spec, *, spec_url: str) -> bytes:
    page = _TEMPLATES.get_template("api_reference.html")
    return page.render(ref=reference(spec), spec_url=spec_url).encode("utf-8")


@cache
def reference_page(spec_url: str) -> bytes:
    """This wire's own reference page (the spec is part of the package)."""
    return render_reference(yaml.safe_load(schema_bytes("openapi.yaml")), spec_url=spec_url)


async def api_docs(request: web.Request) -> web.Response:
    """``GET /api/v1/docs``: the API reference, public, cacheable, no script."""
    response = web.Response(
        body=reference_page("/api/v1/openapi.yaml"), content_type="text/html", charset="utf-8"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/docs", api_docs)
