"""A bot with the Teams adapter, a real TurnRunner and storage, against the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.chat import TeamsChat
from adapters.teams.endpoint import TeamsEndpoint, teams_routes
from adapters.teams.framework import BotFramework, TeamsSettings, TokenSource
from adapters.teams.inbound import TeamsDecoder
from adapters.teams.message_action import MessageActions
from adapters.teams.task_module import Dialogs
from bot.inbox_worker import InboxWorker
from bot.intake import StoringIntake
from bot.rehearsal import RehearsedTurns
from bot.runner import TurnResult, TurnRunner
from bot.server import settled
from conversations.checklist import default_checklist
from conversations.events import Event
from conversations.policy import Policy
from storage.database import Database
from storage.inbox import Inbox, InboxEntry
from storage.repository import ReportStore
from storage.teams_conversations import TeamsConversations
from tests.adapters.teams.activities import ALICE, BOB, CAROL, DANA, Activities
from tests.adapters.teams.driver import TeamsDriver
from tests.adapters.teams.fake_connector import FakeConnector

PEOPLE = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dana": DANA}


@dataclass
class TeamsBot:
    client: TestClient[Any, Any]
    driver: TeamsDriver
    store: ReportStore
    conversations: TeamsConversations
    framework: BotFramework
    runner: TurnRunner

    async def close(self) -> None:
        await self.client.close()
        await self.framework.close()


async def start_bot(
    database: Database,
    connector: FakeConnector,
    settings: TeamsSettings | None = None,
    token_source: TokenSource | None = None,
    auth_header: str | None = None,
    policy: Policy | None = None,
) -> TeamsBot:
    store = ReportStore(database)
    conversations = store.addresses.teams_conversations
    framework = BotFramework(settings or TeamsSettings(), token_source=token_source)
    chat = TeamsChat(framework, conversations)
    runner = TurnRunner(store, {"teams": chat}, default_checklist(), policy or Policy())
    inbox = Inbox(database)

    async def handle(event: Event, entry: InboxEntry) -> TurnResult:
        return await runner.handle(event, delivery=entry, wait=False)

    worker = InboxWorker(
        inbox,
        handle,
        {"teams": TeamsDecoder(conversations, framework)},
        keep_addresses=runner.keep_addresses,
    )
    actions = MessageActions(store, default_checklist())
    dialogs = Dialogs(RehearsedTurns(runner))
    endpoint = TeamsEndpoint(framework, StoringIntake(inbox, worker), actions, dialogs)
    app = web.Application()
    app.add_routes(teams_routes(endpoint))
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    driver = TeamsDriver(
        client,
        connector,
        Activities(connector.url),
        PEOPLE,
        auth_header,
        settled=lambda: settled(worker, runner.chat_worker),
    )
    return TeamsBot(client, driver, store, conversations, framework, runner)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
async def teams(database: Database, connector: FakeConnector) -> AsyncIterator[TeamsBot]:
    bot = await start_bot(database, connector)
    yield bot
    await bot.close()
