"""A PostgreSQL cluster of a test's own (``initdb`` on a free port), to stop and start.

Outage tests must stop the database under a running wire without disturbing the
shared server every other test uses. Skips where the PostgreSQL binaries are
absent, unless ``WIRE_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A private cluster: ``url`` for wire, ``stop()`` and ``start()`` for the test."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        # No pipes: the server pg_ctl starts would hold them open.
        subprocess.run(
            command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
        )

    def init(self) -> None:
        initdb = _bin("initdb")
        assert initdb is not None
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run(pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "60", "start")

    def stop(self) -> None:
        pg_ctl = _bin("pg_ctl")
        assert pg_ctl is not None
        self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A started private cluster, removed afterwards."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        reason = "PostgreSQL's initdb and pg_ctl are not installed"
        if os.environ.get("WIRE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (WIRE_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="wire-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root, _free_port())
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()  # unless the test left it stopped
        shutil.rmtree(root, ignore_errors=True)
