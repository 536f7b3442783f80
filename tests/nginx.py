"""A real nginx for the tests that put it in front of wire or of an export: a main
config of the test's own (its pid, logs and temp files in the test's folder),
started in the foreground and stopped afterwards. Skipped where nginx is absent;
``.ci/run`` installs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.servers import until_listening

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
needs_nginx = pytest.mark.skipif(not os.path.exists(NGINX), reason="needs nginx")


def main_config(folder: Path, http: str) -> Path:
    """``nginx.conf`` in ``folder`` running ``http`` (directives of the http block)."""
    main = folder / "nginx-main.conf"
    # Workers run as root when the tests do: they must read the test's private folder.
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(
        f"""daemon off;
{user}
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    {http}
}}
""",
        encoding="utf-8",
    )
    return main


def _start(conf: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([NGINX, "-c", str(conf)], stderr=subprocess.PIPE)


@asynccontextmanager
async def running_nginx(conf: Path, port: int) -> AsyncIterator[None]:
    """nginx on ``conf`` until the block ends, once it listens on ``port``."""
    nginx = _start(conf)
    try:
        await until_listening(port, nginx)
        yield
    finally:
        nginx.terminate()
        nginx.communicate(timeout=10)
