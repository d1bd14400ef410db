"""The whole bot behind real HTTP on loopback, with the fake Slack as its Web API: what a test
sends is signed exactly as Slack signs it, and what the bot does is read off the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.server import Bot, build_bot, web_app
from bot.settings import Settings
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    fake_slack,
    signed_headers,
)

USERS = {"U0LEAD": "Lena Lead", "U0BOB": "Bob", "U0CARA": "Cara", "U0DAN": "Dan"}


@dataclass
class SlackScene:
    fake: FakeSlack
    client: TestClient[Any, Any]
    store: ReportStore
    bot: Bot

    async def post(self, body: str, content_type: str, **headers: str) -> ClientResponse:
        signed = signed_headers(body, content_type=content_type)
        signed.update(headers)
        return await self.client.post("/slack/events", data=body.encode(), headers=signed)

    async def command(
        self, user: str, text: str, channel: str = payloads.CHANNEL
    ) -> ClientResponse:
        return await self.post(
            payloads.slash_command(user, text, channel), "application/x-www-form-urlencoded"
        )

    async def event(
        self, event: dict[str, Any], event_id: str | None = None, **headers: str
    ) -> ClientResponse:
        return await self.post(
            payloads.event_callback(event, event_id), "application/json", **headers
        )

    async def interaction(self, body: str) -> ClientResponse:
        return await self.post(body, "application/x-www-form-urlencoded")

    root_ts: str = ""

    @property
    def thread(self) -> str:
        assert self.root_ts, "start a report first"
        return self.root_ts

    def turns_done(self) -> float:
        """Turns the bot has committed, from its own metrics."""
        return sum(
            sample.value
            for metric in self.bot.metrics.registry.collect()
            if metric.name == "jcdc_turns"
            for sample in metric.samples
            if sample.name == "jcdc_turns_total"
        )

    async def turn(self, deliver: Awaitable[ClientResponse]) -> ClientResponse:
        """Deliver, then wait until the bot has processed what it stored and performed every
        effect (Slack is answered once the delivery is stored; the work happens after)."""
        response = await deliver
        assert response.status == 200, await response.text()
        await self.bot.settled()
        return response

    async def start_report(self, user: str, title: str) -> str:
        """`/jcdc new <title>`; once its turn is over, the root message is the thread."""
        await self.turn(self.command(user, f"new {title}"))
        (root,) = [c for c in self.fake.posts() if "thread_ts" not in c.args]
        self.root_ts = str(root.answer["ts"])
        return self.root_ts

    async def reply(self, user: str, text: str) -> str:
        """A reply in the report's thread; returns its ts (the message id)."""
        message = payloads.thread_message(user, text, self.thread)
        # Answers mostly edit the question they answer or tell their author alone: what the
        # turn did is there once the bot has settled, whether or not it posted.
        await self.turn(self.event(message))
        return str(message["ts"])

    def thread_texts(self) -> list[str]:
        """The thread as it reads now: each bot post in order, as its latest edit left it."""
        latest = {
            str(c.args.get("ts")): str(c.args.get("text", "")) for c in self.fake.of("chat.update")
        }
        return [
            latest.get(str(c.answer.get("ts")), str(c.args.get("text", "")))
            for c in self.fake.posts(self.thread)
        ]

    def edited_texts(self) -> list[str]:
        """The texts of the bot's thread messages as edited, in the order of the edits."""
        return [
            str(c.args.get("text", ""))
            for c in self.fake.of("chat.update")
            if c.args.get("ts") != self.root_ts
        ]

    def ephemerals_for(self, user: str) -> list[str]:
        return [
            str(c.args.get("text", ""))
            for c in self.fake.of("chat.postEphemeral")
            if c.args.get("user") == user
        ]


def settings_for(fake: FakeSlack, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.url,
        "outbox_dir": tmp_path / "outbox",
        # Tests post faster than Slack allows; the pacer has tests of its own.
        "slack_posts_per_second": 1000.0,
        "slack_post_burst": 1000,
    }
    values.update(extra)
    return Settings(**values)


@asynccontextmanager
async def slack_scene(
    database: Database, tmp_path: Path, **settings: Any
) -> AsyncIterator[SlackScene]:
    async with fake_slack(users=dict(USERS)) as fake:
        store = ReportStore(database)
        bot = build_bot(settings_for(fake, tmp_path, **settings), store)
        client: TestClient[Any, Any] = TestClient(
            TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
        )
        await client.start_server()
        try:
            yield SlackScene(fake, client, store, bot)
        finally:
            await client.close()
