"""Used buttons are retired on Slack (issue 12, item 2), through the real endpoint and the
fake Slack: Confirm edits the confirmation message (chat.update on the clicked message's
ts), and Record / Just talk replace their ephemeral prompt through the action's
response_url. A stale click is answered privately."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conversations import actions
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import SlackScene, slack_scene


def _button(call: Call, action: str) -> str | None:
    blocks: list[dict[str, Any]] = call.args.get("blocks") or []
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action:
                return str(element["value"])
    return None


def _prompt_value(scene: SlackScene, user: str, action: str) -> str:
    (value,) = [
        v
        for c in scene.fake.of("chat.postEphemeral")
        if c.args.get("user") == user and (v := _button(c, action)) is not None
    ][-1:]
    return value


async def _held(scene: SlackScene) -> None:
    await scene.start_report("U0LEAD", "Retired buttons")
    await scene.reply("U0LEAD", "amber")
    await scene.reply("U0BOB", "Example Corp?")  # reads like talk: Bob is asked


async def _press_on_prompt(scene: SlackScene, action: str, response_url: str) -> None:
    value = _prompt_value(scene, "U0BOB", action)
    click = payloads.block_actions(
        "U0BOB", action, value, "1700000000.000001", ephemeral=True, response_url=response_url
    )
    await scene.turn(scene.interaction(click))


async def test_record_replaces_its_prompt_with_what_was_recorded(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await _held(scene)
        await _press_on_prompt(scene, actions.RECORD_PENDING, scene.fake.response_url())
        (replaced,) = scene.fake.of("response_url")
        assert replaced.args["replace_original"] is True
        assert replaced.args["text"] == "Recorded as your answer to 0.3: Example Corp?"
        assert "actions" not in json.dumps(replaced.args["blocks"])  # Record / Just talk gone
        # A second click on the old prompt (Slack may still show it): told, nothing changes.
        before = len(scene.ephemerals_for("U0BOB"))
        await _press_on_prompt(scene, actions.RECORD_PENDING, scene.fake.response_url())
        assert "already settled" in scene.ephemerals_for("U0BOB")[before]


async def test_just_talk_replaces_its_prompt(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await _held(scene)
        await _press_on_prompt(scene, actions.JUST_TALK, scene.fake.response_url())
        (replaced,) = scene.fake.of("response_url")
        assert replaced.args["text"] == "Not recorded: kept as talk."


async def test_a_response_url_outside_slack_is_never_posted_to(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await _held(scene)
        await _press_on_prompt(scene, actions.JUST_TALK, "http://127.0.0.1:9/hooks/elsewhere")
        assert scene.fake.of("response_url") == []
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert state.pending == ()  # the click itself was handled


async def test_confirm_edits_the_confirmation_and_a_stale_confirm_is_told_privately(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Retired confirmation")
        await scene.reply("U0LEAD", "amber")
        await scene.turn(scene.command("U0LEAD", "send"))
        (confirmation,) = [c for c in scene.fake.posts(scene.thread) if _button(c, "confirm_send")]
        ts = str(confirmation.answer["ts"])
        report_id = str(_button(confirmation, actions.CONFIRM_SEND))
        posts_before = len(scene.fake.posts(scene.thread))
        confirm = payloads.block_actions("U0LEAD", actions.CONFIRM_SEND, report_id, ts)
        await scene.turn(scene.interaction(confirm))
        (edit,) = [c for c in scene.fake.of("chat.update") if c.args["ts"] == ts]
        assert str(edit.args["text"]).startswith("Confirmed by Lena Lead at ")
        assert _button(edit, actions.CONFIRM_SEND) is None
        assert _button(edit, actions.CANCEL_SEND) is None
        assert len(scene.fake.posts(scene.thread)) == posts_before  # no new post
        # The same Confirm once more (a second tab still showing it): private, no post.
        again = payloads.block_actions("U0LEAD", actions.CONFIRM_SEND, report_id, ts)
        await scene.turn(scene.interaction(again))
        assert "Already confirmed by Lena Lead" in scene.ephemerals_for("U0LEAD")[-1]
        assert len(scene.fake.posts(scene.thread)) == posts_before
        assert len(await scene.store.submissions(report_id)) == 1


async def _previewed(scene: SlackScene) -> str:
    """A report, and Bob's private preview of it; returns the report id."""
    await scene.start_report("U0LEAD", "Turned pages")
    await scene.reply("U0LEAD", "amber")
    await scene.turn(scene.command("U0BOB", "preview"))
    assert any("Preview" in text for text in scene.ephemerals_for("U0BOB"))
    (summary,) = await scene.store.list_reports()
    return summary.id


async def test_a_page_button_on_a_private_preview_replaces_that_preview(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        report_id = await _previewed(scene)
        before = len(scene.ephemerals_for("U0BOB"))
        click = payloads.block_actions(
            "U0BOB",
            actions.PREVIEW_PAGE,
            f"{report_id}:1",
            "1700000000.000002",
            ephemeral=True,
            response_url=scene.fake.response_url(),
        )
        await scene.turn(scene.interaction(click))
        (replaced,) = scene.fake.of("response_url")
        assert replaced.args["replace_original"] is True
        assert "Preview" in str(replaced.args["text"])
        assert replaced.args["blocks"]
        assert len(scene.ephemerals_for("U0BOB")) == before  # turned in place


async def test_a_preview_whose_response_url_is_not_slacks_arrives_as_a_new_message(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        report_id = await _previewed(scene)
        before = len(scene.ephemerals_for("U0BOB"))
        click = payloads.block_actions(
            "U0BOB",
            actions.PREVIEW_PAGE,
            f"{report_id}:1",
            "1700000000.000002",
            ephemeral=True,
            response_url="http://127.0.0.1:9/hooks/elsewhere",
        )
        await scene.turn(scene.interaction(click))
        assert scene.fake.of("response_url") == []
        assert len(scene.ephemerals_for("U0BOB")) == before + 1
        assert "Preview" in scene.ephemerals_for("U0BOB")[-1]
