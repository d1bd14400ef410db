"""Nobody writes where they do not belong: events that name a report (buttons, card submits,
modal metadata) touch it only from its own platform, workspace and channel, or from a private
surface the bot gave that person. Real runner, real databases."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryChat
from bot.runner import TurnRunner
from conversations import actions
from conversations.events import ButtonPressed, CommandIssued, FormSubmitted, MessagePosted
from conversations.policy import Policy
from conversations.state import Actor, ReportState
from storage.repository import ReportStore
from tests.conversations.harness import ALICE, BOB, small_checklist

HOME = {"platform": "test", "workspace": "W-home", "channel": "C-home"}
MALLORY = Actor(id="U_MALLORY", name="Mallory")


def make_runner(store: ReportStore) -> tuple[TurnRunner, MemoryChat]:
    chat = MemoryChat()
    return TurnRunner(store, chat, small_checklist(), Policy()), chat


async def start(runner: TurnRunner, store: ReportStore) -> ReportState:
    result = await runner.handle(
        CommandIssued(event_id="E-new", actor=ALICE, text="new Bound report", **HOME)
    )
    assert result.step is not None
    assert result.step.state is not None
    state = await store.load(result.step.state.id)
    assert state is not None
    assert state.thread is not None
    await runner.handle(
        MessagePosted(
            event_id="E-ans",
            actor=BOB,
            thread=state.thread,
            message_id="M1",
            text="2.1: 203.0.113.7",
            **HOME,
        )
    )
    await runner.handle(CommandIssued(event_id="E-send", actor=ALICE, text="send", **HOME))
    loaded = await store.load(state.id)
    assert loaded is not None
    assert loaded.send_request is not None
    return loaded


def press(
    report: ReportState, action: str, event_id: str, where: dict[str, str] | None = None
) -> ButtonPressed:
    """Alice presses a button naming `report`, from HOME or from `where`."""
    return ButtonPressed(
        event_id=event_id,
        actor=ALICE,
        report_id=report.id,
        action=action,
        value=report.id,
        **{**HOME, **(where or {})},
    )


FOREIGN_PLACES = [
    pytest.param({"channel": "C-elsewhere"}, id="another-channel"),
    pytest.param({"workspace": "W-other"}, id="another-workspace"),
    pytest.param({"platform": "other"}, id="another-platform"),
    pytest.param({"channel": "D-personal-chat"}, id="a-personal-chat"),
]


@pytest.mark.parametrize("where", FOREIGN_PLACES)
async def test_a_button_naming_a_report_from_elsewhere_changes_nothing(
    store: ReportStore, where: dict[str, str]
) -> None:
    runner, chat = make_runner(store)
    report = await start(runner, store)
    before = await store.load(report.id)
    for n, action in enumerate((actions.CANCEL_SEND, actions.CONFIRM_SEND, actions.SEND)):
        result = await runner.handle(press(report, action, f"forged-{n}", where))
        assert result.outcome == "refused"
    assert await store.load(report.id) == before
    assert await store.submissions(report.id) == []
    assert "can't be changed from here" in chat.transcript[-1].text
    assert chat.transcript[-1].audience == "only Alice"
    trail = [e for e in await store.audit_trail(report.id) if e.action == "access_refused"]
    assert len(trail) == 3
    assert trail[0].detail["channel"] == where.get("channel", HOME["channel"])


async def test_a_form_from_elsewhere_records_nothing(store: ReportStore) -> None:
    runner, _ = make_runner(store)
    report = await start(runner, store)
    before = await store.load(report.id)
    forged = FormSubmitted(
        event_id="forged-form",
        platform="test",
        workspace="W-home",
        channel="D-mallory",
        actor=MALLORY,
        report_id=report.id,
        section_id="detection",
        values={"detection.iocs": "198.51.100.66"},
    )
    assert (await runner.handle(forged)).outcome == "refused"
    assert await store.load(report.id) == before


async def test_an_id_naming_no_report_gets_the_same_refusal(store: ReportStore) -> None:
    runner, chat = make_runner(store)
    report = await start(runner, store)
    ghost = report.model_copy(update={"id": "00000000-0000-4000-8000-000000000000"})
    result = await runner.handle(press(ghost, actions.CONFIRM_SEND, "ghost", {"channel": "C-x"}))
    assert result.outcome == "refused"
    assert "can't be changed from here" in chat.transcript[-1].text


async def test_a_form_the_bot_opened_for_someone_may_come_back_from_their_personal_chat(
    store: ReportStore,
) -> None:
    runner, chat = make_runner(store)
    report = await start(runner, store)
    # Bob asks for the form in the report's channel: the bot gives him a private surface.
    await runner.handle(CommandIssued(event_id="E-form", actor=BOB, text="form 2", **HOME))
    assert chat.forms, "the form was opened"
    submit = {
        "platform": "test",
        "workspace": "W-home",
        "channel": "D-bob-personal",
        "report_id": report.id,
        "section_id": "detection",
        "values": {"detection.iocs": "198.51.100.9"},
    }
    bob = await runner.handle(FormSubmitted(event_id="bob-form", actor=BOB, **submit))
    assert bob.outcome == "handled"
    # The grant is Bob's: Mallory sending the same submit from her chat is refused.
    mallory = await runner.handle(FormSubmitted(event_id="m-form", actor=MALLORY, **submit))
    assert mallory.outcome == "refused"
    # And from another workspace, even as Bob's id, it is refused too.
    other = await runner.handle(
        FormSubmitted(event_id="x-form", actor=BOB, **{**submit, "workspace": "W-other"})
    )
    assert other.outcome == "refused"
    state = await store.load(report.id)
    assert state is not None
    values = [c.raw for c in state.contributions if c.item_id == "detection.iocs"]
    assert values == ["203.0.113.7", "198.51.100.9"]


async def test_buttons_in_the_report_channel_still_work(store: ReportStore) -> None:
    runner, _ = make_runner(store)
    report = await start(runner, store)
    result = await runner.handle(press(report, actions.CONFIRM_SEND, "ok-click"))
    assert result.outcome == "handled"
    assert len(await store.submissions(report.id)) == 1
