"""The ``wire`` command: serve, check-config, feeds, ingest, render, keys, sources, deliveries.

Every subcommand answers ``--help``; errors go to stderr with a non-zero exit
(2 for a bad config or bad arguments, 1 for inputs that failed), each said once
and naming what it is about. Listing commands print lines for people, and with
``--json`` (one document) or ``--nl`` (one JSON object a line) for scripts.
Commands that open a store refuse to guess where it is: they need ``--config``
(or ``WIRE_CONFIG``), ``--data-dir``, or ``server.data_dir`` / ``server.database``
set by the environment, so a stray run never makes ``./data/wire.sqlite3``.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wire import __version__
from wire.clock import utcnow
from wire.config import (
    CONFIG_VARIABLE,
    Config,
    FeedSpec,
    SourceKind,
    config_path,
    default_config,
    load_config,
    serving_at,
)
from wire.errors import ConfigError, NotFound, WireError
from wire.formats import FEED_FORMATS, INPUT_CHOICES, feed_path
from wire.ingest.workers import ParseWorkers
from wire.instants import format_instant, parse_instant
from wire.intake import IngestOutcome, Input
from wire.model import PUBLIC, Role, Story
from wire.poll.dropdir import left_alone
from wire.runtime import running
from wire.service import SHA256, Readings, Received, Wire, dry_run_of, raw_summary
from wire.store import open_store
from wire.store.base import Credential, RawInput, SaveResult
from wire.storyjson import story_to_dict
from wire.tokens import expired, hash_token, new_token
from wire.usage import usage_dict

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
EXIT_FAILED = 1
EXIT_USAGE = 2


INGEST_BATCH = 200
"""Inputs ``wire ingest`` stores per write transaction: large enough that commits
cost little, small enough that a running server's writes wait briefly."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


class UsageError(Exception):
    """A command given too little to go on; exit 2 with the message."""


def _config(args: argparse.Namespace) -> Config:
    """The config the command was pointed at (``--config``, else ``WIRE_CONFIG``,
    else none: the defaults), with the environment applied and ``--data-dir``
    (where the command has it) on top."""
    path = config_path(args.config)
    config = load_config(path) if path is not None else default_config()
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:
        config = replace(config, server=replace(config.server, data_dir=Path(data_dir).resolve()))
    return config


STORE_KEYS = frozenset({"server.data_dir", "server.database"})


def _store_config(args: argparse.Namespace) -> Config:
    """The config of a command that opens the store: one that says where the
    store is (a file, ``--data-dir``, or the environment's ``server.data_dir`` or
    ``server.database``). Anything else would make ``./data/wire.sqlite3``
    wherever the command happened to run."""
    config = _config(args)
    if config.path is None and args.data_dir is None and not STORE_KEYS & set(config.environment):
        raise UsageError(
            f"which store? give --config FILE (or set {CONFIG_VARIABLE}), or --data-dir DIR: "
            "without one of them wire does not make a store in the working directory"
        )
    return config


def _instant(text: str) -> datetime:
    try:
        value = parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from exc
    assert value is not None
    return value


@asynccontextmanager
async def _wire(config: Config) -> AsyncIterator[Wire]:
    """A desk on the configured store, opened (migrations run) and closed."""
    store = open_store(config.server.database_url)
    await store.open()
    try:
        yield Wire(config, store)
    finally:
        await store.close()


# serve ----------------------------------------------------------------------
async def _demo_desk_key(config: Config) -> str | None:
    from wire.demo import demo_desk_key

    async with _wire(config) as wire:
        return await demo_desk_key(wire)


