"""Running the report: starting it, status and preview, assigning sections, the TLP
marking, settling conflicts, handing over the lead, cancelling and reopening."""

from __future__ import annotations

from pydantic import JsonValue

from conversations import messages
from conversations.answers import Accepted, parse_answer, tlp_meaning
from conversations.checklist import AnswerKind, Item
from conversations.command_spec import Command
from conversations.effects import PostRoot, ShowPreview
from conversations.events import CommandIssued, RootPosted
from conversations.guide import advance, ask, section_list
from conversations.ids import report_id_for
from conversations.merge import ItemMerge, ItemStatus, merged_display
from conversations.permissions import can_decide, me, refuse_unless_decider, space
from conversations.question_messages import show_on_question
from conversations.recording import contribute
from conversations.richtext import command_ref, mention, rich, strong, user_text
from conversations.sending import cancel_send
from conversations.state import (
    Assignment,
    PostedQuestion,
    ReportState,
    ReportStatus,
    Resolution,
)
from conversations.turn import Turn

MAX_TITLE_LENGTH = 150


# `new another: <title>`: start a report although one is open in the channel. The colon keeps
# a title that starts with the word ("Another phishing wave") a title.
ANOTHER = "another:"
# Reports a second `new` in their channel asks about first (a sent one is done with).
UNFINISHED = (ReportStatus.OPEN, ReportStatus.SUBMIT_REQUESTED)


def new_report(turn: Turn, event: CommandIssued, command: Command) -> None:
    title = command.argument
    word, _, rest = title.partition(" ")
    if word.lower() == ANOTHER and rest.strip():
        title = rest.strip()
    elif turn.current is not None and turn.current.status in UNFINISHED:
        ask_before_another(turn, title)
        return
    if not title:
        turn.tell(
            rich(
                "Give the report a title, e.g. ",
                command_ref("new Prompt injection in support copilot"),
                ".",
            )
        )
        return
    if "\x00" in title:
        turn.tell(rich("That title contains a NUL character; please type it again."))
        return
    if len(title) > MAX_TITLE_LENGTH:
        turn.tell(
            rich(
                f"Titles can be at most {MAX_TITLE_LENGTH} characters; "
                f"that one has {len(title)}. Put details in the answers."
            )
        )
        return
    report_id = turn.new_report_id
    if report_id is None:
        report_id = report_id_for(event.platform, event.event_id)
    turn.current = ReportState(
        id=report_id,
        platform=event.platform,
        workspace=event.workspace,
        channel=event.channel,
        title=title,
        number=turn.new_report_number,
        lead=turn.actor,
        created_at=turn.now,
        updated_at=turn.now,
        checklist_version=turn.checklist.version,
    )
    turn.record("report_created", title=title, checklist_version=turn.checklist.version)
    # The root message asks the first question itself, with the welcome: the thread stays
    # empty until someone answers (ReportState.asking_on_root). It counts from now, the
    # root's message cannot be older.
    advance(turn, None)
    if turn.state.cursor is not None:
        first = PostedQuestion(item_id=turn.state.cursor, at=turn.now, on_root=True)
        turn.change(questions=(first,))
    turn.emit(
        PostRoot(
            report_id=turn.state.id,
            channel=turn.state.channel,
            card=messages.root_card(turn.state, turn.merge, turn.checklist),
        )
    )


def on_root_posted(turn: Turn, event: RootPosted) -> None:
    """The root message exists: its id is the thread's, and the root's question's. Nothing
    is posted: the root already asks the first question."""
    if turn.state.thread is not None:
        return  # a replay: the thread already exists
    questions = tuple(
        q.model_copy(update={"message_id": event.message_id}) if q.on_root else q
        for q in turn.state.questions
    )
    turn.change(thread=event.message_id, questions=questions)
    turn.record("thread_opened", message_id=event.message_id)
    if not questions:
        # A root posted without a question (a report begun before the root asked one, or a
        # checklist with nothing to ask): the thread opens with the welcome, as it used to.
        ask(turn, messages.welcome(turn.state) + rich("\n") + advance(turn, None))


def ask_before_another(turn: Turn, title: str) -> None:
    """A second `new` where a report is still open: one report per thread, never a guess, so
    the person hears which one is open and how to start another on purpose."""
    open_report = turn.state
    turn.tell(
        rich(
            "This channel already has an open JCDC report: ",
            strong(open_report.title),
            " (lead ",
            strong(open_report.lead.name),
            "). Answer in its thread, or start another on purpose with ",
            command_ref(f"new {ANOTHER} {title or '<title>'}"),
            ".",
        )
    )


def show_status(turn: Turn) -> None:
    turn.tell(messages.status(turn.state, turn.merge))


def show_preview(turn: Turn) -> None:
    turn.emit(
        ShowPreview(
            report_id=turn.state.id,
            channel=turn.state.channel,
            thread=turn.state.thread,
            user=turn.actor,
        )
    )


