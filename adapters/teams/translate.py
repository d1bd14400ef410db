"""Teams activities (the JSON the Bot Connector posts) → the engine's platform-neutral events.

Pure: returns None for activities that are not the bot's business (its own and other bots'
messages, conversation updates, reactions, untargeted chatter outside a thread), and raises
`MalformedActivity` for one whose shape is wrong (checked by the models in `shapes.py`).
Nothing else escapes, whatever JSON arrives. `teams_delivery` names an activity for the inbox.

Where things are in a Teams activity:
- A channel post's `conversation.id` is the channel id plus `;messageid=<root id>`, the root
  of the thread the message is in (for a new top-level post, the post's own id). Reports are
  addressed by the bare channel id and the root id, as in Slack.
- A command is a message that @mentions the bot: the mention is an `entities[]` item of type
  `mention` whose `mentioned.id` is the bot (`recipient.id`), and its `text` (`<at>JCDC</at>`)
  is what to cut out of the message. In a personal chat every message is a command.
- Edits and soft deletes arrive as `messageUpdate` / `messageDelete` activities whose `id` is
  the id of the message that changed (`channelData.eventType` says which change it was).
- An Adaptive Card's Action.Submit arrives as a `message` with no text whose `value` is the
  action's `data` merged with the card's input values, and whose `replyToId` is the card.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from selectolax.lexbor import LexborHTMLParser, LexborNode

from adapters.event_limits import ID_MAX, misfit
from adapters.safe_json import loads_bounded
from adapters.teams import shapes
from adapters.teams.timestamps import message_time
from conversations import actions
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ShortcutSubmitted,
)
from conversations.state import Actor

PLATFORM = "teams"
THREAD_MARKER = ";messageid="
# Keys of an Action.Submit's `data` that we put there ourselves (see cards.py).
CARD_MARKER = "jcdc"
FORM_SUBMIT_ACTION = "submit_form"
# Input ids in a section form: this prefix and the item id (keeps them apart from our keys).
INPUT_PREFIX = "answer:"
# The root card's section picker: its choice completes the open_form button's value.
SECTION_INPUT = "section"
# Teams gives every click of a card button its own activity. Clicks by one person on one
# button of one card within this many seconds are one press (see `_press_id`).
DOUBLE_CLICK_SECONDS = 3
# "Add to JCDC report" on a message (deploy/teams/manifest.json, adapters.teams.message_action).
ADD_TO_REPORT_COMMAND = "addToJcdcReport"
FETCH_TASK = "composeExtension/fetchTask"
SUBMIT_ACTION = "composeExtension/submitAction"
# A card button that opens a dialog (task module) asks for it in this invoke, answered in the
# HTTP response; the dialog's own Action.Submit comes back as the second
# (adapters.teams.task_module).
TASK_FETCH = "task/fetch"
TASK_SUBMIT = "task/submit"
# Ids, channels and tenants are stored in columns of this many characters (storage's
# PLATFORM_ID); Teams' own are shorter.

TeamsEvent = (
    CommandIssued
    | MessagePosted
    | MessageEdited
    | MessageDeleted
    | ButtonPressed
    | FormSubmitted
    | ShortcutSubmitted
)
# An inbound activity: the JSON the Bot Connector posted, or it read into its model.
Activity = Mapping[str, Any] | shapes.Activity
_Shape = TypeVar("_Shape", bound=BaseModel)
_E = TypeVar(
    "_E",
    CommandIssued,
    MessagePosted,
    MessageEdited,
    MessageDeleted,
    ButtonPressed,
    FormSubmitted,
    ShortcutSubmitted,
)


class MalformedActivity(ValueError):
    """An activity whose shape is not what the Bot Connector sends: the sender's error, to be
    answered with a 4xx (or, once stored, recorded as refused), never retried."""


class TeamsDelivery(BaseModel):
    """What the inbox needs to know about an activity before it is translated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # `<conversation id>:<activity id>`: the Bot Connector re-delivers an activity with the
    # same id in the same conversation. Edits and deletions reuse the id of the message they
    # change, so for every type but `message` the type follows (`:messageDelete`), and for an
    # edit also a digest of its time and text (`:messageUpdate:<digest>`), or the edit would
    # be dropped as a re-delivery of the message, and a second edit as one of the first.
    # When the whole would not fit the inbox's 255 characters, a digest of the conversation
    # id stands in for it.
    delivery_id: str
    # The tenant (`conversation.tenantId`, else `channelData.tenant.id`); "" when the activity
    # names none (the Bot Framework Emulator).
    workspace: str
    # The conversation without `;messageid=`: the channel, group chat or personal chat.
    channel: str
    # True when no event comes of it: activity types the bot does not handle (typing,
    # conversationUpdate, reactions, ...), bots' messages, chatter outside threads.
    ignorable: bool


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """`19:x@thread.tacv2;messageid=17` → ("19:x@thread.tacv2", "17")."""
    channel, marker, thread = conversation_id.partition(THREAD_MARKER)
    return channel, (thread or None) if marker else None


