"""Which report a slash command acts on (issue 11, rule 5), through the real Slack endpoint
and the fake Slack: slash commands carry no thread."""

from __future__ import annotations

from pathlib import Path

from conversations.state import ReportStatus
from storage.database import Database
from tests.adapters.slack.harness import slack_scene


async def test_a_second_new_asks_and_another_starts_one(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.turn(scene.command("U0BOB", "new Data leak"))
        (asked,) = scene.ephemerals_for("U0BOB")
        assert "already has an open JCDC report" in asked
        assert "Prompt injection in support copilot" in asked
        assert len(await scene.store.list_reports()) == 1
        await scene.turn(scene.command("U0BOB", "new another: Data leak"))
        titles = sorted(r.title for r in await scene.store.list_reports())
        assert titles == ["Data leak", "Prompt injection in support copilot"]


async def test_cancel_then_reopen_from_the_channel(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.turn(scene.command("U0LEAD", "cancel"))
        (summary,) = await scene.store.list_reports()
        assert summary.status == ReportStatus.CANCELLED.value
        await scene.turn(scene.command("U0LEAD", "reopen"))
        state = await scene.store.load(summary.id)
        assert state is not None
        assert state.status is ReportStatus.OPEN
        assert any("Report reopened by" in text for text in scene.thread_texts())
