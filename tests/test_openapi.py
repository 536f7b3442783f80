"""schemas/openapi.yaml against the code: the spec is complete, and the running server keeps it.

The server runs on a real local port in its own thread (schemathesis calls it with
``requests``, synchronously); schemathesis generates requests for every operation
and checks each response — status, content type, headers, body — against the spec.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.desk_client import ADMIN, API, WIDE_TOKEN, api_config
from wire.formats import STORY_FORMATS, Format, story_extensions
from wire.web.app import create_app
from wire.web.desk import PATH as DESK_PATH

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "schemas" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch", "head")
EXAMPLES_PER_OPERATION = 40
SEEDED_GUID = "urn:example:seeded"
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance]
WIDE = {"Authorization": f"Bearer {WIDE_TOKEN}"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations(*, with_inputs: bool = False) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation; only those that take any input, if asked."""
    return [
        (m.upper(), path)
        for path, item in SPEC["paths"].items()
        for m in METHODS
        if m in item
        and (
            not with_inputs
            or "parameters" in item
            or bool({"parameters", "requestBody"} & item[m].keys())
        )
    ]


# the spec against the code, statically -------------------------------------------------


def test_story_component_is_the_story_schema() -> None:
    """The Story component is ``schemas/story.schema.json`` with its ``$defs`` moved
    under components, so the two cannot drift apart."""
    story = json.loads((ROOT / "schemas" / "story.schema.json").read_text(encoding="utf-8"))
    defs = story.pop("$defs")
    for key in ("$schema", "$id"):
        story.pop(key)
    names = {"text": "Text", "url": "Url", "instant": "Instant"}

    def moved(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    "#/components/schemas/" + names[v.rsplit("/", 1)[1]]
                    if k == "$ref"
                    else moved(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [moved(v) for v in node]
        return node

    components = SPEC["components"]["schemas"]
    assert components["Story"] == moved(story)
    assert {names[k]: v for k, v in defs.items()} == {n: components[n] for n in names.values()}


def _routes(app: web.Application) -> set[tuple[str, str]]:
    out = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter", "")
        if route.method in {"HEAD", "*"}:
            continue
        out.add((route.method, path))
    return out


def _spec_routes() -> set[tuple[str, str]]:
    """Spec paths in aiohttp's formatter form (regex and extension parameters folded)."""
    return set(_operations())


def test_every_route_the_server_answers_is_in_the_spec(tmp_path: Path) -> None:
    """Every machine-facing route is documented; the editors' desk under ``/desk``
    is a browser interface (HTML forms with CSRF tokens, tested in test_desk), not
    part of the API contract."""
    app = create_app(api_config(tmp_path), start_jobs=False)
    served = {(m, p) for m, p in _routes(app) if not p.startswith(DESK_PATH)}
    documented = set()
    for method, path in _spec_routes():
        for ext in {*(f.extension for f in Format), *story_extensions()}:
            path = path.replace(f"}}.{ext}", "}.{ext}")
        documented.add((method, path))
    assert served == documented


def test_every_story_format_is_documented_with_its_media_type() -> None:
    spec = SPEC["paths"]
    for fmt in STORY_FORMATS:
        operation = spec[f"/stories/{{guid}}.{fmt.extension}"]["get"]
        documented = operation["responses"]["200"]["content"]
        assert fmt.media_type.split(";")[0] in documented, fmt.name


def test_every_operation_has_an_id_and_problem_responses_for_its_errors() -> None:
    for method, path in _operations():
        op = SPEC["paths"][path][method.lower()]
        assert op.get("operationId"), (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400 and path not in {"/readyz"}:
                ref = response.get("$ref", "")
                assert ref.startswith("#/components/responses/"), (method, path, status)


# the running server against the spec ---------------------------------------------------


class ServerThread:
    """The real app on a real port, served by its own event loop in its own thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = web.AppRunner(app)
        self.base_url = ""

    def __enter__(self) -> ServerThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = api_config(tmp_path_factory.mktemp("openapi"))
    with ServerThread(create_app(config, start_jobs=False)) as running:
        story = json.loads((API / "story.json").read_text(encoding="utf-8"))
        for guid in (SEEDED_GUID, "urn:example:other"):
            resp = requests.put(
                f"{running.base_url}/api/v1/stories/{guid}", json=story, headers=ADMIN, timeout=10
            )
            assert resp.status_code in (200, 201), resp.text
        yield running.base_url


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_path(str(SPEC_PATH))


def _is_editor_operation(operation: Any) -> bool:
    security = operation.definition.raw.get("security") or []
    return any("editorKey" in s for s in security)


def _fuzz(
    operation: Any,
    server: str,
    headers: dict[str, str],
    examples: int,
    checks: list[Any] = CHECKS,
    **fixed: Any,
) -> list[int]:
    """Call the server with generated cases; every response must conform. The statuses."""
    statuses: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(**fixed))
    def conforms(case: Any) -> None:
        response = case.call(base_url=server, headers=headers, timeout=10)
        statuses.append(response.status_code)
        case.validate_response(response, checks=checks)

    conforms()
    return statuses


KNOWN = {"guid": SEEDED_GUID, "name": "all"}


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: str(v))
def test_server_conforms_to_the_spec(server: str, schema: Any, method: str, path: str) -> None:
    """Generated requests with credentials as the operation needs them, then requests
    on a story and a feed that exist: no response breaks the spec, none is a 500."""
    operation = schema[path][method]
    editor = _is_editor_operation(operation)
    statuses = _fuzz(operation, server, ADMIN if editor else {}, EXAMPLES_PER_OPERATION)
    known = {k: v for k, v in KNOWN.items() if f"{{{k}}}" in path}
    if known:
        statuses += _fuzz(operation, server, ADMIN if editor else WIDE, 5, path_parameters=known)
    assert statuses


@pytest.mark.parametrize(("method", "path"), _operations(with_inputs=True), ids=lambda v: str(v))
def test_invalid_requests_are_refused_without_a_server_error(
    server: str, schema: Any, method: str, path: str
) -> None:
    """Requests that break the spec (wrong types, missing fields, bad bodies) get a
    documented 4xx, never a 500."""
    operation = schema[path][method]
    headers = ADMIN if _is_editor_operation(operation) else {}
    statuses = _fuzz(
        operation,
        server,
        headers,
        15,
        generation_mode=GenerationMode.NEGATIVE,
        checks=NEGATIVE_CHECKS,
    )
    assert statuses
