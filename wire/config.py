"""TOML configuration and the environment → typed, validated settings.

The file is checked against ``schemas/config.schema.json`` and then for what a
schema cannot say (names that must exist, names that must be unique). Every
problem is a ``ConfigError`` naming the key, e.g. ``sources[0].poll_interval``,
and saying in words what is wrong with the value (never a schema's regex).

Every key can also be set by an environment variable (``WIRE_SERVER__PORT``,
``WIRE_PARTNERS__DAILY__WEBHOOK_SECRET``; ``<VARIABLE>_FILE`` reads a secret from
a file), typed by the schema; an unknown ``WIRE_*`` variable is refused like an
unknown key. The scheme, and the ``WIRE_*`` variables that are not config keys
(``OTHER_VARIABLES``), are described in ``docs/configuration.md``. Written here
rather than with a settings library: the variables are derived from the same
schema that checks the file, entry names included, so the two cannot drift.
"""

from __future__ import annotations

import copy
import difflib
import ipaddress
import json
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from wire.attribution import SourcePolicy
from wire.errors import ConfigError
from wire.formats import FEED_FORMATS
from wire.instants import parse_instant
from wire.model import FeedFilter, Role
from wire.storyjson import schema_validator

MAX_INPUT_BYTES = 10 * 1024 * 1024
"""The default cap on one input's size (``server.max_body_bytes``), everywhere bytes come in."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # empty: the listening address (listening_url); resolved at parse
    base_url_explicit: bool = False  # whether the config said it (else it follows the port)
    data_dir: Path = Path("data")
    database: str = ""  # empty: SQLite file in data_dir
    max_body_bytes: int = MAX_INPUT_BYTES
    allow_private_callbacks: bool = False
    allow_private_sources: bool = False
    trusted_source_hosts: tuple[str, ...] = ()
    max_elements: int = 200_000
    max_depth: int = 200
    parse_seconds: float = 30.0
    tombstone_days: int = 7
    rate_limit_per_minute: int = 600
    # One rate limit across instances, counted in this Redis (wire.web.sharedlimit).
    rate_limit_redis_url: str = ""
    rate_limit_sync_ms: int = 250
    # Reverse proxies whose Forwarded / X-Forwarded-For name the client (wire.web.proxies).
    trusted_proxies: tuple[str, ...] = ()
    fast_path: bool = True  # polls answered from the request head (wire.web.shortcut)
    listen_backlog: int = 2048  # pending connections the kernel queues (capped by somaxconn)
    workers: int = 1  # server processes sharing the port (wire.web.workers)
    fragment_cache_mb: int = 128  # story fragments kept rendered (wire.publish.fragments)
    render_cache_mb: int = 256  # assembled feed views kept (wire.publish.cache)
    render_eagerly: bool = False  # assemble a changed view at once, not on its next poll
    load_demo: bool = False
    log_level: str = "info"  # wire's own loggers
    library_log_level: str = "warning"  # every other logger (APScheduler, aiosqlite…)
    log_format: str | None = None  # "text" | "json"; None: text on a terminal, else json
    access_log: bool = True  # one line per request, the feed shortcut's included
    access_log_304_sample: float = 1.0  # share of 304s logged (every Nth, exactly)
    metrics_token_hash: str | None = None  # "sha256:…" of the token /metrics asks for
    queue_visibility_seconds: int = 300  # an unacknowledged queue item comes back after
    kill_reannounce_minutes: int = 60  # a kill not acknowledged is pushed again this often
    kill_ack_hours: int = 72  # ...until acknowledged or this long after the kill
    desk_session_minutes: int = 480  # how long a desk sign-in lasts (a working shift)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL of the store."""
        if self.database:
            return self.database
        return f"sqlite+aiosqlite:///{(self.data_dir / 'wire.sqlite3').resolve()}"


class SourceKind(StrEnum):
    """How stories arrive from a source."""

    HTTP = "http"  # a URL polled every poll_interval seconds
    DIR = "dir"  # a drop folder
    PUSH = "push"  # editors push over the API


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: SourceKind
    location: str | None = None
    format: str = "auto"
    poll_interval: int = 300
    timeout: float = 20.0
    fetch_full_page: bool = False
    policy: SourcePolicy = field(default_factory=SourcePolicy)
    id_space: str | None = None  # sources naming the same id space share guids
    settle_seconds: float = 5.0  # dir: a file is taken once unchanged this long