def cmd_serve(args: argparse.Namespace) -> int:
    from wire.logs import setup_logging
    from wire.web.app import create_app

    config = _store_config(args)
    server = config.server
    setup_logging(server.log_level, fmt=server.log_format, library_level=server.library_log_level)
    for source in config.sources:
        if source.kind is SourceKind.DIR and source.location:
            Path(source.location).mkdir(parents=True, exist_ok=True)
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    config = serving_at(config, host, port)
    workers = args.workers if args.workers is not None else config.server.workers
    # Listen before anything else starts (migrations, demo stories, jobs): a port
    # in use is one line and exit 1, with nothing done.
    try:
        sock = _listen(host, port, backlog=config.server.listen_backlog, reuse_port=workers > 1)
    except OSError as exc:
        reason = "the address is in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        print(f"wire: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    base = config.server.base_url.rstrip("/")
    print(f"wire serving on http://{host}:{port}  (public base URL {base})", flush=True)
    for url in feed_urls(config):
        print(f"  {url}", flush=True)
    print(f"  {base}/   {base}/api/v1/docs   {base}/healthz", flush=True)
    if config.server.load_demo and (key := asyncio.run(_demo_desk_key(config))):
        print(f"  desk: {base}/desk   demo admin key (shown once): {key}", flush=True)

    def serve_one(worker: int = 0) -> int:
        # One worker serves on the socket bound above; several bind their own
        # (SO_REUSEPORT: the kernel spreads connections), the probe closed first.
        own = (
            sock
            if workers == 1
            else _listen(host, port, backlog=config.server.listen_backlog, reuse_port=True)
        )
        app = create_app(config)
        app.on_startup.append(_freeze_heap)
        with asyncio.Runner(loop_factory=_event_loop) as runner:
            server = config.server
            runner.run(
                _serve(
                    app,
                    own,
                    backlog=server.listen_backlog,
                    fast_path=server.fast_path,
                    config_path=config.path,
                )
            )
        return 0

    if workers > 1:
        from wire.web.workers import Supervisor

        sock.close()
        print(f"  {workers} worker processes", flush=True)
        return Supervisor(workers, serve_one).run()
    return serve_one()


