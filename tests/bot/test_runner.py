"""The turn runner against real databases (SQLite and PostgreSQL) and the in-memory chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.memory import MemoryChat
from bot.runner import TurnRunner
from conversations import actions
from conversations.addresses import Address
from conversations.events import ButtonPressed, CommandIssued, MessagePosted
from conversations.policy import Policy
from conversations.state import Actor, ReportStatus
from storage.address_books import UnknownAddressBook
from storage.repository import ReportStore
from storage.slack_channels import SlackChannels
from tests.conversations.harness import ALICE, BOB, small_checklist

CHANNEL = "C1"


def command(actor: Actor, text: str, event_id: str) -> CommandIssued:
    return CommandIssued(
        event_id=event_id, platform="test", channel=CHANNEL, actor=actor, text=text
    )


def reply(actor: Actor, text: str, event_id: str, thread: str) -> MessagePosted:
    return MessagePosted(
        event_id=event_id,
        platform="test",
        channel=CHANNEL,
        thread=thread,
        actor=actor,
        message_id=f"msg-{event_id}",
        text=text,
    )


async def start_report(runner: TurnRunner, chat: MemoryChat) -> tuple[str, str]:
    result = await runner.handle(command(ALICE, "new Prompt injection", "E-new"))
    assert result.outcome == "handled"
    assert result.step is not None
    assert result.step.state is not None
    (thread,) = chat.roots
    return result.step.state.id, thread


def make_runner(store: ReportStore) -> tuple[TurnRunner, MemoryChat]:
    chat = MemoryChat()
    return TurnRunner(store, chat, small_checklist(), Policy()), chat


async def test_new_report_posts_a_root_that_asks_the_first_question(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    report_id, thread = await start_report(runner, chat)
    state = await store.load(report_id)
    assert state is not None
    assert state.thread == thread
    assert state.cursor == "handling.tlp"
    # The root asks the first question itself, with the welcome: nothing in the thread, and
    # no update of the root to name the question.
    assert [line.kind for line in chat.transcript] == ["root"]
    (root,) = chat.transcript
    assert "Report started by @Alice" in root.text
    assert "0.1 Which TLP marking applies?  ·  Handling" in root.text
    assert "now asking" not in root.text
    assert [b.label for b in root.buttons][-5:] == [
        "More",
        "Answer section 0 in a form",
        "Status",
        "Preview",
        "Send to JCDC",
    ]


async def test_replayed_event_is_recorded_once(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    report_id, thread = await start_report(runner, chat)
    event = reply(BOB, "2.1: 203.0.113.7", "E-dup", thread)
    outcomes = [(await runner.handle(event)).outcome for _ in range(3)]
    assert outcomes == ["handled", "duplicate", "duplicate"]
    state = await store.load(report_id)
    assert state is not None
    assert len(state.contributions) == 1
    # Told once, to Bob (2.1 was not asked in the thread): a replay tells nothing again.
    recorded = [t for t in chat.texts("ephemeral") if t.startswith("Recorded 2.1 from Bob")]
    assert len(recorded) == 1


async def test_messages_outside_report_threads_are_ignored_and_not_stored(
    store: ReportStore,
) -> None:
    runner, _ = make_runner(store)
    result = await runner.handle(reply(BOB, "hello", "E-x", "some-other-thread"))
    assert result.outcome == "ignored"
    assert not await store.is_processed("test", "E-x")


async def test_commands_find_the_latest_open_report_in_the_channel(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    await start_report(runner, chat)
    await runner.handle(command(BOB, "status", "E-status"))
    assert "Status of Prompt injection" in chat.transcript[-1].text
    assert chat.transcript[-1].audience == "only Bob"


async def test_preview_is_assembled_and_rendered(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    _, thread = await start_report(runner, chat)
    await runner.handle(reply(BOB, "2.1: hxxp://evil[.]example[.]com/x", "E1", thread))
    await runner.handle(command(BOB, "preview", "E2"))
    (preview,) = chat.previews
    assert preview.startswith("TLP:AMBER — limited disclosure")
    assert "hxxp://evil[.]example[.]com/x — Bob" in preview
    assert chat.transcript[-1].audience == "only Bob"


async def test_confirmed_send_queues_one_submission_even_when_double_clicked(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    report_id, _ = await start_report(runner, chat)
    await runner.handle(command(ALICE, "send", "E-send"))

    def press(event_id: str) -> ButtonPressed:
        return ButtonPressed(
            event_id=event_id,
            platform="test",
            channel=CHANNEL,
            actor=ALICE,
            report_id=report_id,
            action=actions.CONFIRM_SEND,
            value=report_id,
        )

    # A retried delivery of the same click and a second click, all at once.
    results = await asyncio.gather(
        *(runner.handle(press(event_id)) for event_id in ("click-1", "click-1", "click-2"))
    )
    assert sorted(r.outcome for r in results) == ["duplicate", "handled", "handled"]
    assert sum("Already confirmed by Alice" in text for text in chat.texts("ephemeral")) == 1
    submissions = await store.submissions(report_id)
    assert len(submissions) == 1
    assert submissions[0].status == "pending"
    state = await store.load(report_id)
    assert state is not None
    assert state.status is ReportStatus.SUBMIT_REQUESTED
    # The confirming turn produced this version; the second click changed nothing.
    assert submissions[0].report_version == state.version


async def test_fifty_responders_at_once_every_answer_exactly_once(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    report_id, thread = await start_report(runner, chat)
    responders = [Actor(id=f"U{n:02d}", name=f"Responder {n}") for n in range(50)]
    events = [
        reply(actor, f"2.1: 203.0.113.{n}", f"E-{n}", thread) for n, actor in enumerate(responders)
    ]
    # Each event is also delivered twice, as platform retries do.
    results = await asyncio.gather(*(runner.handle(e) for e in events + events))
    assert sorted(r.outcome for r in results).count("handled") == 50
    state = await store.load(report_id)
    assert state is not None
    iocs = [c for c in state.contributions if c.item_id == "detection.iocs"]
    assert len(iocs) == 50
    assert {c.author.id for c in iocs} == {a.id for a in responders}
    assert len({c.id for c in iocs}) == 50
    trail = await store.audit_trail(report_id)
    assert sum(1 for entry in trail if entry.action == "answer_recorded") == 50


async def test_clock_is_injected(store: ReportStore) -> None:
    fixed = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    runner = TurnRunner(store, MemoryChat(), small_checklist(), Policy(), clock=lambda: fixed)
    result = await runner.handle(command(ALICE, "new Clocked", "E-c"))
    assert result.step is not None
    assert result.step.state is not None
    assert result.step.state.created_at == fixed


async def test_an_apology_reaches_the_person_privately(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    await runner.apologise(reply(BOB, "0.3: Example Corp", "E-lost", "111.000001"))
    await runner.chat_worker.drain({"test:C1"})
    (line,) = chat.transcript
    assert line.audience == "only Bob"
    assert "Nothing you entered earlier is lost" in line.text


def channel_address(channel: str, team: str) -> Address:
    return Address(book="slack_channels", key=channel, value={"team_id": team})


async def test_a_turn_keeps_the_addresses_its_event_brought(store: ReportStore) -> None:
    runner, _ = make_runner(store)
    event = command(ALICE, "new Prompt injection", "E-new").model_copy(
        update={"addresses": (channel_address(CHANNEL, "T1"),)}
    )
    assert (await runner.handle(event)).outcome == "handled"
    # Read afresh from the database: committed with the turn, not cached beside it.
    found = await SlackChannels(store.database).workspace_of(CHANNEL)
    assert found is not None
    assert found.team_id == "T1"


async def test_a_turn_that_fails_keeps_none_of_its_addresses(store: ReportStore) -> None:
    runner, _ = make_runner(store)
    # An address storage has no book for fails the turn inside its transaction.
    event = command(ALICE, "new Prompt injection", "E-new").model_copy(
        update={
            "addresses": (
                channel_address(CHANNEL, "T1"),
                Address(book="no_such_book", key="x", value={}),
            )
        }
    )
    with pytest.raises(UnknownAddressBook):
        await runner.handle(event)
    assert await SlackChannels(store.database).workspace_of(CHANNEL) is None
    assert await store.list_reports() == []
