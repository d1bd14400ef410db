"""Forged, replayed-late and tampered requests are refused with 401 and change nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.tables import ProcessedEventRow
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import signed_headers
from tests.adapters.slack.harness import SlackScene, slack_scene

FORM = "application/x-www-form-urlencoded"


async def _nothing_happened(scene: SlackScene) -> None:
    await scene.fake.settle()
    assert await scene.store.list_reports() == []
    async with scene.store.database.engine.connect() as connection:
        processed = await connection.scalar(select(func.count()).select_from(ProcessedEventRow))
    assert processed == 0
    # Not even auth.test: a refused request never reaches the app's listeners.
    assert scene.fake.calls == []


def _forgeries(body: str) -> dict[str, dict[str, str]]:
    good = signed_headers(body)
    return {
        "wrong secret": signed_headers(body, secret="not-the-secret"),
        "stale timestamp": signed_headers(body, timestamp=int(time.time()) - 6 * 60),
        "future timestamp": signed_headers(body, timestamp=int(time.time()) + 6 * 60),
        "no signature": {k: v for k, v in good.items() if k != "X-Slack-Signature"},
        "no timestamp": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
        "no headers": {"Content-Type": FORM},
        "garbled signature": {**good, "X-Slack-Signature": "v0=zz"},
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "wrong secret",
        "stale timestamp",
        "future timestamp",
        "no signature",
        "no timestamp",
        "no headers",
        "garbled signature",
    ],
)
async def test_forged_command_is_refused(database: Database, tmp_path: Path, forgery: str) -> None:
    body = payloads.slash_command("U0LEAD", "new Forged report")
    async with slack_scene(database, tmp_path) as scene:
        response = await scene.client.post(
            "/slack/events", data=body.encode(), headers=_forgeries(body)[forgery]
        )
        assert response.status == 401
        await _nothing_happened(scene)


async def test_tampered_body_is_refused(database: Database, tmp_path: Path) -> None:
    original = payloads.slash_command("U0BOB", "new Harmless")
    tampered = original.replace("U0BOB", "U0LEAD")
    async with slack_scene(database, tmp_path) as scene:
        response = await scene.client.post(
            "/slack/events", data=tampered.encode(), headers=signed_headers(original)
        )
        assert response.status == 401
        await _nothing_happened(scene)


async def test_signature_over_another_timestamp_is_refused(
    database: Database, tmp_path: Path
) -> None:
    body = payloads.slash_command("U0LEAD", "new Replayed")
    headers = signed_headers(body, timestamp=int(time.time()) - 30)
    headers["X-Slack-Request-Timestamp"] = str(int(time.time()))
    async with slack_scene(database, tmp_path) as scene:
        response = await scene.client.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 401
        await _nothing_happened(scene)


async def test_bot_token_never_reaches_the_logs(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Token hygiene")
        await scene.reply("U0LEAD", "amber")
        token = scene.bot.settings.slack_bot_token
        assert token is not None
        secret = token.get_secret_value()
        assert secret not in repr(scene.bot.settings)
    assert caplog.records  # slack_sdk and bolt did log at DEBUG
    assert all(secret not in record.getMessage() for record in caplog.records)
