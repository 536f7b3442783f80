"""The config: the example loads, every key is documented, bad files are refused by key."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from wire.cli import main
from wire.config import (
    DuplicateSettings,
    EditorKeyConfig,
    FeedSpec,
    PartnerConfig,
    ServerSettings,
    SourceConfig,
    SourceKind,
    load_config,
    parse_config,
)
from wire.errors import ConfigError

from .conftest import FIXTURES, ROOT

EXAMPLE = ROOT / "config.example.toml"


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.feed("all") is not None
    assert config.feed("all").filter.sources == ()  # type: ignore[union-attr]


def test_example_defines_the_mina_english_source() -> None:
    source = load_config(EXAMPLE).source("mina-en")
    assert source is not None
    assert source.policy.provider == "Mi’raj News Agency"
    assert source.policy.abbreviation == "MINA"
    assert source.policy.credit_line == "Mi’raj News Agency (MINA)"
    assert source.policy.language == "en"


def test_every_schema_key_is_documented_in_the_example() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")

    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    sections = {
        "server": schema["properties"]["server"]["properties"],
        "duplicates": schema["properties"]["duplicates"]["properties"],
        "sources": schema["properties"]["sources"]["items"]["properties"],
        "feeds": schema["properties"]["feeds"]["items"]["properties"],
        "partners": schema["properties"]["partners"]["items"]["properties"],
        "editor_keys": schema["properties"]["editor_keys"]["items"]["properties"],
    }
    for section, keys in sections.items():
        for key in keys:
            assert re.search(rf"^#?\s*{key}\s*=", text, re.M) or f"[{section}.{key}]" in text, (
                f"{section}.{key} is not shown in config.example.toml"
            )


@pytest.mark.parametrize(
    ("fixture", "key"),
    [
        ("bad_poll_interval.toml", "sources[0].poll_interval"),
        ("unknown_key.toml", "server.colour"),
        ("missing_location.toml", "sources[0]"),
        ("unknown_feed_source.toml", "feeds[0].filter.sources"),
    ],
)
def test_bad_config_names_the_key(fixture: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(FIXTURES / "config" / fixture)
    assert info.value.key.startswith(key)


def test_not_toml_is_refused_with_the_file_named() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(FIXTURES / "config" / "not_toml.toml")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_duplicate_source_names_are_refused(tmp_path: Path) -> None:
    raw = {"sources": [{"name": "a", "kind": "push"}, {"name": "a", "kind": "push"}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, base_dir=tmp_path, env={})
    assert info.value.key == "sources[1].name"


def test_partner_feed_must_exist(tmp_path: Path) -> None:
    raw = {"partners": [{"name": "daily", "feeds": ["nope"]}]}
    with pytest.raises(ConfigError, match="no feed named 'nope'"):
        parse_config(raw, base_dir=tmp_path, env={})


def test_env_overrides_server_keys(tmp_path: Path) -> None:
    config = parse_config(
        {"server": {"port": 8080}},
        base_dir=tmp_path,
        env={"WIRE_SERVER_PORT": "9001", "WIRE_SERVER_LOAD_DEMO": "true"},
    )
    assert config.server.port == 9001
    assert config.server.load_demo is True


def test_env_override_of_the_wrong_type_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({}, base_dir=tmp_path, env={"WIRE_SERVER_PORT": "eighty"})
    assert info.value.key == "server.port"


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = parse_config({"server": {"data_dir": "d"}}, base_dir=tmp_path, env={})
    assert config.server.data_dir == tmp_path / "d"
    assert config.server.database_url.endswith(str(tmp_path / "d" / "wire.sqlite3"))


def test_check_config_exits_2_naming_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-config", "--config", str(FIXTURES / "config" / "bad_poll_interval.toml")])
    assert code == 2
    err = capsys.readouterr().err
    assert "sources[0].poll_interval" in err


def test_check_config_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(EXAMPLE)]) == 0
    assert "ok" in capsys.readouterr().out


def test_feeds_lists_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "--config", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.splitlines() == ["all"]


def test_keys_left_out_take_the_dataclass_defaults(tmp_path: Path) -> None:
    """Every default is stated once, on the dataclass: a minimal config is the defaults."""
    config = parse_config(
        {
            "sources": [{"name": "desk", "kind": "push"}],
            "feeds": [{"name": "all", "title": "All"}],
            "partners": [{"name": "p"}],
            "editor_keys": [{"name": "e", "hash": "sha256:" + "0" * 64}],
        },
        base_dir=tmp_path,
        env={},
    )
    default = ServerSettings()
    assert replace(config.server, data_dir=default.data_dir, base_url="") == default
    assert config.server.base_url == f"http://{default.host}:{default.port}"  # where it listens
    assert config.server.data_dir == tmp_path / ServerSettings().data_dir
    assert config.sources == (SourceConfig("desk", SourceKind.PUSH),)
    assert config.feeds == (FeedSpec("all", "All"),)
    assert config.partners == (PartnerConfig("p"),)
    assert config.editor_keys == (EditorKeyConfig("e", "sha256:" + "0" * 64),)
    assert config.duplicates == DuplicateSettings()
