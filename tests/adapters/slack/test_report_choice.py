"""Which report a slash command acts on (issue 11, rule 5), through the real Slack endpoint
and the fake Slack: slash commands carry no thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.slack.blocks import action_name
from conversations import actions
from conversations.state import ReportStatus
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import SlackScene, slack_scene


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


def _choice_buttons(scene: SlackScene, user: str) -> list[dict[str, Any]]:
    """The report-choice buttons of the newest private notice `user` got."""
    (call,) = [c for c in scene.fake.of("chat.postEphemeral") if c.args.get("user") == user][-1:]
    blocks = call.args["blocks"]
    assert isinstance(blocks, list)
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        # Slack wants a message's action ids unique: the second is `run_on_report` + a suffix.
        if action_name(str(element.get("action_id"))) == actions.RUN_ON_REPORT
    ]


async def test_with_two_open_reports_a_bare_command_asks_which(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        first_thread = scene.root_ts
        await scene.turn(scene.command("U0BOB", "new another: Data leak"))
        await scene.turn(scene.command("U0CARA", "status"))
        (asked,) = scene.ephemerals_for("U0CARA")
        assert "Several JCDC reports are open in this channel; which one?" in asked
        assert "#1 Prompt injection in support copilot" in asked
        assert "#2 Data leak" in asked
        buttons = _choice_buttons(scene, "U0CARA")
        assert [b["text"]["text"] for b in buttons] == [
            "#1 Prompt injection in support copilot",
            "#2 Data leak",
        ]
        # The button for #2 runs the same command on report 2, through the normal action path.
        click = payloads.block_actions(
            "U0CARA", buttons[1]["action_id"], buttons[1]["value"], first_thread
        )
        await scene.turn(scene.interaction(click))
        answered = scene.ephemerals_for("U0CARA")[-1]
        assert "Data leak" in answered
        assert "Prompt injection" not in answered
        # Named with #1, the command goes straight to report 1 and asks nothing.
        await scene.turn(scene.command("U0CARA", "status #1"))
        straight = scene.ephemerals_for("U0CARA")[-1]
        assert "Prompt injection in support copilot" in straight
        assert "which one?" not in straight
