"""Which report a channel command acts on (issue 11, rule 5), against real databases."""

from __future__ import annotations

from conversations.state import ReportStatus
from storage.repository import ReportStore
from tests.bot.test_runner import command, make_runner, start_report
from tests.conversations.harness import ALICE


async def test_a_cancelled_report_can_be_reopened_from_the_channel(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    report_id, _ = await start_report(runner, chat)
    await runner.handle(command(ALICE, "cancel", "E-cancel"))
    cancelled = await store.load(report_id)
    assert cancelled is not None
    assert cancelled.status is ReportStatus.CANCELLED
    # Slack slash commands carry no thread: the channel's cancelled report is the one meant.
    await runner.handle(command(ALICE, "reopen", "E-reopen"))
    reopened = await store.load(report_id)
    assert reopened is not None
    assert reopened.status is ReportStatus.OPEN
    assert "Report reopened by Alice" in chat.texts("post")[-1]


async def test_reopen_with_nothing_cancelled_says_so(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    await start_report(runner, chat)
    await runner.handle(command(ALICE, "reopen", "E-reopen"))
    assert chat.transcript[-1].text == "This report is not cancelled."
    assert chat.transcript[-1].audience == "only Alice"