def thread_conversation_id(channel: str, thread: str | None) -> str:
    """The conversation id that addresses a thread (a reply posted there lands in it)."""
    return f"{channel}{THREAD_MARKER}{thread}" if thread else channel


def read_activity(raw: bytes | str) -> dict[str, object]:
    """A request body as an activity object: UnreadableJson (from `adapters.safe_json`) when
    it cannot be read, MalformedActivity when it reads but is not an object."""
    value = loads_bounded(raw)
    if not isinstance(value, dict):
        raise MalformedActivity("the activity is not an object")
    return value


def parse_activity(activity: Activity) -> shapes.Activity:
    """The activity in its one model (MalformedActivity when what every path reads is wrong).
    Every function below that takes the JSON takes this too, so that a caller reading more
    than one thing of an activity parses it once."""
    if isinstance(activity, shapes.Activity):
        return activity
    return _parse(shapes.Activity, activity, "activity")


def reference_of(activity: Activity) -> dict[str, Any]:
    """The conversation reference of an inbound activity: the Bot Framework's JSON (service
    URL, channel, bot, conversation), addressed to the conversation (a channel without
    `;messageid=`) rather than one message or person, so every activity from a conversation
    yields the same reference. The tenant is kept as Teams spells it (`tenantId`; the Python
    SDK's own schema reads `tenantID` and would drop it)."""
    shape = parse_activity(activity)
    conversation = shape.conversation or shapes.Conversation()
    kept: dict[str, Any] = {
        key: value
        for key, value in (
            ("isGroup", conversation.isGroup),
            ("conversationType", conversation.conversationType),
            ("name", conversation.name),
        )
        if value is not None
    }
    kept["id"] = split_conversation_id(conversation.id or "")[0]
    tenant = _tenant(shape)
    if tenant:
        kept["tenantId"] = tenant
    bot = shape.recipient or shapes.Account()
    return {
        "channelId": shape.channelId or "",
        "serviceUrl": shape.serviceUrl or "",
        "bot": {key: value for key, value in (("id", bot.id), ("name", bot.name)) if value},
        "conversation": kept,
    }


def user_reference_of(activity: Activity) -> dict[str, Any]:
    """The reference with the sender as its user: enough to open a personal chat with them."""
    shape = parse_activity(activity)
    reference = reference_of(shape)
    sender = shape.sender or shapes.Account()
    user = {
        key: value
        for key, value in (
            ("id", sender.id),
            ("name", sender.name),
            ("aadObjectId", sender.aadObjectId),
        )
        if value
    }
    return {**reference, "user": user}


@dataclass(frozen=True)
class Inbound:
    """An activity as the endpoint reads it: its shape, parsed once, and its identity."""

    activity: shapes.Activity
    # None when it has no id or type to be recorded by (see `teams_delivery`).
    delivery: TeamsDelivery | None


