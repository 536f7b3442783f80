"""The ``wire`` command as a user runs it: ingest the sample, keys, render, serve + SIGTERM."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

import wire
from wire.cli import build_parser, feed_urls, main
from wire.clock import utcnow
from wire.config import parse_config
from wire.model import Audience, FeedFilter
from wire.store import SQLStore, sqlite_dsn
from wire.store.base import Delivery, DeliveryKind, DeliveryState
from wire.tokens import hash_token

from .conftest import ROOT

SAMPLE = "samples/raw/mina-russia-recognizes-taliban.txt"
EXPECTED = "samples/expected/mina-russia-recognizes-taliban.json"


def write_config(tmp_path: Path, port: int = 8080) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = "data"', f'data_dir = "{tmp_path / "data"}"')
    text = text.replace('location = "data/inbox/mina-en"', f'location = "{tmp_path / "inbox"}"')
    text = text.replace("port = 8080", f"port = {port}")
    text = text.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{port}")
    path = tmp_path / "wire.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (
        ["serve"],
        ["check-config"],
        ["feeds"],
        ["ingest"],
        ["render"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke"],
        ["sources"],
        ["deliveries"],
    ):
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args([*command, "--help"])
        assert info.value.code == 0
        assert "usage: wire" in capsys.readouterr().out


def test_ingest_reproduces_the_expected_sample(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "ingest",
            str(shared / SAMPLE),
            "--config",
            str(ROOT / "config.example.toml"),
            "--source",
            "mina-en",
            "--fetched-at",
            "2025-07-04T02:00:00Z",
            "--json",
            "--dry-run",
        ]
    )
    assert code == 0
    got = json.loads(capsys.readouterr().out)
    expected = json.loads((shared / EXPECTED).read_text(encoding="utf-8"))
    expected.pop("input")
    assert {key: got[key] for key in expected} == expected


def test_ingest_stores_once_and_again_stores_nothing(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    args = [
        "ingest",
        str(shared / SAMPLE),
        "--config",
        str(config),
        "--source",
        "mina-en",
        "--fetched-at",
        "2025-07-04T02:00:00Z",
    ]
    assert main(args) == 0
    assert capsys.readouterr().out.strip().endswith("v1 created")
    assert main(args) == 0
    assert capsys.readouterr().out.strip().endswith("v1 unchanged")
    assert main([*args, "--json"]) == 0  # what the input holds, though nothing was stored
    assert json.loads(capsys.readouterr().out)["headline"].startswith("Russia Officially")


def test_ingest_bad_file_fails_and_the_batch_goes_on(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    example = str(ROOT / "config.example.toml")  # where the source mina-en is defined
    code = main(
        [
            "ingest",
            str(empty),
            str(shared / SAMPLE),
            "--source",
            "mina-en",
            "--config",
            example,
            "--dry-run",
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "empty.txt" in captured.err
    assert json.loads(captured.out)[0]["headline"].startswith("Russia Officially")


def test_keys_create_prints_the_key_last_and_stores_only_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert main(["keys", "create", "--role", "editor", "--config", str(config)]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("wire_ed_")
    database = (tmp_path / "data" / "wire.sqlite3").read_bytes()
    assert key.encode() not in database


def test_render_prints_the_public_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["render", "all", "--format", "rss", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("<?xml")


def test_render_unknown_feed_exits_2(tmp_path: Path) -> None:
    assert main(["render", "nope", "--format", "rss", "--config", str(write_config(tmp_path))]) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_shows_demo_feeds_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    config = write_config(tmp_path, port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/feeds/all.rss"
                with urllib.request.urlopen(url, timeout=10) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert b"<item>" in body, "demo stories should be in the feed at once"
        assert _keep_alive_polls(port) == (body, 304)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert b"/feeds/all.rss" in out
    assert b"Traceback" not in err


def _keep_alive_polls(port: int) -> tuple[bytes, int]:
    """Two polls on one keep-alive connection, as feed readers make them: the
    second, with the first's ETag, must be a 304 (the shortcut answers both)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/feeds/all.rss")
        first = conn.getresponse()
        body = first.read()
        conn.request("GET", "/feeds/all.rss", headers={"If-None-Match": first.headers["ETag"]})
        second = conn.getresponse()
        second.read()
        return body, second.status
    finally:
        conn.close()


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:25])
    commands = [line for line in first_screen.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert "wire serve --config config.example.toml" in commands[0]
    assert "pytest" in commands[1]
    assert "pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_sources_lists_each_configured_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", "--json", "--config", str(write_config(tmp_path))]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["mina-en", "desk"]
    assert rows[0]["items_seen"] == 0