@dataclass(frozen=True, slots=True)
class FeedSpec:
    name: str
    title: str
    description: str = ""
    language: str | None = None
    size: int = 50
    formats: tuple[str, ...] = FEED_FORMATS
    refresh_interval: int = 300
    public: bool = True
    filter: FeedFilter = field(default_factory=FeedFilter)


@dataclass(frozen=True, slots=True)
class TokenConfig:
    hash: str
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class PartnerConfig:
    name: str
    feeds: tuple[str, ...] | None = None  # None: every feed
    sources: tuple[str, ...] | None = None  # None: every source
    embargo: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = None
    tokens: tuple[TokenConfig, ...] = ()
    requests_per_minute: int | None = None  # this partner's quota; None: server's default
    stories_per_day: int | None = None  # items by cursor, queue and search a day; None: any


@dataclass(frozen=True, slots=True)
class EditorKeyConfig:
    name: str
    hash: str
    role: str = Role.EDITOR
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class DuplicateSettings:
    """When a new story is too like one already carried (``wire.duplicates``)."""

    threshold: float = 0.8  # estimated Jaccard similarity of word shingles
    window_hours: float = 72.0  # compared with stories indexed this recently
    hold: bool = True  # False: nothing is held (and nothing compared)

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)


@dataclass(frozen=True, slots=True)
class Config:
    server: ServerSettings = field(default_factory=ServerSettings)
    sources: tuple[SourceConfig, ...] = ()
    feeds: tuple[FeedSpec, ...] = ()
    partners: tuple[PartnerConfig, ...] = ()
    editor_keys: tuple[EditorKeyConfig, ...] = ()
    path: Path | None = None
    duplicates: DuplicateSettings = field(default_factory=DuplicateSettings)
    environment: Mapping[str, str] = field(default_factory=dict, compare=False)
    """The keys environment variables set (``server.port``) and by which variable:
    where a setting came from, not a setting (left out of equality and hashing)."""

    def source(self, name: str | None) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def id_space(self, source: str | None) -> frozenset[str] | None:
        """The sources whose items share guids with ``source``'s: itself, and those
        naming the same ``id_space``. ``None`` for a story of no source."""
        if source is None:
            return None
        mine = self.source(source)
        space = mine.id_space if mine is not None else None
        shared = {s.name for s in self.sources if space is not None and s.id_space == space}
        return frozenset({source, *shared})

    def feed(self, name: str) -> FeedSpec | None:
        return next((f for f in self.feeds if f.name == name), None)

    def partner(self, name: str) -> PartnerConfig | None:
        return next((p for p in self.partners if p.name == name), None)


def _key_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# The environment ---------------------------------------------------------------
# Every key of the file has a variable, derived from the schema and the file's own
# entry names (``docs/configuration.md`` states the scheme). Variables are matched
# against the list of every variable this config can have, never parsed: so a
# name with ``_`` or ``-`` in it cannot be misread, two entries whose names spell
# the same variable are refused, and an unknown ``WIRE_*`` variable gets the
# nearest known one as a suggestion.

ENV_PREFIX = "WIRE_"
CONFIG_VARIABLE = "WIRE_CONFIG"
FILE_SUFFIX = "_FILE"

OTHER_VARIABLES: Mapping[str, str] = {
    CONFIG_VARIABLE: "the config file, when a command is given no --config",
    "WIRE_SHARED": "tests: the folder of shared schemas and samples (default ../shared)",
    "WIRE_REQUIRE_SHARED": "tests: fail, not skip, without that folder (CI sets it)",
    "WIRE_REQUIRE_POSTGRES": "tests: fail, not skip, when PostgreSQL does not answer (CI)",
    "WIRE_TEST_POSTGRES": "tests: the PostgreSQL URL the store tests use",
    "WIRE_SUPERDESK_PYTHON": "tests: the Python of Superdesk's venv (scripts/superdesk-venv)",
    "WIRE_VISIBILITY_EXAMPLES": "tests: Hypothesis examples per visibility property",
    "WIRE_DUPLICATE_EXAMPLES": "tests: Hypothesis examples per near-duplicate property",
}
"""The ``WIRE_*`` variables that are not config keys; any other ``WIRE_*`` variable
must be one, or it is refused like an unknown key."""

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Setting:
    """Where a variable's value goes in the document, and the key's schema."""

    path: KeyPath
    spec: Mapping[str, Any]