# Activities in which a person acts: without an id and a sender they mean nothing.
_PERSON_ACTS = frozenset({"message", "messageUpdate", "messageDelete"})


def read_inbound(activity: Activity) -> Inbound:
    """The endpoint's one reading of an activity: MalformedActivity unless it has what the bot
    needs to answer its conversation later (type, serviceUrl, channelId, conversation id; an
    id and a sender where a person acts), and translates."""
    shape = parse_activity(activity)
    missing = [
        name
        for name, value in (
            ("type", shape.type),
            ("serviceUrl", shape.serviceUrl),
            ("channelId", shape.channelId),
            ("conversation.id", _conversation(shape).id),
        )
        if not value
    ]
    if missing:
        raise MalformedActivity(f"the activity has no {', '.join(missing)}")
    if shape.type in _PERSON_ACTS and (not shape.id or not (shape.sender and shape.sender.id)):
        raise MalformedActivity(f"a {shape.type} activity needs an id and a sender")
    return Inbound(shape, _delivery(shape))


def teams_delivery(activity: Activity) -> TeamsDelivery | None:
    """The identity of an activity for the inbox, or None when it has no id or type to be
    recorded by (the Bot Connector always sends both). Translates it too, so a delivery this
    accepts is one `from_activity` accepts: MalformedActivity now, not later."""
    return _delivery(parse_activity(activity))


def _delivery(shape: shapes.Activity) -> TeamsDelivery | None:
    event = _event(shape)
    if not shape.id or not shape.type:
        return None
    conversation_id = _conversation(shape).id or ""
    suffix = "" if shape.type == "message" else f":{shape.type}"
    if shape.type == "messageUpdate":
        # Not checked here: from_activity checks the text of the updates it reads, and an
        # update it ignores needs only to be told apart.
        text = shape.text if isinstance(shape.text, str) else ""
        suffix += f":{_digest(shape.timestamp or '', text)}"
    delivery_id = f"{conversation_id}:{shape.id}{suffix}"
    if len(delivery_id) > ID_MAX:
        # Personal chat ids can be long; their digest tells conversations apart as well.
        delivery_id = f"{_digest(conversation_id)}:{shape.id}{suffix}"
    channel = split_conversation_id(conversation_id)[0]
    tenant = _tenant(shape)
    for name, value in (
        ("activity id", delivery_id),
        ("conversation", channel),
        ("tenant", tenant),
    ):
        if len(value) > ID_MAX:
            raise MalformedActivity(f"the {name} is longer than {ID_MAX} characters")
    return TeamsDelivery(
        delivery_id=delivery_id, workspace=tenant, channel=channel, ignorable=event is None
    )


def from_activity(activity: Activity) -> TeamsEvent | None:
    """The engine event an inbound activity means, if any."""
    return _event(parse_activity(activity))


def _event(shape: shapes.Activity) -> TeamsEvent | None:
    if _from_a_bot(shape) or not shape.id:
        # Without an activity id a delivery cannot be told from its re-delivery.
        return None
    kind = shape.type
    if kind == "message":
        content = _content(shape)
        if content.value is not None:
            return _zoned(_from_card_submit(shape, content.value), content)
        return _zoned(_from_message(shape, content), content)
    if kind == "messageUpdate" and _event_type(shape) == "editMessage":
        content = _content(shape)
        return _zoned(_from_edit(shape, content), content)
    if kind == "messageDelete" and _event_type(shape) == "softDeleteMessage":
        return _from_delete(shape)
    if kind == "invoke" and shape.name == SUBMIT_ACTION:
        return _from_submit_action(shape)
    if kind == "invoke" and shape.name == TASK_SUBMIT:
        return from_dialog(shape)
    return None