def test_deliveries_with_none_dead_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deliveries", "--config", str(write_config(tmp_path))]) == 0
    assert "no dead letters" in capsys.readouterr().err


def test_serve_lists_only_the_formats_each_feed_serves(tmp_path: Path) -> None:
    raw = {
        "server": {"data_dir": str(tmp_path), "base_url": "http://wire.test/"},
        "feeds": [{"name": "wire", "title": "Wire", "formats": ["rss", "ninjs"]}],
    }
    config = parse_config(raw, base_dir=tmp_path, env={})
    assert feed_urls(config) == [
        "http://wire.test/feeds/wire.rss",
        "http://wire.test/feeds/wire.json",
    ]


@pytest.mark.parametrize("fmt", ["rss", "atom", "newsml", "ninjs"])
def test_render_prints_exactly_the_bytes_the_server_serves(
    tmp_path: Path, capfdbinary: pytest.CaptureFixture[bytes], fmt: str
) -> None:
    port = _free_port()
    config = write_config(tmp_path, port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ext = {"rss": "rss", "atom": "atom", "newsml": "xml", "ninjs": "json"}[fmt]
    try:
        served = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/all.{ext}") as r:
                    served = r.read()
                break
            except OSError:
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert served, "the server did not answer"
    capfdbinary.readouterr()
    assert main(["render", "all", "--format", fmt, "--config", str(config)]) == 0
    assert capfdbinary.readouterr().out == served


def test_keys_list_shows_hash_prefixes_and_revoke_removes_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    assert main(["keys", "create", "--role", "admin", "--name", "night", "--config", config]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["keys", "list", "--config", config]) == 0
    listing = capsys.readouterr().out
    assert "night" in listing
    assert key not in listing
    prefix = listing.split()[0]
    assert main(["keys", "revoke", prefix, "--config", config]) == 0
    assert "revoked the editor key of night" in capsys.readouterr().out
    assert main(["keys", "list", "--config", config]) == 0
    assert capsys.readouterr().out == ""


def test_revoking_an_unknown_prefix_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "revoke", "sha256:0000", "--config", str(write_config(tmp_path))]) == 1
    assert "no key" in capsys.readouterr().err


def test_ingest_keeps_batches_in_the_order_of_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Batches are read while the one before is stored, and still stored in the
    order of the files: seven undated versions of one story, two per batch, end
    up as versions 1 to 7 in that order; a missing file is reported in its place."""
    config = write_config(tmp_path)
    paths = []
    for n in range(1, 8):
        doc = {"uri": "urn:mina:one", "headline": "Talks resume", "body_text": f"copy {n} " * 20}
        path = tmp_path / f"v{n}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(str(path))
    paths.insert(3, str(tmp_path / "missing.json"))
    args = ["ingest", *paths, "--config", str(config), "--source", "mina-en", "--batch", "2"]
    assert main(args) == 1  # the missing file
    captured = capsys.readouterr()
    named = [line.split(":")[0] for line in captured.out.splitlines()]
    assert named == [p for p in paths if "missing" not in p]
    assert "missing.json" in captured.err
    assert [line.split()[-2:] for line in captured.out.splitlines()][:2] == [
        ["v1", "created"],
        ["v2", "updated"],
    ]

    async def bodies() -> list[str]:
        async with SQLStore(sqlite_dsn(tmp_path / "data")) as store:
            return [v.body[0].split()[1] for v in await store.history("urn:mina:one")]

    assert asyncio.run(bodies()) == ["1", "2", "3", "4", "5", "6", "7"]


def _serve_until_desk_line(config: Path) -> tuple[subprocess.Popen[bytes], list[str]]:
    """``wire serve`` started, and what it printed up to its line of links (the one
    ending in ``/healthz``) and the line after it, if one comes within seconds."""
    import select

    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while (line := proc.stdout.readline().decode()) and not line.strip().endswith("/healthz"):
        lines.append(line.strip())
    if select.select([proc.stdout], [], [], 5)[0]:
        lines.append(proc.stdout.readline().decode().strip())
    return proc, lines


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_demo_install_prints_one_admin_key_for_the_desk_once(tmp_path: Path) -> None:
    port = _free_port()
    config = write_config(tmp_path, port)
    proc, lines = _serve_until_desk_line(config)
    try:
        [desk] = [line for line in lines if "desk:" in line]
        assert f"http://127.0.0.1:{port}/desk" in desk
        key = desk.rsplit(" ", 1)[1]
        assert key.startswith("wire_ed_")
        deadline = time.monotonic() + 30
        while True:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/stories",
                headers={"Authorization": f"Bearer {key}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        _stop(proc)
    again, lines = _serve_until_desk_line(config)
    _stop(again)
    assert not [line for line in lines if "desk:" in line]  # the key exists: no second one


def test_a_port_in_use_is_one_line_and_exit_1_with_nothing_started(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, port)
        done = subprocess.run(
            [sys.executable, "-m", "wire", "serve", "--config", str(config)],
            capture_output=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr.decode().strip().splitlines() == [
        f"wire: cannot listen on 127.0.0.1:{port}: the address is in use"
    ]
    assert done.stdout == b""
    assert not (tmp_path / "data" / "wire.sqlite3").exists()  # no migration ran


def test_the_port_given_on_the_command_line_moves_the_base_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, 8080)  # the example: no base_url of its own
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        assert f"(public base URL http://127.0.0.1:{port})" in first
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/feeds/all.atom") as r:
                    atom = r.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert f'href="http://127.0.0.1:{port}/feeds/all.atom" rel="self"'.encode() in atom
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_a_base_url_in_the_config_stays_whatever_the_port(tmp_path: Path) -> None:
    config = parse_config(
        {"server": {"base_url": "https://wire.example.org", "data_dir": str(tmp_path)}},
        base_dir=tmp_path,
        env={},
    )
    from wire.config import serving_at

    assert serving_at(config, "0.0.0.0", 9000).server.base_url == "https://wire.example.org"
    bare = parse_config({"server": {"data_dir": str(tmp_path)}}, base_dir=tmp_path, env={})
    assert bare.server.base_url == "http://127.0.0.1:8080"
    assert serving_at(bare, "0.0.0.0", 9000).server.base_url == "http://127.0.0.1:9000"
    assert serving_at(bare, "::", 9000).server.base_url == "http://[::1]:9000"


RELOADED = """
[[feeds]]
name = "late"
title = "Added while running"

