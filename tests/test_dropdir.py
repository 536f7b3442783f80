"""Drop folders: files in, stories stored, files filed under done/ or failed/, nothing lost."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from wire.config import Config, ServerSettings, SourceConfig, SourceKind
from wire.errors import DropFolderError
from wire.poll import dropdir
from wire.service import Wire
from wire.store import SQLStore

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"
LATER = time.time() + 3600  # "now" for runs that should see every file as finished (an hour:
# it is taken when the module is imported, minutes before a long suite reaches these tests)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def make_wire(store: SQLStore, tmp_path: Path, *, max_body_bytes: int = 1024 * 1024) -> Wire:
    server = ServerSettings(data_dir=tmp_path, max_body_bytes=max_body_bytes)
    return Wire(Config(server=server), store)


def drop(inbox: Path, fixture: str, name: str | None = None) -> Path:
    target = inbox / (name or fixture)
    shutil.copyfile(UPSTREAM / fixture, target)
    return target


def source(inbox: Path) -> SourceConfig:
    return SourceConfig(name="inbox", kind=SourceKind.DIR, location=str(inbox))


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


async def test_a_good_file_is_stored_and_moved_to_done(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    drop(inbox, "world-1.rss")
    run = await dropdir.run(make_wire(store, tmp_path), source(inbox), now=LATER)
    assert (run.seen, run.stored, run.failed) == (2, 2, ())
    assert tree(inbox) == ["done/world-1.rss"]
    story = await store.get("urn:example:world:1001")
    assert story is not None
    assert story.origin.source == "inbox"


async def test_a_bad_file_moves_to_failed_with_the_reason_beside_it(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    drop(inbox, "xxe.rss")
    run = await dropdir.run(make_wire(store, tmp_path), source(inbox), now=LATER)
    [result] = run.failed
    assert result.moved_to == inbox / "failed" / "xxe.rss"
    assert tree(inbox) == ["failed/xxe.rss", "failed/xxe.rss.error"]
    note = (inbox / "failed" / "xxe.rss.error").read_text(encoding="utf-8")
    assert note.startswith("xxe.rss: UnsafeXML: ")
    assert (inbox / "failed" / "xxe.rss").read_bytes() == (UPSTREAM / "xxe.rss").read_bytes()
    [failure] = await store.failures()
    assert (failure.source, failure.name) == ("inbox", "xxe.rss")


async def test_the_batch_goes_on_after_a_bad_file(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    first = drop(inbox, "truncated.rss", "a-truncated.rss")
    second = drop(inbox, "world-1.rss", "b-world.rss")
    os.utime(first, (LATER - 30, LATER - 30))
    os.utime(second, (LATER - 20, LATER - 20))
    run = await dropdir.run(make_wire(store, tmp_path), source(inbox), now=LATER)
    assert [(f.name, f.ok) for f in run.files] == [
        ("a-truncated.rss", False),
        ("b-world.rss", True),
    ]
    assert tree(inbox) == [
        "done/b-world.rss",
        "failed/a-truncated.rss",
        "failed/a-truncated.rss.error",
    ]
    assert run.stored == 2


async def test_nothing_is_deleted_or_overwritten_when_names_collide(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    wire = make_wire(store, tmp_path)
    for fixture in ("world-1.rss", "world-2.rss"):
        drop(inbox, fixture, "world.rss")
        await dropdir.run(wire, source(inbox), now=LATER)
    for fixture in ("truncated.rss", "xxe.rss"):
        drop(inbox, fixture, "bad.rss")
        await dropdir.run(wire, source(inbox), now=LATER)
    assert tree(inbox) == [
        "done/world-1.rss",
        "done/world.rss",
        "failed/bad-1.rss",
        "failed/bad-1.rss.error",
        "failed/bad.rss",
        "failed/bad.rss.error",
    ]
    assert (inbox / "done" / "world.rss").read_bytes() == (UPSTREAM / "world-1.rss").read_bytes()
    assert (inbox / "done" / "world-1.rss").read_bytes() == (UPSTREAM / "world-2.rss").read_bytes()
    assert "UnsafeXML" in (inbox / "failed" / "bad-1.rss.error").read_text(encoding="utf-8")


async def test_files_still_being_written_are_left_alone(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    drop(inbox, "world-1.rss", "fresh.rss")  # modified just now
    drop(inbox, "world-1.rss", "upload.rss.part")
    drop(inbox, "world-1.rss", ".hidden.rss")
    for name in ("upload.rss.part", ".hidden.rss"):
        os.utime(inbox / name, (LATER - 30, LATER - 30))
    run = await dropdir.run(make_wire(store, tmp_path), source(inbox), now=time.time())
    assert run.files == ()
    assert tree(inbox) == [".hidden.rss", "fresh.rss", "upload.rss.part"]


async def test_a_file_over_the_size_cap_is_failed_unread(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    drop(inbox, "world-2.rss")
    run = await dropdir.run(
        make_wire(store, tmp_path, max_body_bytes=500), source(inbox), now=LATER
    )
    [result] = run.failed
    assert result.error is not None
    assert result.error.startswith("InputTooLarge")
    assert tree(inbox) == ["failed/world-2.rss", "failed/world-2.rss.error"]


async def test_files_are_taken_oldest_first(store: SQLStore, inbox: Path, tmp_path: Path) -> None:
    newer = drop(inbox, "world-2.rss", "a.rss")
    older = drop(inbox, "world-1.rss", "b.rss")
    os.utime(newer, (LATER - 10, LATER - 10))
    os.utime(older, (LATER - 20, LATER - 20))
    run = await dropdir.run(make_wire(store, tmp_path), source(inbox), now=LATER)
    assert [f.name for f in run.files] == ["b.rss", "a.rss"]
    harbour = await store.history("urn:example:world:1001")
    assert len(harbour) == 2


async def test_a_missing_folder_is_created(store: SQLStore, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "inbox"
    run = await dropdir.run(make_wire(store, tmp_path), source(folder), now=LATER)
    assert run.files == ()
    assert folder.is_dir()


async def test_an_unusable_folder_is_a_drop_folder_error(store: SQLStore, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(DropFolderError):
        await dropdir.run(make_wire(store, tmp_path), source(blocker / "inbox"), now=LATER)


async def test_a_file_changed_in_the_last_five_seconds_is_left_for_the_next_run(
    store: SQLStore, inbox: Path, tmp_path: Path
) -> None:
    path = drop(inbox, "world-1.rss")
    now = time.time()
    os.utime(path, (now - 2, now - 2))  # a slow upload that paused two seconds ago
    wire = make_wire(store, tmp_path)
    assert (await dropdir.run(wire, source(inbox), now=now)).files == ()
    os.utime(path, (now - 6, now - 6))
    run = await dropdir.run(wire, source(inbox), now=now)
    assert [f.name for f in run.files] == ["world-1.rss"]


@pytest.mark.parametrize("name", ["story.rss~", "story.rss.filepart", ".story.rss.swp", "s.tmp"])
async def test_upload_and_backup_names_are_never_taken(
    store: SQLStore, inbox: Path, tmp_path: Path, name: str
) -> None:
    drop(inbox, "world-1.rss", name)
    os.utime(inbox / name, (LATER - 60, LATER - 60))
    assert (await dropdir.run(make_wire(store, tmp_path), source(inbox), now=LATER)).files == ()
