"""Who is acting in a turn and what they may do: the lead and approvers, compared as
(platform, workspace, user id), and the refusals everyone hears the same way."""

from __future__ import annotations

from datetime import UTC

from conversations.checklist import AnswerKind, Item
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessagePosted,
    QuestionPosted,
    RootPosted,
    SubmissionOutcome,
)
from conversations.people import PersonKey, Space, report_space
from conversations.replies import SIDE_REMARK_PREFIX
from conversations.richtext import command_ref, rich, strong
from conversations.state import Actor, ReportStatus
from conversations.turn import Turn


def me(turn: Turn) -> PersonKey:
    """Whoever caused this turn, keyed by where the event came from."""
    return PersonKey(turn.event.platform, turn.event.workspace, turn.actor.id)


def space(turn: Turn) -> Space:
    """Where the people this report records (lead, authors, confirmers) live."""
    state = turn.state
    return report_space(state.platform, state.workspace, turn.event.platform, turn.event.workspace)


def is_me(turn: Turn, person: Actor) -> bool:
    """Whether `person`, as recorded in this report, is whoever caused this turn."""
    return space(turn).key(person) == me(turn)


def is_approver(turn: Turn) -> bool:
    # An approver acts for reports of their own workspace only: whatever they confirm is
    # recorded as a plain Actor of this report's workspace, where the same id may be someone
    # else.
    key = me(turn)
    return key in turn.policy.approvers and Space(key.platform, key.workspace) == space(turn)


def can_decide(turn: Turn) -> bool:
    """The lead or an approver."""
    return is_me(turn, turn.state.lead) or is_approver(turn)


def from_report_space(turn: Turn) -> bool:
    """Whether this turn's person comes from the report's platform and workspace.

    The runner already keeps such events away; the engine checks again because it records
    people as plain Actors of the report's workspace, and a namesake from elsewhere would be
    taken for someone here from then on. The bot's own events come from nobody.
    """
    if turn.current is None or isinstance(
        turn.event, RootPosted | QuestionPosted | SubmissionOutcome
    ):
        return True
    key = me(turn)
    return Space(key.platform, key.workspace) == space(turn)


def refuse_outsider(turn: Turn) -> None:
    turn.tell(
        rich(
            "This report belongs to another workspace, so I can't take that from here. "
            "Nothing was changed."
        )
    )


def refuse_unless_decider(turn: Turn, what: str) -> bool:
    """True (and the person told why) when whoever acts is neither the lead nor an approver."""
    if can_decide(turn):
        return False
    turn.tell(
        rich(
            "Only the lead (",
            strong(turn.state.lead.name),
            f") or an approver can {what}. Nothing was changed.",
        )
    )
    return True


def refuse_if_cancelled(turn: Turn) -> bool:
    if turn.state.status is not ReportStatus.CANCELLED:
        return False
    turn.tell(
        rich(
            "This report was cancelled. The lead can ",
            command_ref("reopen"),
            " it, or start a new one with ",
            command_ref("new <title>"),
            ".",
        )
    )
    return True


def refuse_tlp_change(turn: Turn, item: Item) -> bool:
    if item.kind is AnswerKind.TLP and not can_decide(turn):
        turn.tell(
            rich(
                "Only the lead (",
                strong(turn.state.lead.name),
                ") or an approver sets the TLP marking. Nothing was recorded.",
            )
        )
        return True
    return False


# What a purged report still answers: reading what is left of it takes nothing in.
_READ_ONLY_COMMANDS = frozenset({"status", "help"})


def is_purged_input(turn: Turn) -> bool:
    """Whether this turn would put something into a report whose answers retention deleted.

    Such a report keeps only a tombstone and its audit trail; an answer taken now would start
    a new report under the old one's name and be mailed as a "follow-up" to a report that JCDC
    received long ago, so it is refused rather than recorded. `//` side remarks stay talk.
    """
    state, event = turn.current, turn.event
    if state is None or state.purged_at is None:
        return False
    match event:
        case MessagePosted():
            return not event.text.lstrip().startswith(SIDE_REMARK_PREFIX)
        case CommandIssued():
            name = turn.commands.parse(event.text).name
            spec = turn.commands.find(name)
            if spec is not None and not spec.needs_report:
                return False  # `new` and the like start something else
            return spec is None or spec.name not in _READ_ONLY_COMMANDS
        case FormSubmitted() | ButtonPressed():
            return True
        case _:
            return False


def refuse_purged(turn: Turn) -> None:
    assert turn.current is not None
    assert turn.current.purged_at is not None
    when = turn.current.purged_at.astimezone(UTC).strftime("%Y-%m-%d")
    turn.tell(
        rich(
            f"The answers of this report were deleted on {when} under the retention policy, "
            "so it takes nothing new. Nothing was recorded. Start a new report with ",
            command_ref("new <title>"),
            ".",
        )
    )