def _listen(host: str, port: int, *, backlog: int, reuse_port: bool) -> socket.socket:
    """A listening TCP socket on ``host:port``. Raises ``OSError``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=backlog, reuse_port=reuse_port)
    sock.setblocking(False)
    return sock


async def _serve(
    app: web.Application,
    sock: socket.socket,
    *,
    backlog: int,
    fast_path: bool = True,
    config_path: Path | None = None,
) -> None:
    """Serve on ``sock`` until SIGINT or SIGTERM, then drain: stop listening, let
    requests in flight finish (up to 10 s), stop the jobs, close the database."""
    from aiohttp import web

    from wire.web.app import reload_config
    from wire.web.front import ShortcutSite

    runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[bool]] = set()

    def reload() -> None:
        if config_path is None:
            log.warning("SIGHUP: no config file was given (--config), nothing to reload")
            return
        task = loop.create_task(reload_config(app, config_path))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    try:
        if fast_path:
            await ShortcutSite(runner, sock=sock, backlog=backlog).start()
        else:
            await web.SockSite(runner, sock, backlog=backlog).start()
        await stop.wait()
    finally:
        await runner.cleanup()


def feed_urls(config: Config, spec: FeedSpec | None = None) -> list[str]:
    """Every feed URL the server answers (or ``spec``'s): each feed in each
    format it serves."""
    base = config.server.base_url.rstrip("/")
    specs = config.feeds if spec is None else (spec,)
    return [base + feed_path(s.name, fmt) for s in specs for fmt in s.formats]


async def _freeze_heap(app: object) -> None:
    """Move everything loaded at start-up (libraries, config, compiled schemas) out
    of the garbage collector's sight: full collections then scan only what
    requests allocate, which keeps serving cached feeds cheap."""
    gc.collect()
    gc.freeze()


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (it serves cached feeds markedly faster), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


# output -----------------------------------------------------------------------
Row = Mapping[str, object]


def _listing(args: argparse.Namespace, rows: Sequence[Row], line: Callable[[Row], str]) -> None:
    """Rows as the command's listing: ``--json`` one JSON array, ``--nl`` one JSON
    object a line (for lists too long to hold at once), else ``line`` of each.
    The JSON keys are the listing's contract with scripts: add, never rename."""
    if args.json:
        print(json.dumps(list(rows), indent=2, ensure_ascii=False))
    elif args.nl:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            print(line(row))


def _warn(command: str, message: str) -> None:
    print(f"wire {command}: warning: {message}", file=sys.stderr)


def _expired_warnings(config: Config, now: datetime) -> list[str]:
    """The keys and tokens listed in the config whose expiry has passed."""
    out = []
    for i, partner in enumerate(config.partners):
        for j, token in enumerate(partner.tokens):
            if expired(token.expires, now):
                out.append(
                    f"partners[{i}].tokens[{j}] (partner {partner.name}) expired "
                    f"{format_instant(token.expires)}"
                )
    for i, key in enumerate(config.editor_keys):
        if expired(key.expires, now):
            out.append(f"editor_keys[{i}] ({key.name}) expired {format_instant(key.expires)}")
    return out


# check-config / feeds --------------------------------------------------------
def cmd_check_config(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    if path is None:
        raise UsageError(f"which config? give --config FILE or set {CONFIG_VARIABLE}")
    config = load_config(path)
    print(
        f"{path}: ok ({len(config.sources)} sources, {len(config.feeds)} feeds, "
        f"{len(config.partners)} partners)"
    )
    if config.environment:
        # Names only: the values may be secrets.
        print(
            "set by the environment: "
            + ", ".join(f"{key} ({variable})" for key, variable in config.environment.items())
        )
    for warning in _expired_warnings(config, utcnow()):
        _warn("check-config", warning)
    return 0


def feed_row(config: Config, spec: FeedSpec) -> dict[str, object]:
    """A feed as ``wire feeds`` lists it: its settings and its URLs."""
    return {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "language": spec.language,
        "size": spec.size,
        "formats": list(spec.formats),
        "refresh_interval": spec.refresh_interval,
        "public": spec.public,
        "urls": feed_urls(config, spec),
    }


def cmd_feeds(args: argparse.Namespace) -> int:
    config = _config(args)
    rows = [feed_row(config, spec) for spec in config.feeds]
    _listing(args, rows, lambda row: str(row["name"]))
    return 0


# ingest ---------------------------------------------------------------------
def input_files(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """The files ``wire ingest`` reads, in order: each path given, and for a
    folder every file under it (recursively, sorted by path), leaving alone what a drop
    folder does (hidden names, uploads in progress). Also the folders that held
    no file. A path that is neither is kept: reading it says what is wrong."""
    files: list[str] = []
    empty: list[str] = []
    for path in paths:
        if not Path(path).is_dir():
            files.append(path)
            continue
        found = []
        for folder, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not left_alone(d)]
            found += [os.path.join(folder, n) for n in names if not left_alone(n)]
        files += sorted(found, key=lambda name: Path(name).parts)
        if not found:
            empty.append(path)
    return files, empty


@dataclass
class Tally:
    """What ``wire ingest`` did, for its summary: inputs, and the stories they made."""

    inputs: int = 0
    failed: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    read: int = 0  # a dry run: stories read, none stored

    def add(self, outcome: IngestOutcome | None) -> None:
        self.inputs += 1
        if outcome is None or outcome.error is not None:
            self.failed += 1
            return
        self.read += len(outcome.parsed or outcome.stories)
        for result in outcome.results:
            if result.created:
                self.new += 1
            elif result.changed:
                self.updated += 1
            else:
                self.unchanged += 1

    def summary(self, seconds: float, *, dry_run: bool) -> str:
        """One line, the same words every time (scripts may read it): inputs, the
        stories they made (new, updated, unchanged), inputs failed, seconds."""
        inputs = _counted(self.inputs, "input")
        if dry_run:
            made = f"{_counted(self.read, 'story', 'stories')} read (dry run: nothing stored)"
        else:
            made = f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"
        return f"{inputs}: {made}, {self.failed} failed; {seconds:.1f} s"


def _counted(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _state(result: SaveResult) -> str:
    if result.created:
        return "created"
    if result.changed:
        return "updated"
    return "stale" if result.stale else "unchanged"


class Reporter:
    """Each input's outcome said once, as it is known, in the order of the
    paths: its stories on stdout, its problem on stderr naming the input, and a
    progress bar on stderr while a person watches (a terminal)."""

    def __init__(self, args: argparse.Namespace, total: int) -> None:
        self.args = args
        self.tally = Tally()
        self.outcomes: list[IngestOutcome] = []
        self.bar: Any = None
        if total > 1 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                "ingest",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
                # stdout kept apart from the bar's stream where it is a file or pipe
                redirect_stdout=sys.stdout.isatty(),
            )
            self.task = self.bar.add_task("ingest", total=total)

    def __enter__(self) -> Reporter:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def failed(self, path: str, reason: str) -> None:
        print(f"wire ingest: {path}: {reason}", file=sys.stderr)
        self.tally.add(None)
        self._advance()

    def done(self, outcome: IngestOutcome) -> None:
        self.outcomes.append(outcome)
        self.tally.add(outcome)
        if outcome.error is not None:
            print(f"wire ingest: {outcome.error}", file=sys.stderr)
        for note in outcome.notes:
            _warn("ingest", f"{outcome.name}: {note}")
        if not (self.args.json or self.args.nl) and outcome.error is None:
            if self.args.dry_run:
                for story in outcome.stories:
                    print(f"{outcome.name}: {story.guid} dry run")
            for result in outcome.results:
                story = result.story
                print(f"{outcome.name}: {story.guid} v{story.version} {_state(result)}")
        self._advance()

    def _advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)


Batch = list[tuple[str, Input | str]]


async def _ingest(
    args: argparse.Namespace,
    config: Config,
    paths: Sequence[str],
    reporter: Reporter,
    workers: ParseWorkers | None,
) -> None:
    """Each path read and ingested in order; stored through the desk in batches of
    ``--batch`` inputs (one write transaction each), or in a dry run only parsed
    (no store is even opened). Outcomes are reported in the order of the paths."""

    def report(batch: Batch, done: Iterator[IngestOutcome]) -> None:
        for path, item in batch:
            if isinstance(item, Input):
                reporter.done(next(done))
            else:
                reporter.failed(path, item)

    def read(chunk: Sequence[str]) -> Batch:
        batch: Batch = []
        for path in chunk:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                batch.append((path, exc.strerror or str(exc)))
                continue
            fetched_at = args.fetched_at or utcnow()
            batch.append((path, Input(data, path, args.format, args.source, fetched_at)))
        return batch

    async def batches() -> AsyncIterator[Batch]:
        for start in range(0, len(paths), args.batch):
            yield await asyncio.to_thread(read, paths[start : start + args.batch])

    def inputs_of(batch: Batch) -> list[Input]:
        return [item for _, item in batch if isinstance(item, Input)]

    async def run(wire: Wire | None) -> None:
        if wire is None:
            async for batch in batches():
                done = [await _dry_run(config, item) for item in inputs_of(batch)]
                report(batch, iter(done))
            return
        # Overlapped: each batch is read (parsed, on the parse workers) while the
        # one before is kept (stored, here), and batches are kept in order.
        before: tuple[Batch, Received, asyncio.Task[Readings]] | None = None
        reading: asyncio.Task[Readings] | None = None
        try:
            async for batch in batches():
                received = await wire.receive(inputs_of(batch))
                reading = asyncio.create_task(wire.read(received))
                if before is not None:
                    report(before[0], iter(await wire.keep(before[1], await before[2])))
                before = (batch, received, reading)
            if before is not None:
                report(before[0], iter(await wire.keep(before[1], await before[2])))
        finally:
            if reading is not None and not reading.done():
                reading.cancel()
                await asyncio.gather(reading, return_exceptions=True)

    if args.dry_run:
        await run(None)
        return
    # The server's change path: caches told through the store, pushes sent from here
    # (and retried by the server's sweep), exactly as for a story pushed over HTTP.
    try:
        async with running(config, finish_pushes=True, workers=workers) as runtime:
            await run(runtime.wire)
    finally:
        if workers is not None:  # also when the store would not open
            await workers.close()


async def _dry_run(config: Config, item: Input) -> IngestOutcome:
    return await dry_run_of(
        config,
        item.data,
        name=item.name,
        fmt=item.fmt,
        source=item.source,
        fetched_at=item.fetched_at or utcnow(),
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    started = time.monotonic()
    config = _config(args) if args.dry_run else _store_config(args)
    if args.source is not None and config.source(args.source) is None:
        known = ", ".join(s.name for s in config.sources) or "none"
        where = config.path or "the config"
        raise UsageError(f"--source {args.source!r} is not a source in {where} (known: {known})")
    paths, empty = input_files(args.paths)
    for folder in empty:
        _warn("ingest", f"{folder}: no files in it")
    workers = None
    if not args.dry_run and min(args.batch, len(paths)) > 1:
        # Forked now, while this process has no other thread and has imported the
        # parsers: ready at once, where a forkserver would import them all again.
        workers = ParseWorkers(seconds=config.server.parse_seconds)
        workers.prefork()
    with Reporter(args, len(paths)) as reporter:
        asyncio.run(_ingest(args, config, paths, reporter, workers))
    # What was read from each input; an input seen before (the same bytes) was not
    # read again, and is shown as it stands.
    stories = [story_to_dict(s) for o in reporter.outcomes for s in (o.parsed or o.stories)]
    if args.json:
        one = len(stories) == 1 and len(args.paths) == 1 and paths == args.paths
        print(json.dumps(stories[0] if one else stories, ensure_ascii=False, indent=2))
    elif args.nl:
        for doc in stories:
            print(json.dumps(doc, ensure_ascii=False))
    summary = reporter.tally.summary(time.monotonic() - started, dry_run=args.dry_run)
    print(f"wire ingest: {summary}", file=sys.stderr)
    return EXIT_FAILED if reporter.tally.failed else 0


# render ---------------------------------------------------------------------
async def _render(config: Config, feed: str, fmt: str) -> bytes:
    from wire.publish.publisher import Publisher

    async with _wire(config) as wire:
        rendered = await Publisher(config, wire.store, wire.clock).rendered(feed, fmt, PUBLIC)
        return rendered.body


def cmd_render(args: argparse.Namespace) -> int:
    config = _store_config(args)
    spec = config.feed(args.feed)
    if spec is None:
        raise ConfigError("feeds", f"no feed named {args.feed!r}")
    if args.format not in spec.formats:
        raise ConfigError(f"feeds.{args.feed}.formats", f"{args.format!r} is not served")
    sys.stdout.buffer.write(asyncio.run(_render(config, args.feed, args.format)))
    sys.stdout.buffer.flush()
    return 0


# export ---------------------------------------------------------------------
async def _export(config: Config, out: Path, *, watch: bool, interval: float) -> None:
    from wire.export import export_site

    async with running(config) as rt:
        while True:
            report = await export_site(rt.publisher, out)
            skipped = (
                f", {len(report.skipped)} stories left to the server" if report.skipped else ""
            )
            print(
                f"wire export: {out}: {len(report.written)} written, {report.unchanged} "
                f"unchanged, {len(report.removed)} removed{skipped}",
                flush=True,
            )
            if not watch:
                return
            await asyncio.sleep(interval)


def cmd_export(args: argparse.Namespace) -> int:
    config = _store_config(args)
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    with suppress(KeyboardInterrupt):  # --watch runs until interrupted
        asyncio.run(_export(config, out, watch=args.watch, interval=args.interval))
    return 0


# backup ---------------------------------------------------------------------
def cmd_backup(args: argparse.Namespace) -> int:
    """An online copy of a SQLite store (SQLite's backup API: consistent while the
    server runs and writes). PostgreSQL has its own tools: ``pg_dump``."""
    import sqlite3

    from sqlalchemy.engine import make_url

    config = _store_config(args)
    url = make_url(config.server.database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        print(
            "wire: backup copies SQLite stores; back PostgreSQL up with "
            "pg_dump --format=custom (docs/deployment.md)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    source, target = Path(url.database), Path(args.file)
    if not source.exists():
        print(f"wire: no store at {source}", file=sys.stderr)
        return EXIT_FAILED
    if target.exists() and not args.force:
        print(f"wire: {target} exists (--force replaces it)", file=sys.stderr)
        return EXIT_FAILED
    target.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        live.backup(copy)
    print(f"wire backup: {source} -> {target} ({target.stat().st_size} bytes)")
    return 0


# keys -----------------------------------------------------------------------
async def _store_credential(config: Config, credential: Credential) -> None:
    async with _wire(config) as wire:
        await wire.store.add_credential(credential)


def cmd_keys_create(args: argparse.Namespace) -> int:
    config = _store_config(args)
    now = utcnow()
    if args.partner:
        if config.partner(args.partner) is None:
            raise ConfigError("partners", f"no partner named {args.partner!r}")
        token = new_token("wire_pt")
        credential = Credential(hash_token(token), "partner", args.partner, None, now, args.expires)
        who = f"partner {args.partner}"
    else:
        token = new_token("wire_ed")
        credential = Credential(
            hash_token(token), "editor", args.name or args.role, args.role, now, args.expires
        )
        who = f"{args.role} key {credential.subject}"
    if expired(args.expires, now):
        _warn(
            "keys create",
            f"--expires {format_instant(args.expires)} has passed: "
            "the key is refused from the start (revoke it, or create one that expires later)",
        )
    asyncio.run(_store_credential(config, credential))
    expiry = f", expires {format_instant(args.expires)}" if args.expires else ""
    print(f"created {who}{expiry}; stored as {credential.token_hash[:15]}…")
    print("the key is shown once; keep it secret:")
    print(token)
    return 0


async def _credentials(config: Config) -> list[Credential]:
    async with _wire(config) as wire:
        return await wire.store.list_credentials()


def key_row(credential: Credential, now: datetime) -> dict[str, object]:
    """A stored key as ``wire keys list`` shows it: its hash, never the key."""
    expires = credential.expires_at
    return {
        "hash": credential.token_hash,
        "kind": credential.kind,
        "subject": credential.subject,
        "role": credential.role,
        "created_at": format_instant(credential.created_at),
        "expires_at": format_instant(expires),
        "expired": expired(expires, now),
    }


def _key_line(row: Row) -> str:
    expiry = f"expires {row['expires_at'] or 'never'}"
    return (
        f"{str(row['hash'])[:23]}  {row['kind']:<7} {row['subject']:<20} "
        f"{row['role'] or '-':<6} {expiry}{' (expired)' if row['expired'] else ''}"
    )


def cmd_keys_list(args: argparse.Namespace) -> int:
    """Stored keys by hash prefix, kind, holder and expiry: never the keys themselves."""
    now = utcnow()
    rows = [key_row(c, now) for c in asyncio.run(_credentials(_store_config(args)))]
    _listing(args, rows, _key_line)
    return 0


async def _revoke(config: Config, prefix: str) -> str:
    async with _wire(config) as wire:
        matches = [
            c for c in await wire.store.list_credentials() if c.token_hash.startswith(prefix)
        ]
        if len(matches) != 1:
            found = "no key" if not matches else f"{len(matches)} keys"
            raise NotFound(f"{found} stored with a hash starting {prefix!r}")
        await wire.store.delete_credential(matches[0].token_hash)
        return f"{matches[0].kind} key of {matches[0].subject}"


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    print(f"revoked the {asyncio.run(_revoke(_store_config(args), args.hash_prefix))}")
    return 0


# sources / deliveries ---------------------------------------------------------
async def _sources(config: Config) -> list[dict[str, object]]:
    from wire.poll.sources import status_row

    async with _wire(config) as wire:
        states = {s.name: s for s in await wire.store.source_states()}
    return [status_row(src, states.get(src.name)) for src in config.sources]


def _source_line(row: Row) -> str:
    return (
        f"{row['name']:<16} {row['kind']:<5} seen={row['items_seen']} "
        f"stored={row['items_stored']} last_success={row['last_success'] or '-'} "
        f"next={row['next_run'] or '-'} error={row['last_error'] or '-'}"
    )


def cmd_sources(args: argparse.Namespace) -> int:
    _listing(args, asyncio.run(_sources(_store_config(args))), _source_line)
    return 0


async def _usage(
    config: Config, start: date, end: date, partner: str | None
) -> list[dict[str, object]]:
    async with _wire(config) as wire:
        return [usage_dict(r) for r in await wire.store.usage(start, end, partner)]


def cmd_usage(args: argparse.Namespace) -> int:
    today = utcnow().date()
    end = date.fromisoformat(args.to) if args.to else today
    start = date.fromisoformat(args.since) if args.since else end - timedelta(days=6)
    rows = asyncio.run(_usage(_store_config(args), start, end, args.partner))

    def line(row: Mapping[str, object]) -> str:
        return (
            f"{row['day']}  {row['partner']:<16} {row['channel']:<8} {row['requests']:>9} req "
            f"{row['bytes']:>12} B {row['items']:>8} items"
        )

    _listing(args, rows, line)
    return 0


async def _dead(config: Config) -> list[dict[str, object]]:
    from wire.deliver.retry import delivery_summary

    async with _wire(config) as wire:
        return [delivery_summary(d) for d in await wire.store.dead_letters()]


def cmd_deliveries(args: argparse.Namespace) -> int:
    """Dead letters, one JSON object a line unless ``--json`` is given (``--nl``
    says the same as the default, for scripts that pass it to every listing)."""
    rows = asyncio.run(_dead(_store_config(args)))
    _listing(args, rows, lambda row: json.dumps(row, ensure_ascii=False))
    if not rows:
        print("no dead letters", file=sys.stderr)
    return 0


async def _raw(config: Config, sha256: str) -> tuple[RawInput, list[Story]]:
    async with _wire(config) as wire:
        return await wire.archived(sha256)


def cmd_raw(args: argparse.Namespace) -> int:
    """An archived raw input by sha256: its bytes (stdout or ``--out``), or with
    ``--stories`` what was archived with it and every story version it made."""
    sha = args.sha256.lower()
    if not SHA256.fullmatch(sha):
        raise UsageError("a sha256 is 64 hexadecimal digits")
    raw, made = asyncio.run(_raw(_store_config(args), sha))
    if args.stories:
        print(json.dumps(raw_summary(raw, made), indent=2, ensure_ascii=False))
    elif args.out:
        Path(args.out).write_bytes(raw.data)
    else:
        sys.stdout.buffer.write(raw.data)
        sys.stdout.flush()
    return 0


# parser ---------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wire", description="Wire-service syndication feed server."
    )
    parser.add_argument("--version", action="version", version=f"wire {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def options(
        p: argparse.ArgumentParser, *, store: bool = False, listing: bool = False
    ) -> argparse.ArgumentParser:
        p.add_argument(
            "--config",
            metavar="FILE",
            help=f"TOML config file (see config.example.toml); default: ${CONFIG_VARIABLE}",
        )
        if store:
            p.add_argument(
                "--data-dir",
                metavar="DIR",
                help="where the SQLite store is (default: server.data_dir of the config); "
                "without --config or this, the command refuses to make a store",
            )
        if listing:
            shape = p.add_mutually_exclusive_group()
            shape.add_argument("--json", action="store_true", help="print one JSON array")
            shape.add_argument("--nl", action="store_true", help="print one JSON object a line")
        return p

    def add(
        name: str, help_text: str, *, store: bool = False, listing: bool = False
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        return options(p, store=store, listing=listing)

    p = add("serve", "Run the HTTP server and the scheduler.", store=True)
    p.add_argument("--host", help="interface to listen on (default: server.host)")
    p.add_argument("--port", type=int, help="port to listen on (default: server.port)")
    p.add_argument(
        "--workers",
        type=int,
        choices=range(1, 65),
        metavar="N",
        help="server processes sharing the port (default: server.workers)",
    )
    p.set_defaults(func=cmd_serve)

    p = add("check-config", "Validate a config file; exit 2 naming the bad key.")
    p.set_defaults(func=cmd_check_config)

    p = add("feeds", "List the configured feeds, one name a line.", listing=True)
    p.set_defaults(func=cmd_feeds)

    p = add(
        "ingest",
        "Turn input files (raw copy, HTML, RSS/Atom, NewsML-G2, NITF, ninjs) into stories; "
        "a folder is read recursively. A summary ends on stderr.",
        store=True,
        listing=True,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a file, or a folder of them")
    p.add_argument("--source", help="source name from the config (its attribution policy applies)")
    p.add_argument("--format", default="auto", choices=INPUT_CHOICES)
    p.add_argument(
        "--fetched-at",
        type=_instant,
        metavar="ISO-8601",
        help="when the copy was fetched (base for '5 hours ago')",
    )
    p.add_argument("--dry-run", action="store_true", help="store nothing (and open no store)")
    p.add_argument(
        "--batch",
        type=_positive,
        default=INGEST_BATCH,
        metavar="N",
        help=f"inputs stored per write transaction (default {INGEST_BATCH})",
    )
    p.set_defaults(func=cmd_ingest)

    p = add("render", "Print a feed exactly as the server serves it to the public.", store=True)
    p.add_argument("feed")
    p.add_argument("--format", required=True, choices=FEED_FORMATS)
    p.set_defaults(func=cmd_render)

    p = add(
        "export",
        "Write the public site (feeds in every format, archive pages, story pages,"
        " .gz siblings) into DIR with an nginx config serving it as wire does.",
        store=True,
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--watch", action="store_true", help="export again every --interval seconds")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between exports (--watch)")
    p.set_defaults(func=cmd_export)

    p = add(
        "backup",
        "Copy a SQLite store to FILE while the server runs (PostgreSQL: pg_dump).",
        store=True,
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_backup)

    keys = sub.add_parser(
        "keys",
        help="Manage API keys and partner tokens.",
        description="Manage API keys and partner tokens.",
    )
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")

    def add_key_action(name: str, help_text: str, description: str, **kw: bool) -> Any:
        p = keys_sub.add_parser(name, help=help_text, description=description)
        return options(p, store=True, **kw)

    p = add_key_action(
        "create",
        "Create a key; prints it once, stores its hash.",
        "Create a key; prints it once as the last line, stores only its hash.",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument("--role", choices=tuple(Role), default=Role.EDITOR)
    who.add_argument("--partner", metavar="NAME", help="a partner token instead of an editor key")
    p.add_argument("--name", help="label for an editor key")
    p.add_argument("--expires", type=_instant, metavar="ISO-8601")
    p.set_defaults(func=cmd_keys_create)
    p = add_key_action(
        "list",
        "List stored keys (hash prefixes, never the keys).",
        "List stored keys (hash prefixes, never the keys).",
        listing=True,
    )
    p.set_defaults(func=cmd_keys_list)
    p = add_key_action(
        "revoke",
        "Revoke a stored key by its hash prefix.",
        "Revoke a stored key by its hash prefix (see 'wire keys list'); a partner's cached "
        "view expires within 30 s.",
    )
    p.add_argument("hash_prefix", metavar="HASH-PREFIX")
    p.set_defaults(func=cmd_keys_revoke)

    p = add("sources", "Show each source's polling status.", store=True, listing=True)
    p.set_defaults(func=cmd_sources)

    p = add(
        "usage",
        "Partners' requests, bytes and items delivered per day and channel.",
        store=True,
        listing=True,
    )
    p.add_argument(
        "--from", dest="since", metavar="DAY", help="first day, YYYY-MM-DD (default: a week ago)"
    )
    p.add_argument("--to", metavar="DAY", help="last day, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--partner", help="one partner only")
    p.set_defaults(func=cmd_usage)

    p = add(
        "deliveries",
        "List dead-lettered webhook and WebSub deliveries, one JSON object a line.",
        store=True,
        listing=True,
    )
    p.set_defaults(func=cmd_deliveries)

    p = add("raw", "Print an archived raw input by its sha256, as it arrived.", store=True)
    p.add_argument("sha256", metavar="SHA256")
    p.add_argument("--out", metavar="FILE", help="write the bytes to FILE instead of stdout")
    p.add_argument(
        "--stories",
        action="store_true",
        help="print what was archived with it and the story versions it made, as JSON",
    )
    p.set_defaults(func=cmd_raw)
    return parser


class _CommandLogs(logging.Handler):
    """Library log records while a command other than ``serve`` runs, as one
    plain line each on stderr. Records about one input (they carry ``input``)
    are left out: the command reports every input's outcome itself, so each
    problem is said once, not once as a bare log line and again in full."""

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "input"):
            return
        from wire.logs import JSONFormatter

        # The record's extras as the server's logs name them (one rule of what an
        # extra is), after the message.
        fields = json.loads(JSONFormatter().format(record))
        for key in ("time", "level", "logger", "message"):
            fields.pop(key, None)
        extras = "".join(f" {key}={value}" for key, value in fields.items())
        print(f"wire: {record.levelname.lower()}: {record.getMessage()}{extras}", file=sys.stderr)


@contextmanager
def _command_logs() -> Iterator[None]:
    root = logging.getLogger()
    handler = _CommandLogs(logging.WARNING)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _name(args: argparse.Namespace) -> str:
    keys_command = getattr(args, "keys_command", None)
    return f"{args.command} {keys_command}" if keys_command else str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs = nullcontext() if args.command == "serve" else _command_logs()
    try:
        with logs:
            code: int = args.func(args)
    except UsageError as exc:
        print(f"wire {_name(args)}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"wire: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WireError as exc:
        print(f"wire: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
