"""Who is asking: bearer token hashes → a partner's audience or an editor's role.

Tokens are looked up by their hash, in the config and in the store; an expired
token is refused as such (401 with a reason), never silently treated as public.
Lookups of tokens kept in the store are remembered briefly — found ones for
``remember_seconds`` (so a revoke applies within that time), unknown ones for
``forget_seconds`` — so a client rotating made-up tokens costs no database
round trip per request (the HTTP layer also counts such requests against the
client's address). Contains no HTTP: ``wire.web.auth`` reads tokens from requests.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from wire.config import Config, PartnerConfig
from wire.errors import AuthError
from wire.model import PUBLIC, Audience, Role
from wire.store.base import DeskSession, Store
from wire.tokens import expired, hash_token, new_token

ROLES = tuple(Role)
UNKNOWN_REMEMBERED = 10_000  # made-up token hashes remembered at most


@dataclass(frozen=True, slots=True)
class Editor:
    name: str
    role: str


def partner_audience(partner: PartnerConfig) -> Audience:
    return Audience(
        name=partner.name,
        feeds=frozenset(partner.feeds) if partner.feeds is not None else None,
        sources=frozenset(partner.sources) if partner.sources is not None else None,
        embargo_rights=partner.embargo,
        partner=True,
        rate_per_minute=partner.requests_per_minute,
        stories_per_day=partner.stories_per_day,
    )


def _check_expiry(expires: datetime | None, now: datetime) -> None:
    if expired(expires, now):
        raise AuthError("token expired")


class Authenticator:
    """Resolves tokens against the config's hashes and the store's credentials."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        remember_seconds: float = 30.0,
        forget_seconds: float = 10.0,
    ) -> None:
        self._store = store
        self._stored: dict[str, tuple[Audience, datetime | None, datetime]] = {}
        self._unknown: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self.reconfigure(config)
        self._remember = timedelta(seconds=remember_seconds)
        self._forget = timedelta(seconds=forget_seconds)

    def reconfigure(self, config: Config) -> None:
        """Use a (re)loaded config's partners and editor keys. Built once: a poll
        resolves its token with one hash and one dict lookup. What was remembered of
        stored credentials is forgotten: a partner's entitlements may have changed."""
        self._config = config
        self._partner_hashes = {
            t.hash: (partner_audience(p), t.expires) for p in config.partners for t in p.tokens
        }
        self._editor_hashes = {k.hash: k for k in config.editor_keys}
        self._stored = {}
        self._unknown = OrderedDict()

    async def audience(self, token: str | None, now: datetime) -> Audience:
        """The public view without a token; a partner's view with a valid one."""
        return PUBLIC if token is None else await self.audience_of_hash(hash_token(token), now)

    async def audience_of_hash(
        self, digest: str, now: datetime, *, fresh: bool = False
    ) -> Audience:
        """A partner's view from its token's hash (the caller hashed it already).

        ``fresh`` asks the store again whatever was remembered: a push about to
        send a partner's private view checks that the token still stands."""
        found = self._partner_hashes.get(digest)
        if found is None and not fresh:
            found = self._remembered(digest, now)
        if found is None:
            if not fresh:
                self._refuse_if_unknown(digest, now)
            try:
                found = await self._stored_partner(digest)
            except AuthError as exc:
                self._unknown[digest] = (str(exc), now + self._forget)
                while len(self._unknown) > UNKNOWN_REMEMBERED:
                    self._unknown.popitem(last=False)
                raise
            self._unknown.pop(digest, None)
            self._stored[digest] = (*found, now + self._remember)
        audience, expires = found
        _check_expiry(expires, now)
        return audience

    def known_audience(self, digest: str, now: datetime) -> Audience | None:
        """The partner's view when it is known without asking the store and the token
        is valid; None otherwise (unknown, expired, not yet looked up), so the caller
        takes the full path and its precise error."""
        found = self._partner_hashes.get(digest) or self._remembered(digest, now)
        if found is None:
            return None
        audience, expires = found
        if expired(expires, now):
            return None
        return audience

    def _remembered(self, digest: str, now: datetime) -> tuple[Audience, datetime | None] | None:
        """A store-kept token looked up less than ``remember_seconds`` ago."""
        remembered = self._stored.get(digest)
        if remembered is None or remembered[2] <= now:
            return None
        return remembered[:2]

    def _refuse_if_unknown(self, digest: str, now: datetime) -> None:
        """Raise the remembered refusal of a hash the store did not know just now."""
        refused = self._unknown.get(digest)
        if refused is None:
            return
        reason, until = refused
        if until <= now:
            del self._unknown[digest]
            return
        raise AuthError(reason)

    async def _stored_partner(self, digest: str) -> tuple[Audience, datetime | None]:
        """A partner token made with ``wire keys create --partner`` (kept in the store)."""
        cred = await self._store.find_credential(digest)
        if cred is None or cred.kind != "partner":
            raise AuthError("unknown token")
        known = self._config.partner(cred.subject)
        if known is None:
            raise AuthError(f"token of partner {cred.subject!r}, which the config no longer has")
        return partner_audience(known), cred.expires_at

    async def editor(self, token: str | None, now: datetime) -> Editor:
        if token is None:
            raise AuthError("an editor API key is required (Authorization: Bearer KEY)")
        return await self.editor_of_hash(hash_token(token), now)

    async def editor_of_hash(self, digest: str, now: datetime) -> Editor:
        """The editor whose key has this hash; ``AuthError`` if unknown or expired."""
        key = self._editor_hashes.get(digest)
        if key is not None:
            _check_expiry(key.expires, now)
            return Editor(key.name, key.role)
        cred = await self._store.find_credential(digest)
        if cred is None or cred.kind != "editor":
            raise AuthError("unknown API key")
        _check_expiry(cred.expires_at, now)
        return Editor(cred.subject, cred.role or Role.EDITOR)


class Sessions:
    """Sign-ins at the desk: an editor key exchanged for a session secret (the
    cookie), kept only as its hash, for ``lifetime``. A session stands while its
    key does: each request checks the key again, so revoking or expiring the key
    signs its sessions out at once."""

    def __init__(self, auth: Authenticator, store: Store, lifetime: timedelta) -> None:
        self._auth = auth
        self._store = store
        self.lifetime = lifetime

    async def open(self, key: str, now: datetime) -> tuple[str, Editor]:
        """A new session for a valid editor key: its secret and its editor.
        Raises ``AuthError`` for an unknown or expired key."""
        key_hash = hash_token(key)
        editor = await self._auth.editor_of_hash(key_hash, now)
        secret = new_token("wire_ds")
        await self._store.add_session(
            DeskSession(hash_token(secret), key_hash, editor.name, now, now + self.lifetime)
        )
        return secret, editor

    async def editor(self, secret: str, now: datetime) -> Editor:
        """The editor signed in with this secret; ``AuthError`` when the session is
        unknown, ended or expired, or its key no longer stands."""
        session = await self._store.find_session(hash_token(secret))
        if session is None:
            raise AuthError("not signed in")
        if session.expires_at <= now:
            raise AuthError("the session expired; sign in again")
        return await self._auth.editor_of_hash(session.key_hash, now)

    async def close(self, secret: str) -> None:
        """Sign out: the session ends here, whatever the browser keeps."""
        await self._store.delete_session(hash_token(secret))


__all__ = ["ROLES", "Authenticator", "Editor", "Sessions", "partner_audience"]
