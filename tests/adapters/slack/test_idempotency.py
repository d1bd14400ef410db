"""Slack retries, duplicate deliveries and double clicks change the report once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conversations import actions
from storage.database import Database
from tests.adapters.slack import payloads
from tests.adapters.slack.harness import slack_scene


async def test_an_event_delivered_three_times_is_one_contribution(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Retries")
        await scene.reply("U0LEAD", "amber")
        posts_before = len(scene.fake.posts(thread))
        message = payloads.thread_message("U0BOB", "0.3: Example Corp", thread)
        retries = [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}]
        retries.append({"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
        statuses = [
            (await scene.event(message, event_id="Ev0RETRIED", **headers)).status
            for headers in retries
        ]
        assert statuses == [200, 200, 200]
        await scene.fake.settle()

        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert [c.item_id for c in state.contributions] == ["handling.tlp", "handling.organisation"]
        # One acknowledgement in the thread, not three.
        assert len(scene.fake.posts(thread)) == posts_before + 1


async def test_concurrent_duplicate_deliveries_are_one_contribution(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Racing retries")
        message = payloads.thread_message("U0BOB", "0.3: Example Corp", thread)
        responses = await asyncio.gather(
            *(scene.event(message, event_id="Ev0RACE") for _ in range(5))
        )
        assert {r.status for r in responses} == {200}
        await scene.fake.settle()
        (summary,) = await scene.store.list_reports()
        state = await scene.store.load(summary.id)
        assert state is not None
        assert len(state.contributions) == 1


async def test_double_clicked_confirm_queues_one_submission(
    database: Database, tmp_path: Path
) -> None:
    async with slack_scene(database, tmp_path) as scene:
        thread = await scene.start_report("U0LEAD", "Double click")
        await scene.reply("U0LEAD", "amber")
        (summary,) = await scene.store.list_reports()
        await scene.command("U0LEAD", "send")
        await scene.fake.wait_until(
            lambda: any(
                "confirm_send" in str(c.args.get("blocks")) for c in scene.fake.posts(thread)
            )
        )
        # Two clicks are two deliveries with their own action_ts, sent at the same moment.
        clicks = [
            payloads.block_actions("U0LEAD", actions.CONFIRM_SEND, summary.id, thread)
            for _ in range(2)
        ]
        await asyncio.gather(*(scene.interaction(click) for click in clicks))
        # ... and a retried delivery of the first click.
        await scene.interaction(clicks[0])
        await scene.fake.settle()
        assert len(await scene.store.submissions(summary.id)) == 1
        confirmations = [t for t in scene.thread_texts() if t.startswith("Confirmed by")]
        assert len(confirmations) == 1
