"""Schema validators the render tests share (NewsML-G2 XSD, Atom RELAX NG, ninjs JSON
Schema, and the XHTML 1.0 Strict DTD for NewsML-G2 bodies), plus the fixture
stories and feed metadata they render.

Schemas are read from ``../shared/schemas`` (never copied into the repo; the W3C
DTD, which shared/ lacks, is test data in ``tests/fixtures/xhtml1``), each
loaded once, with network access switched off. Every validator raises
``AssertionError`` carrying the schema's own error log.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from lxml import etree

from wire import storyjson
from wire.model import Provider, Rights, Story
from wire.publish.feedmeta import FeedMeta

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """../shared (or $WIRE_SHARED) when present, else None."""
    candidate = Path(os.environ.get("WIRE_SHARED", ROOT.parent / "shared"))
    return candidate if (candidate / "DESIGN.md").is_file() else None


def _schema_path(*parts: str) -> Path:
    base = shared_dir()
    if base is None:
        raise AssertionError("../shared is absent: schemas needed (set WIRE_SHARED)")
    return base.joinpath("schemas", *parts)


_SAFE = etree.XMLParser(no_network=True, resolve_entities=False)


@cache
def _newsml_schema() -> etree.XMLSchema:
    path = _schema_path("newsml-g2", "NewsML-G2_2.35-spec-All-Power.xsd")
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))


@cache
def _atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(_schema_path("atom", "atom.rng")), _SAFE))


@cache
def _ninjs_validator() -> Draft202012Validator:
    schema = json.loads(_schema_path("ninjs", "ninjs-schema_2.2.json").read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _check(schema: etree.XMLSchema | etree.RelaxNG, data: bytes, what: str) -> None:
    doc = etree.fromstring(data, _SAFE)
    if not schema.validate(doc):
        # lxml-stubs declare _ErrorLog without __iter__ (and RelaxNG not at all); it
        # iterates over its _LogEntry items
        entries = cast("Iterable[object]", schema.error_log)
        log = "\n".join(str(e) for e in entries)
        raise AssertionError(f"{what} does not validate:\n{log}")


def validate_newsml(data: bytes) -> None:
    """Valid against the NewsML-G2 2.35 All-Power XSD, or AssertionError with the log."""
    _check(_newsml_schema(), data, "NewsML-G2")


def validate_atom(data: bytes) -> None:
    """Valid against the RFC 4287 RELAX NG grammar, or AssertionError with the log."""
    _check(_atom_schema(), data, "Atom")


XHTML1_STRICT_DTD = ROOT / "tests" / "fixtures" / "xhtml1" / "xhtml1-strict.dtd"


@cache
def _xhtml1_dtd() -> etree.DTD:
    return etree.DTD(str(XHTML1_STRICT_DTD))


def validate_xhtml1_strict(html: etree._Element) -> None:
    """An XHTML ``html`` element (as found in a NewsML-G2 ``inlineXML``) valid against
    the W3C XHTML 1.0 Strict DTD (vendored in tests/fixtures/xhtml1), or AssertionError
    with the DTD's log. The element is checked as the standalone document a consumer
    would cut out: namespace declarations it only inherits (``xmlns:wire``) are dropped."""
    alone = deepcopy(html)
    etree.cleanup_namespaces(alone)
    doc = etree.fromstring(etree.tostring(alone), _SAFE)
    dtd = _xhtml1_dtd()
    if not dtd.validate(doc):
        entries = cast("Iterable[object]", dtd.error_log)
        log = "\n".join(str(e) for e in entries)
        raise AssertionError(f"XHTML 1.0 Strict does not validate:\n{log}")


def validate_ninjs(obj: Any) -> None:
    """One ninjs 2.2 object valid against the official schema, or AssertionError."""
    errors = sorted(_ninjs_validator().iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        log = "\n".join(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        raise AssertionError(f"ninjs does not validate:\n{log}")


STORIES = ROOT / "tests" / "fixtures" / "stories"
NAMES = ("mina", "full", "correction", "killed", "embargoed", "arabic")


def fixture_story(name: str) -> Story:
    """One story from tests/fixtures/stories/<name>.json."""
    return storyjson.loads((STORIES / f"{name}.json").read_text("utf-8"))


def feed_meta(fmt: str = "rss", **changes: Any) -> FeedMeta:
    """A feed's metadata for ``fmt``, with any field overridden."""
    base = FeedMeta(
        name="world",
        title="World desk",
        description="Latest world stories",
        self_url=f"https://wire.example/feeds/world.{fmt}",
        site_url="https://wire.example",
        updated=datetime(2025, 7, 6, 12, 0, tzinfo=UTC),
        hub_url="https://wire.example/websub",
        language="en",
        rights=Rights(copyright_notice="© 2025 wire contributors"),
        provider=Provider("Example Wire Service", "EWS"),
    )
    return replace(base, **changes)
