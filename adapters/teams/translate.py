"""Teams activities (the JSON the Bot Connector posts) → the engine's platform-neutral events.

Pure: returns None for activities that are not the bot's business (its own and other bots'
messages, conversation updates, reactions, untargeted chatter outside a thread).

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
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

from conversations import actions
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
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

TeamsEvent = (
    CommandIssued | MessagePosted | MessageEdited | MessageDeleted | ButtonPressed | FormSubmitted
)
Activity = Mapping[str, Any]


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """`19:x@thread.tacv2;messageid=17` → ("19:x@thread.tacv2", "17")."""
    channel, marker, thread = conversation_id.partition(THREAD_MARKER)
    return channel, (thread or None) if marker else None


def thread_conversation_id(channel: str, thread: str | None) -> str:
    """The conversation id that addresses a thread (a reply posted there lands in it)."""
    return f"{channel}{THREAD_MARKER}{thread}" if thread else channel


def reference_of(activity: Activity) -> dict[str, Any]:
    """The conversation reference of an inbound activity: the Bot Framework's JSON (service
    URL, channel, bot, conversation), addressed to the conversation (a channel without
    `;messageid=`) rather than one message or person, so every activity from a conversation
    yields the same reference. The tenant is kept as Teams spells it (`tenantId`; the Python
    SDK's own schema reads `tenantID` and would drop it)."""
    conversation = _mapping(activity.get("conversation"))
    kept: dict[str, Any] = {
        key: conversation[key]
        for key in ("isGroup", "conversationType", "name")
        if conversation.get(key) is not None
    }
    kept["id"] = split_conversation_id(str(conversation.get("id") or ""))[0]
    tenant = conversation.get("tenantId") or _mapping(
        _mapping(activity.get("channelData")).get("tenant")
    ).get("id")
    if tenant:
        kept["tenantId"] = str(tenant)
    bot = _mapping(activity.get("recipient"))
    return {
        "channelId": str(activity.get("channelId") or ""),
        "serviceUrl": str(activity.get("serviceUrl") or ""),
        "bot": {key: bot[key] for key in ("id", "name") if bot.get(key)},
        "conversation": kept,
    }


def user_reference_of(activity: Activity) -> dict[str, Any]:
    """The reference with the sender as its user: enough to open a personal chat with them."""
    sender = _mapping(activity.get("from"))
    user = {key: sender[key] for key in ("id", "name", "aadObjectId") if sender.get(key)}
    return {**reference_of(activity), "user": user}


def from_activity(activity: Activity) -> TeamsEvent | None:
    """The engine event an inbound activity means, if any."""
    if _from_a_bot(activity) or not activity.get("id"):
        # Without an activity id a delivery cannot be told from its re-delivery.
        return None
    kind = activity.get("type")
    if kind == "message":
        value = activity.get("value")
        if isinstance(value, Mapping):
            return _from_card_submit(activity, value)
        return _from_message(activity)
    if kind == "messageUpdate" and _event_type(activity) == "editMessage":
        return _from_edit(activity)
    if kind == "messageDelete" and _event_type(activity) == "softDeleteMessage":
        return _from_delete(activity)
    return None


def _from_message(activity: Activity) -> CommandIssued | MessagePosted | None:
    channel, thread = split_conversation_id(str(_conversation(activity).get("id") or ""))
    text = _text(activity)
    actor = _actor(activity)
    activity_id = str(activity.get("id") or "")
    addressed, text = _without_bot_mention(activity, text)
    if addressed or _conversation_type(activity) == "personal":
        return CommandIssued(
            event_id=f"activity:{activity_id}",
            platform=PLATFORM,
            channel=channel,
            thread=thread,
            actor=actor,
            text=plain_text(text),
            mentions=_mentioned_people(activity),
        )
    if thread is None or thread == activity_id:
        # A top-level post, or chatter in a chat without threads: not an answer to anything.
        return None
    return MessagePosted(
        event_id=f"activity:{activity_id}",
        platform=PLATFORM,
        channel=channel,
        thread=thread,
        actor=actor,
        message_id=activity_id,
        text=plain_text(text),
    )


def _from_edit(activity: Activity) -> MessageEdited | None:
    channel, thread = split_conversation_id(str(_conversation(activity).get("id") or ""))
    message_id = str(activity.get("id") or "")
    if thread is None or thread == message_id:
        return None
    text = plain_text(_without_bot_mention(activity, _text(activity))[1])
    # The activity id is the edited message's id, the same as its first delivery's: the text
    # and the edit time tell one edit from another, and a re-delivered edit from a new one.
    stamp = str(activity.get("timestamp") or "")
    return MessageEdited(
        event_id=f"edit:{message_id}:{_digest(stamp, text)}",
        platform=PLATFORM,
        channel=channel,
        thread=thread,
        actor=_actor(activity),
        message_id=message_id,
        text=text,
    )


def _from_delete(activity: Activity) -> MessageDeleted | None:
    channel, thread = split_conversation_id(str(_conversation(activity).get("id") or ""))
    message_id = str(activity.get("id") or "")
    if thread is None or thread == message_id:
        return None
    return MessageDeleted(
        event_id=f"delete:{message_id}",
        platform=PLATFORM,
        channel=channel,
        thread=thread,
        actor=_actor(activity),
        message_id=message_id,
    )


def _from_card_submit(
    activity: Activity, value: Mapping[str, Any]
) -> ButtonPressed | FormSubmitted | None:
    if not value.get(CARD_MARKER):
        return None
    channel, thread = split_conversation_id(str(_conversation(activity).get("id") or ""))
    actor = _actor(activity)
    action = str(value.get("action") or "")
    report_id = str(value.get("report_id") or "") or None
    card = str(activity.get("replyToId") or activity.get("id") or "")
    if action == FORM_SUBMIT_ACTION:
        values = {
            key.removeprefix(INPUT_PREFIX): _input_value(entry)
            for key, entry in value.items()
            if isinstance(key, str) and key.startswith(INPUT_PREFIX)
        }
        section_id = str(value.get("section_id") or "")
        # Teams posts a new activity per click, so the activity id cannot tell a double click
        # from two submissions. The same person sending the same values from the same card is
        # the same submission, however often it arrives.
        fingerprint = _digest(section_id, json.dumps(values, sort_keys=True))
        return FormSubmitted(
            event_id=f"form:{card}:{actor.id}:{fingerprint}",
            platform=PLATFORM,
            channel=channel,
            thread=thread,
            actor=actor,
            report_id=report_id,
            section_id=section_id,
            values=values,
        )
    if not action:
        return None
    button_value = str(value.get("value") or "")
    if action == actions.OPEN_FORM and value.get(SECTION_INPUT):
        button_value = f"{report_id or ''}:{value[SECTION_INPUT]}"
    return ButtonPressed(
        event_id=_press_id(activity, card, actor.id, action, button_value),
        platform=PLATFORM,
        channel=channel,
        thread=thread,
        actor=actor,
        report_id=report_id,
        action=action,
        value=button_value,
    )


def _press_id(activity: Activity, card: str, user: str, action: str, value: str) -> str:
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
        else f"a{activity.get('id') or ''}"
    )
    return f"press:{card}:{user}:{_digest(action, value)}:{when}"


