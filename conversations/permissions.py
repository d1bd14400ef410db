"""Who is acting in a turn and what they may do: the lead and approvers, compared as
(platform, workspace, user id), and the refusals everyone hears the same way."""

from __future__ import annotations

from conversations.checklist import AnswerKind, Item
from conversations.events import RootPosted, SubmissionOutcome
from conversations.people import PersonKey, Space, report_space
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
    if turn.current is None or isinstance(turn.event, RootPosted | SubmissionOutcome):
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
