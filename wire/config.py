"""TOML configuration → typed, validated settings.

The file is checked against ``schemas/config.schema.json`` and then for what a
schema cannot say (names that must exist, names that must be unique). Every
problem is a ``ConfigError`` naming the key, e.g. ``sources[0].poll_interval``.
Environment variables ``WIRE_SERVER_<KEY>`` override ``[server]`` keys.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
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
    base_url: str = "http://127.0.0.1:8080"
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


def _env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """Apply ``WIRE_SERVER_<KEY>`` variables, typed by the schema's declared type."""
    schema: Any = schema_validator("config.schema.json").schema
    props: dict[str, Any] = schema["properties"]["server"]["properties"]
    server = dict(raw.get("server", {}))
    for key, spec in props.items():
        value = env.get(f"WIRE_SERVER_{key.upper()}")
        if value is None:
            continue
        kind = spec.get("type")
        try:
            if kind == "integer":
                server[key] = int(value)
            elif kind == "array":
                server[key] = [item.strip() for item in value.split(",") if item.strip()]
            elif kind == "number":
                server[key] = float(value)
            elif kind == "boolean":
                if value.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                    raise ValueError(value)
                server[key] = value.lower() in {"1", "true", "yes"}
            else:
                server[key] = value
        except ValueError as exc:
            raise ConfigError(
                f"server.{key}", f"WIRE_SERVER_{key.upper()}={value!r} is not a valid {kind}"
            ) from exc
    return {**raw, "server": server}


def parse_config(
    raw: dict[str, Any], *, base_dir: Path, env: Mapping[str, str] | None = None
) -> Config:
    """Validate a decoded TOML document and build the typed config."""
    raw = _env_overrides(raw, os.environ if env is None else env)
    errors = sorted(
        schema_validator("config.schema.json").iter_errors(raw),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        first = errors[0]
        path = list(first.absolute_path)
        if first.validator == "additionalProperties" and isinstance(first.instance, dict):
            schema = first.schema if isinstance(first.schema, dict) else {}
            extra = sorted(k for k in first.instance if k not in schema.get("properties", {}))
            if extra:
                raise ConfigError(_key_path([*path, extra[0]]), "unknown key")
        if first.validator == "required" and isinstance(first.validator_value, list):
            missing = next(k for k in first.validator_value if k not in (first.instance or {}))
            raise ConfigError(_key_path([*path, missing]), "is required")
        raise ConfigError(_key_path(path) or "(top level)", first.message)
    config = _build(raw, base_dir)
    _check_references(config)
    return config


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
                TokenConfig(t["hash"], parse_instant(t.get("expires"))) for t in p.get("tokens", [])
            ),
        )
        for p in raw.get("partners", [])
    ]
    keys = [
        _record(EditorKeyConfig, k, expires=parse_instant(k.get("expires")))
        for k in raw.get("editor_keys", [])
    ]
    return Config(
        server,
        tuple(sources),
        tuple(feeds),
        tuple(partners),
        tuple(keys),
        duplicates=_record(DuplicateSettings, raw.get("duplicates", {})),
    )


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


def default_config() -> Config:
    """What applies without ``--config``: no sources, one feed of everything."""
    return Config(feeds=(FeedSpec(name="all", title="All stories"),))