def assign(turn: Turn, event: CommandIssued, command: Command) -> None:
    reference = command.argument.split(" ", 1)[0] if command.argument else ""
    section = turn.checklist.find_section(reference) if reference else None
    if section is None or not event.mentions:
        turn.tell(
            rich(
                "Use ",
                command_ref("assign <section> @person"),
                ", e.g. ",
                command_ref("assign 4 @dana"),
                ". Sections: ",
                section_list(turn),
                ".",
            )
        )
        return
    assignee = event.mentions[0]
    current = next((a for a in turn.state.assignments if a.section_id == section.id), None)
    # Anyone may take an open section; handing work to others, or taking it from whoever
    # has it, is the lead's call.
    taking_open_section = current is None and space(turn).key(assignee) == me(turn)
    if not (taking_open_section or can_decide(turn)):
        who = rich("Only the lead (", strong(turn.state.lead.name), ") or an approver ")
        if current is None:
            turn.tell(
                who
                + rich(
                    "can hand a section to someone else; you can take an unassigned one with ",
                    command_ref(f"assign {section.number} @you"),
                    ". Nothing was changed.",
                )
            )
        else:
            turn.tell(
                who
                + rich(
                    f"can reassign section {section.number}; it is ",
                    strong(current.assignee.name),
                    "'s. Nothing was changed.",
                )
            )
        return
    kept = tuple(a for a in turn.state.assignments if a.section_id != section.id)
    assignment = Assignment(section_id=section.id, assignee=assignee, by=turn.actor, at=turn.now)
    turn.change(assignments=(*kept, assignment))
    turn.record("section_assigned", section=section.id, assignee=assignee.id)
    turn.post(
        rich(
            mention(assignee.id, assignee.name),
            ", ",
            strong(turn.actor.name),
            f" handed you section {section.number} — {section.title}.",
        ),
        (messages.form_button(section, turn.state.id),),
    )


def set_tlp(turn: Turn, event: CommandIssued, command: Command) -> None:
    item = next((i for i in turn.checklist.items() if i.kind is AnswerKind.TLP), None)
    if item is None:
        turn.tell(rich("This checklist has no TLP item."))
        return
    if not command.argument:
        turn.tell(
            rich(
                f"The marking is {turn.merge.tlp}. Change it with ",
                command_ref("tlp <clear|green|amber|amber+strict|red>"),
                ".",
            )
        )
        return
    merged = contribute(turn, item, command.argument, via="command", message_id=None)
    if merged is not None and isinstance(merged.value, str):
        turn.post(
            rich(
                "Marking set to ",
                strong(merged.value),
                " by ",
                strong(turn.actor.name),
                ". ",
                tlp_meaning(merged.value),
            )
        )


def resolve(turn: Turn, event: CommandIssued, command: Command) -> None:
    reference, _, choice = command.argument.partition(" ")
    item = turn.checklist.find_item(reference) if reference else None
    if item is None or not choice.strip():
        turn.tell(
            rich(
                "Use ",
                command_ref("resolve <item> <choice>"),
                ", e.g. ",
                command_ref("resolve 1.5 2"),
                " to pick the second value shown.",
            )
        )
        return
    merged = turn.merge.item(item.id)
    if merged.status is not ItemStatus.CONFLICT:
        turn.tell(rich(f"{item.number} has no open conflict."))
        return
    value = _chosen_value(turn, item, merged, choice.strip())
    if value is None:
        return
    kept = tuple(r for r in turn.state.resolutions if r.item_id != item.id)
    turn.change(
        resolutions=(
            *kept,
            Resolution(item_id=item.id, value=value, by=turn.actor, at=turn.now),
        )
    )
    turn.record("conflict_resolved", item.id, value=value)
    # The question's message stops showing the conflict; the thread, told of the conflict,
    # hears how it was settled.
    show_on_question(turn, item, messages.answered(item, turn.merge.item(item.id), None))
    turn.post(
        rich(
            strong(turn.actor.name),
            f" settled {item.number}: ",
            user_text(merged_display(turn.merge.item(item.id)) or messages.NO_ANSWER_YET),
        )
    )


def _chosen_value(turn: Turn, item: Item, merged: ItemMerge, choice: str) -> JsonValue | None:
    if choice.isdecimal():
        index = int(choice)
        if 1 <= index <= len(merged.alternatives):
            return merged.alternatives[index - 1].value
        turn.tell(rich(f"Pick a number from 1 to {len(merged.alternatives)}."))
        return None
    parsed = parse_answer(item, choice)
    if not isinstance(parsed, Accepted):
        turn.tell(rich(f"{item.number}: {parsed.reason}"))
        return None
    return parsed.value


def hand_over_lead(turn: Turn, event: CommandIssued, command: Command) -> None:
    if not event.mentions:
        turn.tell(rich("Use ", command_ref("lead @person"), "."))
        return
    new_lead = event.mentions[0]
    turn.change(lead=new_lead)
    turn.record("lead_changed", new_lead=new_lead.id)
    turn.post(
        rich(
            strong(turn.actor.name),
            " handed the lead to ",
            mention(new_lead.id, new_lead.name),
            ".",
        )
    )


def cancel(turn: Turn, event: CommandIssued, command: Command) -> None:
    if command.argument.lower() == "send":
        cancel_send(turn)
        return
    if refuse_unless_decider(turn, "cancel the report"):
        return
    if turn.state.status is ReportStatus.CANCELLED:
        turn.tell(rich("This report is already cancelled."))
        return
    if turn.state.status is ReportStatus.SUBMIT_REQUESTED:
        turn.tell(
            rich(
                "This report was already confirmed for sending to JCDC, so "
                "cancelling it now would not unsend it. Nothing was changed."
            )
        )
        return
    turn.change(status=ReportStatus.CANCELLED, cursor=None, send_request=None)
    turn.record("report_cancelled")
    turn.post(
        rich(
            "Report cancelled by ",
            strong(turn.actor.name),
            ". Nothing was sent; the lead can ",
            command_ref("reopen"),
            " it.",
        )
    )


def reopen(turn: Turn) -> None:
    if turn.state.status is not ReportStatus.CANCELLED:
        turn.tell(rich("This report is not cancelled."))
        return
    turn.change(status=ReportStatus.OPEN, guiding=True)
    turn.record("report_reopened")
    ask(turn, rich("Report reopened by ", strong(turn.actor.name), ".\n\n") + advance(turn, None))
