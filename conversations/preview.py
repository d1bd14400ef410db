"""Asking for the preview: anyone sees it privately (`preview`, the root message's Preview
button, a page button); only the lead or an approver shows it to the whole thread
(`preview here`), which otherwise stays quiet.

The engine only says which page for whom; the report is assembled and the page laid out when
the effect is performed, from the report as it is then (documents.preview). A page button
carries the report id and the page number and nothing else, so no server keeps a reader's
place, and a page opened from an old message shows the current report.
"""

from __future__ import annotations

from conversations import actions
from conversations.command_spec import Command
from conversations.effects import Button, ShowPreview
from conversations.events import ButtonPressed, CommandIssued
from conversations.permissions import can_decide
from conversations.richtext import command_ref, rich, strong
from conversations.turn import Turn

HERE = "here"
# Far more pages than any report has; a bigger number is a typo, not a page.
MAX_PAGE = 999


def preview_command(turn: Turn, event: CommandIssued, command: Command) -> None:
    """`preview [here] [page]`."""
    words = command.argument.lower().split()
    here = bool(words) and words[0] == HERE
    if here:
        words = words[1:]
    page = _page_number(words[0]) if len(words) == 1 else (1 if not words else None)
    if page is None:
        turn.tell(
            rich(
                "Use ",
                command_ref("preview"),
                " (only you see it), ",
                command_ref("preview 2"),
                " for its second page, or ",
                command_ref("preview here"),
                " to show it to the thread (lead).",
            )
        )
        return
    if here and not can_decide(turn):
        turn.tell(
            rich(
                "Only the lead (",
                strong(turn.state.lead.name),
                ") or an approver can show the preview to the whole thread. "
                "You can see it yourself: only you will.",
            ),
            (Button(action=actions.PREVIEW_PAGE, label="Preview", value=_value(turn, page)),),
        )
        return
    if here:
        turn.record("preview_shared", page=page)
    show_page(turn, page, here=here)


def preview_page_button(turn: Turn, value: str) -> None:
    """Previous / Next under a preview: that page, to whoever pressed it, privately (a shared
    preview stays as it is in the thread; turning its pages is nobody else's business)."""
    report_id, _, number = value.partition(":")
    page = _page_number(number)
    if report_id != turn.state.id or page is None:
        turn.tell(
            rich("That page button is from another preview. Try ", command_ref("preview"), ".")
        )
        return
    # Turning a page turns it where the reader is: the preview they pressed is replaced.
    pressed = turn.event
    reply_to = pressed.private_reply if isinstance(pressed, ButtonPressed) else None
    show_page(turn, page, here=False, reply_to=reply_to)


def show_page(turn: Turn, page: int, *, here: bool, reply_to: str | None = None) -> None:
    turn.emit(
        ShowPreview(
            report_id=turn.state.id,
            channel=turn.state.channel,
            thread=turn.state.thread,
            user=turn.actor,
            page=page,
            here=here,
            reply_to=reply_to,
        )
    )


def page_button_value(report_id: str, page: int) -> str:
    """What a page button carries: the report and the page, nothing a server must remember."""
    return f"{report_id}:{page}"


def _value(turn: Turn, page: int) -> str:
    return page_button_value(turn.state.id, page)


def _page_number(word: str) -> int | None:
    if not word.isdecimal() or not word.isascii():
        return None
    number = int(word)
    return number if 1 <= number <= MAX_PAGE else None
