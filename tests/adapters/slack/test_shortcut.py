""" "Add to JCDC report" on a channel message, through the real server and the fake Slack:
the modal it opens, and the submission recorded as the message author's answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from adapters.slack.translate import BadPayload, from_message_action, slack_delivery
from conversations.state import ReportState
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import SlackScene, slack_scene

CVE_ITEM = "description.cves"


async def _report(scene: SlackScene) -> ReportState:
    (summary,) = await scene.store.list_reports()
    state = await scene.store.load(summary.id)
    assert state is not None
    return state


async def _open(scene: SlackScene, user: str, author: str, text: str) -> dict[str, Any]:
    before = len(scene.fake.of("views.open"))
    shortcut = payloads.message_action(user, author, text, payloads.new_ts())
    await scene.turn(scene.interaction(shortcut))
    await scene.fake.wait_until(lambda: len(scene.fake.of("views.open")) > before)
    call = scene.fake.of("views.open")[-1]
    assert call.args["trigger_id"]
    view: dict[str, Any] = call.args["view"]
    return view


def _block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    element: dict[str, Any] = block["element"]
    return element


def _submit(user: str, view: dict[str, Any], report_id: str, item: str, text: str) -> str:
    return payloads.view_submission(
        user,
        view,
        {
            "report": payloads.selected(report_id),
            "item": payloads.selected(item),
            "text": payloads.text_input(text),
        },
    )


async def test_a_channel_message_becomes_its_authors_answer(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        report = await _report(scene)
        view = await _open(scene, "U0BOB", "U0DAN", "We saw CVE-2026-12345 in the logs")

        # The only open report is picked already; the message's text is there to edit.
        picker = _block(view, "report")
        assert picker["initial_option"]["value"] == report.id
        assert picker["initial_option"]["text"]["text"].startswith("#1 Prompt injection")
        assert _block(view, "text")["initial_value"] == "We saw CVE-2026-12345 in the logs"
        items = [o["value"] for o in _block(view, "item")["options"]]
        assert "handling.tlp" not in items
        assert CVE_ITEM in items

        answer = await scene.turn(
            scene.interaction(_submit("U0BOB", view, report.id, CVE_ITEM, "CVE-2026-12345"))
        )
        assert await answer.text() == ""  # an empty 200 closes the modal
        after = await _report(scene)
        (added,) = [c for c in after.contributions if c.item_id == CVE_ITEM]
        assert (added.author.id, added.author.name) == ("U0DAN", "Dan")
        assert added.added_by is not None
        assert added.added_by.id == "U0BOB"
        assert added.via == "shortcut"
        (entry,) = [
            e
            for e in await scene.store.audit_trail(report.id)
            if e.action == "answer_recorded" and e.item_id == CVE_ITEM
        ]
        assert entry.actor.id == "U0BOB"
        assert entry.detail["author"] == "U0DAN"
        assert any("from Dan (added by Bob)" in t for t in scene.thread_texts())


async def test_with_two_open_reports_the_modal_asks_which(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.turn(scene.command("U0LEAD", "new First incident"))
        await scene.turn(scene.command("U0LEAD", "new another: Second incident"))
        view = await _open(scene, "U0BOB", "U0DAN", "text")
        picker = _block(view, "report")
        assert "initial_option" not in picker
        assert [o["text"]["text"] for o in picker["options"]] == [
            "#1 First incident",
            "#2 Second incident",
        ]


async def test_forged_and_stale_submissions_are_refused_privately(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        report = await _report(scene)
        view = await _open(scene, "U0BOB", "U0DAN", "CVE-2026-12345")

        # A report id that is not this channel's (forged, or gone).
        answer = await scene.turn(
            scene.interaction(_submit("U0BOB", view, "no-such-report", CVE_ITEM, "CVE-2026-1"))
        )
        assert answer.status == 200
        # The same modal for another channel's report: metadata names this channel.
        other = dict(
            view,
            private_metadata=json.dumps(
                {**json.loads(view["private_metadata"]), "channel": "C0ELSEWHERE"}
            ),
        )
        await scene.turn(
            scene.interaction(_submit("U0BOB", other, report.id, CVE_ITEM, "CVE-2026-2"))
        )
        # An item the form never offers, and words that are no answer to the item.
        await scene.turn(
            scene.interaction(_submit("U0BOB", view, report.id, "handling.tlp", "red"))
        )
        await scene.turn(
            scene.interaction(_submit("U0BOB", view, report.id, CVE_ITEM, "no cve here"))
        )
        await scene.fake.wait_until(lambda: len(scene.ephemerals_for("U0BOB")) >= 4)
        assert await _report(scene) == report

        # Metadata that is not ours is the sender's error: a 4xx, never a 500.
        broken = dict(view, private_metadata="{not json")
        answer = await scene.interaction(_submit("U0BOB", broken, report.id, CVE_ITEM, "x"))
        assert answer.status == 400
        assert await _report(scene) == report


async def test_another_apps_message_shortcut_is_not_ours(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        shortcut = payloads.message_action(
            "U0BOB", "U0DAN", "x", payloads.new_ts(), callback_id="someone_elses"
        )
        assert (await scene.turn(scene.interaction(shortcut))).status == 200
        assert scene.fake.of("views.open") == []


def _action_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        parse_qs(payloads.message_action("U0BOB", "U0DAN", "<@U0CARA> saw it", "1.000100"))[
            "payload"
        ][0]
    )
    body.update(changes)
    return body


def test_the_shortcut_translates_to_the_message_and_its_author() -> None:
    body = _action_body()
    found = slack_delivery("interaction", body)
    assert found is not None
    assert not found.ignorable
    event = from_message_action(body)
    assert event is not None
    assert found.delivery_id == event.event_id.partition(":")[2] == event.trigger
    assert (event.actor.id, event.author.id, event.message_id) == ("U0BOB", "U0DAN", "1.000100")
    assert event.channel == payloads.CHANNEL


def test_a_bots_message_is_the_bots_and_a_shortcut_without_a_trigger_is_refused() -> None:
    bot_message = {"type": "message", "bot_id": "B0OTHER", "ts": "2.000100", "text": "alert"}
    event = from_message_action(_action_body(message=bot_message))
    assert event is not None
    assert event.author.id == "B0OTHER"
    for broken in (
        _action_body(trigger_id=""),
        _action_body(message={"type": "message", "ts": "3.0", "text": "nobody"}),
        _action_body(message={"type": "message", "user": "U0DAN", "text": "no ts"}),
    ):
        with pytest.raises(BadPayload):
            slack_delivery("interaction", broken)
