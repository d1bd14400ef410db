"""The preview in a Slack channel, through the signed endpoint, the runner and storage, to the
fake Slack's Web API: ephemeral by default, in the thread when the lead says `preview here`,
refused privately to anyone else, and page buttons that re-render from the current report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.slack import preview_blocks
from conversations import actions
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import SlackScene, slack_scene


def _preview_posts(scene: SlackScene) -> list[dict[str, Any]]:
    return [
        c.args
        for c in scene.fake.posts(scene.thread)
        if str(c.args.get("text", "")).startswith("TLP:") and "Preview of" in c.args["text"]
    ]


def _ephemeral_previews(scene: SlackScene, user: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in scene.fake.of("chat.postEphemeral")
        if c.args.get("user") == user and "Preview of" in str(c.args.get("text", ""))
    ]


def _texts(blocks: list[dict[str, Any]]) -> str:
    return " ".join(
        str(e.get("text", ""))
        for b in blocks
        if b["type"] == "rich_text"
        for s in b["elements"]
        for e in s["elements"]
    )


async def test_preview_here_refusal_and_a_page_click(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small pages, so that a few answers make two of them (the real limits have their tests).
    monkeypatch.setattr(preview_blocks, "PAGE_TEXT_MAX", 1_200)
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.reply("U0LEAD", "amber")
        await scene.reply("U0BOB", "0.3: Example Corp, AI platform security")
        await scene.reply("U0CARA", "2.3: 203.0.113.7, evil[.]example")
        await scene.reply("U0CARA", "4.2: Example AI Labs")

        # Bob may not post it in the thread: a private word, and the thread stays quiet.
        await scene.turn(scene.command("U0BOB", "preview here"))
        assert _preview_posts(scene) == []
        assert "Only the lead (Lena Lead) or an approver" in scene.ephemerals_for("U0BOB")[-1]

        # The lead shares page 1 in the thread, as one message within Slack's limits.
        await scene.turn(scene.command("U0LEAD", "preview here"))
        (shared,) = _preview_posts(scene)
        assert shared["thread_ts"] == scene.thread
        blocks = shared["blocks"]
        assert len(blocks) <= preview_blocks.MAX_BLOCKS
        assert blocks[0]["elements"][0]["text"].startswith("TLP:AMBER")
        assert blocks[1]["text"]["text"] == "Preview: Prompt injection in support copilot"
        assert "Page 1 of " in shared["text"]
        assert "Example AI Labs" not in _texts(blocks)  # a later page

        # Bob presses Next under the shared page: that page, to him alone, from the report as
        # it is now (Cara's answer after the preview was shared is on it).
        await scene.reply("U0CARA", "4.3: fine-tuned by Contoso")
        (navigation,) = [b for b in blocks if b["type"] == "actions"]
        (next_button,) = navigation["elements"]
        assert next_button["value"].endswith(":2")
        click = payloads.block_actions(
            "U0BOB", next_button["action_id"], next_button["value"], scene.thread
        )
        await scene.turn(scene.interaction(click))
        assert len(_preview_posts(scene)) == 1  # nothing new in the thread
        (page_2,) = _ephemeral_previews(scene, "U0BOB")
        assert page_2["thread_ts"] == scene.thread
        assert "Page 2 of " in page_2["text"]
        assert "Example AI Labs" in _texts(page_2["blocks"])
        assert "fine-tuned by Contoso" in _texts(page_2["blocks"])
        assert len(page_2["blocks"]) <= preview_blocks.MAX_BLOCKS


async def test_the_root_preview_button_is_private(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        await scene.reply("U0LEAD", "amber")
        (summary,) = await scene.store.list_reports()
        click = payloads.block_actions("U0BOB", actions.PREVIEW, summary.id, scene.thread)
        await scene.turn(scene.interaction(click))
        (preview,) = _ephemeral_previews(scene, "U0BOB")
        assert preview["blocks"][1]["type"] == "header"
        assert _preview_posts(scene) == []
