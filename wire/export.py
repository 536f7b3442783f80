"""``wire export DIR``: the public site as files, for nginx or a CDN to serve.

Every public feed in every format it is served in, with its archive pages; every
story those pages show, in every story format; the front page and the feed
stylesheets. Each file is the very bytes the server sends for the public (taken
from the same ``Publisher``, so the visibility rule decides here as everywhere),
with a ``.gz`` sibling of the same gzip body, and its modification time set to
the ``Last-Modified`` wire sends. ``nginx.conf`` beside them serves the tree with
wire's content types and validators: Last-Modified from the file's time, and
wire's own ETag, answered with 304 when a client sends it back.

Re-running rewrites only the files whose bytes changed (written beside and
renamed into place, so a reader never sees half a file) and removes the ones
the site no longer has: a story killed since the last export loses its pages.
A story whose guid cannot be a file name under ``stories/`` (it would climb out
of the tree) is left to the server, and named in the report.

Archive pages are served by wire at ``/feeds/NAME.EXT?before=CURSOR``; the
export keeps them at ``feeds/archive/CURSOR/NAME.EXT`` and the generated config
rewrites the query to that path.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from wire.errors import Unrenderable
from wire.formats import STORY_FORMATS, Format, feed_path, story_path
from wire.model import PUBLIC
from wire.publish import feedstyle
from wire.publish.assembly import whole
from wire.publish.cache import Rendered, make_rendered
from wire.publish.frontpage import render_index
from wire.publish.publisher import Publisher
from wire.visibility import EPOCH, Verdict

NGINX_FILE = "nginx.conf"
OWN_DIRS = ("feeds", "stories")  # what the export owns below DIR (removed when stale)


@dataclass(frozen=True, slots=True)
class Exported:
    """One file of the site: where it is served, and its bytes and validators."""

    url_path: str  # as requested, percent-encoded: /stories/urn%3Aa%3A1.html
    file: PurePosixPath  # below DIR, as nginx finds it for that request
    rendered: Rendered


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # guids no file name can hold


def file_of(url_path: str) -> PurePosixPath | None:
    """The file nginx serves for a request path: decoded, slashes merged (as its
    ``merge_slashes``); None when it would leave the tree or cannot be a name."""
    decoded = unquote(url_path)
    parts = [p for p in decoded.split("/") if p]
    if not parts or any(p in {".", ".."} or "\x00" in p or len(p) > 255 for p in parts):
        return None
    return PurePosixPath(*parts)


async def site_files(publisher: Publisher, report: ExportReport) -> list[Exported]:
    """Every file of the public site, rendered by ``publisher`` as it serves them."""
    files: list[Exported] = []
    shown: dict[str, None] = {}  # guids the public pages show, in order, once
    for spec in publisher.specs.values():
        if not spec.public:
            continue
        pages = await publisher.pages(spec.name, PUBLIC)
        for fmt in spec.formats:
            ext = Format(fmt).extension
            for cursor, _ in pages:
                if cursor is None:
                    rendered = await publisher.rendered(spec.name, fmt, PUBLIC)
                    path = feed_path(spec.name, fmt)
                    file = PurePosixPath(path.lstrip("/"))
                else:
                    rendered = await publisher.render_page(spec.name, fmt, PUBLIC, cursor)
                    path = f"{feed_path(spec.name, fmt)}?before={cursor}"
                    file = PurePosixPath("feeds", "archive", cursor, f"{spec.name}.{ext}")
                files.append(Exported(path, file, rendered))
        for _, selection in pages:
            shown.update((story.guid, None) for story in selection.items)
    for guid in shown:
        decision = await publisher.story_decision(guid, PUBLIC)
        if decision.verdict is not Verdict.VISIBLE or decision.story is None:
            continue  # a removal notice in the feed: its pages are gone
        story = decision.story
        for kind in STORY_FORMATS:
            path = story_path(guid, kind.extension)
            found = file_of(path)
            if found is None or found.parts[0] != "stories" or len(found.parts) != 2:
                report.skipped.append(guid)
                break
            try:
                rendered = await publisher.story_rendered(story, kind.extension, kind.media_type)
            except Unrenderable:
                report.skipped.append(guid)
                break
            files.append(Exported(path, found, rendered))
    for name in feedstyle.STYLESHEETS:
        sheet = feedstyle.rendered_stylesheet(name)
        files.append(Exported(f"/feeds/{name}", PurePosixPath("feeds", name), sheet))
    page = render_index(publisher.config, await publisher.front_page_stories())
    front = make_rendered(whole(page), "text/html; charset=utf-8", modified=_newest(files))
    files.append(Exported("/", PurePosixPath("index.html"), front))
    return files


def _newest(files: Iterable[Exported]) -> datetime:
    return max((f.rendered.last_modified for f in files), default=EPOCH)


def _write_if_changed(path: Path, data: bytes, modified: datetime) -> bool:
    """Write ``data`` at ``path`` unless it is there already; either way its time is
    ``modified``. True when written."""
    stamp = modified.timestamp()
    try:
        same = path.read_bytes() == data
    except FileNotFoundError:
        same = False
    if not same:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        os.utime(partial, (stamp, stamp))
        partial.replace(path)
        return True
    if path.stat().st_mtime != stamp:
        os.utime(path, (stamp, stamp))
    return False


def write_site(out: Path, files: Iterable[Exported], report: ExportReport) -> None:
    """Write the files and their ``.gz`` siblings, remove what the site no longer
    has below ``feeds/`` and ``stories/``, and write the nginx config."""
    files = list(files)
    keep: set[Path] = set()
    for item in files:
        target = out / item.file
        keep |= {target, target.with_name(target.name + ".gz")}
        written = _write_if_changed(target, item.rendered.body, item.rendered.last_modified)
        zipped = target.with_name(target.name + ".gz")
        written |= _write_if_changed(zipped, item.rendered.gzipped, item.rendered.last_modified)
        if written:
            report.written.append(str(item.file))
        else:
            report.unchanged += 1
    for own in OWN_DIRS:
        for found in sorted((out / own).rglob("*"), reverse=True) if (out / own).exists() else ():
            if found.is_file() and found not in keep:
                found.unlink()
                report.removed.append(str(found.relative_to(out)))
            elif found.is_dir() and not any(found.iterdir()):
                found.rmdir()
    config = nginx_config(out, files)
    _write_if_changed(out / NGINX_FILE, config.encode("utf-8"), EPOCH)


def _nginx_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _location_of(file: PurePosixPath) -> str:
    """The regex location of files like this one: its folder kind and extension
    (every file of one kind has one content type)."""
    ext = file.suffix
    top = file.parts[0]
    if top == "feeds" and file.name in feedstyle.STYLESHEETS:
        return f"^/feeds/{re_escape(file.name)}$"
    return f"^/{top}/.+{re_escape(ext)}$"


def re_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in ".^$*+?()[]{}|\\" else c for c in text)


def nginx_config(out: Path, files: Iterable[Exported]) -> str:
    """An nginx ``server`` serving ``out`` as wire serves the site: each kind of
    file with wire's content type, each file's ETag (a 304 when ``If-None-Match``
    sends it back), Last-Modified from the file's time, the ``.gz`` sibling to
    clients that take gzip, ``?before=`` archive pages from ``feeds/archive/``.
    (What wire negotiates by ``Accept`` — RSS and Atom as ``application/xml`` to
    browsers — a static host does not: it sends the feed's own type.)"""
    kinds: dict[str, str] = {}
    etags: list[str] = []
    for item in files:
        kinds.setdefault(_location_of(item.file), item.rendered.content_type)
        uri = "/" + str(item.file)
        etags.append(f"    {_nginx_string(uri)} {_nginx_string(item.rendered.etag)};")
    blocks: list[str] = []
    for location, kind in kinds.items():
        blocks += [
            f"    location ~ {_nginx_string(location)} {{",
            "        types { }",
            f"        default_type {_nginx_string(kind)};",
            "        add_header ETag $wire_etag always;",
            '        add_header Cache-Control "public, max-age=60" always;',
            "        add_header X-Content-Type-Options nosniff always;",
            '        if ($wire_fresh ~ "^(.+):\\1$") {',
            "            return 304;",
            "        }",
            "        try_files $uri =404;",
            "    }",
        ]
    root = _nginx_string(str(out.resolve()))
    return "\n".join(
        [
            "# Generated by `wire export`: include inside http {} (and change the",
            "# listen line); serves the exported site as wire serves it. Regenerated",
            "# with every export: `nginx -s reload` to read it again.",
            "map_hash_bucket_size 256;  # one key per file, paths of stories' guids",
            f"map_hash_max_size {max(2048, 2 * len(etags))};",
            "map $uri $wire_etag {",
            '    default "";',
            *etags,
            "}",
            "map $http_if_none_match $wire_client_etag {",
            "    default $http_if_none_match;",
            '    "~^W/(?<strong>.*)$" $strong;',
            "}",
            "server {",
            "    listen 8080;",
            f"    root {root};",
            "    gzip_static on;",
            "    gzip_vary on;",
            "    etag off;",
            "    if_modified_since before;",
            '    set $wire_fresh "$wire_etag:$wire_client_etag";',
            '    if ($arg_before ~ "^[A-Za-z0-9_=-]+$") {',
            "        rewrite ^/feeds/([^/]+)$ /feeds/archive/$arg_before/$1? last;",
            "    }",
            *blocks,
            "    location = / {",
            "        types { }",
            '        default_type "text/html; charset=utf-8";',
            "        try_files /index.html =404;",
            "    }",
            "    location / {",
            "        return 404;",
            "    }",
            "}",
            "",
        ]
    )


async def export_site(publisher: Publisher, out: Path) -> ExportReport:
    """Export the public site into ``out`` (made if need be); see the module."""
    report = ExportReport()
    files = await site_files(publisher, report)
    await asyncio.to_thread(write_site, out, files, report)
    return report