[[partners]]
name = "newcomer"
feeds = ["late"]
[[partners.tokens]]
hash = "{hash}"
"""


def _status(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            status: int = answer.status
            return status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0  # not listening yet


def _until(condition: Callable[[], bool], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within the time")
        time.sleep(0.2)


def test_sighup_reloads_partners_and_feeds_and_keeps_them_through_a_bad_file(
    tmp_path: Path,
) -> None:
    from wire.tokens import hash_token

    port = _free_port()
    config = write_config(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _until(lambda: _status(f"{base}/healthz") == 200)
        assert _status(f"{base}/feeds/late.rss") == 404
        token = "wire_pt_reloaded-token"
        original = config.read_text(encoding="utf-8")
        config.write_text(original + RELOADED.format(hash=hash_token(token)), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        _until(lambda: _status(f"{base}/feeds/late.rss") == 200)
        assert _status(f"{base}/api/v1/feeds/late/items", token) == 200  # the new partner

        config.write_text(original + "\n[[feeds]]\nname = 'no title'\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None  # still serving
        assert _status(f"{base}/feeds/late.rss") == 200  # the running config stayed
        assert _status(f"{base}/api/v1/feeds/late/items", token) == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    log = err.decode()
    assert "config reloaded" in log
    assert "config not reloaded: the running one stays" in log
    assert "feeds[1].title" in log or "title" in log
    assert "Traceback" not in log


# --version, listings ------------------------------------------------------------
def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``wire ARGS`` as a user runs it, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "wire", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_version_prints_the_installed_version() -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"wire {wire.__version__}"


async def _dead_letter(data_dir: Path) -> None:
    async with SQLStore(sqlite_dsn(data_dir)) as store:
        dead = Delivery(
            "msg_1", DeliveryKind.WEBHOOK, "https://daily.example/hook", b"{}", subject="daily"
        )
        await store.enqueue(dead)
        await store.update_delivery(replace(dead, attempts=8, state=DeliveryState.DEAD))


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (["feeds"], "urls"),
        (["sources"], "items_seen"),
        (["keys", "list"], "hash"),
        (["deliveries"], "target"),
    ],
)
def test_every_listing_command_prints_json_and_nl_of_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], key: str
) -> None:
    config = str(write_config(tmp_path))
    assert main(["keys", "create", "--role", "admin", "--config", config]) == 0
    asyncio.run(_dead_letter(tmp_path / "data"))
    capsys.readouterr()
    assert main([*command, "--json", "--config", config]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows
    assert all(key in row for row in rows)
    assert main([*command, "--nl", "--config", config]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == rows


def test_json_and_nl_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["feeds", "--json", "--nl"])
    assert info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_feeds_json_gives_each_feed_its_settings_and_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feeds", "--json", "--config", str(write_config(tmp_path))]) == 0
    [feed] = json.loads(capsys.readouterr().out)
    assert feed["name"] == "all"
    assert feed["public"] is True
    assert feed["urls"] == [
        f"http://127.0.0.1:8080/feeds/all.{ext}" for ext in ("rss", "atom", "xml", "json")
    ]


def test_keys_list_json_shows_hashes_and_expiry_never_the_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    args = ["keys", "create", "--name", "night", "--expires", "2099-01-01T00:00:00Z"]
    assert main([*args, "--config", config]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["keys", "list", "--json", "--config", config]) == 0
    out = capsys.readouterr().out
    assert key not in out
    [row] = json.loads(out)
    assert row["hash"] == hash_token(key)
    assert (row["subject"], row["role"]) == ("night", "editor")
    assert (row["expires_at"], row["expired"]) == ("2099-01-01T00:00:00Z", False)


# ingest: folders, the summary, errors said once, the progress bar -----------------------
def _story(path: Path, n: int, body: str = "copy") -> Path:
    doc = {"uri": f"urn:mina:{n}", "headline": f"Story {n}", "body_text": f"{body} {n} " * 20}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_ingest_reads_a_folder_recursively_leaving_hidden_and_partial_files_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "inputs"
    _story(folder / "b.json", 2)
    _story(folder / "a" / "deeper" / "c.json", 3)
    _story(folder / "a" / "a.json", 1)
    _story(folder / ".hidden" / "h.json", 4)
    _story(folder / ".h.json", 5)
    _story(folder / "upload.json.part", 6)
    args = ["ingest", str(folder), "--config", str(write_config(tmp_path)), "--source", "desk"]
    assert main(args) == 0
    named = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert named == [
        str(folder / "a" / "a.json"),
        str(folder / "a" / "deeper" / "c.json"),
        str(folder / "b.json"),
    ]


def test_ingest_of_an_empty_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["ingest", str(tmp_path / "empty"), "--dry-run"]) == 0
    assert f"{tmp_path / 'empty'}: no files in it" in capsys.readouterr().err


def test_ingest_ends_with_a_summary_of_new_updated_unchanged_and_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    first, second = _story(tmp_path / "1.json", 1), _story(tmp_path / "2.json", 2)
    args = ["ingest", "--config", config, "--source", "desk"]
    assert main([*args, str(first), str(second)]) == 0
    summary = capsys.readouterr().err.splitlines()[-1]
    assert re.fullmatch(
        r"wire ingest: 2 inputs: 2 new, 0 updated, 0 unchanged, 0 failed; \d+\.\d s", summary
    )
    _story(second, 2, body="corrected")
    (tmp_path / "empty.json").write_bytes(b"")
    assert main([*args, str(first), str(second), str(tmp_path / "empty.json")]) == 1
    summary = capsys.readouterr().err.splitlines()[-1]
    assert summary.startswith("wire ingest: 3 inputs: 0 new, 1 updated, 1 unchanged, 1 failed; ")


def test_a_dry_run_summary_counts_the_stories_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(_story(tmp_path / "1.json", 1)), "--dry-run"]) == 0
    assert "1 input: 1 story read (dry run: nothing stored), 0 failed" in capsys.readouterr().err


def test_an_ingest_error_is_said_once_naming_the_input(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "empty.txt").write_bytes(b"")
    good = _story(tmp_path / "good.json", 1)
    done = _run(
        "ingest",
        str(tmp_path / "empty.txt"),
        str(good),
        "--config",
        str(config),
        "--source",
        "desk",
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[:-1] == [f"wire ingest: {tmp_path / 'empty.txt'}: the input is empty"]
    assert lines[-1].startswith("wire ingest: 2 inputs: 1 new, 0 updated, 0 unchanged, 1 failed")
    assert "\x1b[" not in done.stderr  # no terminal: no progress bar


def test_a_folder_given_where_a_file_is_expected_is_read_not_refused(tmp_path: Path) -> None:
    _story(tmp_path / "in" / "1.json", 1)
    done = _run("ingest", str(tmp_path / "in"), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Is a directory" not in done.stderr


def test_an_item_left_out_of_an_input_is_a_warning_naming_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "message.xml"
    message.write_bytes(
        b"""<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><header>
