"""Run Superdesk's own NewsML-G2 and ninjs feed parsers on documents, outside Superdesk.

A script, run in a separate interpreter by ``tests/test_superdesk_consumer.py``:
Superdesk pins Flask 1.x, Eve, Elasticsearch, Celery, lxml < 4.7 …, none of
which install on wire's Python, while its two parser modules need almost none
of it. So the distribution is installed without dependencies, and this script
executes *Superdesk's real source files*, unchanged:

* ``superdesk/io/feed_parsers/newsml_2_0.py`` (``NewsMLTwoFeedParser``),
* ``superdesk/io/feed_parsers/ninjs.py`` (``NINJSFeedParser``),
* ``superdesk/io/feed_parsers/__init__.py`` (the ``FeedParser``/``XMLFeedParser``
  base classes: ``qname``, ``map_priority``), run without its trailing
  "must be imported for registration" imports of the other twenty parsers,
* ``superdesk/etree.py``, ``superdesk/utc.py``, ``superdesk/metadata/utils.py``,

inside a Flask application context (``QCODE_MISSING_VOC`` unset, as by
default). Only the framework modules those files import are stood in for, each
with the exact values the parsers use: ``superdesk`` itself (``config``,
``get_resource_service`` answering "no such vocabulary", as on a fresh
install; ``app``, which 2.5.3's parser imports from it, is Flask's
``current_app``), ``superdesk.errors`` (``ParserError``, ``SkipValue``),
``superdesk.io.registry`` (registration is a no-op), ``superdesk.utils``
(``SuperdeskBaseEnum``) and ``superdesk.metadata.item`` (``ITEM_TYPE``,
``CONTENT_TYPE``, ``GUID_*``, ``Priority``, copied from Superdesk's file).

Needs, in the interpreter that runs it: ``superdesk-core`` (``--no-deps``),
``flask``, ``arrow``, ``pytz``, ``lxml``. Input on stdin, JSON:
``{"newsml": [xml text…], "ninjs": [json text…]}``; output on stdout, JSON:
one ``{"items": [...]}`` or ``{"error": "..."}`` per document, in order, with
datetimes as ISO 8601 text. ``--probe`` prints the installed superdesk-core
version and exits 0, or exits 3 when it cannot be loaded.
"""

from __future__ import annotations

import enum
import importlib.metadata
import importlib.util
import json
import sys
import tempfile
import traceback
import types
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _package(name: str, path: Path, **attrs: Any) -> types.ModuleType:
    module = _module(name, **attrs)
    module.__path__ = [str(path)]
    return module


def _run_file(name: str, path: Path, source: str | None = None) -> types.ModuleType:
    """Superdesk's file at ``path`` executed as module ``name``."""
    module = sys.modules.get(name) or _module(name)
    module.__file__ = str(path)
    code = compile(source if source is not None else path.read_text("utf-8"), str(path), "exec")
    exec(code, module.__dict__)
    return module


class _NoVocabularies:
    def find_one(self, req: object = None, **lookup: object) -> None:
        return None


class _ParserError(Exception):
    @classmethod
    def newsmlTwoParserError(cls, exception: Exception, provider: object = None) -> _ParserError:
        return cls(f"{type(exception).__name__}: {exception}")


class _SkipValue(Exception):
    pass


class _ContentTypes(NamedTuple):
    TEXT: str
    PREFORMATTED: str
    AUDIO: str
    VIDEO: str
    PICTURE: str
    GRAPHIC: str
    COMPOSITE: str
    EVENT: str


class _Priority(enum.Enum):
    Flash = 1
    Urgent = 2
    Three_Paragraph = 3
    Screen_Finance = 4
    Continuous_News = 5
    Ordinary = 6


def load() -> tuple[Callable[[bytes], Any], Callable[[str], Any], str]:
    """Superdesk's two parsers, as ``parse_newsml(xml bytes)`` and ``parse_ninjs(text)``,
    and the superdesk-core version they come from."""
    spec = importlib.util.find_spec("superdesk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("superdesk-core is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    version = importlib.metadata.version("superdesk-core")

    import flask  # type: ignore[import-not-found]  # only in Superdesk's interpreter
    from lxml import etree

    superdesk = _package(
        "superdesk",
        root,
        app=flask.current_app,
        config=types.SimpleNamespace(HTML_TAGS_WHITELIST=()),
        get_resource_service=lambda name: _NoVocabularies(),
    )
    _module("superdesk.errors", ParserError=_ParserError, SkipValue=_SkipValue)
    _module("superdesk.utils", SuperdeskBaseEnum=enum.Enum)
    _package("superdesk.metadata", root / "metadata")
    _module(
        "superdesk.metadata.item",
        ITEM_TYPE="type",
        GUID_TAG="tag",
        GUID_FIELD="guid",
        GUID_NEWSML="newsml",
        CONTENT_TYPE=_ContentTypes(
            "text", "preformatted", "audio", "video", "picture", "graphic", "composite", "event"
        ),
        Priority=_Priority,
    )
    _package("superdesk.io", root / "io")
    _module("superdesk.io.registry", register_feed_parser=lambda name, parser: None)
    superdesk.__dict__["etree"] = _run_file("superdesk.etree", root / "etree.py")
    _run_file("superdesk.utc", root / "utc.py")
    _run_file("superdesk.metadata.utils", root / "metadata" / "utils.py")
    base = root / "io" / "feed_parsers" / "__init__.py"
    base_source = base.read_text("utf-8").split("# must be imported for registration")[0]
    _package("superdesk.io.feed_parsers", base.parent)
    _run_file("superdesk.io.feed_parsers", base, base_source)
    newsml = _run_file(
        "superdesk.io.feed_parsers.newsml_2_0", base.parent / "newsml_2_0.py"
    ).NewsMLTwoFeedParser()
    ninjs = _run_file("superdesk.io.feed_parsers.ninjs", base.parent / "ninjs.py").NINJSFeedParser()
    app = flask.Flask("superdesk-harness")

    def parse_newsml(data: bytes) -> Any:
        with app.app_context():
            return newsml.parse(etree.fromstring(data))

    def parse_ninjs(text: str) -> Any:
        # NINJSFeedParser reads a file path, as Superdesk's file feeding service gives it.
        with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            with app.app_context():
                return ninjs.parse(f.name)

    return parse_newsml, parse_ninjs, version


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _outcome(parse: Callable[[Any], Any], document: Any) -> dict[str, Any]:
    try:
        return {"items": parse(document)}
    except Exception as error:  # what Superdesk's ingest would log and refuse
        last = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        return {"error": f"{type(error).__name__}: {error} (at {where})"}


def main() -> int:
    try:
        parse_newsml, parse_ninjs, version = load()
    except Exception as error:
        print(f"superdesk parsers unavailable: {type(error).__name__}: {error}", file=sys.stderr)
        return 3
    if "--probe" in sys.argv:
        print(version)
        return 0
    request = json.load(sys.stdin)
    results = [_outcome(parse_newsml, d.encode("utf-8")) for d in request.get("newsml", [])]
    results += [_outcome(parse_ninjs, d) for d in request.get("ninjs", [])]
    json.dump({"version": version, "results": results}, sys.stdout, default=_plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
