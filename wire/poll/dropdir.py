"""Drop folders: each finished file in a source's folder is ingested, then filed away.

A file that became stories moves to ``done/``; one that did not moves to
``failed/`` with ``<file>.error`` beside it giving the reason. Nothing is ever
deleted or overwritten: a name already taken gets a ``-1``, ``-2``… suffix. One bad
file never stops the batch; only a store that refuses writes does, and then the
file stays where it was, to be tried again on the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from wire.config import SourceConfig
from wire.errors import DropFolderError, StoreError
from wire.intake import IngestOutcome
from wire.service import Wire
from wire.store.base import IngestFailure

log = logging.getLogger(__name__)

__all__ = ["DONE", "FAILED", "DropRun", "FileResult", "left_alone", "pending_files", "run"]

DONE = "done"
FAILED = "failed"
SETTLE_SECONDS = 5.0  # a file changed more recently than this may still be being written
_IN_PROGRESS = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".swp", "~")
"""Names upload tools give files they are still writing (and editors' backups)."""


def left_alone(name: str) -> bool:
    """Whether a file of this name is not an input: hidden, or named as an upload
    in progress. Drop folders and ``wire ingest DIR`` both skip them."""
    return name.startswith(".") or name.lower().endswith(_IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file of a run: where it went, and what became of it."""

    name: str
    moved_to: Path
    outcome: IngestOutcome | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class DropRun:
    """Every file one run handled, in the order it handled them."""

    files: tuple[FileResult, ...] = ()

    @property
    def seen(self) -> int:
        return sum(len(f.outcome.stories) for f in self.files if f.outcome)

    @property
    def stored(self) -> int:
        return sum(f.outcome.stored for f in self.files if f.outcome)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if not f.ok)


def pending_files(
    folder: Path, *, now: float | None = None, settle: float = SETTLE_SECONDS
) -> list[Path]:
    """The files ready to ingest, oldest first: regular files directly in ``folder``,
    not hidden, not named as in-progress downloads, not modified in the last
    ``settle`` seconds (``now`` is a POSIX timestamp; default: the current time)."""
    now = time.time() if now is None else now
    ready: list[tuple[float, str, Path]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if left_alone(entry.name):
                continue
            if not entry.is_file(follow_symlinks=False):
                continue  # done/, failed/, other folders, symlinks
            mtime = entry.stat(follow_symlinks=False).st_mtime
            if now - mtime < settle:
                continue
            ready.append((mtime, entry.name, Path(entry.path)))
    return [path for _, _, path in sorted(ready)]


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-1``, ``name-2``… (before the suffix) if taken."""
    target = folder / name
    stem, suffix = os.path.splitext(name)
    n = 0
    while target.exists() or target.with_name(target.name + ".error").exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = _free_name(folder, path.name)
    path.rename(target)
    return target


def _file_failed(path: Path, folder: Path, reason: str, sha256: str | None) -> Path:
    target = _move(path, folder / FAILED)
    note = f"{path.name}: {reason}\n"
    if sha256:
        note += f"raw sha256: {sha256}\n"
    target.with_name(target.name + ".error").write_text(note, encoding="utf-8")
    return target


def _list(folder: Path, now: float | None, settle: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return pending_files(folder, now=now, settle=settle)


class StillWriting(Exception):
    """The file changed between listing and reading: left for the next run."""


def _read(path: Path, max_bytes: int) -> bytes | int:
    """The file's bytes, or its size when that is over ``max_bytes`` (left unread).

    Raises ``StillWriting`` when its size or mtime moved while it was read: a slow
    upload that paused longer than the settle time must not be taken half-written."""
    before = path.stat()
    if before.st_size > max_bytes:
        return before.st_size
    data = path.read_bytes()
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or len(
        data
    ) != after.st_size:
        raise StillWriting(path.name)
    return data


async def run(
    wire: Wire, source: SourceConfig, *, now: float | None = None, settle: float = SETTLE_SECONDS
) -> DropRun:
    """Ingest every ready file in ``source.location`` and file it under done/ or failed/.

    Raises ``DropFolderError`` when the folder cannot be used and ``StoreError``
    when the store refuses a write (the file at hand stays in place). File system
    work runs in a thread so a slow disk never blocks the event loop."""
    if not source.location:
        raise DropFolderError(source.name, "no location configured")
    folder = Path(source.location)
    try:
        paths = await asyncio.to_thread(_list, folder, now, settle)
    except OSError as exc:
        raise DropFolderError(str(folder), f"cannot read: {exc.strerror or exc}") from exc
    max_bytes = wire.config.server.max_body_bytes
    results: list[FileResult] = []
    for path in paths:
        results.append(await _one(wire, source, folder, path, max_bytes))
    return DropRun(tuple(results))


async def _one(
    wire: Wire, source: SourceConfig, folder: Path, path: Path, max_bytes: int
) -> FileResult:
    name = path.name
    try:
        data = await asyncio.to_thread(_read, path, max_bytes)
    except FileNotFoundError:  # taken away between listing and reading
        return FileResult(name, path, error="vanished before it could be read")
    except StillWriting:
        return FileResult(name, path, error="still being written; left for the next run")
    if isinstance(data, int):
        reason = f"InputTooLarge: {data} bytes is over the {max_bytes}-byte limit"
        failure = IngestFailure(None, source.name, name, reason, wire.clock())
        await wire.store.record_failure(failure)
        moved = await asyncio.to_thread(_file_failed, path, folder, reason, None)
        return FileResult(name, moved, error=reason)
    sha = hashlib.sha256(data).hexdigest()
    try:
        outcome = await wire.ingest(
            data, name=name, fmt=source.format, source=source.name, fetched_at=wire.clock()
        )
    except StoreError:
        raise
    except Exception as exc:  # a parser bug must not stop the batch; the raw is archived
        log.exception("drop file crashed the ingest", extra={"input": name})
        reason = f"internal error: {type(exc).__name__}: {exc}"
        await wire.store.record_failure(IngestFailure(sha, source.name, name, reason, wire.clock()))
        moved = await asyncio.to_thread(_file_failed, path, folder, reason, sha)
        return FileResult(name, moved, error=reason)
    if outcome.error is not None:
        reason = f"{type(outcome.error).__name__}: {outcome.error.reason}"
        moved = await asyncio.to_thread(_file_failed, path, folder, reason, sha)
        return FileResult(name, moved, outcome=outcome, error=reason)
    moved = await asyncio.to_thread(_move, path, folder / DONE)
    return FileResult(name, moved, outcome=outcome)
