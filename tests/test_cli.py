"""The ``wire`` command as a user runs it: ingest the sample, keys, render, serve + SIGTERM."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from wire.cli import build_parser, feed_urls, main
from wire.config import parse_config
from wire.store import SQLStore, sqlite_dsn

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
