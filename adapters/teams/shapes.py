"""The shapes of the Teams activities the bot reads, as pydantic models.

Lenient like the Slack ones: the Bot Framework schema has dozens of fields and Teams adds its
own, so unknown fields are ignored and only what `translate.py` reads is checked. A missing
field takes the default the translator always used; one of the wrong type makes the activity
malformed. Field names are the Bot Framework's (camelCase), so the models read like its schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TeamsShape(BaseModel):
    # extra="ignore": fields Teams adds tomorrow must not make today's activities malformed.
    # populate_by_name: `from` is a keyword in Python, so the model calls it `sender`.
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Account(TeamsShape):
    """`from`, `recipient` and a mention's `mentioned`."""

    id: str | None = None
    name: str | None = None
    role: str | None = None
    aadObjectId: str | None = None


class Conversation(TeamsShape):
    # `;messageid=<root>` is appended in channel threads (see translate.split_conversation_id).
    id: str | None = None
    conversationType: str | None = None
    tenantId: str | None = None
    isGroup: bool | None = None
    name: str | None = None


class Tenant(TeamsShape):
    id: str | None = None


class ChannelData(TeamsShape):
    """Only the tenant is read on every path; `eventType` is checked (as `EventType`) only
    for the activity types it tells apart, where it is read."""

    tenant: Tenant | None = None
    eventType: object = None


class EventType(TeamsShape):
    """`channelData` as read for messageUpdate / messageDelete activities."""

    eventType: str | None = None


class Mention(TeamsShape):
    """An `entities[]` item of type `mention` (other entity types are not read)."""

    # Not checked: a mention whose `mentioned` is not an object mentions nobody. The
    # endpoint's tests accept such activities as odd but valid, and nothing depends on it.
    mentioned: object = None
    # The markup of the mention in the message text, `<at>Name</at>`.
    text: str | None = None


class Activity(TeamsShape):
    """The one model of an inbound activity: the endpoint and the translator read each
    activity once, into this. Checked at once: what every path reads (the kind of activity,
    who sent it to whom, and where). Kept unchecked until read: what only a message or an
    edit says (`text`, `entities`, `value`, read as `MessageContent`), so that an activity is
    refused only for what the bot reads of it."""

    type: str | None = None
    # An invoke's name ("composeExtension/submitAction").
    name: str | None = None
    id: str | None = None
    timestamp: str | None = None
    serviceUrl: str | None = None
    channelId: str | None = None
    sender: Account | None = Field(default=None, alias="from")
    recipient: Account | None = None
    conversation: Conversation | None = None
    channelData: ChannelData | None = None
    replyToId: str | None = None
    text: object = None
    entities: object = None
    value: object = None

    @field_validator("timestamp")
    @classmethod
    def _iso_8601(cls, value: str | None) -> str | None:
        # Teams stamps activities in ISO 8601 (with up to seven decimals); anything else is
        # not the Bot Connector's. Kept as text: translate.py reads it where it needs a time.
        if value is not None:
            datetime.fromisoformat(value)
        return value


class MessageContent(TeamsShape):
    """What a message (or an edit) says, read once the activity is known to be one."""

    text: str | None = None
    # Objects of any kind; those of type `mention` are read as `Mention`.
    entities: list[dict[str, Any]] | None = None
    # An Adaptive Card's Action.Submit: the action's data merged with the card's inputs.
    value: dict[str, Any] | None = None


class CardData(TeamsShape):
    """What our own cards put into an Action.Submit's data (see cards.py), read only once the
    `jcdc` marker says the card is ours. The inputs (`answer:<item id>`, `section`) are what
    people entered and are read separately."""

    action: str | None = None
    report_id: str | None = None
    section_id: str | None = None
    value: str | None = None
    section: str | None = None


class TaskInvoke(TeamsShape):
    """The value of a `task/fetch` or `task/submit` invoke (adapters.teams.task_module): the
    Action.Submit's data merged with the card's inputs, read as a card submit's value is."""

    data: dict[str, Any] | None = None


# --- message actions (adapters.teams.message_action) ---------------------------------------


class MessageUser(TeamsShape):
    id: str | None = None
    displayName: str | None = None


class MessageFrom(TeamsShape):
    user: MessageUser | None = None


class MessageBody(TeamsShape):
    content: str | None = None


class MessagePayload(TeamsShape):
    """The message a message action was used on, as Teams hands it to the bot."""

    id: str | None = None
    sender: MessageFrom | None = Field(default=None, alias="from")
    body: MessageBody | None = None


class ActionData(TeamsShape):
    """What the shortcut's task card submits (adapters.teams.message_action)."""

    report_id: str | None = None
    item_id: str | None = None
    text: str | None = None


class ActionInvoke(TeamsShape):
    """The value of a `composeExtension/fetchTask` or `submitAction` invoke."""

    commandId: str | None = None
    commandContext: str | None = None
    messagePayload: MessagePayload | None = None
    data: ActionData | None = None
