"""Which report a channel command acts on (issue 11, rule 5), against real databases."""

from __future__ import annotations

import asyncio

from conversations import actions
from conversations.events import ButtonPressed
from conversations.state import ReportStatus
from storage.repository import ReportStore
from tests.bot.test_runner import CHANNEL, command, make_runner, start_report
from tests.conversations.harness import ALICE, BOB, CAROL


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


async def test_a_second_new_in_the_channel_asks_first_and_names_the_open_report(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    first_id, _ = await start_report(runner, chat)
    await runner.handle(command(BOB, "new Second incident", "E-new-2"))
    assert chat.transcript[-1].audience == "only Bob"
    assert chat.transcript[-1].text == (
        "This channel already has an open JCDC report: Prompt injection (lead Alice). "
        "Answer in its thread, or start another on purpose with "
        "`/jcdc new another: Second incident`."
    )
    assert [r.id for r in await store.list_reports()] == [first_id]
    # Asked on purpose, it starts a second report; the first is untouched.
    await runner.handle(command(BOB, "new another: Second incident", "E-new-3"))
    reports = await store.list_reports()
    assert len(reports) == 2
    second = next(r for r in reports if r.id != first_id)
    state = await store.load(second.id)
    assert state is not None
    assert (state.title, state.lead) == ("Second incident", BOB)
    assert len(chat.roots) == 2


async def test_reports_are_numbered_per_channel_and_the_root_shows_the_number(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    _, thread = await start_report(runner, chat)
    await runner.handle(command(BOB, "new another: Second incident", "E-new-2"))
    elsewhere = command(BOB, "new Elsewhere", "E-new-3").model_copy(update={"channel": "C-other"})
    await runner.handle(elsewhere)
    numbers: dict[tuple[str, str], int | None] = {}
    for summary in await store.list_reports():
        state = await store.load(summary.id)
        assert state is not None
        numbers[(state.channel, state.title)] = state.number
    assert numbers == {
        (CHANNEL, "Prompt injection"): 1,
        (CHANNEL, "Second incident"): 2,
        ("C-other", "Elsewhere"): 1,
    }
    assert chat.roots[thread].number == 1
    assert chat.roots[thread].headline == "#1 Prompt injection"
    assert sorted(card.number or 0 for card in chat.roots.values()) == [1, 1, 2]


async def test_simultaneous_new_reports_in_one_channel_get_different_numbers(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    # Every turn reads the same next number before any of them saves: all but one lose the
    # unique (platform, channel, number) check and run again with the next free one.
    results = await asyncio.gather(
        *(
            runner.handle(command(ALICE, f"new another: Incident {n}", f"E-new-{n}"))
            for n in range(5)
        )
    )
    assert [r.outcome for r in results] == ["handled"] * 5
    states = [await store.load(s.id) for s in await store.list_reports()]
    assert sorted(s.number or 0 for s in states if s is not None) == [1, 2, 3, 4, 5]
    assert sorted(card.number or 0 for card in chat.roots.values()) == [1, 2, 3, 4, 5]


async def test_a_hash_number_names_the_report_a_channel_command_acts_on(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    first_id, _ = await start_report(runner, chat)
    await runner.handle(command(BOB, "new another: Second incident", "E-new-2"))
    await runner.handle(command(ALICE, "status #1", "E-status-1"))
    assert chat.transcript[-1].audience == "only Alice"
    assert "Prompt injection" in chat.transcript[-1].text
    assert "Second incident" not in chat.transcript[-1].text
    await runner.handle(command(ALICE, "status #2", "E-status-2"))
    assert "Second incident" in chat.transcript[-1].text
    # The argument is what comes before the reference: report 1 gets the TLP, not the newest.
    await runner.handle(command(ALICE, "tlp red #1", "E-tlp"))
    first = await store.load(first_id)
    assert first is not None
    assert [c.value for c in first.contributions if c.item_id == "handling.tlp"] == ["TLP:RED"]
    await runner.handle(command(ALICE, "status #9", "E-status-9"))
    assert chat.transcript[-1].text == "There is no report #9 in this channel."


async def test_with_several_open_reports_a_command_without_thread_or_number_asks(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    first_id, thread = await start_report(runner, chat)
    await runner.handle(command(BOB, "new another: Second incident", "E-new-2"))
    # The TLP is the lead's to set: Alice, who leads report 1.
    await runner.handle(command(ALICE, "tlp red", "E-tlp"))
    asked = chat.transcript[-1]
    assert asked.audience == "only Alice"
    assert asked.text == (
        "Several JCDC reports are open in this channel; which one?\n"
        "#1 Prompt injection (lead Alice)\n"
        "#2 Second incident (lead Bob)\n"
        "Or name it: `/jcdc tlp red #1`."
    )
    assert [(b.action, b.label) for b in asked.buttons] == [
        (actions.RUN_ON_REPORT, "#1 Prompt injection"),
        (actions.RUN_ON_REPORT, "#2 Second incident"),
    ]
    # Nothing was guessed: neither report has a TLP yet.
    for summary in await store.list_reports():
        state = await store.load(summary.id)
        assert state is not None
        assert not [c for c in state.contributions if c.item_id == "handling.tlp"]
    # The button runs the command on the report it names.
    button = asked.buttons[0]
    await runner.handle(
        ButtonPressed(
            event_id="E-pick",
            platform="test",
            channel=CHANNEL,
            actor=ALICE,
            action=button.action,
            value=button.value,
            report_id=button.value.partition(":")[0],
        )
    )
    first = await store.load(first_id)
    assert first is not None
    assert [c.value for c in first.contributions if c.item_id == "handling.tlp"] == ["TLP:RED"]
    # A reply in a report's thread is about that report: nothing to ask.
    before = len(chat.transcript)
    await runner.handle(command(CAROL, "status", "E-status").model_copy(update={"thread": thread}))
    assert "which one?" not in " ".join(line.text for line in chat.transcript[before:])
