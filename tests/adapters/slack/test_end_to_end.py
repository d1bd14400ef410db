"""A whole report through the HTTP endpoint: signed requests in, Web API calls out to the fake
Slack, and the database checked at the end."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.slack.blocks import escape
from conversations import actions
from conversations.state import ReportStatus
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import SlackScene, slack_scene


async def _report_id(scene: SlackScene) -> str:
    (summary,) = await scene.store.list_reports()
    return summary.id


async def _wait_for_ephemeral(scene: SlackScene, user: str, count: int) -> list[str]:
    await scene.fake.wait_until(lambda: len(scene.ephemerals_for(user)) >= count)
    return scene.ephemerals_for(user)


async def test_a_report_from_new_to_confirmed_send(database: Database, tmp_path: Path) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Prompt injection in support copilot")
        report_id = await _report_id(scene)
        root = scene.fake.posts()[0]
        # The header names the report by its channel number, what `/jcdc status #1` uses.
        assert root.args["blocks"][0]["text"]["text"] == "#1 Prompt injection in support copilot"
        # The root asks the first question itself, with the welcome: the thread is empty.
        asked = json.dumps(root.args["blocks"], ensure_ascii=False)
        assert "Report started by " in asked
        assert "0.1 Which TLP 2.0 marking should this report carry?" in asked
        assert scene.thread_texts() == []

        # Four people answer: guided (the lead's TLP, Cara's and Dan's text), and direct. The
        # essentials come first: after 0.1 the guide asks 0.3, then 0.4.
        await scene.reply("U0LEAD", "amber")
        cara = await scene.reply("U0CARA", "3")
        bob = await scene.reply("U0BOB", "0.3: Example Corp, AI team")
        await scene.reply("U0DAN", "Dan Doe, incident lead, dan@example.com")
        # Each answer is shown on its question's message (Bob's direct one too, as 0.3 was
        # asked), the lead's to 0.1 (the root's question) privately; four answers added three
        # posts: the next questions.
        assert scene.thread_texts()[0] == (
            "\u2713 0.3 Which organisation is reporting? — 3 (Cara); Example Corp, AI team (Bob)"
        )
        assert scene.thread_texts()[1].startswith("\u2713 0.4 Who should JCDC contact")
        assert len(scene.fake.posts(thread)) == 3
        assert any(
            t.startswith("Recorded 0.1 from Lena Lead") for t in scene.ephemerals_for("U0LEAD")
        )
        # The root is the summary again, naming the question the thread is on.
        (*_, restored) = [c for c in scene.fake.of("chat.update") if c.args["ts"] == thread]
        assert "Report started by" not in json.dumps(restored.args["blocks"])
        # The root shows 1, 2, then 3 answered (Bob's 0.3 adds no answered item).
        await scene.fake.wait_until(
            lambda: len([c for c in scene.fake.of("chat.update") if c.args["ts"] == thread]) >= 3
        )

        # Bob corrects his answer; Cara takes hers back.
        edited = payloads.message_changed(
            "U0BOB",
            bob,
            "0.3: Example Corp, AI platform security",
            "0.3: Example Corp, AI team",
            thread,
        )
        assert (await scene.event(edited)).status == 200
        deleted = payloads.message_deleted("U0CARA", cara, "3", thread)
        assert (await scene.event(deleted)).status == 200
        await scene.fake.settle()

        # A section in a modal: the question's form button opens it with the click's trigger.
        click = payloads.block_actions(
            "U0CARA", actions.OPEN_FORM, f"{report_id}:description", thread
        )
        assert (await scene.interaction(click)).status == 200
        await scene.fake.wait_until(lambda: len(scene.fake.of("views.open")) == 1)
        view = scene.fake.of("views.open")[0].args["view"]
        assert [b["block_id"] for b in view["blocks"][1:]][:2] == [
            "description.event_type",
            "description.vulnerability",
        ]
        submitted = payloads.view_submission(
            "U0CARA",
            view,
            {
                "description.event_type": payloads.selected("attempted_attack"),
                "description.vulnerability": payloads.selected("yes"),
                "description.cves": payloads.text_input("CVE-2026-12345"),
                "description.confidence": payloads.selected("confirmed"),
            },
        )
        answer = await scene.interaction(submitted)
        assert answer.status == 200
        assert await answer.text() == ""  # an empty 200 closes the modal

        # Status and preview are private; send asks the lead to confirm.
        await scene.command("U0BOB", "status")
        assert await _wait_for_ephemeral(scene, "U0BOB", 1)
        await scene.interaction(
            payloads.block_actions("U0LEAD", actions.PREVIEW, report_id, root.answer["ts"])
        )
        await scene.fake.wait_until(
            lambda: any(
                "Example Corp, AI platform security" in json.dumps(c.args.get("blocks"))
                for c in scene.fake.of("chat.postEphemeral")
            )
        )
        posts_before_send = len(scene.fake.posts(thread))
        await scene.interaction(
            payloads.block_actions("U0LEAD", actions.SEND, report_id, root.answer["ts"])
        )
        await scene.fake.wait_until(lambda: len(scene.fake.posts(thread)) > posts_before_send)
        confirmation = scene.fake.posts(thread)[-1]
        buttons = [
            e["action_id"]
            for b in confirmation.args["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert buttons == [actions.CONFIRM_SEND, actions.CANCEL_SEND]
        assert "CISA.JCDC@cisa.dhs.gov" in confirmation.args["text"]

        # Bob may not confirm; the lead's double click queues one submission.
        refusals_before = len(scene.ephemerals_for("U0BOB"))
        await scene.interaction(
            payloads.block_actions(
                "U0BOB", actions.CONFIRM_SEND, report_id, confirmation.answer["ts"]
            )
        )
        refusal = (await _wait_for_ephemeral(scene, "U0BOB", refusals_before + 1))[-1]
        assert "lead" in refusal
        for _ in range(2):
            await scene.interaction(
                payloads.block_actions(
                    "U0LEAD", actions.CONFIRM_SEND, report_id, confirmation.answer["ts"]
                )
            )
        await scene.fake.settle()

        state = await scene.store.load(report_id)
        assert state is not None
        assert state.status is ReportStatus.SUBMIT_REQUESTED
        submissions = await scene.store.submissions(report_id)
        assert len(submissions) == 1
        assert submissions[0].requested_by.id == "U0LEAD"

        active = {c.item_id: c for c in state.contributions if c.retracted_at is None}
        assert active["handling.tlp"].author.name == "Lena Lead"
        assert active["handling.organisation"].raw == "Example Corp, AI platform security"
        assert active["handling.organisation"].edited_at is not None
        assert "handling.attribution" not in active  # Cara deleted her message
        assert active["handling.contact"].author.name == "Dan"
        assert active["description.event_type"].value == "attempted_attack"
        assert active["description.cves"].via == "form"
        assert active["description.cves"].author.id == "U0CARA"
        # Every post went into the report's thread, never to the channel, but the root.
        assert [c for c in scene.fake.posts() if "thread_ts" not in c.args] == [root]


async def test_the_delivery_outcome_reaches_the_slack_thread(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Outcome in the thread")
        await scene.reply("U0LEAD", "amber")
        report_id = await _report_id(scene)
        await scene.command("U0LEAD", "send")
        await scene.fake.wait_until(
            lambda: any(
                "confirm_send" in str(c.args.get("blocks")) for c in scene.fake.posts(thread)
            )
        )
        await scene.interaction(
            payloads.block_actions("U0LEAD", actions.CONFIRM_SEND, report_id, thread)
        )
        await scene.fake.wait_until(
            lambda: any(t.startswith("Confirmed by") for t in scene.thread_texts())
        )
        # The worker that `serve` runs beside the server: the mail goes to the file sink.
        assert await scene.bot.worker.drain() == 1
        await scene.fake.settle()
        (submission,) = await scene.store.submissions(report_id)
        assert submission.status == "sent"
        outcome = scene.thread_texts()[-1]
        assert "Sent to JCDC" in outcome
        assert submission.message_id is not None
        assert escape(submission.message_id) in outcome  # the `text` field is Slack-escaped
        assert list((tmp_path / "outbox").glob("*.eml"))
        root_updates = [c for c in scene.fake.of("chat.update") if c.args["ts"] == thread]
        assert "sent to JCDC" in str(root_updates[-1].args["blocks"])