<sent>2026-11-30T10:00:00Z</sent></header><itemSet>
<newsItem guid="urn:m:video" version="1"><itemMeta><itemClass qcode="ninat:video"/>
</itemMeta><contentMeta/></newsItem>
<newsItem guid="urn:m:text" version="1"><itemMeta><itemClass qcode="ninat:text"/>
</itemMeta><contentMeta><headline>Text story</headline></contentMeta>
<contentSet><inlineXML contenttype="application/xhtml+xml">
<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Its text.</p></body></html>
</inlineXML></contentSet></newsItem>
</itemSet></newsMessage>"""
    )
    config = str(write_config(tmp_path))
    assert main(["ingest", str(message), "--config", config, "--source", "desk"]) == 0
    err = capsys.readouterr().err.splitlines()
    [warning] = [line for line in err if "urn:m:video" in line]
    assert warning.startswith(f"wire ingest: warning: {message}: newsItem urn:m:video")
    assert len(err) == 2  # the warning and the summary


def test_ingest_on_a_terminal_shows_a_progress_bar_and_still_the_summary(tmp_path: Path) -> None:
    paths = [str(_story(tmp_path / f"{n}.json", n)) for n in range(3)]
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wire", "ingest", *paths, "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "COLUMNS": "100"},
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    assert proc.wait(60) == 0
    assert "3/3" in seen.decode()
    assert "wire ingest: 3 inputs: 3 new, 0 updated, 0 unchanged, 0 failed" in seen.decode()
    assert len(out.splitlines()) == 3  # stdout, a pipe, keeps only the stories


def test_ingest_nl_prints_one_story_a_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(_story(tmp_path / f"{n}.json", n)) for n in range(3)]
    assert main(["ingest", *paths, "--dry-run", "--nl"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["headline"] for d in docs] == ["Story 0", "Story 1", "Story 2"]


# expired keys ---------------------------------------------------------------------
def test_keys_create_warns_when_the_expiry_has_passed_and_list_marks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path))
    args = ["keys", "create", "--expires", "2020-01-01T00:00:00Z", "--config", config]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "warning: --expires 2020-01-01T00:00:00Z has passed" in captured.err
    assert captured.out.strip().splitlines()[-1].startswith("wire_ed_")
    assert main(["keys", "list", "--config", config]) == 0
    assert capsys.readouterr().out.rstrip().endswith("expires 2020-01-01T00:00:00Z (expired)")


def test_keys_create_with_a_future_expiry_warns_of_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["keys", "create", "--expires", "2099-01-01T00:00:00Z"]
    assert main([*args, "--config", str(write_config(tmp_path))]) == 0
    assert capsys.readouterr().err == ""


def test_check_config_warns_of_keys_in_the_file_that_have_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wire.toml"
    path.write_text(
        '[[partners]]\nname = "daily"\n[[partners.tokens]]\n'
        f'hash = "sha256:{"0" * 64}"\nexpires = "2020-01-01T00:00:00Z"\n',
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(path)]) == 0
    assert (
        "wire check-config: warning: partners[0].tokens[0] (partner daily) expired "
        "2020-01-01T00:00:00Z" in capsys.readouterr().err
    )


# which config, which store ------------------------------------------------------------
def test_check_config_names_the_keys_the_environment_set_and_not_their_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRE_SERVER__DATABASE", "postgresql://wire:s3cr3t@db/wire")
    assert main(["check-config", "--config", str(ROOT / "config.example.toml")]) == 0
    out = capsys.readouterr().out
    assert "set by the environment: server.database (WIRE_SERVER__DATABASE)" in out
    assert "s3cr3t" not in out


def test_an_unknown_WIRE_variable_stops_a_command_naming_it() -> None:
    done = _run("feeds", WIRE_SERVER_PROT="9000")
    assert done.returncode == 2
    assert done.stderr.startswith("wire: config error: WIRE_SERVER_PROT: unknown variable")


def test_WIRE_CONFIG_stands_in_for_config(tmp_path: Path) -> None:
    done = _run("sources", "--json", WIRE_CONFIG=str(write_config(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert [row["name"] for row in json.loads(done.stdout)] == ["mina-en", "desk"]


def test_check_config_without_a_file_says_how_to_name_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIRE_CONFIG", raising=False)
    assert main(["check-config"]) == 2
    assert "give --config FILE or set WIRE_CONFIG" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["ingest", "story.json"],
        ["render", "all", "--format", "rss"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke", "sha256:00"],
        ["sources"],
        ["deliveries"],
        ["raw", "0" * 64],
    ],
)
def test_a_command_that_opens_a_store_refuses_without_config_or_data_dir(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIRE_CONFIG", raising=False)
    _story(tmp_path / "story.json", 1)
    assert main(command) == 2
    assert "which store? give --config FILE (or set WIRE_CONFIG), or --data-dir DIR" in (
        capsys.readouterr().err
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.json"]


def test_data_dir_is_enough_to_open_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIRE_CONFIG", raising=False)
    assert main(["keys", "create", "--data-dir", "store"]) == 0
    assert (tmp_path / "store" / "wire.sqlite3").is_file()
    assert not (tmp_path / "data").exists()


def test_a_store_named_by_the_environment_is_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIRE_CONFIG", raising=False)
    monkeypatch.setenv("WIRE_SERVER__DATA_DIR", str(tmp_path / "env-store"))
    assert main(["keys", "list"]) == 0
    assert (tmp_path / "env-store" / "wire.sqlite3").is_file()


def test_a_dry_run_opens_no_store_and_needs_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WIRE_CONFIG", raising=False)
    _story(tmp_path / "story.json", 1)
    assert main(["ingest", "story.json", "--dry-run"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.json"]


def test_a_warning_not_about_one_input_is_one_plain_line_with_its_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Library warnings during a command other than ``serve`` show as ``wire:
    warning: MESSAGE key=value`` (those about one input are the command's own
    to report, and are not repeated)."""
    config = str(write_config(tmp_path))
    story = str(_story(tmp_path / "same.json", 1))
    assert main(["ingest", story, "--config", config, "--source", "desk"]) == 0
    capsys.readouterr()
    assert main(["ingest", story, "--config", config, "--source", "mina-en"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "wire: warning: guid collision across sources guid=urn:mina:1"
    assert len(err) == 2  # and the summary


def test_export_writes_the_public_site_and_watch_follows_new_copy(
    tmp_path: Path, shared: Path
) -> None:
    config = write_config(tmp_path)
    out = tmp_path / "site"
    once = subprocess.run(
        [sys.executable, "-m", "wire", "export", str(out), "--config", str(config)],
        capture_output=True,
        timeout=120,
    )
    assert once.returncode == 0, once.stderr.decode()
    assert b"written" in once.stdout
    assert (out / "feeds" / "all.rss").exists()
    assert (out / "nginx.conf").exists()
    watcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wire",
            "export",
            str(out),
            "--config",
            str(config),
            "--watch",
            "--interval",
            "0.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ingest = subprocess.run(
            [
                sys.executable,
                "-m",
                "wire",
                "ingest",
                "--config",
                str(config),
                "--source",
                "mina-en",
                str(shared / SAMPLE),
            ],
            capture_output=True,
            timeout=120,
        )
        assert ingest.returncode == 0, ingest.stderr.decode()
        _until(lambda: b"Russia Officially Recognize" in (out / "feeds/all.rss").read_bytes())
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.communicate(timeout=20)


def test_backup_copies_a_sqlite_store_that_opens_with_every_story(
    tmp_path: Path, shared: Path
) -> None:
    config = write_config(tmp_path)
    main(["ingest", "--config", str(config), "--source", "mina-en", str(shared / SAMPLE)])
    copy = tmp_path / "backup.sqlite3"
    assert main(["backup", "--config", str(config), str(copy)]) == 0
    assert main(["backup", "--config", str(config), str(copy)]) == 1  # no overwrite unasked

    async def stories_in(url: str) -> list[str]:
        store = SQLStore(url)
        await store.open()
        try:
            found = await store.latest(
                FeedFilter(), audience=Audience(embargo_rights=True), now=utcnow(), limit=10
            )
            return [s.guid for s in found]
        finally:
            await store.close()

    live = asyncio.run(stories_in(sqlite_dsn(tmp_path / "data")))
    assert live
    assert asyncio.run(stories_in(f"sqlite+aiosqlite:///{copy}")) == live


def test_backup_of_a_postgresql_store_points_to_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    text = config.read_text().replace('database = ""', 'database = "postgresql://x@127.0.0.1/none"')
    config.write_text(text)
    assert main(["backup", "--config", str(config), str(tmp_path / "b")]) == 2
    assert "pg_dump" in capsys.readouterr().err