def _input_value(entry: Any) -> str:
    # Input.Text and single ChoiceSets give strings; a multi-select gives "a,b" already.
    if entry is None:
        return ""
    if isinstance(entry, bool):
        return "yes" if entry else "no"
    return str(entry).strip()


def _without_bot_mention(activity: Activity, text: str) -> tuple[bool, str]:
    """Whether the message @mentions the bot, and its text with that mention cut out."""
    bot_id = str(_mapping(activity.get("recipient")).get("id") or "")
    addressed = False
    for entity in _mentions(activity):
        if bot_id and str(_mapping(entity.get("mentioned")).get("id") or "") == bot_id:
            addressed = True
            marker = str(entity.get("text") or "")
            if marker:
                text = text.replace(marker, " ", 1)
    return addressed, text


def _mentioned_people(activity: Activity) -> tuple[Actor, ...]:
    bot_id = str(_mapping(activity.get("recipient")).get("id") or "")
    people: list[Actor] = []
    for entity in _mentions(activity):
        mentioned = _mapping(entity.get("mentioned"))
        person_id = str(mentioned.get("id") or "")
        if person_id and person_id != bot_id and not person_id.startswith("28:"):
            people.append(Actor(id=person_id, name=str(mentioned.get("name") or person_id)))
    return tuple(people)


def _mentions(activity: Activity) -> list[Mapping[str, Any]]:
    entities = activity.get("entities")
    if not isinstance(entities, list):
        return []
    return [
        entity
        for entity in entities
        if isinstance(entity, Mapping) and entity.get("type") == "mention"
    ]


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "at":
            # What remains of a mention of someone else reads as "@Name".
            self.parts.append("@")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS - {"br"}:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_text(text: str) -> str:
    """Teams' message markup (`<p>`, `<at>`, entities, `&nbsp;`) as the plain text people see."""
    if "<" not in text and "&" not in text:
        return _tidy(text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return _tidy(unescape("".join(parser.parts)))


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _from_a_bot(activity: Activity) -> bool:
    sender = _mapping(activity.get("from"))
    sender_id = str(sender.get("id") or "")
    bot_id = str(_mapping(activity.get("recipient")).get("id") or "")
    # Teams bot ids start with "28:", people's with "29:"; the Emulator marks roles instead.
    return (
        sender.get("role") == "bot"
        or sender_id.startswith("28:")
        or (bool(bot_id) and sender_id == bot_id)
    )


def _actor(activity: Activity) -> Actor:
    sender = _mapping(activity.get("from"))
    sender_id = str(sender.get("id") or "")
    return Actor(id=sender_id, name=str(sender.get("name") or sender_id))


def _conversation(activity: Activity) -> Mapping[str, Any]:
    return _mapping(activity.get("conversation"))


def _conversation_type(activity: Activity) -> str:
    return str(_conversation(activity).get("conversationType") or "")


def _event_type(activity: Activity) -> str:
    return str(_mapping(activity.get("channelData")).get("eventType") or "")


def _timestamp(activity: Activity) -> datetime | None:
    try:
        return datetime.fromisoformat(str(activity.get("timestamp") or ""))
    except ValueError:
        return None


def _text(activity: Activity) -> str:
    text = activity.get("text")
    return text if isinstance(text, str) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    """Tolerate any JSON where an object should be: Teams adds fields, fuzzers remove them."""
    return value if isinstance(value, Mapping) else {}


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
