"""A time written without a zone, end to end through the real Slack endpoint and the fake Slack:
read in the author's zone from users.info, stored in UTC, and acknowledged in UTC so that a
wrong guess is visible (issue 11, item 7)."""

from __future__ import annotations

from pathlib import Path

from storage.database import Database
from tests.adapters.slack.harness import slack_scene


async def test_a_reply_in_tokyo_time_is_stored_and_acknowledged_in_utc(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        scene.fake.zones["U0BOB"] = "Asia/Tokyo"
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.reply("U0BOB", "2.7: 2026-11-30 22:14 to 2026-12-01 03:10")
        await scene.bot.settled()
        # 2.7 was not asked in the thread yet: its author alone is told how it was read.
        acknowledged = [t for t in scene.ephemerals_for("U0BOB") if "2.7" in t]
        assert any(
            "2026-11-30 13:14 UTC to 2026-11-30 18:10 UTC" in t and "Asia/Tokyo" in t
            for t in acknowledged
        ), acknowledged
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        (answer,) = [c for c in state.contributions if c.item_id == "detection.timestamps"]
        assert answer.value == ["2026-11-30T13:14:00Z/2026-11-30T18:10:00Z"]
        assert answer.raw == "2026-11-30 22:14 to 2026-12-01 03:10"


async def test_a_reply_from_someone_without_a_zone_is_read_as_utc_and_says_so(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.reply("U0CARA", "2.7: 2026-11-30 22:14")
        await scene.bot.settled()
        acknowledged = [t for t in scene.ephemerals_for("U0CARA") if "2.7" in t]
        assert any(
            "2026-11-30 22:14 UTC" in t and "so I read it as UTC" in t for t in acknowledged
        ), acknowledged