def _schema() -> Mapping[str, Any]:
    schema: Mapping[str, Any] = schema_validator("config.schema.json").schema  # type: ignore[assignment]
    return schema


def _deref(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = _schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return spec


def env_name(name: str) -> str:
    """An entry's name as it is spelled in a variable: upper case, ``-`` as ``_``."""
    return name.upper().replace("-", "_")


def _table_variables(
    prefix: str, path: KeyPath, spec: Mapping[str, Any], *, skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Setting]]:
    for key, sub in spec.get("properties", {}).items():
        if key in skip:
            continue
        sub = _deref(sub)
        variable = f"{prefix}__{key.upper()}"
        if sub.get("type") == "object":
            yield from _table_variables(variable, (*path, key), sub)
        else:
            yield variable, Setting((*path, key), sub)


def config_variables(raw: Mapping[str, Any]) -> dict[str, Setting | list[Setting]]:
    """Every variable a config made from ``raw`` can take: ``WIRE_<SECTION>__<KEY>``
    for the tables, ``WIRE_<ARRAY>__<NAME>__<KEY>`` for each named entry of the
    arrays (nested tables add ``__<KEY>``), and the older ``WIRE_SERVER_<KEY>``.
    A variable two entries' names spell alike maps to both (and is refused)."""
    schema = _schema()["properties"]
    out: dict[str, Setting | list[Setting]] = {}

    def add(variable: str, setting: Setting) -> None:
        there = out.get(variable)
        if there is None:
            out[variable] = setting
        else:
            out[variable] = [*(there if isinstance(there, list) else [there]), setting]

    tables = [k for k, v in schema.items() if v.get("type") == "object"]
    arrays = [k for k, v in schema.items() if v.get("type") == "array"]  # of named tables
    for table in tables:
        for variable, setting in _table_variables(
            f"{ENV_PREFIX}{table.upper()}", (table,), schema[table]
        ):
            add(variable, setting)
    for key, spec in schema["server"]["properties"].items():
        add(f"{ENV_PREFIX}SERVER_{key.upper()}", Setting(("server", key), _deref(spec)))
    for array in arrays:
        entries = raw.get(array)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not name:
                continue
            prefix = f"{ENV_PREFIX}{array.upper()}__{env_name(name)}"
            items = schema[array]["items"]
            for variable, setting in _table_variables(
                prefix, (array, i), items, skip=frozenset({"name"})
            ):
                add(variable, setting)
    return out


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _typed(text: str, spec: Mapping[str, Any]) -> Any:
    """A variable's text as the key's schema types it; ``ValueError`` saying what
    was expected. Lists: JSON, or (of strings) comma-separated."""
    kind = spec.get("type")
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("is not a whole number") from None
    if kind == "number":
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value):
            raise ValueError("is not a finite number")
        return value
    if kind == "boolean":
        word = text.strip().lower()
        if word not in _TRUE | _FALSE:
            raise ValueError("is not true or false (also 1/0, yes/no, on/off)")
        return word in _TRUE
    if kind == "array":
        items = _deref(spec.get("items", {}))
        if text.lstrip().startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not a JSON list: {exc}") from None
        if items.get("type") == "object":
            raise ValueError('is not a JSON list of tables, such as [{"hash": "sha256:…"}]')
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _read_secret(variable: str, file_variable: str, where: str) -> str:
    try:
        text = Path(where).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file_variable, f"cannot read {where}: {exc}") from exc
    return text.rstrip("\r\n")


