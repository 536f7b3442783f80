"""What the benchmark scripts share: a free port and a wire config for one push source."""

from __future__ import annotations

import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int, size: int, *, extra: str = "") -> Path:
    """A config serving one feed of ``size`` stories from the push source ``agency``;
    ``extra`` TOML (partners, editor keys) is appended."""
    path = folder / "wire.toml"
    path.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
base_url = "http://127.0.0.1:{port}"
data_dir = "{folder / "data"}"
allow_private_callbacks = true
rate_limit_per_minute = 100000000
load_demo = false
log_level = "warning"

[[sources]]
name = "agency"
kind = "push"
provider = "Bench Agency"
credit_line = "Bench Agency (BA)"

[[feeds]]
name = "all"
title = "All"
size = {size}
{extra}
""",
        encoding="utf-8",
    )
    return path
