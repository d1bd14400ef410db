"""A local identity server for Bot Framework tokens: OpenID metadata and a JWKS on loopback
(aiohttp), and RS256 keys made here to sign tokens with, as the Bot Connector signs them.

`TeamsSettings.openid_metadata_url = server.metadata_url` points the bot at it; `requests`
counts what the bot fetched (the issuer must be checked before any fetch).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "6f0e3b52-54f4-4b9e-8c0b-2f8a1d9e7c44"
ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self, endorsements: list[str]) -> dict[str, Any]:
        key: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**key, "kid": self.kid, "use": "sig", "endorsements": endorsements}

    def claims(self, service_url: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
            **overrides,
        }
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self, service_url: str, *, headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        return jwt.encode(
            self.claims(service_url, **claims),
            self.private,
            algorithm="RS256",
            headers={"kid": self.kid} if headers is None else headers,
        )


def new_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


@dataclass
class IdentityServer:
    keys: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _server: TestServer | None = None

    @property
    def metadata_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url(METADATA_PATH))

    async def start(self) -> IdentityServer:
        app = web.Application()
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _metadata(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        assert self._server is not None
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": str(self._server.make_url(KEYS_PATH))}
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response({"keys": self.keys})
