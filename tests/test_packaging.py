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
