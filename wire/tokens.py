"""Bearer secrets: made at random, stored only as a hash, looked up by that hash.

Tokens are 256 random bits, so a plain SHA-256 is a sound at-rest form: there is
nothing to brute-force that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime


def new_token(prefix: str) -> str:
    """A fresh secret such as ``wire_ed_…``; the prefix tells a leaked token's kind."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """The at-rest form of a token, ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def expired(expires: datetime | None, now: datetime) -> bool:
    """Whether a token with this expiry is refused at ``now``: from its expiry on."""
    return expires is not None and expires <= now
