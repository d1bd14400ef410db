"""Bot Framework tokens on `/api/messages`, checked strictly and without blocking the loop.

The Bot Connector signs each request with a JWT (RS256) whose keys are published at the
Bot Framework's OpenID metadata. The SDKs check less than the Bot Framework's own protocol
asks (measured on the Agents SDK 1.9: no issuer allow-list by default, no channel endorsement
check, no `serviceurl` check, a 500 for a token without `kid`), so this module checks, in
this order, and refuses with `Unauthorized` (answered 401) at the first failure:

1. a `Bearer` token that reads as a JWT, signed with RS256, naming its key (`kid`);
2. the issuer, from the unverified claims, against the allow-list: before any key fetch, so
   that a stranger's token never makes the bot fetch anything;
3. the key: a known one (the key set is fetched at start and refreshed every day; an unknown
   `kid` refetches it at most once a minute);
4. the signature, `exp` and `nbf` (five minutes of clock skew, as the Bot Framework allows),
   the audience (the bot's app id);
5. the key's endorsement for the activity's channel (`msteams`), and the `serviceurl` claim,
   which must name the activity's own `serviceUrl`.

The Bot Connector sends the same token with many requests (it renews it about hourly), so a
token that passed steps 1-4 is remembered, by its exact text, until its `exp`: a later request
with the very same token skips the parsing and the signature check (a token that differs in
any byte, its signature included, is checked in full), while the key's endorsement for the
request's channel (the key must still be in the key set) and step 5, which depend on the
request, are checked every time.

Keys are fetched with aiohttp (bounded timeouts, never on a thread of the default executor)
and read with PyJWT's public `PyJWKSet`; PyJWKClient would fetch them with blocking urllib.
The one seam for tests is `openid_metadata_url` (a loopback server in tests/adapters/teams).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

log = logging.getLogger(__name__)

# Microsoft's documented metadata for tokens the Bot Connector sends to bots.
BOT_FRAMEWORK_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_ISSUERS = ("https://api.botframework.com",)
ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600
# An unknown key id refetches the key set no more often than this (keys roll rarely).
REFETCH_AFTER_SECONDS = 60
_FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
_MAX_METADATA_BYTES = 256 * 1024
# Verified tokens remembered at most (a token is ~1 KB; the Bot Connector uses a handful).
VERIFIED_TOKENS_KEPT = 1024


class Unauthorized(Exception):
    """The request did not carry a valid Bot Framework token (or any, when one is required)."""


@dataclass(frozen=True)
class _Key:
    key: Any  # a PyJWK's key object
    endorsements: frozenset[str]


class KeySet:
    """The signing keys named by the OpenID metadata, fetched asynchronously and cached."""

    def __init__(self, metadata_url: str = BOT_FRAMEWORK_METADATA) -> None:
        self.metadata_url = metadata_url
        self._keys: dict[str, _Key] = {}
        self._fetched_at = 0.0
        # The last attempt, failed ones included: what paces refetches.
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Fetch the key set now (at start, so that the first request waits for nothing)."""
        async with self._lock:
            await self._fetch()

    async def key(self, kid: str) -> _Key | None:
        now = time.monotonic()
        known = self._keys.get(kid)
        stale = now - self._fetched_at > KEYS_MAX_AGE_SECONDS
        if known is not None and not stale:
            return known
        async with self._lock:
            # Another request may have fetched (or tried to) meanwhile.
            now = time.monotonic()
            stale = now - self._fetched_at > KEYS_MAX_AGE_SECONDS
            due = self._tried_at is None or now - self._tried_at > REFETCH_AFTER_SECONDS
            if (kid not in self._keys or stale) and due:
                try:
                    await self._fetch()
                except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                    # Keep the keys we have: a blip at Microsoft must not lock everyone out.
                    log.warning("could not fetch the Bot Framework signing keys: %s", error)
            return self._keys.get(kid)

    async def _fetch(self) -> None:
        self._tried_at = time.monotonic()
        async with aiohttp.ClientSession(timeout=_FETCH_TIMEOUT) as session:
            metadata = await _get_json(session, self.metadata_url)
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise ValueError("the OpenID metadata names no jwks_uri")
            document = await _get_json(session, jwks_uri)
        keys: dict[str, _Key] = {}
        for entry in document.get("keys") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            try:
                parsed = jwt.PyJWK.from_dict(entry)
            except jwt.PyJWTError:
                continue
            endorsements = entry.get("endorsements") or []
            keys[entry["kid"]] = _Key(
                parsed.key, frozenset(e for e in endorsements if isinstance(e, str))
            )
        self._keys = keys
        self._fetched_at = time.monotonic()