def _from_message(
    activity: shapes.Activity, content: shapes.MessageContent
) -> CommandIssued | MessagePosted | None:
    # Event ids name the channel too (by digest, to stay short): Teams message ids are
    # timestamps, unique within a conversation only, and two channels' messages of the same
    # millisecond must not be taken for one delivery.
    channel, thread = split_conversation_id(_conversation(activity).id or "")
    actor = _actor(activity)
    activity_id = activity.id or ""
    addressed, text = _without_bot_mention(activity, content)
    if addressed or _conversation(activity).conversationType == "personal":
        return _checked(
            CommandIssued(
                event_id=f"activity:{_digest(channel)}:{activity_id}",
                platform=PLATFORM,
                workspace=_tenant(activity),
                channel=channel,
                thread=thread,
                actor=actor,
                text=plain_text(text),
                mentions=_mentioned_people(activity, content),
            )
        )
    if thread is None or thread == activity_id:
        # A top-level post, or chatter in a chat without threads: not an answer to anything.
        return None
    return _checked(
        MessagePosted(
            event_id=f"activity:{_digest(channel)}:{activity_id}",
            platform=PLATFORM,
            workspace=_tenant(activity),
            channel=channel,
            thread=thread,
            actor=actor,
            message_id=activity_id,
            text=plain_text(text),
            sent_at=message_time(activity_id) or _timestamp(activity),
        )
    )


def _from_edit(activity: shapes.Activity, content: shapes.MessageContent) -> MessageEdited | None:
    channel, thread = split_conversation_id(_conversation(activity).id or "")
    message_id = activity.id or ""
    if thread is None or thread == message_id:
        return None
    text = plain_text(_without_bot_mention(activity, content)[1])
    # The activity id is the edited message's id, the same as its first delivery's: the text
    # and the edit time tell one edit from another, and a re-delivered edit from a new one.
    stamp = activity.timestamp or ""
    return _checked(
        MessageEdited(
            event_id=f"edit:{_digest(channel)}:{message_id}:{_digest(stamp, text)}",
            platform=PLATFORM,
            workspace=_tenant(activity),
            channel=channel,
            thread=thread,
            actor=_actor(activity),
            message_id=message_id,
            text=text,
        )
    )


def _from_delete(activity: shapes.Activity) -> MessageDeleted | None:
    channel, thread = split_conversation_id(_conversation(activity).id or "")
    message_id = activity.id or ""
    if thread is None or thread == message_id:
        return None
    return _checked(
        MessageDeleted(
            event_id=f"delete:{_digest(channel)}:{message_id}",
            platform=PLATFORM,
            workspace=_tenant(activity),
            channel=channel,
            thread=thread,
            actor=_actor(activity),
            message_id=message_id,
        )
    )


def _from_card_submit(
    activity: shapes.Activity, value: Mapping[str, Any]
) -> ButtonPressed | FormSubmitted | None:
    if not value.get(CARD_MARKER):
        return None
    # Only our own cards' data is read, and so checked.
    data = _parse(shapes.CardData, value, "card data")
    channel, thread = split_conversation_id(_conversation(activity).id or "")
    actor = _actor(activity)
    action = data.action or ""
    report_id = data.report_id or None
    card = activity.replyToId or activity.id or ""
    if action == FORM_SUBMIT_ACTION:
        values = {
            key.removeprefix(INPUT_PREFIX): _input_value(key, entry)
            for key, entry in value.items()
            if key.startswith(INPUT_PREFIX)
        }
        section_id = data.section_id or ""
        # Teams posts a new activity per click, so the activity id cannot tell a double click
        # from two submissions. The same person sending the same values from the same card is
        # the same submission, however often it arrives.
        fingerprint = _digest(section_id, json.dumps(values, sort_keys=True))
        return _checked(
            FormSubmitted(
                event_id=f"form:{card}:{actor.id}:{fingerprint}",
                platform=PLATFORM,
                workspace=_tenant(activity),
                channel=channel,
                thread=thread,
                actor=actor,
                report_id=report_id,
                section_id=section_id,
                values=values,
            )
        )
    if not action:
        return None
    button_value = data.value or ""
    if action == actions.OPEN_FORM and data.section:
        button_value = f"{report_id or ''}:{data.section}"
    return _checked(
        ButtonPressed(
            event_id=_press_id(activity, card, actor.id, action, button_value),
            platform=PLATFORM,
            workspace=_tenant(activity),
            channel=channel,
            thread=thread,
            actor=actor,
            report_id=report_id,
            action=action,
            value=button_value,
            # The card's message, when it is in a channel thread (the report's, where the
            # bot edits): a personal chat's card is not edited.
            message_id=activity.replyToId if thread is not None and activity.replyToId else None,
            private_reply=_private_card(activity),
        )
    )


