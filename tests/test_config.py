"""The config: the example loads, every key is documented, bad files are refused by key."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wire.cli import main
from wire.config import (
    OTHER_VARIABLES,
    DuplicateSettings,
    EditorKeyConfig,
    FeedSpec,
    PartnerConfig,
    ServerSettings,
    SourceConfig,
    SourceKind,
    config_path,
    config_variables,
    default_config,
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


# The environment ----------------------------------------------------------------
HASH = "sha256:" + "ab" * 32
ENTRIES = {
    "sources": [{"name": "mina-en", "kind": "push"}],
    "feeds": [{"name": "all", "title": "All"}],
    "partners": [{"name": "daily-news", "feeds": ["all"]}],
    "editor_keys": [{"name": "night-desk", "hash": HASH}],
}


def test_every_key_of_the_schema_has_a_variable_of_the_documented_form() -> None:
    variables = config_variables(ENTRIES)
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    props = schema["properties"]
    expected = {f"WIRE_SERVER__{k.upper()}" for k in props["server"]["properties"]}
    expected |= {f"WIRE_DUPLICATES__{k.upper()}" for k in props["duplicates"]["properties"]}
    spelled = {"sources": "MINA_EN", "partners": "DAILY_NEWS", "editor_keys": "NIGHT_DESK"}
    for array, name in spelled.items():
        for key in props[array]["items"]["properties"]:
            if key != "name":
                expected.add(f"WIRE_{array.upper()}__{name}__{key.upper()}")
    for key in props["feeds"]["items"]["properties"]["filter"]["properties"]:
        expected.add(f"WIRE_FEEDS__ALL__FILTER__{key.upper()}")
    assert expected <= set(variables)


def test_the_environment_sets_keys_of_named_entries_typed_by_the_schema(tmp_path: Path) -> None:
    config = parse_config(
        ENTRIES,
        base_dir=tmp_path,
        env={
            "WIRE_SOURCES__MINA_EN__TIMEOUT": "7.5",
            "WIRE_FEEDS__ALL__PUBLIC": "no",
            "WIRE_FEEDS__ALL__SIZE": "20",
            "WIRE_FEEDS__ALL__FILTER__LANGUAGES": "en, ar",
            "WIRE_PARTNERS__DAILY_NEWS__EMBARGO": "on",
            "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_URL": "https://daily.example/hook",
            "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET": "whsec_c2VjcmV0",
            "WIRE_EDITOR_KEYS__NIGHT_DESK__ROLE": "admin",
            "WIRE_DUPLICATES__THRESHOLD": "0.9",
        },
    )
    assert config.sources[0].timeout == 7.5
    feed = config.feeds[0]
    assert (feed.public, feed.size, feed.filter.languages) == (False, 20, ("en", "ar"))
    partner = config.partners[0]
    assert partner.embargo is True
    assert partner.webhook_url == "https://daily.example/hook"
    assert partner.webhook_secret == "whsec_c2VjcmV0"
    assert config.editor_keys[0].role == "admin"
    assert config.duplicates.threshold == 0.9
    assert config.environment["partners[0].webhook_secret"] == (
        "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET"
    )


def test_partner_token_hashes_come_from_the_environment_as_json(tmp_path: Path) -> None:
    tokens = json.dumps([{"hash": HASH, "expires": "2027-01-01T00:00:00Z"}, {"hash": HASH}])
    config = parse_config(
        ENTRIES, base_dir=tmp_path, env={"WIRE_PARTNERS__DAILY_NEWS__TOKENS": tokens}
    )
    assert [t.hash for t in config.partners[0].tokens] == [HASH, HASH]
    assert config.partners[0].tokens[0].expires == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_list_of_tables_from_the_environment_must_be_json(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a JSON list of tables") as info:
        parse_config(ENTRIES, base_dir=tmp_path, env={"WIRE_PARTNERS__DAILY_NEWS__TOKENS": HASH})
    assert info.value.key == "partners[0].tokens"


def test_a_secret_is_read_from_the_file_named_by_its_FILE_variable(tmp_path: Path) -> None:
    secret = tmp_path / "webhook-secret"
    secret.write_text("whsec_c2VjcmV0\n", encoding="utf-8")
    config = parse_config(
        ENTRIES,
        base_dir=tmp_path,
        env={"WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET_FILE": str(secret)},
    )
    assert config.partners[0].webhook_secret == "whsec_c2VjcmV0"  # the newline dropped


def test_a_variable_and_its_FILE_form_together_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "s"
    secret.write_text("whsec_c2VjcmV0", encoding="utf-8")
    env = {
        "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET": "whsec_b3RoZXI=",
        "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET_FILE": str(secret),
    }
    with pytest.raises(ConfigError, match="both set: set one"):
        parse_config(ENTRIES, base_dir=tmp_path, env=env)


def test_a_FILE_variable_naming_no_readable_file_is_refused_by_name(tmp_path: Path) -> None:
    env = {"WIRE_SERVER__DATABASE_FILE": str(tmp_path / "absent")}
    with pytest.raises(ConfigError, match="cannot read") as info:
        parse_config({}, base_dir=tmp_path, env=env)
    assert info.value.key == "WIRE_SERVER__DATABASE_FILE"


@pytest.mark.parametrize(
    ("variable", "nearest"),
    [
        ("WIRE_SERVER_PROT", "WIRE_SERVER_PORT"),
        ("WIRE_SERVER__PROT", "WIRE_SERVER__PORT"),
        ("WIRE_PARTNERS__DAILY_NWES__WEBHOOK_SECRET", "WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET"),
    ],
)
def test_an_unknown_WIRE_variable_is_refused_with_the_nearest_name(
    tmp_path: Path, variable: str, nearest: str
) -> None:
    with pytest.raises(ConfigError, match=f"did you mean {nearest}\\?") as info:
        parse_config(ENTRIES, base_dir=tmp_path, env={variable: "1"})
    assert info.value.key == variable


def test_a_variable_for_an_entry_the_file_does_not_have_is_refused(tmp_path: Path) -> None:
    """The environment sets keys of entries; it does not make a partner of a typo."""
    env = {"WIRE_PARTNERS__WEEKLY__EMBARGO": "true"}
    with pytest.raises(ConfigError, match="unknown variable"):
        parse_config(ENTRIES, base_dir=tmp_path, env=env)


def test_a_variable_two_entries_names_spell_alike_is_refused(tmp_path: Path) -> None:
    raw = {"sources": [{"name": "mina-en", "kind": "push"}, {"name": "mina_en", "kind": "push"}]}
    assert parse_config(raw, base_dir=tmp_path, env={}).sources[1].name == "mina_en"
    with pytest.raises(ConfigError, match="ambiguous: entries sources\\[0\\], sources\\[1\\]"):
        parse_config(raw, base_dir=tmp_path, env={"WIRE_SOURCES__MINA_EN__TIMEOUT": "5"})


def test_an_entry_name_cannot_be_set_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown variable"):
        parse_config(ENTRIES, base_dir=tmp_path, env={"WIRE_FEEDS__ALL__NAME": "other"})


def test_the_older_and_the_newer_server_variable_together_are_refused(tmp_path: Path) -> None:
    env = {"WIRE_SERVER_PORT": "9001", "WIRE_SERVER__PORT": "9002"}
    with pytest.raises(ConfigError, match="set twice") as info:
        parse_config({}, base_dir=tmp_path, env=env)
    assert info.value.key == "server.port"


def test_variables_that_are_not_config_keys_are_left_alone(tmp_path: Path) -> None:
    env = dict.fromkeys(OTHER_VARIABLES, "1")
    assert parse_config({}, base_dir=tmp_path, env=env).environment == {}


_READS = re.compile(
    r"""environ(?:\.get)?[\[(]\s*["'](WIRE_[A-Z0-9_]+)|export\s+(WIRE_[A-Z0-9_]+)=|"""
    r"""\$\{?(WIRE_[A-Z0-9_]+)"""
)


def test_every_WIRE_variable_the_repository_reads_is_listed_as_not_a_key() -> None:
    files = [
        p
        for pattern in ("wire/**/*.py", "tests/**/*.py", "bench/*.py", "fuzz/*.py", "scripts/*")
        for p in ROOT.glob(pattern)
    ]
    read = {
        name
        for path in [*files, ROOT / ".ci" / "run"]
        if path.is_file()
        for match in _READS.finditer(path.read_text(encoding="utf-8", errors="replace"))
        for name in match.groups()
        if name
    }
    assert {"WIRE_SHARED", "WIRE_REQUIRE_SHARED"} <= read  # the search finds them
    assert read <= set(OTHER_VARIABLES)


def test_the_variables_that_are_not_keys_are_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for variable in OTHER_VARIABLES:
        assert f"| `{variable}` |" in text, f"{variable} is not in docs/configuration.md"


def test_without_a_file_the_defaults_take_the_environment(tmp_path: Path) -> None:
    config = default_config({"WIRE_SERVER__PORT": "9003"}, base_dir=tmp_path)
    assert config.server.port == 9003
    assert [f.name for f in config.feeds] == ["all"]
    assert config.server.data_dir == tmp_path / "data"


def test_WIRE_CONFIG_is_the_file_read_without_config(tmp_path: Path) -> None:
    assert config_path(None, {"WIRE_CONFIG": str(EXAMPLE)}) == EXAMPLE
    assert config_path("given.toml", {"WIRE_CONFIG": str(EXAMPLE)}) == Path("given.toml")
    assert config_path(None, {}) is None


# Messages ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "env", "message"),
    [
        (
            {},
            {"WIRE_SERVER__DATABASE": "mysql://x"},
            "server.database: 'mysql://x' is not a database URL wire can use "
            "(sqlite:///PATH or postgresql://USER@HOST/DATABASE; empty for SQLite in data_dir) "
            "(from WIRE_SERVER__DATABASE)",
        ),
        (
            {"server": {"port": 70000}},
            {},
            "server.port: 70000 is more than 65535, the most allowed",
        ),
        (
            {},
            {"WIRE_SERVER__PORT": "eighty"},
            "server.port: 'eighty' is not a whole number (from WIRE_SERVER__PORT)",
        ),
        ({"server": {"port": "80"}}, {}, "server.port: '80' is not a whole number"),
        (
            {"server": {"log_level": "loud"}},
            {},
            "server.log_level: 'loud' is not one of debug, info, warning, error",
        ),
        (
            {"server": {"base_url": "wire.example"}},
            {},
            "server.base_url: 'wire.example' is not an http:// or https:// URL",
        ),
        (
            {"feeds": [{"name": "All", "title": "All"}]},
            {},
            "feeds[0].name: 'All' is not a name of at most 64 lower-case letters",
        ),
        (
            {"feeds": [{"name": "all", "title": "All", "formats": ["rss", "rss"]}]},
            {},
            "feeds[0].formats: lists 'rss' more than once",
        ),
        ({"duplicates": {"threshold": 0}}, {}, "duplicates.threshold: must be more than 0, not 0"),
        (
            {},
            {"WIRE_DUPLICATES__HOLD": "maybe"},
            "duplicates.hold: 'maybe' is not true or false",
        ),
        (
            {"editor_keys": [{"name": "e", "hash": HASH, "expires": "soon"}]},
            {},
            "editor_keys[0].expires: 'soon' is not an ISO 8601 instant such as 2027-01-01",
        ),
        (
            {"editor_keys": [{"name": "e", "hash": "sha256:abc"}]},
            {},
            "editor_keys[0].hash: 'sha256:abc' is not a key hash: sha256: and 64",
        ),
        ({"server": {"trusted_source_hosts": "intra"}}, {}, "'intra' is not a list"),
        (
            {"feeds": [{"name": "all", "title": "All"}]},
            {"WIRE_FEEDS__ALL__FORMATS": "rss, gopher"},
            "feeds[0].formats[1]: 'gopher' is not one of rss, atom, newsml, ninjs "
            "(from WIRE_FEEDS__ALL__FORMATS)",
        ),
    ],
)
def test_a_bad_value_is_refused_in_words(
    tmp_path: Path, raw: dict[str, object], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, base_dir=tmp_path, env=env)
    assert message in str(info.value)


def test_a_refused_secret_is_not_shown(tmp_path: Path) -> None:
    env = {"WIRE_PARTNERS__DAILY_NEWS__WEBHOOK_SECRET": "not-the-format-s3cr3t"}
    with pytest.raises(ConfigError) as info:
        parse_config(ENTRIES, base_dir=tmp_path, env=env)
    assert "s3cr3t" not in str(info.value)
    assert "is not a Standard Webhooks secret" in str(info.value)


def test_a_refused_database_url_is_shown_without_its_password(tmp_path: Path) -> None:
    env = {"WIRE_SERVER__DATABASE": "mysql://wire:s3cr3t@db/wire"}
    with pytest.raises(ConfigError) as info:
        parse_config({}, base_dir=tmp_path, env=env)
    assert "s3cr3t" not in str(info.value)
    assert "'mysql://wire:***@db/wire'" in str(info.value)


def _patterns(node: object) -> list[dict[str, object]]:
    if isinstance(node, dict):
        here = [node] if "pattern" in node else []
        return here + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_every_pattern_of_the_schema_says_in_words_what_it_wants() -> None:
    """No refusal shows a regular expression: each pattern has a description
    that completes "… is not ___"."""
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    for spec in _patterns(schema):
        assert str(spec.get("description", "")).startswith(("a ", "an ")), spec


@pytest.mark.parametrize(
    "url",
    ["postgresql://wire@127.0.0.1/wire", "postgresql+asyncpg://wire@db/wire", "sqlite:///x.db"],
)
def test_database_urls_may_name_the_driver_or_leave_it_out(tmp_path: Path, url: str) -> None:
    assert parse_config({"server": {"database": url}}, base_dir=tmp_path, env={}).server.database


def test_toml_dates_read_as_their_quoted_form(tmp_path: Path) -> None:
    path = tmp_path / "wire.toml"
    path.write_text(
        f'[[editor_keys]]\nname = "e"\nhash = "{HASH}"\nexpires = 2027-01-01T00:00:00Z\n',
        encoding="utf-8",
    )
    assert load_config(path, env={}).editor_keys[0].expires == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_config_stays_hashable_and_equal_whatever_set_its_keys(tmp_path: Path) -> None:
    from_file = parse_config({"server": {"port": 9004}}, base_dir=tmp_path, env={})
    from_env = parse_config({}, base_dir=tmp_path, env={"WIRE_SERVER__PORT": "9004"})
    assert from_env == from_file
    assert hash(from_env) == hash(from_file)


def test_every_variable_the_documentation_names_is_one_wire_reads() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    known = set(config_variables(ENTRIES)) | set(OTHER_VARIABLES)
    named = {
        name.removesuffix("_FILE")
        for name in re.findall(r"\bWIRE_[A-Z0-9_]*[A-Z0-9]\b", text)
        if name != "WIRE_SERVER_PROT"  # the example of a refused typo
    }
    assert named
    assert named <= known
