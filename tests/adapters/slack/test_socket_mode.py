"""Socket Mode: the bot dials out to (fake) Slack over a WebSocket, acknowledges each
envelope, and runs the same turns as over HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from adapters.intake import Delivery, Unavailable
from bot.server import ConfigError, build_bot, start_socket_mode, web_app
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, fake_slack
from tests.adapters.slack.harness import USERS, settings_for
from tests.storage.pending import pending


async def test_a_report_over_socket_mode(database: Database, tmp_path: Path) -> None:
    async with fake_slack(users=dict(USERS)) as fake:
        settings = settings_for(
            fake, tmp_path, slack_signing_secret=None, slack_app_token=APP_TOKEN
        )
        store = ReportStore(database)
        bot = build_bot(settings, store, socket_mode=True)
        handler = await start_socket_mode(bot)
        try:
            command = dict(parse_qsl(payloads.slash_command("U0LEAD", "new Over the socket")))
            ack = await fake.socket_send(
                {
                    "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
                    "type": "slash_commands",
                    "payload": command,
                    "accepts_response_payload": True,
                }
            )
            assert ack["envelope_id"] == "57d6a792-4d35-4d0b-b6aa-3361493e1caf"
            await fake.wait_until(lambda: bool(fake.posts()))
            (root,) = [c for c in fake.posts() if "thread_ts" not in c.args]
            thread = str(root.answer["ts"])
            # The root asks the first question: the thread is open once the report knows it.
            for _ in range(200):
                (summary,) = await store.list_reports()
                opened = await store.load(summary.id)
                if opened is not None and opened.thread == thread:
                    break
                await asyncio.sleep(0.02)

            message = payloads.thread_message("U0LEAD", "amber", thread)
            envelope = {
                "envelope_id": "a1b2c3d4-0000-4000-8000-000000000001",
                "type": "events_api",
                "payload": json.loads(payloads.event_callback(message)),
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
            }
            await fake.socket_send(envelope)
            # Slack re-sends an envelope it saw no ack for: the same event id, recorded once.
            await fake.socket_send({**envelope, "envelope_id": "retry-1", "retry_attempt": 1})
            await fake.wait_until(lambda: len(fake.posts(thread)) >= 1)  # the next question
            await fake.settle()
        finally:
            await handler.close()
            assert bot.slack is not None
            await bot.slack.http.close()

        (summary,) = await store.list_reports()
        state = await store.load(summary.id)
        assert state is not None
        assert [(c.item_id, c.author.name) for c in state.contributions] == [
            ("handling.tlp", "Lena Lead")
        ]
        assert fake.of("apps.connections.open")[0].token == APP_TOKEN


async def test_socket_mode_leaves_no_http_endpoint_for_slack(
    database: Database, tmp_path: Path
) -> None:
    async with fake_slack() as fake:
        settings = settings_for(
            fake, tmp_path, slack_signing_secret=None, slack_app_token=APP_TOKEN
        )
        bot = build_bot(settings, ReportStore(database), socket_mode=True)
        app = web_app(bot, slack_http=False, run_worker=False)
        assert "/slack/events" not in {r.canonical for r in app.router.resources()}


async def test_http_mode_without_a_signing_secret_refuses_to_start(
    database: Database, tmp_path: Path
) -> None:
    async with fake_slack() as fake:
        settings = settings_for(fake, tmp_path, slack_signing_secret=None)
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
            build_bot(settings, ReportStore(database))


async def test_socket_mode_without_an_app_token_refuses_to_start(
    database: Database, tmp_path: Path
) -> None:
    async with fake_slack() as fake:
        settings = settings_for(fake, tmp_path)
        with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
            build_bot(settings, ReportStore(database), socket_mode=True)


async def test_an_envelope_that_cannot_be_stored_is_not_acknowledged(
    database: Database, tmp_path: Path
) -> None:
    async with fake_slack(users=dict(USERS)) as fake:
        settings = settings_for(
            fake, tmp_path, slack_signing_secret=None, slack_app_token=APP_TOKEN
        )
        bot = build_bot(settings, ReportStore(database), socket_mode=True)
        assert bot.slack is not None
        real = bot.slack.deliveries.intake

        class Down:
            async def accept(self, delivery: Delivery) -> None:
                raise Unavailable("database down")

        bot.slack.deliveries.intake = Down()
        handler = await start_socket_mode(bot)
        try:
            command = dict(parse_qsl(payloads.slash_command("U0LEAD", "new Not yet")))
            envelope = {
                "envelope_id": "e-down-1",
                "type": "slash_commands",
                "payload": command,
                "accepts_response_payload": True,
            }
            with pytest.raises(TimeoutError):
                await fake.socket_send(envelope, within=1.0)
            assert await pending(bot.inbox) == 0
            # The database is back; Slack sends the envelope again and now hears the ack.
            bot.slack.deliveries.intake = real
            ack = await fake.socket_send({**envelope, "envelope_id": "e-down-2"})
            assert ack["envelope_id"] == "e-down-2"
            await bot.settled()
        finally:
            await handler.close()
            assert bot.slack is not None
            await bot.slack.http.close()
        assert [r.title for r in await ReportStore(database).list_reports()] == ["Not yet"]