def _private_card(activity: shapes.Activity) -> str | None:
    """A card clicked in the person's personal chat with the bot names that card, so that a
    used prompt (Record / Just talk) is replaced there and its buttons go. Only the card's id
    is carried: the chat is found again as the clicker's own personal chat, so nothing here
    can point the bot at anybody else's conversation."""
    if _conversation(activity).conversationType != "personal" or not activity.replyToId:
        return None
    return activity.replyToId


def from_dialog(activity: Activity) -> ButtonPressed | FormSubmitted | None:
    """What a dialog invoke asks: a `task/fetch` from one of our form buttons is the press of
    that button (OPEN_FORM), a `task/submit` from our form card is the form's submission. Any
    other data (not our card's, or another action of it) is None: a dialog does nothing else.
    The invoke's `value.data` is the Action.Submit's data merged with the card's inputs, as a
    card submit's `value` is, so it is read the same way."""
    shape = parse_activity(activity)
    if shape.type != "invoke" or shape.name not in (TASK_FETCH, TASK_SUBMIT) or not shape.id:
        return None
    if _from_a_bot(shape):
        return None
    data = _parse(shapes.TaskInvoke, shape.value or {}, "invoke value").data or {}
    wanted = actions.OPEN_FORM if shape.name == TASK_FETCH else FORM_SUBMIT_ACTION
    if data.get(CARD_MARKER) and data.get("action") == wanted:
        event = _zoned(_from_card_submit(shape, data), _content(shape))
        if isinstance(event, ButtonPressed | FormSubmitted):
            return event
    return None


def action_invoke(activity: shapes.Activity) -> shapes.ActionInvoke:
    """The value of a message-action invoke, checked now that it is read."""
    return _parse(shapes.ActionInvoke, activity.value or {}, "invoke value")


def message_author(invoke: shapes.ActionInvoke) -> Actor:
    """Who wrote the message the action was used on (Teams names them by their Entra id)."""
    sender = invoke.messagePayload.sender if invoke.messagePayload else None
    user = sender.user if sender else None
    if user is None or not user.id:
        raise MalformedActivity("a message action on a message without an author")
    return Actor(id=user.id, name=user.displayName or user.id)


def message_text(invoke: shapes.ActionInvoke) -> str:
    body = invoke.messagePayload.body if invoke.messagePayload else None
    return plain_text(body.content or "") if body else ""


def _from_submit_action(activity: shapes.Activity) -> ShortcutSubmitted | None:
    invoke = action_invoke(activity)
    if invoke.commandId != ADD_TO_REPORT_COMMAND:
        return None
    payload = invoke.messagePayload
    if payload is None or not payload.id:
        raise MalformedActivity("a message action without the message")
    data = invoke.data or shapes.ActionData()
    if not data.report_id:
        raise MalformedActivity("a message action submitted without a report")
    channel, _ = split_conversation_id(_conversation(activity).id or "")
    return _checked(
        ShortcutSubmitted(
            # Each submission is its own invoke; a re-delivery repeats its id.
            event_id=f"shortcut:{activity.id or ''}",
            platform=PLATFORM,
            workspace=_tenant(activity),
            channel=channel,
            actor=_actor(activity),
            report_id=data.report_id,
            item_id=data.item_id or "",
            text=data.text or "",
            author=message_author(invoke),
            message_id=payload.id,
        )
    )


