"""Where an event may act: only on a report of its own platform, workspace and channel.

Payloads carry report ids (buttons, card submits, modal metadata), and on Teams a person can
put anything into a card submit. Those ids are hints. An event touches the report they name
only when it comes from the report's platform, workspace (Slack workspace or Enterprise
org, Teams tenant) and channel — or, for a form submit or a button press from a modal or a
personal chat, when the bot itself gave that person a private surface of that report
(`report_grants`, written in the turn that opened the form or sent the notice; read before
the turn's transaction, which is safe because grants are only ever added). Everything
else gets the same polite refusal, whether the report exists or not, and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from conversations.effects import AuditEntry, Ephemeral
from conversations.engine import Step
from conversations.events import ButtonPressed, Event, FormSubmitted
from conversations.richtext import rich
from conversations.state import ReportState
from storage.repository import ReportStore

INTERNAL = "internal"

REFUSAL = rich(
    "That belongs to a JCDC report that can't be changed from here, so nothing was changed. "
    "Use the report's own thread, or ask its lead."
)


class Access(Enum):
    OPEN = "open"  # no report involved yet (a `new`, a command where there is no report)
    BOUND = "bound"
    REFUSED = "refused"


def same_place(state: ReportState, event: Event) -> bool:
    if event.platform != state.platform or event.channel != state.channel:
        return False
    # Reports from before workspaces were recorded ("") are bound by platform and channel,
    # which are unique on both platforms; every newer report also by its workspace.
    return not state.workspace or event.workspace == state.workspace


async def access_of(
    store: ReportStore, state: ReportState | None, event: Event, report_id: str | None
) -> Access:
    if event.platform == INTERNAL:
        return Access.BOUND  # the bot's own events (root posted, delivery outcomes)
    if state is None:
        # A hint naming no report is refused like one naming someone else's: a stranger
        # cannot tell the two apart (and so cannot probe for report ids).
        return Access.REFUSED if report_id is not None else Access.OPEN
    if same_place(state, event):
        return Access.BOUND
    if (
        isinstance(event, FormSubmitted | ButtonPressed)
        and event.platform == state.platform
        and (not state.workspace or event.workspace == state.workspace)
        and await store.has_grant(event.platform, state.workspace, event.actor.id, state.id)
    ):
        return Access.BOUND
    return Access.REFUSED


def refusal(state: ReportState | None, event: Event, now: datetime) -> Step:
    """A private notice to the sender, where they are; the report as it was, and one audit
    line recording the attempt on it."""
    notice = Ephemeral(channel=event.channel, thread=event.thread, user=event.actor, text=REFUSAL)
    audit: tuple[AuditEntry, ...] = ()
    if state is not None:
        audit = (
            AuditEntry(
                at=now,
                actor=event.actor,
                action="access_refused",
                detail={
                    "platform": event.platform,
                    "workspace": event.workspace,
                    "channel": event.channel,
                    "event": event.kind,
                },
            ),
        )
    return Step(state, (notice,), audit)
