"""Slack payloads → the engine's platform-neutral events. Pure: returns None for payloads
that are not the bot's business (other bots, the bot itself, messages outside threads)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from adapters.slack.blocks import FORM_CALLBACK_ID
from adapters.slack.text import to_typed_text
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from conversations.state import Actor

PLATFORM = "slack"
# <@U123> or <@U123|name> as Slack writes mentions into text.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")

SlackEvent = MessagePosted | MessageEdited | MessageDeleted


def mentions_in(text: str) -> tuple[Actor, ...]:
    return tuple(
        Actor(id=m.group(1), name=m.group(2) or m.group(1)) for m in _MENTION.finditer(text)
    )


def from_slash_command(form: Mapping[str, str]) -> CommandIssued:
    """A `/jcdc ...` invocation (the form-encoded body Slack posts)."""
    raw = form.get("text", "")
    return CommandIssued(
        # Slack does not retry slash commands; the trigger id is unique per invocation.
        event_id=f"command:{form.get('trigger_id', '')}",
        platform=PLATFORM,
        channel=form.get("channel_id", ""),
        actor=Actor(id=form.get("user_id", ""), name=form.get("user_name", "")),
        text=to_typed_text(raw),
        mentions=mentions_in(raw),
        trigger=form.get("trigger_id") or None,
    )


def from_event_callback(envelope: Mapping[str, Any], bot_user_id: str | None) -> SlackEvent | None:
    """An Events API `event_callback` carrying a `message` event in a thread."""
    event = envelope.get("event") or {}
    if event.get("type") != "message":
        return None
    event_id = f"event:{envelope.get('event_id', '')}"
    channel = str(event.get("channel", ""))
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if _from_a_bot(message, bot_user_id) or not message.get("thread_ts"):
            return None
        return MessageEdited(
            event_id=event_id,
            platform=PLATFORM,
            channel=channel,
            thread=message["thread_ts"],
            actor=_actor(message),
            message_id=str(message.get("ts", "")),
            text=to_typed_text(str(message.get("text", ""))),
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if _from_a_bot(previous, bot_user_id) or not previous.get("thread_ts"):
            return None
        return MessageDeleted(
            event_id=event_id,
            platform=PLATFORM,
            channel=channel,
            thread=previous["thread_ts"],
            actor=_actor(previous),
            message_id=str(event.get("deleted_ts", "")),
        )
    if subtype not in (None, "thread_broadcast", "file_share"):
        return None
    thread = event.get("thread_ts")
    if not thread or thread == event.get("ts") or _from_a_bot(event, bot_user_id):
        return None
    return MessagePosted(
        event_id=event_id,
        platform=PLATFORM,
        channel=channel,
        thread=thread,
        actor=_actor(event),
        message_id=str(event.get("ts", "")),
        text=to_typed_text(str(event.get("text", ""))),
    )


def from_block_actions(payload: Mapping[str, Any]) -> ButtonPressed | None:
    actions = payload.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    user = payload.get("user") or {}
    channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get(
        "channel_id", ""
    )
    # Buttons carry a value; menus (the root message's section picker) a selected option.
    value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
    return ButtonPressed(
        # One click is one action_ts; a retried delivery of the same click repeats it.
        event_id=f"action:{user.get('id', '')}:{action.get('action_ts', '')}",
        platform=PLATFORM,
        channel=str(channel),
        actor=Actor(
            id=str(user.get("id", "")), name=str(user.get("name") or user.get("username") or "")
        ),
        report_id=value.split(":", 1)[0] or None,
        action=str(action.get("action_id", "")),
        value=value,
        trigger=payload.get("trigger_id"),
    )


def from_view_submission(payload: Mapping[str, Any]) -> FormSubmitted | None:
    view = payload.get("view") or {}
    if view.get("callback_id") != FORM_CALLBACK_ID:
        return None
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return None
    user = payload.get("user") or {}
    values: dict[str, str] = {}
    for block_id, block in ((view.get("state") or {}).get("values") or {}).items():
        field = block.get("value") or {}
        if "selected_options" in field:
            values[block_id] = ", ".join(o["value"] for o in field["selected_options"] or [])
        elif field.get("selected_option"):
            values[block_id] = field["selected_option"]["value"]
        else:
            values[block_id] = field.get("value") or ""
    return FormSubmitted(
        event_id=f"view:{view.get('id', '')}:{view.get('hash', '')}",
        platform=PLATFORM,
        channel=str(metadata.get("channel", "")),
        actor=Actor(id=str(user.get("id", "")), name=str(user.get("name", ""))),
        report_id=metadata.get("report_id"),
        section_id=str(metadata.get("section_id", "")),
        values=values,
    )


def _from_a_bot(message: Mapping[str, Any], bot_user_id: str | None) -> bool:
    return (
        bool(message.get("bot_id"))
        or message.get("subtype") == "bot_message"
        or (bot_user_id is not None and message.get("user") == bot_user_id)
    )


def _actor(message: Mapping[str, Any]) -> Actor:
    user = str(message.get("user", ""))
    profile = message.get("user_profile") or {}
    return Actor(id=user, name=str(profile.get("display_name") or profile.get("real_name") or user))
