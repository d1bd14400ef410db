"""A Bot Connector that never answers slows only its own conversations.

Six conversations whose `serviceUrl` accepts connections and never answers (the worst case:
no refusal, no error, until the client's own timeout) get a command each, through the whole
bot. Meanwhile another conversation's turn must be answered, and a Slack post (through
slack_sdk, resolving `localhost` as a real host name would be) must go out, within a bound
far below any connector timeout. Before the move to aiohttp sessions, connector calls ran on
asyncio's default thread pool (six threads on two cores): six hung calls filled it, and the
other turns and Slack's host-name lookups waited 100 s behind them.

The bound is a correctness check, chosen with a wide margin for a loaded two-core machine
(the turn and the post take milliseconds here), not a speed target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from adapters.slack.clients import web_client
from adapters.teams.framework import (
    CONNECTOR_TIMEOUT,
    PER_CONVERSATION,
    BotFramework,
    TeamsSettings,
)
from storage.database import Database
from tests.adapters.slack.fake_slack import BOT_TOKEN, fake_slack
from tests.adapters.teams.activities import ALICE, Activities
from tests.adapters.teams.conftest import start_bot
from tests.adapters.teams.fake_connector import FakeConnector

HUNG = 6
BOUND_SECONDS = 3.0


class HungConnector:
    """Accepts connections, reads what it is sent, and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._release = asyncio.Event()

    async def start(self) -> HungConnector:
        self._server = await asyncio.start_server(self._hang, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/"

    async def _hang(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self._release.wait()
        writer.close()

    async def close(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def hung() -> AsyncIterator[list[HungConnector]]:
    connectors = [await HungConnector().start() for _ in range(HUNG)]
    yield connectors
    for connector in connectors:
        await connector.close()


async def within(condition: object, seconds: float) -> float:
    """Seconds until `condition()` holds; fails after `seconds`."""
    started = time.perf_counter()
    while not condition():  # type: ignore[operator]
        assert time.perf_counter() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def test_six_hung_service_urls_delay_no_other_conversation_nor_slack(
    database: Database, connector: FakeConnector, hung: list[HungConnector]
) -> None:
    assert (CONNECTOR_TIMEOUT.total or 0) > BOUND_SECONDS * 3, "the bound must be far below"
    teams = await start_bot(database, connector)
    try:
        # Six conversations served by hung connectors: each command is stored and answered
        # 200 at once; its turn's posts hang in their own lanes.
        for n, dead in enumerate(hung):
            elsewhere = Activities(dead.url, channel=f"19:hung{n}@thread.tacv2")
            response = await teams.client.post(
                "/api/messages", json=elsewhere.mention_command(ALICE, f"new Hung {n}")
            )
            assert response.status == 200
        await within(lambda: all(dead.connections >= 1 for dead in hung), BOUND_SECONDS)

        # Another conversation, on a connector that answers.
        activity = teams.driver.activities.mention_command(ALICE, "new Still served")
        started = time.perf_counter()
        response = await teams.client.post("/api/messages", json=activity)
        assert response.status == 200
        await within(lambda: connector.sent(teams.driver.activities.channel), BOUND_SECONDS)
        teams_seconds = time.perf_counter() - started

        # And Slack, from the same event loop.
        async with fake_slack() as slack:
            client = web_client(BOT_TOKEN, slack.url.replace("127.0.0.1", "localhost"))
            started = time.perf_counter()
            posted = await asyncio.wait_for(
                client.chat_postMessage(channel="C1", text="still here"), BOUND_SECONDS
            )
            slack_seconds = time.perf_counter() - started
        assert posted["ok"]
        assert teams_seconds < BOUND_SECONDS
        assert slack_seconds < BOUND_SECONDS
        # The hung conversations are still waiting: nothing was answered for them.
        assert all(
            not call.conversation_id or not call.conversation_id.startswith("19:hung")
            for call in connector.calls
        )
    finally:
        # Let the hung calls end (the connectors hang up), and the lanes stop, before the
        # database goes.
        for dead in hung:
            await dead.close()
        await teams.runner.chat_worker.close(within=1)
        await teams.close()


async def test_a_hung_conversation_holds_at_most_its_share_of_connections(
    hung: list[HungConnector],
) -> None:
    dead = hung[0]
    framework = BotFramework(TeamsSettings())
    reference = {"serviceUrl": dead.url, "channelId": "msteams", "bot": {"id": "28:bot"}}
    activity = {"type": "message", "text": "x"}
    sends = [
        asyncio.create_task(
            framework.send(
                {**reference, "conversation": {"id": "19:one@thread.tacv2"}},
                "19:one@thread.tacv2",
                activity,
            )
        )
        for _ in range(8)
    ]
    try:
        await within(lambda: dead.connections >= PER_CONVERSATION, BOUND_SECONDS)
        await asyncio.sleep(0.2)
        # The other six calls wait their turn instead of piling onto the hung connector.
        assert dead.connections == PER_CONVERSATION
        assert not any(send.done() for send in sends)
    finally:
        for send in sends:
            send.cancel()
        await asyncio.gather(*sends, return_exceptions=True)
        await framework.close()
