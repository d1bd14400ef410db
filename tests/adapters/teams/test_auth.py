"""Bot Framework authentication on /api/messages, with the SDK's own validation.

Tokens are signed with a key made here. The SDK fetches signing keys from the Bot Framework's
OpenID metadata; `ChannelValidation.open_id_metadata_endpoint` (the SDK's override for it)
points at a metadata server on loopback. That server runs in a thread of its own: the SDK
fetches keys with blocking `requests` calls from inside the event loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
import pytest
from botframework.connector.auth import (
    AppCredentials,
    ChannelValidation,
    JwtTokenExtractor,
    ServiceClientCredentialsFactory,
)
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

from adapters.teams.framework import BotFramework, TeamsSettings
from storage.database import Database
from tests.adapters.teams.activities import ALICE
from tests.adapters.teams.conftest import TeamsBot, start_bot
from tests.adapters.teams.fake_connector import FakeConnector

APP_ID = "6f0e3b52-54f4-4b9e-8c0b-2f8a1d9e7c44"
ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-token-for-the-connector"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self, endorsements: list[str]) -> dict[str, Any]:
        key: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**key, "kid": self.kid, "use": "sig", "endorsements": endorsements}

    def token(self, service_url: str, **overrides: Any) -> str:
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
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})


def new_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


class _Metadata(BaseHTTPRequestHandler):
    keys: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:
        base = f"http://{self.headers['Host']}"
        body: dict[str, Any]
        if self.path == "/v1/.well-known/openidconfiguration":
            body = {"issuer": ISSUER, "jwks_uri": f"{base}/v1/.well-known/keys"}
        elif self.path == "/v1/.well-known/keys":
            body = {"keys": self.keys}
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def trusted_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[SigningKey]:
    key = new_key("local-key-1")
    handler = type("Metadata", (_Metadata,), {"keys": [key.jwk(["msteams"])]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    monkeypatch.setattr(
        ChannelValidation,
        "open_id_metadata_endpoint",
        f"http://{host!s}:{port}/v1/.well-known/openidconfiguration",
    )
    # The SDK caches metadata per URL for the life of the process.
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    yield key
    server.shutdown()
    server.server_close()


class _StaticToken(AppCredentials):  # type: ignore[misc]
    def get_access_token(self, force_refresh: bool = False) -> str:
        return OUTBOUND_TOKEN


class StaticCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The app's credentials without a Microsoft login: a fixed outbound token."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        credentials = _StaticToken(app_id=app_id, oauth_scope=oauth_scope)
        credentials.microsoft_app_id = app_id
        return credentials


SETTINGS = TeamsSettings(app_id=APP_ID, app_password=SecretStr("not-a-real-secret"), tenant_id="")


@pytest.fixture
async def secured(
    database: Database, connector: FakeConnector, trusted_key: SigningKey
) -> AsyncIterator[TeamsBot]:
    bot = await start_bot(database, connector, SETTINGS, credentials_factory=StaticCredentials())
    yield bot
    await bot.close()


@pytest.fixture
async def secured_by_settings(
    database: Database, connector: FakeConnector, trusted_key: SigningKey
) -> AsyncIterator[TeamsBot]:
    """Credentials from the settings alone, exactly as in production."""
    bot = await start_bot(database, connector, SETTINGS)
    yield bot
    await bot.close()


async def nothing_stored(teams: TeamsBot) -> bool:
    async with teams.store.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM teams_conversations) + (SELECT count(*) FROM reports)"
            " + (SELECT count(*) FROM processed_events)"
        )
        return int(rows.scalar_one()) == 0


def unknown_key_token(service_url: str) -> str:
    return new_key("someone-elses-key").token(service_url)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-jwt",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0.",
        "UNKNOWN_KEY",
    ],
    ids=["absent", "empty", "no-token", "malformed", "basic", "alg-none", "unknown-key"],
)
async def test_requests_without_a_valid_token_are_401_and_store_nothing(
    secured_by_settings: TeamsBot, header: str | None
) -> None:
    teams = secured_by_settings
    activity = teams.driver.activities.mention_command(ALICE, "new Should not exist")
    if header == "UNKNOWN_KEY":
        header = f"Bearer {unknown_key_token(activity['serviceUrl'])}"
    headers = {"Authorization": header} if header is not None else {}
    response = await teams.client.post("/api/messages", json=activity, headers=headers)
    assert response.status == 401
    assert await nothing_stored(teams)
    assert teams.driver.connector.calls == []


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-bot"},
        {"iss": "https://sts.windows.net/evil/"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"serviceurl": "https://attacker.example/"},
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "other-service-url"],
)
async def test_tokens_signed_by_the_trusted_key_but_wrong_are_401(
    secured_by_settings: TeamsBot, trusted_key: SigningKey, claims: dict[str, Any]
) -> None:
    teams = secured_by_settings
    activity = teams.driver.activities.mention_command(ALICE, "new Should not exist")
    token = trusted_key.token(activity["serviceUrl"], **claims)
    response = await teams.client.post(
        "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401
    assert await nothing_stored(teams)


async def test_a_token_signed_by_a_key_without_the_teams_endorsement_is_401(
    database: Database, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key("webchat-only")
    handler = type("Metadata", (_Metadata,), {"keys": [key.jwk(["webchat"])]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    host, port = server.server_address[:2]
    monkeypatch.setattr(
        ChannelValidation,
        "open_id_metadata_endpoint",
        f"http://{host!s}:{port}/v1/.well-known/openidconfiguration",
    )
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    teams = await start_bot(database, connector, SETTINGS)
    try:
        activity = teams.driver.activities.mention_command(ALICE, "new Should not exist")
        token = key.token(activity["serviceUrl"])
        response = await teams.client.post(
            "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 401
        assert await nothing_stored(teams)
    finally:
        await teams.close()
        server.shutdown()
        server.server_close()


async def test_a_locally_signed_token_is_accepted_and_the_bot_answers_with_its_own(
    secured: TeamsBot, trusted_key: SigningKey
) -> None:
    teams = secured
    bot = teams.driver
    bot.auth_header = f"Bearer {trusted_key.token(bot.connector.url)}"
    await bot.command("alice", "new Authenticated report")
    assert len(await teams.store.list_reports()) == 1
    assert await teams.conversations.load(bot.activities.channel) is not None
    # Everything sent to the connector carries the bot's own outbound token.
    assert bot.connector.calls
    assert {c.authorization for c in bot.connector.calls} == {f"Bearer {OUTBOUND_TOKEN}"}
    await bot.reply("bob", "2.3: 203.0.113.7")
    (summary,) = await teams.store.list_reports()
    state = await teams.store.load(summary.id)
    assert state is not None
    assert [c.item_id for c in state.contributions] == ["detection.iocs"]


async def test_without_an_app_id_requests_are_accepted_unauthenticated(
    teams: TeamsBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="adapters.teams.framework"):
        await BotFramework(TeamsSettings()).close()
    assert "WITHOUT authentication" in caplog.text
    await teams.driver.command("alice", "new Local mode")
    assert len(await teams.store.list_reports()) == 1
    assert all(c.authorization is None for c in teams.driver.connector.calls)
