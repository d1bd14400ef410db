"""The composition of `serve`: which endpoints exist for which settings, and what they answer."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from bot.cli import main
from bot.server import build_bot, web_app
from bot.settings import Settings
from conversations.effects import Post
from conversations.richtext import plain
from storage.database import Database
from storage.repository import ReportStore
from tests.adapters.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, fake_slack

ROOT = Path(__file__).resolve().parents[2]


def _routes(settings: Settings, store: ReportStore, **options: Any) -> set[str]:
    app = web_app(build_bot(settings, store, **options), run_worker=False)
    return {resource.canonical for resource in app.router.resources()}


async def test_without_any_platform_only_health_and_metrics(database: Database) -> None:
    assert _routes(Settings(), ReportStore(database)) == {"/healthz", "/metrics"}


async def test_teams_without_an_app_id_only_when_allowed(database: Database) -> None:
    store = ReportStore(database)
    assert "/api/messages" not in _routes(Settings(), store)
    assert "/api/messages" in _routes(Settings(), store, teams_without_auth=True)


async def test_teams_with_an_app_id_refuses_requests_without_a_token(
    database: Database, tmp_path: Path
) -> None:
    store = ReportStore(database)
    settings = Settings(microsoft_app_id="00000000-0000-0000-0000-000000000001")
    bot = build_bot(settings, store)
    client: TestClient[Any, Any] = TestClient(
        TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
    )
    await client.start_server()
    try:
        activity = {
            "type": "message",
            "id": "1",
            "serviceUrl": "http://127.0.0.1:9/",
            "channelId": "msteams",
            "from": {"id": "29:1abc", "name": "Mallory"},
            "conversation": {"id": "19:x@thread.tacv2"},
            "recipient": {"id": "28:bot"},
            "text": "<at>JCDC</at> new Forged",
        }
        response = await client.post("/api/messages", json=activity)
        assert response.status == 401
        health = await client.get("/healthz")
        assert await health.json() == {"status": "ok"}
    finally:
        await client.close()
    assert await store.list_reports() == []


async def test_serve_answers_a_teams_form_dialog_in_the_invoke_response(
    database: Database,
) -> None:
    """The dialogs are wired into `serve`: a form button's task/fetch is answered at once,
    here with the refusal a report id that names no report gets (and nothing stored)."""
    store = ReportStore(database)
    bot = build_bot(Settings(), store, teams_without_auth=True)
    client: TestClient[Any, Any] = TestClient(
        TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
    )
    await client.start_server()
    try:
        activity = {
            "type": "invoke",
            "name": "task/fetch",
            "id": "f:1",
            "serviceUrl": "http://127.0.0.1:9/",
            "channelId": "msteams",
            "from": {"id": "29:1abc", "name": "Mallory"},
            "conversation": {"id": "19:x@thread.tacv2;messageid=17", "tenantId": "t"},
            "recipient": {"id": "28:bot"},
            "replyToId": "17",
            "value": {
                "type": "task/fetch",
                "data": {"jcdc": 1, "action": "open_form", "report_id": "nope", "section": "x"},
            },
        }
        response = await client.post("/api/messages", json=activity)
        assert response.status == 200
        answer = await response.json()
        assert answer["task"]["type"] == "message"
        assert "can't be changed from here" in answer["task"]["value"]
    finally:
        await client.close()
    assert await store.list_reports() == []


async def test_slack_calls_share_one_connection_that_shutdown_closes(database: Database) -> None:
    async with fake_slack() as fake:
        settings = Settings(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.url
        )
        bot = build_bot(settings, ReportStore(database))
        assert bot.slack is not None
        server = TestServer(web_app(bot, run_worker=False), host="127.0.0.1")
        await server.start_server()
        try:
            for n in range(5):
                await bot.slack.chat.post(Post(channel="C1", thread=None, text=(plain(str(n)),)))
            assert len(fake.posts()) == 5
            assert len(fake.connections) == 1
            assert fake.open_connections() == 1
        finally:
            await server.close()
        await fake.wait_for_no_connections()
        assert fake.open_connections() == 0


def test_teams_package_command_writes_the_upload_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MicrosoftAppId", "11111111-2222-3333-4444-555555555555")
    out = tmp_path / "app.zip"
    result = CliRunner().invoke(main, ["teams-package", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert "11111111-2222-3333-4444-555555555555" in package.read("manifest.json").decode()


def test_teams_package_needs_an_app_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    result = CliRunner().invoke(main, ["teams-package"])
    assert result.exit_code == 2
    assert "--app-id" in result.output


def test_the_teams_and_socket_mode_sdks_are_imported_only_when_used() -> None:
    # They are most of the start-up time: a bot served over HTTP for Slack pays for neither.
    probe = (
        "import sys\n"
        "from bot.server import build_bot\n"
        "print('adapters.teams' in sys.modules, 'slack_sdk.socket_mode.aiohttp' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "False False"
