"""The one command table: routing, the permission check and the help are all read from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from conversations import actions
from conversations.command_spec import Command, CommandSpec, CommandTable, Who
from conversations.commands import COMMANDS
from conversations.effects import ShowPreview
from conversations.engine import dispatch, finish, step
from conversations.events import CommandIssued, MessagePosted
from conversations.messages import help_text
from conversations.policy import Policy
from conversations.richtext import rich, to_plain
from conversations.state import Actor, ReportChoice, ReportState
from conversations.turn import Step, Turn
from tests.conversations.harness import ALICE, BOB, CAROL, HOME, T0, Harness, notices

UNKNOWN = "I don't know the command"


def started() -> ReportState:
    h = Harness()
    h.start()
    assert h.state is not None
    return h.state


def run(table: CommandTable, state: ReportState | None, text: str, actor: Actor = ALICE) -> Step:
    """One `/jcdc <text>` turn routed through `table` instead of the bot's own."""
    event = CommandIssued(
        event_id="E-table",
        platform=HOME[0],
        workspace=HOME[1],
        channel="C1",
        actor=actor,
        text=text,
    )
    turn = Turn(state, state, event, Harness().checklist, T0, Policy(), table)
    dispatch(turn, event)
    return finish(turn)


def help_of(table: CommandTable) -> str:
    return to_plain(help_text(table.help_lines()))


def test_every_command_but_help_itself_is_in_the_help() -> None:
    shown = help_of(COMMANDS)
    assert {spec.name for spec in COMMANDS.specs if spec.help is None} == {"help"}
    for spec in COMMANDS.specs:
        if spec.help is not None:
            assert spec.usage in shown, spec.name
            assert spec.help in shown, spec.name
    # The command the hand-written help once forgot.
    assert "reopen" in shown


def test_the_help_people_get_is_the_tables_help() -> None:
    h = Harness()
    for asked in (h.command(CAROL, "help"), h.command(CAROL, "?")):
        assert notices(asked) == [help_of(COMMANDS)]
    h.start()
    assert notices(h.say(CAROL, "help")) == [help_of(COMMANDS)]


def test_navigation_shares_one_help_line() -> None:
    lines = dict(COMMANDS.help_lines())
    # One `[#n]` for the line: each of them can name the report it steers.
    assert "skip | back | next | later | resume [#n]" in lines
    assert "new <title>" in lines


def test_every_command_and_alias_in_the_table_is_routed() -> None:
    state = started()
    for spec in COMMANDS.specs:
        for word in (spec.name, *spec.aliases):
            result = run(COMMANDS, state, word)
            assert not any(UNKNOWN in n for n in notices(result)), word
    assert UNKNOWN in notices(run(COMMANDS, state, "frobnicate"))[0]


def test_a_command_added_to_the_table_is_routed_checked_and_listed() -> None:
    calls: list[tuple[str, str]] = []

    def ping(turn: Turn, event: CommandIssued, command: Command) -> None:
        calls.append((event.actor.id, command.argument))
        turn.tell(rich("pong"))

    table = COMMANDS.with_command(
        CommandSpec(
            "ping",
            ping,
            "answer pong (lead)",
            arguments="<words>",
            aliases=("hello",),
            who=Who.LEAD_OR_APPROVER,
            refusal="ping",
        )
    )
    state = started()
    assert "`/jcdc ping <words> [#n]` — answer pong (lead)" in help_of(table)
    assert "ping" not in help_of(COMMANDS)
    # Asked for its help through the extended table, the bot lists it too.
    assert "ping <words>" in notices(run(table, state, "help"))[0]
    assert notices(run(table, state, "hello there")) == ["pong"]
    assert calls == [(ALICE.id, "there")]
    refused = run(table, state, "ping", actor=CAROL)
    assert "Only the lead (Alice) or an approver can ping." in notices(refused)[0]
    assert calls == [(ALICE.id, "there")]
    # The bot's own table knows nothing of it.
    assert UNKNOWN in notices(run(COMMANDS, state, "ping"))[0]


def test_a_refused_confirm_is_audited_from_the_table() -> None:
    h = Harness()
    h.start()
    h.command(CAROL, "send")
    refused = h.command(CAROL, "confirm")
    assert [a.action for a in refused.audit] == ["send_confirmation_refused"]
    assert "Only the lead (Alice) or an approver can confirm sending" in notices(refused)[0]


def test_thread_words_run_their_command() -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    first = h.state.cursor
    h.say(CAROL, "Skip.")
    assert h.state.skipped == (first,)
    assert COMMANDS.thread_keyword("pause") == "later"
    # Only the table's thread words steer: "?" is a command alias, and as a reply an answer.
    assert COMMANDS.thread_keyword("?") is None


Clash = Callable[[CommandSpec], CommandSpec]


