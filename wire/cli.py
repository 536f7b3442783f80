"""The ``wire`` command: serve, check-config, feeds, ingest, render, keys, sources, deliveries.

Every subcommand answers ``--help``; errors go to stderr with a non-zero exit
(2 for a bad config or bad arguments, 1 for inputs that failed).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wire.clock import utcnow
from wire.config import Config, SourceKind, default_config, load_config
from wire.errors import ConfigError, NotFound, WireError
from wire.formats import FEED_FORMATS, INPUT_CHOICES, feed_path
from wire.ingest.workers import ParseWorkers
from wire.instants import format_instant, parse_instant
from wire.intake import IngestOutcome, Input
from wire.model import PUBLIC, Role, Story
from wire.runtime import running
from wire.service import SHA256, Readings, Received, Wire, dry_run_of, raw_summary
from wire.store import open_store
from wire.store.base import Credential, RawInput
from wire.storyjson import story_to_dict
from wire.tokens import hash_token, new_token

if TYPE_CHECKING:
    from aiohttp import web

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


def _config(path: str | None) -> Config:
    return load_config(path) if path else default_config()


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
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
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

    config = _config(args.config)
    server = config.server
    setup_logging(server.log_level, fmt=server.log_format, library_level=server.library_log_level)
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    for source in config.sources:
        if source.kind is SourceKind.DIR and source.location:
            Path(source.location).mkdir(parents=True, exist_ok=True)
    host = args.host or config.server.host
    port = args.port if args.port is not None else config.server.port
    base = config.server.base_url.rstrip("/")
    print(f"wire serving on http://{host}:{port}  (public base URL {base})", flush=True)
    for url in feed_urls(config):
        print(f"  {url}", flush=True)
    print(f"  {base}/   {base}/api/v1/docs   {base}/healthz", flush=True)
    if config.server.load_demo and (key := asyncio.run(_demo_desk_key(config))):
        print(f"  desk: {base}/desk   demo admin key (shown once): {key}", flush=True)
    workers = args.workers if args.workers is not None else config.server.workers

    def serve_one(worker: int = 0) -> int:
        app = create_app(config)
        app.on_startup.append(_freeze_heap)
        with asyncio.Runner(loop_factory=_event_loop) as runner:
            runner.run(
                _serve(
                    app, host, port, backlog=config.server.listen_backlog, reuse_port=workers > 1
                )
            )
        return 0

    if workers > 1:
        from wire.web.workers import Supervisor

        print(f"  {workers} worker processes", flush=True)
        return Supervisor(workers, serve_one).run()
    return serve_one()


async def _serve(
    app: web.Application, host: str, port: int, *, backlog: int, reuse_port: bool = False
) -> None:
    """Serve until SIGINT or SIGTERM, then drain: stop listening, let requests in
    flight finish (up to 10 s), stop the jobs, close the database."""
    from aiohttp import web

    from wire.web.front import ShortcutSite

    runner = web.AppRunner(app, access_log=None, shutdown_timeout=10.0)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await ShortcutSite(runner, host, port, backlog=backlog, reuse_port=reuse_port).start()
        await stop.wait()
    finally:
        await runner.cleanup()


def feed_urls(config: Config) -> list[str]:
    """Every feed URL the server answers: each feed in each format it serves."""
    base = config.server.base_url.rstrip("/")
    return [base + feed_path(spec.name, fmt) for spec in config.feeds for fmt in spec.formats]


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


# check-config / feeds --------------------------------------------------------
def cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(
        f"{args.config}: ok ({len(config.sources)} sources, {len(config.feeds)} feeds, "
        f"{len(config.partners)} partners)"
    )
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    for spec in _config(args.config).feeds:
        print(spec.name)
    return 0


# ingest ---------------------------------------------------------------------
async def _ingest(
    args: argparse.Namespace, config: Config, workers: ParseWorkers | None
) -> list[IngestOutcome]:
    """Each path read and ingested in order; stored through the desk in batches of
    ``--batch`` inputs (one write transaction each), or in a dry run only parsed
    (no store is even opened). Errors are printed in the order of the paths."""
    outcomes: list[IngestOutcome] = []

    def report(batch: list[tuple[str, Input | str]], done: Iterator[IngestOutcome]) -> None:
        for path, item in batch:
            if not isinstance(item, Input):
                print(f"wire ingest: {path}: {item}", file=sys.stderr)
                continue
            outcome = next(done)
            if outcome.error:
                print(f"wire ingest: {outcome.error}", file=sys.stderr)
            outcomes.append(outcome)

    def read(paths: Sequence[str]) -> list[tuple[str, Input | str]]:
        batch: list[tuple[str, Input | str]] = []
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                batch.append((path, exc.strerror or str(exc)))
                continue
            fetched_at = args.fetched_at or utcnow()
            batch.append((path, Input(data, path, args.format, args.source, fetched_at)))
        return batch

    async def batches() -> AsyncIterator[list[tuple[str, Input | str]]]:
        for start in range(0, len(args.paths), args.batch):
            yield await asyncio.to_thread(read, args.paths[start : start + args.batch])

    def inputs_of(batch: list[tuple[str, Input | str]]) -> list[Input]:
        return [item for _, item in batch if isinstance(item, Input)]

    async def run(wire: Wire | None) -> None:
        if wire is None:
            async for batch in batches():
                done = [await _dry_run(config, item) for item in inputs_of(batch)]
                report(batch, iter(done))
            return
        # Overlapped: each batch is read (parsed, on the parse workers) while the
        # one before is kept (stored, here), and batches are kept in order.
        before: tuple[list[tuple[str, Input | str]], Received, asyncio.Task[Readings]] | None = None
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
        return outcomes
    config.server.data_dir.mkdir(parents=True, exist_ok=True)
    # The server's change path: caches told through the store, pushes sent from here
    # (and retried by the server's sweep), exactly as for a story pushed over HTTP.
    try:
        async with running(config, finish_pushes=True, workers=workers) as runtime:
            await run(runtime.wire)
    finally:
        if workers is not None:  # also when the store would not open
            await workers.close()
    return outcomes


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
    config = _config(args.config)
    if args.source is not None and config.source(args.source) is None:
        known = ", ".join(s.name for s in config.sources) or "none"
        print(
            f"wire ingest: --source {args.source!r} is not a source in {args.config} "
            f"(known: {known})",
            file=sys.stderr,
        )
        return 2
    workers = None
    if not args.dry_run and min(args.batch, len(args.paths)) > 1:
        # Forked now, while this process has no other thread and has imported the
        # parsers: ready at once, where a forkserver would import them all again.
        workers = ParseWorkers(seconds=config.server.parse_seconds)
        workers.prefork()
    outcomes = asyncio.run(_ingest(args, config, workers))
    # What was read from each input; an input seen before (the same bytes) was not
    # read again, and is shown as it stands.
    stories = [s for o in outcomes for s in (o.parsed or o.stories)]
    if args.json:
        docs = [story_to_dict(s) for s in stories]
        print(
            json.dumps(
                docs[0] if len(docs) == 1 and len(args.paths) == 1 else docs,
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for outcome in outcomes:
            if outcome.error is not None:
                continue
            if args.dry_run:
                for story in outcome.stories:
                    print(f"{outcome.name}: {story.guid} dry run")
                continue
            for result in outcome.results:
                story = result.story
                state = (
                    "created"
                    if result.created
                    else "updated"
                    if result.changed
                    else ("stale" if result.stale else "unchanged")
                )
                print(f"{outcome.name}: {story.guid} v{story.version} {state}")
    failed = sum(1 for o in outcomes if o.error) + (len(args.paths) - len(outcomes))
    return EXIT_FAILED if failed else 0


# render ---------------------------------------------------------------------
async def _render(config: Config, feed: str, fmt: str) -> bytes:
    from wire.publish.publisher import Publisher

    async with _wire(config) as wire:
        rendered = await Publisher(config, wire.store, wire.clock).rendered(feed, fmt, PUBLIC)
        return rendered.body


def cmd_render(args: argparse.Namespace) -> int:
    config = _config(args.config)
    spec = config.feed(args.feed)
    if spec is None:
        raise ConfigError("feeds", f"no feed named {args.feed!r}")
    if args.format not in spec.formats:
        raise ConfigError(f"feeds.{args.feed}.formats", f"{args.format!r} is not served")
    sys.stdout.buffer.write(asyncio.run(_render(config, args.feed, args.format)))
    sys.stdout.buffer.flush()
    return 0


# keys -----------------------------------------------------------------------
async def _store_credential(config: Config, credential: Credential) -> None:
    async with _wire(config) as wire:
        await wire.store.add_credential(credential)


def cmd_keys_create(args: argparse.Namespace) -> int:
    config = _config(args.config)
    if args.partner:
        if config.partner(args.partner) is None:
            raise ConfigError("partners", f"no partner named {args.partner!r}")
        token = new_token("wire_pt")
        credential = Credential(
            hash_token(token), "partner", args.partner, None, utcnow(), args.expires
        )
        who = f"partner {args.partner}"
    else:
        token = new_token("wire_ed")
        credential = Credential(
            hash_token(token), "editor", args.name or args.role, args.role, utcnow(), args.expires
        )
        who = f"{args.role} key {credential.subject}"
    asyncio.run(_store_credential(config, credential))
    expiry = f", expires {format_instant(args.expires)}" if args.expires else ""
    print(f"created {who}{expiry}; stored as {credential.token_hash[:15]}…")
    print("the key is shown once; keep it secret:")
    print(token)
    return 0


async def _credentials(config: Config) -> list[Credential]:
    async with _wire(config) as wire:
        return await wire.store.list_credentials()


def cmd_keys_list(args: argparse.Namespace) -> int:
    """Stored keys by hash prefix, kind, holder and expiry: never the keys themselves."""
    for cred in asyncio.run(_credentials(_config(args.config))):
        expiry = format_instant(cred.expires_at) or "never"
        print(
            f"{cred.token_hash[:23]}  {cred.kind:<7} {cred.subject:<20} "
            f"{cred.role or '-':<6} expires {expiry}"
        )
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
    print(f"revoked the {asyncio.run(_revoke(_config(args.config), args.hash_prefix))}")
    return 0


# sources / deliveries ---------------------------------------------------------
async def _sources(config: Config) -> list[dict[str, object]]:
    from wire.poll.sources import status_row

    async with _wire(config) as wire:
        states = {s.name: s for s in await wire.store.source_states()}
    return [status_row(src, states.get(src.name)) for src in config.sources]


def cmd_sources(args: argparse.Namespace) -> int:
    rows = asyncio.run(_sources(_config(args.config)))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(
            f"{row['name']:<16} {row['kind']:<5} seen={row['items_seen']} "
            f"stored={row['items_stored']} last_success={row['last_success'] or '-'} "
            f"next={row['next_run'] or '-'} error={row['last_error'] or '-'}"
        )
    return 0


async def _dead(config: Config) -> list[dict[str, object]]:
    from wire.deliver.retry import delivery_summary

    async with _wire(config) as wire:
        return [delivery_summary(d) for d in await wire.store.dead_letters()]


def cmd_deliveries(args: argparse.Namespace) -> int:
    rows = asyncio.run(_dead(_config(args.config)))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
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
        print("wire: a sha256 is 64 hexadecimal digits", file=sys.stderr)
        return EXIT_USAGE
    raw, made = asyncio.run(_raw(_config(args.config), sha))
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
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, *, config_required: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--config",
            required=config_required,
            metavar="FILE",
            help="TOML config file (see config.example.toml)",
        )
        return p

    p = add("serve", "Run the HTTP server and the scheduler.")
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

    p = add(
        "check-config", "Validate a config file; exit 2 naming the bad key.", config_required=True
    )
    p.set_defaults(func=cmd_check_config)

    p = add("feeds", "List the configured feeds, one name a line.")
    p.set_defaults(func=cmd_feeds)

    p = add(
        "ingest",
        "Turn input files (raw copy, HTML, RSS/Atom, NewsML-G2, NITF, ninjs) into stories.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--source", help="source name from the config (its attribution policy applies)")
    p.add_argument("--format", default="auto", choices=INPUT_CHOICES)
    p.add_argument(
        "--fetched-at",
        type=_instant,
        metavar="ISO-8601",
        help="when the copy was fetched (base for '5 hours ago')",
    )
    p.add_argument("--json", action="store_true", help="print the story JSON")
    p.add_argument("--dry-run", action="store_true", help="store nothing")
    p.add_argument(
        "--batch",
        type=_positive,
        default=INGEST_BATCH,
        metavar="N",
        help=f"inputs stored per write transaction (default {INGEST_BATCH})",
    )
    p.set_defaults(func=cmd_ingest)

    p = add("render", "Print a feed exactly as the server serves it to the public.")
    p.add_argument("feed")
    p.add_argument("--format", required=True, choices=FEED_FORMATS)
    p.set_defaults(func=cmd_render)

    keys = sub.add_parser(
        "keys",
        help="Manage API keys and partner tokens.",
        description="Manage API keys and partner tokens.",
    )
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    p = keys_sub.add_parser(
        "create",
        help="Create a key; prints it once, stores its hash.",
        description="Create a key; prints it once as the last line, stores only its hash.",
    )
    p.add_argument("--config", metavar="FILE", help="TOML config file")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--role", choices=tuple(Role), default=Role.EDITOR)
    who.add_argument("--partner", metavar="NAME", help="a partner token instead of an editor key")
    p.add_argument("--name", help="label for an editor key")
    p.add_argument("--expires", type=_instant, metavar="ISO-8601")
    p.set_defaults(func=cmd_keys_create)
    p = keys_sub.add_parser(
        "list",
        help="List stored keys (hash prefixes, never the keys).",
        description="List stored keys (hash prefixes, never the keys).",
    )
    p.add_argument("--config", metavar="FILE", help="TOML config file")
    p.set_defaults(func=cmd_keys_list)
    p = keys_sub.add_parser(
        "revoke",
        help="Revoke a stored key by its hash prefix.",
        description="Revoke a stored key by its hash prefix (see "
        "'wire keys list'); a partner's cached view "
        "expires within 30 s.",
    )
    p.add_argument("hash_prefix", metavar="HASH-PREFIX")
    p.add_argument("--config", metavar="FILE", help="TOML config file")
    p.set_defaults(func=cmd_keys_revoke)

    p = add("sources", "Show each source's polling status.")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)

    p = add("deliveries", "List dead-lettered webhook and WebSub deliveries.")
    p.set_defaults(func=cmd_deliveries)

    p = add("raw", "Print an archived raw input by its sha256, as it arrived.")
    p.add_argument("sha256", metavar="SHA256")
    p.add_argument("--out", metavar="FILE", help="write the bytes to FILE instead of stdout")
    p.add_argument(
        "--stories",
        action="store_true",
        help="print what was archived with it and the story versions it made, as JSON",
    )
    p.set_defaults(func=cmd_raw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
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