async def _get_json(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url) as response:
        response.raise_for_status()
        body = await response.content.read(_MAX_METADATA_BYTES + 1)
    if len(body) > _MAX_METADATA_BYTES:
        raise ValueError(f"{url} answered more than {_MAX_METADATA_BYTES} bytes")
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return value


@dataclass(frozen=True)
class _Verified:
    """A token whose signature, issuer, audience and times were checked (steps 1-4)."""

    kid: str
    claims: dict[str, Any]
    # The token's own `exp`, without the clock skew: it is not served from memory after.
    expires: float


class TokenValidator:
    def __init__(
        self,
        app_id: str,
        keys: KeySet,
        issuers: Iterable[str] = BOT_FRAMEWORK_ISSUERS,
        leeway: float = CLOCK_SKEW_SECONDS,
    ) -> None:
        self.app_id = app_id
        self.keys = keys
        self.issuers = frozenset(issuers)
        self.leeway = leeway
        self._issuer_list = sorted(self.issuers)
        self._verified: dict[str, _Verified] = {}
        # Full checks (parse, signature, claims) done: what the memory of tokens saves.
        self.verifications = 0

    async def validate(self, authorization: str, channel_id: str, service_url: str) -> None:
        """Return when `authorization` may deliver an activity of `channel_id` that names
        `service_url`; raise Unauthorized (with the reason, for the log) otherwise."""
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("no bearer token")
        verified = self._verified.get(token)
        if verified is None or time.time() >= verified.expires:
            verified = await self._verify(token)
        # The key may have left the key set since (a refresh): then the token is refused.
        key = await self.keys.key(verified.kid)
        if key is None:
            raise Unauthorized("signed by an unknown key")
        if channel_id not in key.endorsements:
            raise Unauthorized(f"the key is not endorsed for channel {channel_id[:40]!r}")
        claimed = verified.claims.get("serviceurl")
        if not isinstance(claimed, str) or _normal(claimed) != _normal(service_url):
            raise Unauthorized("the token's serviceurl is not the activity's")

    async def _verify(self, token: str) -> _Verified:
        """Steps 1-4 in full; a token that passes is remembered until its `exp`."""
        self.verifications += 1
        self._verified.pop(token, None)
        try:
            # One unverified parse gives the header and the issuer (before any key fetch).
            unverified = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise Unauthorized(f"not a JWT: {error}") from None
        header, payload = unverified["header"], unverified["payload"]
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"algorithm {str(header.get('alg'))[:20]!r} is not {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("the token names no key (kid)")
        if not isinstance(payload, dict) or payload.get("iss") not in self.issuers:
            raise Unauthorized("the issuer is not the Bot Framework")
        key = await self.keys.key(kid)
        if key is None:
            raise Unauthorized("signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self.app_id,
                issuer=self._issuer_list,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(f"invalid token: {error}") from None
        verified = _Verified(kid, claims, float(claims["exp"]))
        self._remember(token, verified)
        return verified

    def _remember(self, token: str, verified: _Verified) -> None:
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            now = time.time()
            self._verified = {t: v for t, v in self._verified.items() if v.expires > now}
            while len(self._verified) >= VERIFIED_TOKENS_KEPT:
                # Still full of live tokens (someone else's flood of valid ones): the oldest go.
                del self._verified[next(iter(self._verified))]
        self._verified[token] = verified


def _normal(url: str) -> str:
    return url.strip().rstrip("/").lower()