@pytest.mark.parametrize(
    "clash",
    [
        lambda spec: replace(spec, name="status"),
        lambda spec: replace(spec, aliases=("progress",)),
        lambda spec: replace(spec, thread_words=("skip",)),
        lambda spec: replace(spec, aliases=("Two Words",)),
        lambda spec: replace(spec, who=Who.LEAD_OR_APPROVER, refusal=""),
    ],
)
def test_a_table_refuses_ambiguous_or_unexplained_rows(clash: Clash) -> None:
    base = CommandSpec("extra", lambda turn, event, command: None, "an extra command")
    with pytest.raises(ValueError, match=r"names both|one lowercase word|not why"):
        COMMANDS.with_command(clash(base))


def test_thread_words_and_command_words_reach_the_same_command() -> None:
    message = MessagePosted(
        event_id="E1",
        platform=HOME[0],
        workspace=HOME[1],
        channel="C1",
        thread="ROOT",
        actor=CAROL,
        message_id="M1",
        text="continue",
    )
    keyword = COMMANDS.thread_keyword(message.text)
    assert keyword is not None
    assert COMMANDS.parse(message.text) == Command(keyword, "")


def test_a_trailing_hash_number_names_the_report_and_is_not_an_argument() -> None:
    assert COMMANDS.parse("status #2") == Command("status", "", 2)
    assert COMMANDS.parse("tlp red #12") == Command("tlp", "red", 12)
    assert COMMANDS.parse("send   #3 ") == Command("send", "", 3)
    # Numbers without `#`, and `#` inside a word, stay arguments.
    assert COMMANDS.parse("form 2") == Command("form", "2", None)
    assert COMMANDS.parse("assign 4 @dana") == Command("assign", "4 @dana", None)
    assert COMMANDS.parse("tlp red#4") == Command("tlp", "red#4", None)
    # A title may end in a number: `new` takes no reference.
    assert COMMANDS.parse("new Outage #2") == Command("new", "Outage #2", None)


def test_a_reference_to_no_report_says_so() -> None:
    assert notices(run(COMMANDS, None, "status #7")) == ["There is no report #7 in this channel."]


def test_several_open_reports_and_no_reference_ask_with_a_button_each() -> None:
    choices = (
        ReportChoice(id="r-b", number=2, title="Data leak", lead=CAROL),
        ReportChoice(id="r-a", number=1, title="Prompt injection", lead=ALICE),
    )
    event = CommandIssued(
        event_id="E-ask",
        platform=HOME[0],
        workspace=HOME[1],
        channel="C1",
        actor=ALICE,
        text="preview",
    )
    result = step(None, event, Harness().checklist, T0, open_reports=choices)
    assert result.state is None
    assert notices(result) == [
        "Several JCDC reports are open in this channel; which one?\n"
        "#1 Prompt injection (lead Alice)\n#2 Data leak (lead Carol)\n"
        "Or name it: `/jcdc preview #1`."
    ]
    (notice,) = result.effects
    assert [(b.action, b.value) for b in getattr(notice, "buttons", ())] == [
        (actions.RUN_ON_REPORT, "r-a:preview"),
        (actions.RUN_ON_REPORT, "r-b:preview"),
    ]
    # One open report is no question.
    single = step(None, event, Harness().checklist, T0, open_reports=choices[:1])
    assert "which one?" not in " ".join(notices(single))


def test_a_command_too_long_for_a_button_value_gets_the_hint_alone() -> None:
    choices = (
        ReportChoice(id="r-a", number=1, title="Prompt injection", lead=ALICE),
        ReportChoice(id="r-b", number=2, title="Data leak", lead=CAROL),
    )
    event = CommandIssued(
        event_id="E-long",
        platform=HOME[0],
        workspace=HOME[1],
        channel="C1",
        actor=ALICE,
        text="resolve 4.2 " + "x" * 2000,
    )
    result = step(None, event, Harness().checklist, T0, open_reports=choices)
    (notice,) = result.effects
    assert getattr(notice, "buttons", None) == ()
    assert "which one?" in notices(result)[0]


def test_status_preview_and_send_typed_alone_in_the_thread_are_those_commands() -> None:
    # Issue 11, rule 5: a Slack slash command carries no thread, so these are typed as plain
    # replies in the report's thread, and act on that report; never recorded as answers.
    h = Harness()
    h.start()
    assert h.state is not None
    asked = h.state.cursor
    status = h.say(CAROL, "status")
    assert any(text.startswith("Status of") for text in notices(status))
    h.say(CAROL, "Preview.")
    assert isinstance(h.last.effects[-1], ShowPreview)
    h.say(BOB, "send")
    assert h.state.send_request is not None
    assert h.state.send_request.requested_by == BOB
    assert [c for c in h.state.contributions if c.item_id == asked] == []
    assert h.state.pending == ()
