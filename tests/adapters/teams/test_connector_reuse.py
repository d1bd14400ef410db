"""Outbound calls to the Bot Connector reuse one long-lived HTTP session: keep-alive (one TCP
connection for calls in sequence) and one outbound token fetch until it is due."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.teams import framework as framework_module
from adapters.teams.framework import BotFramework, TeamsSettings
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.identity import APP_ID


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


async def test_calls_in_sequence_share_one_connection_and_one_token(
    connector: FakeConnector,
) -> None:
    fetched: list[str] = []

    async def token() -> str:
        fetched.append("token")
        return "outbound-token"

    framework = BotFramework(
        TeamsSettings(app_id=APP_ID, service_urls=("http://127.0.0.1",)), token_source=token
    )
    reference = {
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "bot": {"id": "28:bot"},
        "conversation": {"id": "19:channel@thread.tacv2"},
    }
    try:
        for n in range(20):
            sent = await framework.send(
                reference, "19:channel@thread.tacv2", {"type": "message", "text": f"hello {n}"}
            )
            await framework.update(
                reference, "19:channel@thread.tacv2", sent, {"type": "message", "text": "edited"}
            )
        assert connector.connections == 1
        # Calls at the same time may open more connections; they go back to the pool.
        await asyncio.gather(
            *(
                framework.send(reference, "19:other@thread.tacv2", {"type": "message", "text": "x"})
                for _ in range(5)
            )
        )
        for _ in range(5):
            await framework.send(reference, "19:other@thread.tacv2", {"type": "message"})
    finally:
        await framework.close()
    assert len(connector.calls) == 50
    assert {c.authorization for c in connector.calls} == {"Bearer outbound-token"}
    assert fetched == ["token"]
    # The 5 at once came on at most 5 connections, which the 5 after reused.
    assert connector.connections <= 5


async def test_one_connector_client_per_service_url(
    connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK's client reads its package metadata for a User-Agent each time one is made:
    one per service URL, not one per call."""
    made: list[str] = []
    sdk_client: Any = vars(framework_module)["ConnectorClient"]

    class Counted(sdk_client):  # type: ignore[misc]
        def __init__(self, endpoint: str, token: str, **kwargs: object) -> None:
            made.append(endpoint)
            super().__init__(endpoint, token, **kwargs)

    monkeypatch.setattr(framework_module, "ConnectorClient", Counted)

    async def token() -> str:
        return "outbound-token"

    framework = BotFramework(
        TeamsSettings(app_id=APP_ID, service_urls=("http://127.0.0.1",)), token_source=token
    )
    reference = {"serviceUrl": connector.url, "bot": {"id": "28:bot"}, "conversation": {}}
    try:
        for n in range(10):
            await framework.send(reference, f"19:c{n}@thread.tacv2", {"type": "message"})
    finally:
        await framework.close()
    assert len(connector.calls) == 10
    assert made == [connector.url]