def _unknown(variable: str, known: Mapping[str, object]) -> ConfigError:
    nearest = difflib.get_close_matches(variable, list(known), n=1, cutoff=0.75)
    hint = f"did you mean {nearest[0]}? " if nearest else ""
    return ConfigError(
        variable,
        f"unknown variable: no config key has this name ({hint}"
        "the names are described in docs/configuration.md)",
    )


def _put(document: dict[str, Any], path: KeyPath, value: Any) -> bool:
    """``value`` at ``path``, making tables on the way; False where the file's
    own value on the way is of the wrong kind (validation then says so). Entries
    of arrays (an ``int`` on the path) exist: their variables come from them."""
    table: Any = document
    for part in path[:-1]:
        table = table.setdefault(part, {}) if isinstance(part, str) else table[part]
        if not isinstance(table, dict | list):
            return False
    if not isinstance(table, dict):
        return False
    table[path[-1]] = value
    return True


def _env_overrides(
    raw: dict[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """``raw`` with every ``WIRE_*`` config variable applied, typed by the schema,
    and which variable set each key. ``<VARIABLE>_FILE`` reads the value from a
    file (its trailing newline dropped), for secrets mounted as files."""
    known = config_variables(raw)
    given: dict[str, tuple[str, str]] = {}  # variable -> (the value, the name it came by)
    for name in sorted(n for n in env if n.startswith(ENV_PREFIX) and n not in OTHER_VARIABLES):
        if name in known:
            variable = name
        elif name.endswith(FILE_SUFFIX) and name.removesuffix(FILE_SUFFIX) in known:
            variable = name.removesuffix(FILE_SUFFIX)
        else:
            raise _unknown(name, known)
        if variable in given:
            raise ConfigError(variable, f"{variable} and {name} are both set: set one")
        if variable != name:
            given[variable] = (_read_secret(variable, name, env[name]), name)
        else:
            given[variable] = (env[name], name)
    out = copy.deepcopy(raw)
    origins: dict[KeyPath, str] = {}
    for variable, (text, name) in given.items():
        setting = known[variable]
        if isinstance(setting, list):
            spelled = ", ".join(_key_path(s.path[:2]) for s in setting)
            raise ConfigError(variable, f"ambiguous: entries {spelled} have names spelled alike")
        key = _key_path(setting.path)
        if setting.path in origins:
            raise ConfigError(key, f"set twice, by {origins[setting.path]} and {name}")
        try:
            value = _typed(text, setting.spec)
        except ValueError as exc:
            shown = "the value" if setting.spec.get("writeOnly") else repr(_masked(text))
            raise ConfigError(key, f"{shown} {exc} (from {name})") from None
        if _put(out, setting.path, value):
            origins[setting.path] = name
    return out, origins


# Messages ------------------------------------------------------------------------
# What the schema refuses, said as a person would: the value, and what was wanted.
# Patterns are never shown: each one in the schema has a ``description`` that
# completes "… is not ___" (tests/test_config.py checks every pattern has one).

_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "string": "a string (in quotes)",
    "array": "a list",
    "object": "a table",
}
_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")


def _masked(text: str) -> str:
    """A URL's password left out of a message."""
    return _PASSWORD.sub(r"\1***@", text)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(_masked(value))
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _human(error: Any) -> str:
    """The problem of one ``jsonschema`` error in words."""
    spec: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value, limit, check = error.instance, error.validator_value, error.validator
    shown = "the value" if spec.get("writeOnly") else _shown(value)
    if check == "type":
        kinds = [limit] if isinstance(limit, str) else list(limit)
        return f"{shown} is not {' or '.join(_TYPE_WORDS.get(k, k) for k in kinds)}"
    if check == "enum":
        return f"{shown} is not one of {', '.join(map(str, limit))}"
    if check == "minimum":
        return f"{shown} is less than {limit}, the least allowed"
    if check == "maximum":
        return f"{shown} is more than {limit}, the most allowed"
    if check == "exclusiveMinimum":
        return f"must be more than {limit}, not {shown}"
    if check == "exclusiveMaximum":
        return f"must be less than {limit}, not {shown}"
    if check in {"minLength", "minItems"}:
        return "must not be empty" if limit == 1 else f"must have at least {limit}, not {shown}"
    if check == "uniqueItems" and isinstance(value, list):
        twice = next(v for i, v in enumerate(value) if v in value[:i])
        return f"lists {_shown(twice)} more than once"
    if check == "pattern" and "description" in spec:
        return f"{shown} is not {spec['description']}"
    if check == "format" and limit == "date-time":
        return f"{shown} is not {_INSTANT}"
    return str(error.message)


_INSTANT = "an ISO 8601 instant such as 2027-01-01T00:00:00Z"


def _refusal(error: Any, origins: Mapping[KeyPath, str]) -> ConfigError:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        extra = sorted(k for k in error.instance if k not in schema.get("properties", {}))
        if extra:
            return ConfigError(_key_path([*path, extra[0]]), "unknown key")
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = next(k for k in error.validator_value if k not in (error.instance or {}))
        return ConfigError(_key_path([*path, missing]), "is required")
    problem = _human(error)
    # The variable that set the key, or the list or table the value is in.
    variable = next(
        (origins[p] for n in range(len(path), 0, -1) if (p := tuple(path[:n])) in origins), None
    )
    if variable is not None:
        problem = f"{problem} (from {variable})"
    return ConfigError(_key_path(path) or "(top level)", problem)


def _plain(node: Any) -> Any:
    """TOML's own dates and times as the ISO 8601 text the schema asks for, so
    ``expires = 2027-01-01T00:00:00Z`` reads as its quoted form does."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, datetime | date | time):
        return node.isoformat()
    return node


def parse_config(
    raw: dict[str, Any], *, base_dir: Path, env: Mapping[str, str] | None = None
) -> Config:
    """Validate a decoded TOML document, with the environment's variables
    applied (``os.environ`` unless ``env`` is given), and build the typed config."""
    raw, origins = _env_overrides(_plain(raw), os.environ if env is None else env)
    errors = sorted(
        schema_validator("config.schema.json").iter_errors(raw),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        raise _refusal(errors[0], origins)
    config = _build(raw, base_dir)
    _check_references(config)
    _check_networks(config)
    return replace(config, environment={_key_path(p): v for p, v in origins.items()})


def _check_networks(config: Config) -> None:
    for i, spec in enumerate(config.server.trusted_proxies):
        try:
            ipaddress.ip_network(spec.strip(), strict=False)
        except ValueError:
            raise ConfigError(
                f"server.trusted_proxies[{i}]",
                f"{spec!r} is not an IP address or network (e.g. 10.0.0.0/8, 127.0.0.1)",
            ) from None


def listening_url(host: str, port: int) -> str:
    """``http://HOST:PORT``, the base URL of a server whose config names none: its
    own listening address (a wildcard host as the loopback address, which only
    this machine reaches: a server others read sets ``base_url``)."""
    if host in {"", "0.0.0.0"}:
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serving_at(config: Config, host: str, port: int) -> Config:
    """The config of a server listening on ``host:port`` (``wire serve --host
    --port``): its base URL follows unless the config set one."""
    server = replace(config.server, host=host, port=port)
    if not server.base_url_explicit:
        server = replace(server, base_url=listening_url(host, port))
    return replace(config, server=server)


R = TypeVar("R")


def _record(cls: type[R], table: Mapping[str, Any], **given: Any) -> R:
    """``cls`` from the keys of a TOML table that are its fields (lists as tuples),
    with ``given`` on top. Keys left out take the dataclass's default: every
    default is stated once, on the dataclass."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items() if k in names}
    return cls(**{**values, **given})


def _build(raw: dict[str, Any], base_dir: Path) -> Config:
    srv = raw.get("server", {})
    server = _record(ServerSettings, {k: v for k, v in srv.items() if k != "data_dir"})
    data_dir = Path(srv["data_dir"]) if "data_dir" in srv else server.data_dir
    server = replace(server, data_dir=data_dir if data_dir.is_absolute() else base_dir / data_dir)
    if server.base_url:
        server = replace(server, base_url_explicit=True)
    else:
        server = replace(server, base_url=listening_url(server.host, server.port))
    sources = []
    for s in raw.get("sources", []):
        location = s.get("location")
        if s["kind"] == SourceKind.DIR and location and not Path(location).is_absolute():
            location = str(base_dir / location)
        policy = _record(SourcePolicy, s)
        sources.append(
            _record(SourceConfig, s, kind=SourceKind(s["kind"]), location=location, policy=policy)
        )
    feeds = [
        _record(FeedSpec, f, filter=_record(FeedFilter, f.get("filter", {})))
        for f in raw.get("feeds", [])
    ]
    partners = [
        _record(
            PartnerConfig,
            p,
            tokens=tuple(
                TokenConfig(t["hash"], _expiry(t, f"partners[{i}].tokens[{j}]"))
                for j, t in enumerate(p.get("tokens", []))
            ),
        )
        for i, p in enumerate(raw.get("partners", []))
    ]
    keys = [
        _record(EditorKeyConfig, k, expires=_expiry(k, f"editor_keys[{i}]"))
        for i, k in enumerate(raw.get("editor_keys", []))
    ]
    return Config(
        server,
        tuple(sources),
        tuple(feeds),
        tuple(partners),
        tuple(keys),
        duplicates=_record(DuplicateSettings, raw.get("duplicates", {})),
    )


def _expiry(table: Mapping[str, Any], key: str) -> datetime | None:
    """A key's ``expires`` (the schema's ``date-time`` format is not checked by
    ``jsonschema`` without an extra package, so it is read here)."""
    try:
        return parse_instant(table.get("expires"))
    except ValueError:
        raise ConfigError(
            f"{key}.expires", f"{_shown(table['expires'])} is not {_INSTANT}"
        ) from None


def _unique(names: list[str], section: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ConfigError(f"{section}[{i}].name", f"duplicate name {name!r}")
        seen.add(name)


def _check_references(config: Config) -> None:
    _unique([s.name for s in config.sources], "sources")
    _unique([f.name for f in config.feeds], "feeds")
    _unique([p.name for p in config.partners], "partners")
    _unique([k.name for k in config.editor_keys], "editor_keys")
    source_names = {s.name for s in config.sources}
    for i, source in enumerate(config.sources):
        for j, pattern in enumerate(source.policy.series):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(
                    f"sources[{i}].series[{j}]", f"not a regular expression: {exc}"
                ) from exc
    feed_names = {f.name for f in config.feeds}
    for i, feed in enumerate(config.feeds):
        for name in feed.filter.sources:
            if name not in source_names:
                raise ConfigError(f"feeds[{i}].filter.sources", f"no source named {name!r}")
    for i, partner in enumerate(config.partners):
        for name in partner.feeds or ():
            if name not in feed_names:
                raise ConfigError(f"partners[{i}].feeds", f"no feed named {name!r}")
        for name in partner.sources or ():
            if name not in source_names:
                raise ConfigError(f"partners[{i}].sources", f"no source named {name!r}")
        if partner.webhook_url and not partner.webhook_secret:
            raise ConfigError(f"partners[{i}].webhook_secret", "required with webhook_url")


def load_config(path: Path | str, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, validate and type a config file; any problem is one ``ConfigError``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("", f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"{path}: cannot read: {exc}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: not valid TOML: {exc}") from exc
    config = parse_config(raw, base_dir=path.resolve().parent, env=env)
    return replace(config, path=path)


DEFAULT_DOCUMENT: Mapping[str, Any] = {"feeds": [{"name": "all", "title": "All stories"}]}
"""What applies without a config file: no sources, one feed of everything."""


def default_config(env: Mapping[str, str] | None = None, *, base_dir: Path | None = None) -> Config:
    """The config of no file (``DEFAULT_DOCUMENT``), with the environment's
    variables applied; a relative ``data_dir`` is relative to ``base_dir`` (the
    working directory)."""
    document = copy.deepcopy(dict(DEFAULT_DOCUMENT))
    return parse_config(document, base_dir=base_dir or Path.cwd(), env=env)


def config_path(given: str | Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: the one given (``--config``), else ``WIRE_CONFIG``,
    else none."""
    if given:
        return Path(given)
    named = (os.environ if env is None else env).get(CONFIG_VARIABLE, "")
    return Path(named) if named.strip() else None
