"""Bot Framework authentication on /api/messages: every bad token is a 401 that stores nothing.

Tokens are signed with RS256 keys made here; the bot reads its signing keys from a local
identity server (tests/adapters/teams/identity.py), as it reads Microsoft's in production.
Each case of the matrix is a test of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from adapters.teams.framework import TeamsSettings
from storage.database import Database
from tests.adapters.teams.activities import ALICE
from tests.adapters.teams.conftest import TeamsBot, start_bot
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.identity import APP_ID, IdentityServer, SigningKey, new_key

OUTBOUND_TOKEN = "outbound-token-for-the-connector"
TRUSTED = new_key("local-key-1")
WEBCHAT_ONLY = new_key("webchat-only")


def settings(identity: IdentityServer) -> TeamsSettings:
    return TeamsSettings(
        app_id=APP_ID,
        app_password=SecretStr("not-a-real-secret"),
        # The fake connector listens on loopback.
        service_urls=("http://127.0.0.1",),
        openid_metadata_url=identity.metadata_url,
    )


async def static_token() -> str:
    return OUTBOUND_TOKEN


@pytest.fixture
async def identity() -> AsyncIterator[IdentityServer]:
    server = await IdentityServer(
        keys=[TRUSTED.jwk(["msteams"]), WEBCHAT_ONLY.jwk(["webchat"])]
    ).start()
    yield server
    await server.close()


@pytest.fixture
async def secured(
    database: Database, connector: FakeConnector, identity: IdentityServer
) -> AsyncIterator[TeamsBot]:
    bot = await start_bot(database, connector, settings(identity), token_source=static_token)
    yield bot
    await bot.close()


async def nothing_stored(teams: TeamsBot) -> bool:
    async with teams.store.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM teams_conversations) + (SELECT count(*) FROM reports)"
            " + (SELECT count(*) FROM processed_events) + (SELECT count(*) FROM inbox)"
        )
        return int(rows.scalar_one()) == 0


def activity(teams: TeamsBot) -> dict[str, Any]:
    return teams.driver.activities.mention_command(ALICE, "new Should not exist")


async def refused(teams: TeamsBot, header: str | None, body: dict[str, Any] | None = None) -> None:
    """`header` is answered 401, and nothing of the activity is kept or sent."""
    headers = {"Authorization": header} if header is not None else {}
    response = await teams.client.post(
        "/api/messages", json=body or activity(teams), headers=headers
    )
    assert response.status == 401, await response.text()
    assert await nothing_stored(teams)
    assert teams.driver.connector.calls == []


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def test_no_token_is_401(secured: TeamsBot) -> None:
    await refused(secured, None)


async def test_an_empty_authorization_is_401(secured: TeamsBot) -> None:
    await refused(secured, "")
    await refused(secured, "Bearer")


async def test_another_scheme_is_401(secured: TeamsBot) -> None:
    await refused(secured, "Basic dXNlcjpwYXNz")


async def test_a_malformed_token_is_401(secured: TeamsBot) -> None:
    await refused(secured, "Bearer not-a-jwt")
    await refused(secured, "Bearer a.b.c")


async def test_alg_none_is_401(secured: TeamsBot) -> None:
    claims = TRUSTED.claims(secured.driver.connector.url)
    unsigned = f"{_b64({'alg': 'none', 'kid': TRUSTED.kid})}.{_b64(claims)}."
    await refused(secured, f"Bearer {unsigned}")
    # Without a kid too (a 500 in the Agents SDK's own validator).
    await refused(secured, f"Bearer {_b64({'alg': 'none'})}.{_b64(claims)}.")


async def test_hs256_with_the_public_key_as_secret_is_401(secured: TeamsBot) -> None:
    """Key confusion: an HMAC "signed" with the published RSA key."""
    public = TRUSTED.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": TRUSTED.kid})
    body = _b64(TRUSTED.claims(secured.driver.connector.url))
    signature = hmac.new(public, f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    await refused(secured, f"Bearer {forged}")


async def test_another_rsa_algorithm_is_401(secured: TeamsBot) -> None:
    token = jwt.encode(
        TRUSTED.claims(secured.driver.connector.url),
        TRUSTED.private,
        algorithm="RS512",
        headers={"kid": TRUSTED.kid},
    )
    await refused(secured, f"Bearer {token}")


async def test_a_token_without_kid_is_401(secured: TeamsBot) -> None:
    await refused(secured, f"Bearer {TRUSTED.token(secured.driver.connector.url, headers={})}")


async def test_an_unknown_key_is_401(secured: TeamsBot) -> None:
    stranger = new_key("someone-elses-key")
    await refused(secured, f"Bearer {stranger.token(secured.driver.connector.url)}")


async def test_a_known_kid_with_another_key_is_401(secured: TeamsBot) -> None:
    impostor = SigningKey(TRUSTED.kid, new_key("x").private)
    await refused(secured, f"Bearer {impostor.token(secured.driver.connector.url)}")


async def test_a_key_not_endorsed_for_teams_is_401(secured: TeamsBot) -> None:
    await refused(secured, f"Bearer {WEBCHAT_ONLY.token(secured.driver.connector.url)}")


async def test_an_expired_token_is_401(secured: TeamsBot) -> None:
    now = int(time.time())
    token = TRUSTED.token(secured.driver.connector.url, exp=now - 3600, iat=now - 7200)
    await refused(secured, f"Bearer {token}")


async def test_a_token_without_exp_is_401(secured: TeamsBot) -> None:
    token = TRUSTED.token(secured.driver.connector.url, exp=None)
    await refused(secured, f"Bearer {token}")


async def test_a_token_not_yet_valid_is_401(secured: TeamsBot) -> None:
    now = int(time.time())
    token = TRUSTED.token(secured.driver.connector.url, nbf=now + 3600, iat=now)
    await refused(secured, f"Bearer {token}")


async def test_a_wrong_audience_is_401(secured: TeamsBot) -> None:
    token = TRUSTED.token(secured.driver.connector.url, aud="another-bot")
    await refused(secured, f"Bearer {token}")


async def test_a_wrong_issuer_is_401_before_any_key_is_fetched(
    database: Database, connector: FakeConnector, identity: IdentityServer
) -> None:
    # Not started: the bot has fetched no keys yet, and a stranger's token must not make it.
    teams = await start_bot(database, connector, settings(identity), token_source=static_token)
    try:
        for issuer in ("https://sts.windows.net/evil/", None):
            token = TRUSTED.token(connector.url, iss=issuer)
            await refused(teams, f"Bearer {token}")
        assert identity.requests == []
    finally:
        await teams.close()


async def test_a_token_without_a_serviceurl_claim_is_401(secured: TeamsBot) -> None:
    token = TRUSTED.token(secured.driver.connector.url, serviceurl=None)
    await refused(secured, f"Bearer {token}")


async def test_a_token_for_another_serviceurl_is_401(secured: TeamsBot) -> None:
    token = TRUSTED.token("https://attacker.example/")
    await refused(secured, f"Bearer {token}")


async def test_an_activity_naming_another_serviceurl_than_its_token_is_401(
    secured: TeamsBot,
) -> None:
    body = activity(secured) | {"serviceUrl": "http://127.0.0.1:9/"}
    await refused(secured, f"Bearer {TRUSTED.token(secured.driver.connector.url)}", body)


async def test_a_locally_signed_token_is_accepted_and_the_bot_answers_with_its_own(
    secured: TeamsBot, identity: IdentityServer
) -> None:
    teams = secured
    await teams.framework.start()
    fetched = len(identity.requests)
    assert fetched == 2  # metadata, then keys, once
    bot = teams.driver
    bot.auth_header = f"Bearer {TRUSTED.token(bot.connector.url)}"
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
    # The keys fetched at start served every request.
    assert len(identity.requests) == fetched


async def test_unknown_keys_do_not_make_the_bot_fetch_keys_on_every_request(
    secured: TeamsBot, identity: IdentityServer
) -> None:
    await secured.framework.start()
    fetched = len(identity.requests)
    for n in range(5):
        await refused(secured, f"Bearer {new_key(f'k{n}').token(secured.driver.connector.url)}")
    # At most one refetch a minute, whatever strangers send.
    assert len(identity.requests) <= fetched + 2


async def test_without_a_start_the_keys_are_fetched_on_first_use(
    secured: TeamsBot, identity: IdentityServer
) -> None:
    # No start (the keys were not fetched ahead): the first request fetches them.
    rolled = new_key("published-late")
    identity.keys.append(rolled.jwk(["msteams"]))
    bot = secured.driver
    bot.auth_header = f"Bearer {rolled.token(bot.connector.url)}"
    await bot.command("alice", "new With a new key")
    assert len(await secured.store.list_reports()) == 1


async def test_an_authentic_activity_naming_a_service_url_off_the_allow_list_is_403(
    database: Database, connector: FakeConnector, identity: IdentityServer
) -> None:
    strict = TeamsSettings(
        app_id=APP_ID,
        service_urls=("https://smba.trafficmanager.net",),
        openid_metadata_url=identity.metadata_url,
    )
    teams = await start_bot(database, connector, strict, token_source=static_token)
    try:
        token = TRUSTED.token(connector.url)
        response = await teams.client.post(
            "/api/messages", json=activity(teams), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 403
        assert await nothing_stored(teams)
    finally:
        await teams.close()


async def test_local_mode_accepts_requests_unauthenticated(teams: TeamsBot) -> None:
    await teams.driver.command("alice", "new Local mode")
    assert len(await teams.store.list_reports()) == 1
    assert all(c.authorization is None for c in teams.driver.connector.calls)
