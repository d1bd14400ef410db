"""The memory of verified tokens (adapters.teams.auth): the Bot Connector sends one token with
many requests, so a token checked once is not parsed and verified again until its `exp`; what
depends on the request (the channel's endorsement, the serviceurl) is checked every time, and
nothing but the exact same token is ever served from memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from adapters.teams.auth import VERIFIED_TOKENS_KEPT, KeySet, TokenValidator, Unauthorized
from tests.adapters.teams.identity import APP_ID, IdentityServer, SigningKey, new_key

TRUSTED = new_key("memory-key")
IMPOSTOR = SigningKey("memory-key", new_key("other").private)  # the same kid, another key
SERVICE = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
async def identity() -> AsyncIterator[IdentityServer]:
    server = await IdentityServer(keys=[TRUSTED.jwk(["msteams"])]).start()
    yield server
    await server.close()


async def validator(identity: IdentityServer, leeway: float = 300) -> TokenValidator:
    keys = KeySet(identity.metadata_url)
    await keys.refresh()
    return TokenValidator(APP_ID, keys, leeway=leeway)


async def test_the_same_token_is_verified_once(identity: IdentityServer) -> None:
    checker = await validator(identity)
    header = f"Bearer {TRUSTED.token(SERVICE)}"
    for _ in range(5):
        await checker.validate(header, "msteams", SERVICE)
    assert checker.verifications == 1
    # Another token (another second, another exp) is checked in full.
    await checker.validate(
        f"Bearer {TRUSTED.token(SERVICE, exp=int(time.time()) + 60)}", "msteams", SERVICE
    )
    assert checker.verifications == 2


async def test_a_remembered_token_with_another_signature_is_refused(
    identity: IdentityServer,
) -> None:
    checker = await validator(identity)
    claims = TRUSTED.claims(SERVICE)
    genuine = TRUSTED.token(SERVICE, **claims)
    await checker.validate(f"Bearer {genuine}", "msteams", SERVICE)
    # The same header and claims, signed by someone else's key under the same kid.
    forged = IMPOSTOR.token(SERVICE, **claims)
    assert forged.rsplit(".", 1)[0] == genuine.rsplit(".", 1)[0]
    assert forged != genuine
    with pytest.raises(Unauthorized, match="invalid token"):
        await checker.validate(f"Bearer {forged}", "msteams", SERVICE)
    # A signature cut short, or one byte changed: checked in full, refused.
    head, signature = genuine.rsplit(".", 1)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for tampered in (f"{head}.{signature[:-4]}", f"{head}.{flipped}"):
        with pytest.raises(Unauthorized):
            await checker.validate(f"Bearer {tampered}", "msteams", SERVICE)
    assert checker.verifications == 4
    await checker.validate(f"Bearer {genuine}", "msteams", SERVICE)
    assert checker.verifications == 4


async def test_a_remembered_token_is_refused_once_it_expires(identity: IdentityServer) -> None:
    checker = await validator(identity, leeway=0)
    expires = int(time.time()) + 3  # room for a slow machine before it expires
    header = f"Bearer {TRUSTED.token(SERVICE, exp=expires)}"
    await checker.validate(header, "msteams", SERVICE)
    await checker.validate(header, "msteams", SERVICE)
    assert checker.verifications == 1
    await asyncio.sleep(expires - time.time() + 0.2)
    with pytest.raises(Unauthorized, match="expired"):
        await checker.validate(header, "msteams", SERVICE)


async def test_a_remembered_token_still_must_name_the_activitys_service_and_channel(
    identity: IdentityServer,
) -> None:
    checker = await validator(identity)
    header = f"Bearer {TRUSTED.token(SERVICE)}"
    await checker.validate(header, "msteams", SERVICE)
    with pytest.raises(Unauthorized, match="serviceurl"):
        await checker.validate(header, "msteams", "https://elsewhere.example/")
    with pytest.raises(Unauthorized, match="endorsed"):
        await checker.validate(header, "webchat", SERVICE)
    assert checker.verifications == 1


async def test_a_remembered_token_is_refused_once_its_key_is_withdrawn(
    identity: IdentityServer,
) -> None:
    checker = await validator(identity)
    header = f"Bearer {TRUSTED.token(SERVICE)}"
    await checker.validate(header, "msteams", SERVICE)
    identity.keys[:] = [new_key("rolled").jwk(["msteams"])]
    await checker.keys.refresh()
    with pytest.raises(Unauthorized, match="unknown key"):
        await checker.validate(header, "msteams", SERVICE)


async def test_the_memory_is_bounded(identity: IdentityServer) -> None:
    checker = await validator(identity)
    now = int(time.time())
    for n in range(VERIFIED_TOKENS_KEPT + 10):
        token = TRUSTED.token(SERVICE, exp=now + 600 + n)
        await checker.validate(f"Bearer {token}", "msteams", SERVICE)
    assert len(checker._verified) <= VERIFIED_TOKENS_KEPT
    # The newest is still remembered.
    await checker.validate(f"Bearer {token}", "msteams", SERVICE)
    assert checker.verifications == VERIFIED_TOKENS_KEPT + 10
