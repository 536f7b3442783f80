"""The package as installed: every package under wire/ is in the wheel's list,
and the schemas load as the package ``wire.schemas`` (``scripts/check-wheel``
builds and uses a real wheel in CI)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from wire.storyjson import schema_bytes

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_wire_is_listed_for_the_wheel() -> None:
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "wire").rglob("__init__.py")
    }
    assert set(listed) == found | {"wire.schemas"}


def test_the_schemas_load_from_the_installed_package() -> None:
    for name in ("story.schema.json", "config.schema.json", "openapi.yaml"):
        assert schema_bytes(name) == (ROOT / "schemas" / name).read_bytes()


# Database drivers SQLAlchemy loads by the URL's scheme: wire names them, never imports them.
LOADED_BY_URL = {"aiosqlite", "asyncpg"}
# justext (under trafilatura) imports lxml.html.clean but declares only lxml.
UNDECLARED_ELSEWHERE = {"lxml-html-clean"}


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    """No dependency is installed for the tests' sake alone (``[project.optional-
    dependencies] test`` is for those)."""
    import ast
    import re
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0].lower().replace("_", "-")
        for spec in project["dependencies"]
    }
    imported: set[str] = set()
    for source in (ROOT / "wire").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    providers = packages_distributions()
    used = {
        dist.lower().replace("_", "-") for module in imported for dist in providers.get(module, ())
    }
    assert declared - used - LOADED_BY_URL - UNDECLARED_ELSEWHERE == set()
