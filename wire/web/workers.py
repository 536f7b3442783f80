"""``wire serve --workers N``: N server processes on one port, one store.

Python answers a poll on one core; a machine has more. Each worker is a whole
wire (``serve_one``) listening with ``SO_REUSEPORT``, so the kernel spreads new
connections across the workers' sockets and no process hands connections to
another. What the workers share lives in the store: the leader lock elects the
one that runs the scheduled jobs (``wire.duties.Leadership``), every committed
change reaches the others' caches (PostgreSQL LISTEN/NOTIFY, a watch of the
change sequence on SQLite), and each publisher drops its renderings when an
embargo lifts (``wire.publish.lifts``). Per-process state — cached renderings,
rate-limit buckets, the shortcut's memo — stays per process: a rate limit of
``rate_limit_per_minute`` is enforced by each worker a client reaches.

The supervisor forks before any event loop or thread exists (each worker builds
its own), forwards SIGTERM and SIGINT to the workers and waits for them; a
worker that dies on its own is started again after a pause, so one crash never
takes the port down; a supervisor that dies, even by SIGKILL, takes its workers
with it (``PR_SET_PDEATHSIG``). Written by hand because the standard library's process
pools hand out work items, not sockets, and a pre-fork server (gunicorn) would
bring its own worker model around aiohttp's.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

RESTART_PAUSE = 1.0  # seconds before a worker that died on its own is started again
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Supervisor:
    """Forks ``count`` workers running ``serve_one`` and keeps them running until
    told to stop."""

    def __init__(self, count: int, serve_one: Callable[[int], int]) -> None:
        self._count = count
        self._serve_one = serve_one
        self._workers: dict[int, int] = {}  # pid → worker number
        self._stopping = False
        self._supervisor = os.getpid()

    def run(self) -> int:
        """Serve until SIGTERM or SIGINT; 0 when every worker stopped cleanly."""
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._reload)
        try:
            for number in range(self._count):
                self._start(number)
            failed = False
            while self._workers:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                if pid not in self._workers:
                    continue
                number = self._workers.pop(pid)
                code = os.waitstatus_to_exitcode(status)
                if self._stopping:
                    failed |= code not in (0, -signal.SIGTERM, -signal.SIGINT)
                    continue
                log.error(
                    "a worker stopped on its own; starting it again",
                    extra={"worker": number, "pid": pid, "exit": code},
                )
                time.sleep(RESTART_PAUSE)
                if not self._stopping:
                    self._start(number)
            return 1 if failed else 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self, number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: its own event loop sets its own handlers
            code = 1
            try:
                for sig in (*STOP_SIGNALS, signal.SIGHUP):
                    signal.signal(sig, signal.SIG_DFL)
                _stop_with(self._supervisor)
                code = self._serve_one(number)
            except BaseException:
                log.exception("a worker failed", extra={"worker": number})
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self._workers[pid] = number

    def _reload(self, signum: int, frame: FrameType | None) -> None:
        """SIGHUP: every worker reloads the config on its own (each validates it)."""
        for pid in list(self._workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGHUP)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        for pid in list(self._workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _stop_with(supervisor: int) -> None:
    """Have the kernel send this worker SIGTERM when the supervisor dies, however
    it dies (SIGKILL included), so no worker outlives it holding the port; and
    stop now if it died before this was set. Linux only (``prctl``); elsewhere a
    worker outliving a killed supervisor must be stopped by hand."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        log.warning("workers cannot follow the supervisor's death on this system")
    if os.getppid() != supervisor:
        os.kill(os.getpid(), signal.SIGTERM)


__all__ = ["Supervisor"]
