"""The bot's one command table: `/jcdc` (Slack) and `@JCDC` (Teams) commands, and the thread
words that steer the questions. Routing, the permission check and the help text are all read
from `COMMANDS`, so a command added here is routed, checked and listed in the help at once."""

from __future__ import annotations

from collections.abc import Callable

from conversations import messages
from conversations.command_spec import Command, CommandSpec, CommandTable, Handler, Who
from conversations.coordination import (
    assign,
    cancel,
    hand_over_lead,
    new_report,
    reopen,
    resolve,
    set_tlp,
    show_status,
)
from conversations.events import CommandIssued
from conversations.forms import open_form_command
from conversations.guide import navigate
from conversations.preview import preview_command
from conversations.sending import confirm_send, request_send
from conversations.turn import Turn

__all__ = ["COMMANDS", "Command", "parse_command", "parse_thread_keyword"]


def _on_report(action: Callable[[Turn], None]) -> Handler:
    """A command that takes no argument and acts on the report."""

    def handler(turn: Turn, event: CommandIssued, command: Command) -> None:
        action(turn)

    return handler


def _steer(keyword: str) -> Handler:
    def handler(turn: Turn, event: CommandIssued, command: Command) -> None:
        navigate(turn, keyword)

    return handler


def show_help(turn: Turn, event: CommandIssued, command: Command) -> None:
    turn.tell(messages.help_text(turn.commands.help_lines()))


_STEER = "steer the questions (also as thread replies)"

COMMANDS = CommandTable(
    (
        CommandSpec(
            "new",
            new_report,
            "start a report in this channel; you become its lead",
            arguments="<title>",
            aliases=("start", "create"),
            needs_report=False,
            takes_reference=False,
        ),
        CommandSpec(
            "status",
            _on_report(show_status),
            "progress per section, who answered what, open conflicts",
            aliases=("progress",),
            # Typed alone as a thread reply, the command acts on that thread's report: a Slack
            # slash command carries no thread (issue 11, rule 5).
            thread_words=("status", "progress"),
        ),
        # Anyone sees it privately; `here` (the thread sees it) is checked by the handler.
        CommandSpec(
            "preview",
            preview_command,
            "the report as it would be sent, to you alone; with here, to the thread (lead)",
            arguments="[here] [page]",
            thread_words=("preview",),
        ),
        CommandSpec(
            "form", open_form_command, "answer a whole section in a form", arguments="<section>"
        ),
        # Anyone may take an open section; the handler keeps handing sections to others (or
        # taking one from whoever has it) for the lead.
        CommandSpec(
            "assign",
            assign,
            "hand a section to someone (lead), or take an open one",
            arguments="<section> @person",
        ),
        # Anyone may ask for the marking; setting it is checked like every TLP answer.
        CommandSpec(
            "tlp",
            set_tlp,
            "set the TLP 2.0 marking (lead)",
            arguments="<clear|green|amber|amber+strict|red>",
        ),
        CommandSpec(
            "resolve",
            resolve,
            "settle conflicting answers (lead)",
            arguments="<item> <choice>",
            who=Who.LEAD_OR_APPROVER,
            refusal="settle conflicting answers",
        ),
        CommandSpec(
            "lead",
            hand_over_lead,
            "hand the lead to someone else (lead)",
            arguments="@person",
            who=Who.LEAD_OR_APPROVER,
            refusal="hand over the lead",
        ),
        CommandSpec(
            "send",
            _on_report(request_send),
            "show what would be sent and ask the lead to confirm",
            aliases=("submit",),
            thread_words=("send",),
        ),
        CommandSpec(
            "confirm",
            _on_report(confirm_send),
            "confirm a pending send (lead or approver)",
            who=Who.LEAD_OR_APPROVER,
            refusal="confirm sending to JCDC",
            refusal_audit="send_confirmation_refused",
        ),
        # `cancel send` is also for whoever asked for the send, so the handler checks.
        CommandSpec(
            "cancel",
            cancel,
            "abandon the report (lead); nothing is sent",
            aliases=("abort",),
        ),
        CommandSpec(
            "reopen",
            _on_report(reopen),
            "bring a cancelled report back (lead)",
            who=Who.LEAD_OR_APPROVER,
            refusal="reopen the report",
        ),
        CommandSpec("skip", _steer("skip"), _STEER, thread_words=("skip",)),
        CommandSpec("back", _steer("back"), _STEER, thread_words=("back",)),
        CommandSpec("next", _steer("next"), _STEER, thread_words=("next",)),
        CommandSpec(
            "later",
            _steer("later"),
            _STEER,
            aliases=("pause",),
            thread_words=("later", "pause"),
        ),
        CommandSpec(
            "resume",
            _steer("resume"),
            _STEER,
            aliases=("continue",),
            thread_words=("resume", "continue"),
        ),
        CommandSpec(
            "help",
            show_help,
            None,
            aliases=("?",),
            thread_words=("help",),
            needs_report=False,
            takes_reference=False,
        ),
    )
)


def parse_command(text: str) -> Command:
    """Split `/jcdc` text into a command name (lowercased, aliases folded) and its argument."""
    return COMMANDS.parse(text)


def parse_thread_keyword(text: str) -> str | None:
    """`skip`, `back`, ... when the whole reply is just that word (punctuation tolerated)."""
    return COMMANDS.thread_keyword(text)