def _press_id(activity: shapes.Activity, card: str, user: str, action: str, value: str) -> str:
    """One press of a button, stable across re-deliveries and a quick double click.

    A double click arrives as two activities with different ids and timestamps a fraction of
    a second apart, so the id is built from what they share: card, person, button, and the
    click time rounded down to a window. Two clicks that straddle a window's edge count twice;
    every button's handler in the engine tolerates a second press (a second confirmation is
    refused, a second status is only a second notice). Without a timestamp, the activity id.
    """
    stamp = _timestamp(activity)
    when = (
        str(int(stamp.timestamp()) // DOUBLE_CLICK_SECONDS)
        if stamp is not None
        else f"a{activity.id or ''}"
    )
    return f"press:{card}:{user}:{_digest(action, value)}:{when}"


def _input_value(key: str, entry: object) -> str:
    # Input.Text and single ChoiceSets give strings; a multi-select gives "a,b" already;
    # Input.Toggle may give a boolean and Input.Number a number.
    if entry is None:
        return ""
    if isinstance(entry, bool):
        return "yes" if entry else "no"
    if isinstance(entry, str | int | float):
        return str(entry).strip()
    raise MalformedActivity(f"the input {key[:60]!r} is neither text nor a number")


def _without_bot_mention(
    activity: shapes.Activity, content: shapes.MessageContent
) -> tuple[bool, str]:
    """Whether the message @mentions the bot, and its text with that mention cut out."""
    bot_id = (activity.recipient.id if activity.recipient else None) or ""
    text = content.text or ""
    addressed = False
    for entity in _mentions(content):
        if bot_id and _mentioned(entity).id == bot_id:
            addressed = True
            if entity.text:
                text = text.replace(entity.text, " ", 1)
    return addressed, text


def _mentioned_people(
    activity: shapes.Activity, content: shapes.MessageContent
) -> tuple[Actor, ...]:
    bot_id = (activity.recipient.id if activity.recipient else None) or ""
    people: list[Actor] = []
    for entity in _mentions(content):
        mentioned = _mentioned(entity)
        person_id = mentioned.id or ""
        if person_id and person_id != bot_id and not person_id.startswith("28:"):
            people.append(Actor(id=person_id, name=mentioned.name or person_id))
    return tuple(people)


# An IANA zone name as Teams' clients send it ("Europe/Berlin", "America/Argentina/Salta").
_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$", re.ASCII)
_ZONE_MAX = 64


def _zoned(event: TeamsEvent | None, content: shapes.MessageContent) -> TeamsEvent | None:
    """The event with the author's time zone, from the `clientInfo` entity the Teams client
    adds to what a person sends (its `timezone`); a time written without a zone is read in
    it. Left unset when the client does not say or says something that is not a zone name."""
    if event is None:
        return None
    for entity in content.entities or []:
        zone = entity.get("timezone") if entity.get("type") == "clientInfo" else None
        if isinstance(zone, str) and len(zone) <= _ZONE_MAX and _ZONE_NAME.match(zone):
            return event.model_copy(update={"tz": zone})
    return event


def _mentions(content: shapes.MessageContent) -> list[shapes.Mention]:
    return [
        _parse(shapes.Mention, entity, "mention")
        for entity in content.entities or []
        if entity.get("type") == "mention"
    ]


def _mentioned(mention: shapes.Mention) -> shapes.Account:
    """Who a mention names; nobody when `mentioned` is not an object (see shapes.Mention)."""
    if not isinstance(mention.mentioned, Mapping):
        return shapes.Account()
    return _parse(shapes.Account, mention.mentioned, "mentioned account")


# Teams caps a message at about 28 KB; markup beyond this is no message of Teams'.
MAX_MARKUP_CHARS = 64 * 1024
# Elements after which the text goes on on a new line (<br> is a line break of its own).
_BREAKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_text(text: str) -> str:
    """Teams' message markup (`<p>`, `<at>`, entities, `&nbsp;`) as the plain text people see.

    Parsed by Lexbor (selectolax), an HTML5 parser in linear time, and walked without
    recursion: html.parser is quadratic on unclosed tags (15 KB of `<a ` took 4 s on the event
    loop). Markup longer than MAX_MARKUP_CHARS is refused before parsing."""
    if len(text) > MAX_MARKUP_CHARS:
        raise MalformedActivity(f"the message is longer than {MAX_MARKUP_CHARS} characters")
    if "<" not in text and "&" not in text:
        return _tidy(text)
    return _tidy("".join(_text_parts(LexborHTMLParser(text).body)))


def _text_parts(root: LexborNode | None) -> list[str]:
    parts: list[str] = []
    # (node, leaving): a node is visited on the way in and, for its line break, on the way out.
    stack: list[tuple[LexborNode, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, leaving = stack.pop()
        tag = node.tag
        if leaving:
            parts.append("\n")
        elif tag == "-text":
            parts.append(node.text_content or "")
        elif tag is not None and not tag.startswith("-"):  # comments and the like: nothing
            if tag == "br":
                parts.append("\n")
            elif tag == "at":
                # What remains of a mention of someone else reads as "@Name".
                parts.append("@")
            if tag in _BREAKS:
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    return parts


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _from_a_bot(activity: shapes.Activity) -> bool:
    sender = activity.sender or shapes.Account()
    sender_id = sender.id or ""
    bot_id = (activity.recipient.id if activity.recipient else None) or ""
    # Teams bot ids start with "28:", people's with "29:"; the Emulator marks roles instead.
    return (
        sender.role == "bot"
        or sender_id.startswith("28:")
        or (bool(bot_id) and sender_id == bot_id)
    )


def _actor(activity: shapes.Activity) -> Actor:
    sender_id = (activity.sender.id if activity.sender else None) or ""
    if not sender_id:
        raise MalformedActivity("no sender id: who did it is part of every answer")
    return Actor(
        id=sender_id, name=(activity.sender.name if activity.sender else None) or sender_id
    )


def _conversation(activity: shapes.Activity) -> shapes.Conversation:
    return activity.conversation or shapes.Conversation()


def _tenant(activity: shapes.Activity) -> str:
    """The tenant the activity comes from: the workspace of its events."""
    channel_data = activity.channelData
    tenant = channel_data.tenant if channel_data else None
    return _conversation(activity).tenantId or (tenant.id if tenant else None) or ""


def _content(activity: shapes.Activity) -> shapes.MessageContent:
    """What a message or an edit says, checked now that it is read."""
    said = {"text": activity.text, "entities": activity.entities, "value": activity.value}
    return _parse(shapes.MessageContent, said, "activity")


def _event_type(activity: shapes.Activity) -> str:
    # Read here only, for the two activity types it tells apart (see shapes.EventType).
    if activity.channelData is None:
        return ""
    said = {"eventType": activity.channelData.eventType}
    return _parse(shapes.EventType, said, "channelData").eventType or ""


def _timestamp(activity: shapes.Activity) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(activity.timestamp or "")
    except ValueError:
        return None
    # Teams always sends UTC ("Z"); a stamp without a zone is read as UTC too, never as the
    # local time of whichever machine translates it.
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def _parse(model: type[_Shape], data: object, what: str) -> _Shape:
    if not isinstance(data, Mapping):
        raise MalformedActivity(f"the {what} is not an object")
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        # Where and what, never the offending value: it is the sender's text and goes to a log.
        problem = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in problem["loc"]) or what
        raise MalformedActivity(f"{what}: {where}: {problem['msg']}") from None


def _checked(event: _E) -> _E:
    """The event, when it fits what the bot keeps (adapters.event_limits)."""
    reason = misfit(event)
    if reason is not None:
        raise MalformedActivity(reason)
    return event


def _digest(*parts: str) -> str:
    # surrogatepass: a lone surrogate must reach `_checked` and be refused there, as
    # MalformedActivity, rather than stop the digest with a UnicodeEncodeError.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
