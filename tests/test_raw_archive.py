"""The raw archive can be read back: every input byte for byte, and the story
versions it made, by sha256 over the API and from the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.desk_client import EDITOR, Client, problem
from wire.cli import main

COPY = Path(__file__).resolve().parent / "fixtures" / "raw" / "ap-washington.txt"


async def pushed(client: Client) -> tuple[bytes, dict[str, object]]:
    data = COPY.read_bytes()
    resp = await client.post(
        "/api/v1/stories?source=agency",
        data=data,
        headers={**EDITOR, "Content-Type": "text/plain; charset=utf-8"},
    )
    assert resp.status == 201, await resp.text()
    return data, await resp.json()


async def test_an_archived_input_is_served_byte_for_byte_and_never_rendered(
    client: Client,
) -> None:
    data, _story = await pushed(client)
    sha = hashlib.sha256(data).hexdigest()
    resp = await client.get(f"/api/v1/raw/{sha}", headers=EDITOR)
    assert resp.status == 200
    assert await resp.read() == data
    assert resp.content_type == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Wire-Media-Type"].startswith("text/plain")


async def test_the_versions_an_input_made_are_listed(client: Client) -> None:
    data, story = await pushed(client)
    sha = hashlib.sha256(data).hexdigest()
    resp = await client.get(f"/api/v1/raw/{sha.upper()}/stories", headers=EDITOR)
    assert resp.status == 200
    body = await resp.json()
    assert body["sha256"] == sha
    assert body["size"] == len(data)
    assert body["source"] == "agency"
    assert body["versions"] == [{"guid": story["guid"], "version": 1}]


async def test_an_unknown_or_malformed_sha256_is_404(client: Client) -> None:
    await problem(await client.get(f"/api/v1/raw/{'0' * 64}", headers=EDITOR), 404)
    await problem(await client.get("/api/v1/raw/not-a-digest", headers=EDITOR), 404)


async def test_the_archive_is_for_editors_only(client: Client) -> None:
    data, _ = await pushed(client)
    await problem(await client.get(f"/api/v1/raw/{hashlib.sha256(data).hexdigest()}"), 401)


def config_file(tmp_path: Path) -> Path:
    config = tmp_path / "wire.toml"
    config.write_text(
        f'[server]\ndata_dir = "{tmp_path / "data"}"\n\n'
        '[[sources]]\nname = "desk"\nkind = "push"\n\n'
        '[[feeds]]\nname = "all"\ntitle = "All"\n',
        encoding="utf-8",
    )
    return config


def test_wire_raw_prints_the_bytes_and_what_they_made(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    config = config_file(tmp_path)
    assert main(["ingest", "--config", str(config), "--source", "desk", str(COPY)]) == 0
    capsysbinary.readouterr()
    sha = hashlib.sha256(COPY.read_bytes()).hexdigest()
    assert main(["raw", "--config", str(config), sha]) == 0
    assert capsysbinary.readouterr().out == COPY.read_bytes()
    assert main(["raw", "--config", str(config), "--stories", sha]) == 0
    summary = json.loads(capsysbinary.readouterr().out)
    assert summary["name"] == str(COPY) or summary["name"].endswith(COPY.name)
    assert [v["version"] for v in summary["versions"]] == [1]
    out = tmp_path / "copy.bin"
    assert main(["raw", "--config", str(config), "--out", str(out), sha]) == 0
    assert out.read_bytes() == COPY.read_bytes()


def test_wire_raw_says_what_is_wrong(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    config = config_file(tmp_path)
    assert main(["raw", "--config", str(config), "xyz"]) == 2
    assert main(["raw", "--config", str(config), "0" * 64]) == 1
    assert b"no raw input" in capsysbinary.readouterr().err


async def test_story_json_the_desk_refuses_is_archived_and_recorded(client: Client) -> None:
    body = json.dumps({"headline": "   ", "body": ["Text."]}).encode()
    resp = await client.post(
        "/api/v1/stories", data=body, headers={**EDITOR, "Content-Type": "application/json"}
    )
    await problem(resp, 422)
    sha = hashlib.sha256(body).hexdigest()
    failures = (await (await client.get("/api/v1/failures", headers=EDITOR)).json())["failures"]
    assert [f["raw_sha256"] for f in failures] == [sha]
    kept = await client.get(f"/api/v1/raw/{sha}", headers=EDITOR)
    assert await kept.read() == body
