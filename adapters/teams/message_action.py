""" "Add to JCDC report" as a Teams message action (deploy/teams/manifest.json,
`composeExtensions`).

Teams asks for the form in a `composeExtension/fetchTask` invoke and waits for it in the
HTTP answer, so that answer is built here, at once, from the channel's open reports (read
through `OpenReports`, which the report store implements); nothing is stored for it. The
submission, `composeExtension/submitAction`, is an ordinary delivery: stored, then turned
into a ShortcutSubmitted by `translate`, attributed to the message's author as the
activity's messagePayload names them.
"""

from __future__ import annotations

from typing import Any, Protocol

from adapters.teams import shapes
from adapters.teams.translate import (
    ADD_TO_REPORT_COMMAND,
    FETCH_TASK,
    PLATFORM,
    action_invoke,
    message_author,
    message_text,
    split_conversation_id,
)
from conversations.checklist import Checklist
from conversations.effects import Choice
from conversations.shortcut import SHORTCUT_TEXT_MAX, report_choices, shortcut_items
from conversations.state import ReportChoice

Json = dict[str, Any]


class OpenReports(Protocol):
    async def open_in_channel(self, platform: str, channel: str) -> tuple[ReportChoice, ...]: ...


class MessageActions:
    def __init__(self, open_reports: OpenReports, checklist: Checklist) -> None:
        self.open_reports = open_reports
        self.items = shortcut_items(checklist)

    async def answer(self, activity: shapes.Activity) -> Json | None:
        """The invoke response for a fetchTask of our command; None for any other activity
        (those go the ordinary way). MalformedActivity for a fetchTask that is not Teams'."""
        if activity.type != "invoke" or activity.name != FETCH_TASK:
            return None
        invoke = action_invoke(activity)
        if invoke.commandId != ADD_TO_REPORT_COMMAND:
            return _message("That action is not one this app offers.")
        channel, _ = split_conversation_id(
            (activity.conversation.id if activity.conversation else None) or ""
        )
        reports = report_choices(await self.open_reports.open_in_channel(PLATFORM, channel))
        if not reports:
            return _message(
                "There is no open JCDC report in this channel to add that message to. "
                "Start one with @JCDC new <title>."
            )
        author = message_author(invoke)
        return {
            "task": {
                "type": "continue",
                "value": {
                    "title": "Add to JCDC report",
                    "height": "medium",
                    "width": "medium",
                    "card": {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "content": task_card(
                            reports, self.items, message_text(invoke), author.name
                        ),
                    },
                },
            }
        }


def task_card(
    reports: tuple[Choice, ...], items: tuple[Choice, ...], text: str, author: str
) -> Json:
    report_input: Json = {
        "type": "Input.ChoiceSet",
        "id": "report_id",
        "label": "Report",
        "isRequired": True,
        "choices": [{"title": c.label, "value": c.value} for c in reports],
    }
    if len(reports) == 1:
        report_input["value"] = reports[0].value
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "wrap": True,
                "text": f"Recorded as {author}'s answer, added by you.",
            },
            report_input,
            {
                "type": "Input.ChoiceSet",
                "id": "item_id",
                "label": "Checklist item",
                "isRequired": True,
                "choices": [{"title": c.label, "value": c.value} for c in items],
            },
            {
                "type": "Input.Text",
                "id": "text",
                "label": "Answer",
                "isMultiline": True,
                "isRequired": True,
                "maxLength": SHORTCUT_TEXT_MAX,
                "value": text[:SHORTCUT_TEXT_MAX],
            },
        ],
        "actions": [{"type": "Action.Submit", "title": "Add"}],
    }


def _message(text: str) -> Json:
    """A task answer that only shows `text` to the person who used the action."""
    return {"task": {"type": "message", "value": text}}
