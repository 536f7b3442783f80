"""The API reference page: ``schemas/openapi.yaml`` made readable, served without
script, and safe whatever its descriptions say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aiohttp.test_utils import TestClient
from markupsafe import Markup

from tests.desk_client import ClientFactory, api_config
from wire.web.apidocs import kind_of, markdown, reference, render_reference
from wire.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "schemas" / "openapi.yaml").read_text("utf-8"))


def test_every_operation_appears_once_under_its_first_tag() -> None:
    ref = reference(SPEC)
    shown = [(op.method, op.path) for group in ref.groups for op in group.operations]
    expected = [
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    ]
    expected += [("POST", f"webhook {name}") for name in SPEC["webhooks"]]
    assert sorted(shown) == sorted(expected)
    assert len(set(shown)) == len(shown)
    for group in ref.groups:
        for op in group.operations:
            if group.name == "webhooks":
                continue
            tag = SPEC["paths"][op.path][op.method.lower()]["tags"][0]
            assert tag == group.name


def test_every_component_schema_has_its_section() -> None:
    ref = reference(SPEC)
    assert [s.name for s in ref.schemas] == list(SPEC["components"]["schemas"])


def test_referenced_parameters_and_responses_are_resolved() -> None:
    ops = {op.anchor: op for g in reference(SPEC).groups for op in g.operations}
    items = ops["feedItems"]
    assert [p.name for p in items.parameters][:2] == ["name", "token"]
    assert items.parameters[0].required
    assert "401" in [a.status for a in items.answers]
    problem = next(a for a in items.answers if a.status == "401")
    assert "#schema-Problem" in problem.content[0].kind


def test_a_type_reads_in_words() -> None:
    spec: dict[str, Any] = {"components": {"schemas": {"Story": {"type": "object"}}}}
    assert kind_of(spec, {"type": "array", "items": {"$ref": "#/components/schemas/Story"}}) == (
        Markup('array of <a href="#schema-Story"><code>Story</code></a>')
    )
    assert kind_of(spec, {"type": "string", "format": "date-time"}) == "string (date-time)"
    assert kind_of(spec, {"enum": ["usable", "withheld"]}) == (
        Markup("<code>&#34;usable&#34;</code> or <code>&#34;withheld&#34;</code>")
    )
    assert kind_of(spec, {"type": ["string", "null"]}) == "string or null"
    assert kind_of(spec, {"const": True}) == Markup("<code>true</code>")


def test_markup_in_a_description_is_shown_as_text() -> None:
    html = markdown("Use `If-Match`. <script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "<code>If-Match</code>" in html
    assert "<script>" not in html
    assert "<img" not in html


def test_hostile_names_in_a_spec_are_escaped_on_the_page() -> None:
    spec = {
        "info": {"title": "<b>t</b>", "version": "1"},
        "paths": {"/x/{<i>}": {"get": {"tags": ['"><script>'], "summary": "<script>s</script>"}}},
        "components": {"schemas": {"<svg onload=x>": {"type": "object"}}},
    }
    page = render_reference(spec, spec_url="/spec").decode()
    assert "<script>" not in page
    assert "<svg" not in page
    assert "<b>t</b>" not in page


def test_a_reference_to_nothing_does_not_break_the_page() -> None:
    spec = {"paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/components/none"}}}}}}
    [group] = reference(spec).groups
    assert group.operations[0].answers[0].status == "200"


async def test_the_page_is_served_without_script(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client: TestClient[Any, Any] = await aiohttp_client(
        create_app(api_config(tmp_path), start_jobs=False)
    )
    resp = await client.get("/api/v1/docs")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert "script-src" not in resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    page = await resp.text()
    assert "<script" not in page
    assert 'href="/api/v1/openapi.yaml"' in page
    front = await (await client.get("/")).text()
    assert "/api/v1/docs" in front
