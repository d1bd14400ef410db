"""Slack payloads → the engine's platform-neutral events. Pure: no I/O, no clock.

Every translator takes any JSON-like value and either returns an event, returns None for a
payload that is not the bot's business (other bots, the bot itself, messages outside threads,
event types and subtypes it does not handle), or raises `BadPayload` for one whose shape is
wrong. Nothing else escapes: the payload shapes are checked by the models in `shapes.py`.

`slack_delivery` names a delivery for the inbox (its id, workspace and channel, and whether it
can be dropped at once) before it is translated; `from_slack_delivery` translates it later.
The two agree: a delivery that is not ignorable translates (without a bot user id) to an
event whose `event_id` is its kind's prefix, a colon, and its `delivery_id`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from adapters.event_limits import ID_MAX, misfit
from adapters.safe_json import UnreadableJson, loads_bounded
from adapters.slack.blocks import FORM_CALLBACK_ID, action_name
from adapters.slack.shapes import (
    Action,
    Authorization,
    BlockActions,
    FormMetadata,
    Interaction,
    Message,
    MessageAction,
    MessageEvent,
    Named,
    ShortcutMetadata,
    SlackEnvelope,
    SlashCommand,
    ViewGate,
    ViewSubmission,
)
from adapters.slack.shortcut_view import (
    ITEM_BLOCK,
    REPORT_BLOCK,
    SHORTCUT_CALLBACK_ID,
    SHORTCUT_VIEW_CALLBACK_ID,
    TEXT_BLOCK,
)
from adapters.slack.text import to_typed_text
from adapters.slack.timestamps import ts_time
from conversations.events import (
    ButtonPressed,
    CommandIssued,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ShortcutInvoked,
    ShortcutSubmitted,
)
from conversations.state import Actor

PLATFORM = "slack"
# <@U123> or <@U123|name> as Slack writes mentions into text.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
# Ids, channels and workspaces are stored in columns of this many characters (storage's
# PLATFORM_ID); Slack's own are far shorter, so a longer one is not Slack's.
# Slack caps a view's private_metadata at 3000 characters.
_METADATA_MAX = 3000

SlackEvent = MessagePosted | MessageEdited | MessageDeleted
SlackKind = Literal["command", "event", "interaction"]
# The event id of a translated delivery is `<prefix>:<delivery_id>` (see `slack_delivery`).
COMMAND_PREFIX = "command"
EVENT_PREFIX = "event"
ACTION_PREFIX = "action"
VIEW_PREFIX = "view"
SHORTCUT_PREFIX = "shortcut"

_Shape = TypeVar("_Shape", bound=BaseModel)


class BadPayload(ValueError):
    """A Slack payload whose shape is not what Slack sends: the sender's error, not ours."""


class SlackDelivery(BaseModel):
    """What the inbox needs to know about a delivery before anything is translated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Slack's own id for the delivery (a re-delivery repeats it): the event_id of an event
    # callback, the trigger_id of a slash command, `<user id>:<action_ts>` of a button click,
    # `<view id>:<view hash>` of a modal submission. Best effort ("" possible) when ignorable.
    delivery_id: str
    # The Enterprise Grid org, else the team (see `_workspace`).
    workspace: str
    # Where it happened: the channel id; for a modal, the channel its form belongs to, else
    # the person who submitted it (a modal lives in no channel).
    channel: str
    # True when no turn can come of it, decided from the payload alone: bot messages,
    # messages outside threads, event types and interactions the bot does not handle.
    ignorable: bool


def mentions_in(text: str) -> tuple[Actor, ...]:
    return tuple(
        Actor(id=m.group(1), name=m.group(2) or m.group(1)) for m in _MENTION.finditer(text)
    )


# --- deliveries -------------------------------------------------------------------------------


def slack_delivery(kind: SlackKind, body: Mapping[str, object]) -> SlackDelivery | None:
    """The identity of a delivery for the inbox, or None when it is not a delivery at all
    (url_verification, ssl_check, rate-limit notices: Slack wants an answer, not a turn).

    The payload is translated here too, so that a delivery this accepts is one the
    translators accept: BadPayload now, not when the inbox gets to it."""
    return slack_delivery_translated(kind, body)[0]


def slack_delivery_translated(
    kind: SlackKind, body: Mapping[str, object]
) -> tuple[SlackDelivery | None, SlackEvent | None]:
    """`slack_delivery`, and for an event callback that is not ignorable the event it means:
    what `from_slack_delivery` makes of the stored delivery (the bot's user id, which this
    knows from the envelope and the worker does not, only ever makes the translation None)."""
    if kind == "event":
        if _body_type(body) != "event_callback":
            return None, None
        envelope = _parse(SlackEnvelope, body, "event envelope")
        channel = envelope.event.channel
        event = from_event_callback(body, _installed_bot_user(envelope))
        delivery = _delivery(
            envelope.event_id,
            _envelope_workspace(envelope),
            channel if isinstance(channel, str) else "",
            ignorable=event is None,
        )
        return delivery, event
    return _other_delivery(kind, body), None


def _other_delivery(kind: SlackKind, body: Mapping[str, object]) -> SlackDelivery | None:
    if kind == "command":
        if _is_ssl_check(body):
            return None
        command = from_slash_command(body)
        return _delivery(
            _parse(SlashCommand, body, "slash command").trigger_id,
            command.workspace,
            command.channel,
            ignorable=False,  # every command gets an answer, if only the help text
        )
    interaction = _parse(Interaction, body, "interaction payload")
    workspace = _interaction_workspace(interaction)
    if interaction.type == "block_actions":
        pressed = from_block_actions(body)
        shape = _parse(BlockActions, body, "block_actions payload")
        if pressed is None:
            return _delivery("", workspace, _action_channel(shape), ignorable=True)
        action_id, channel = _action_identity(shape)
        return _delivery(action_id, workspace, channel, ignorable=False)
    if interaction.type == "message_action":
        invoked = from_message_action(body)
        if invoked is None:
            return _delivery("", workspace, "", ignorable=True)
        return _delivery(
            invoked.event_id.partition(":")[2], workspace, invoked.channel, ignorable=False
        )
    if interaction.type == "view_submission":
        if from_view_submission(body) is None and from_shortcut_submission(body) is None:
            return _delivery("", workspace, "", ignorable=True)
        view_id, channel = _view_identity(_parse(ViewSubmission, body, "view_submission payload"))
        return _delivery(view_id, workspace, channel, ignorable=False)
    # Global shortcuts, view_closed, block_suggestion, ...: nothing the bot answers.
    return _delivery(interaction.trigger_id or "", workspace, "", ignorable=True)


def from_slack_delivery(
    kind: SlackKind, body: Mapping[str, object], bot_user_id: str | None
) -> (
    CommandIssued
    | SlackEvent
    | ButtonPressed
    | FormSubmitted
    | ShortcutInvoked
    | ShortcutSubmitted
    | None
):
    """The event a stored delivery means, if any (the translator its kind and type name)."""
    if kind == "command":
        return None if _is_ssl_check(body) else from_slash_command(body)
    if kind == "event":
        if _body_type(body) != "event_callback":
            return None
        return from_event_callback(body, bot_user_id)
    interaction = _parse(Interaction, body, "interaction payload")
    if interaction.type == "block_actions":
        return from_block_actions(body)
    if interaction.type == "message_action":
        return from_message_action(body)
    if interaction.type == "view_submission":
        return from_view_submission(body) or from_shortcut_submission(body)
    return None


# --- translators ------------------------------------------------------------------------------


def from_slash_command(form: Mapping[str, object]) -> CommandIssued:
    """A `/jcdc ...` invocation (the form-encoded body Slack posts)."""
    command = _parse(SlashCommand, form, "slash command")
    if not command.trigger_id:
        raise BadPayload("a slash command without a trigger_id")
    return _checked(
        CommandIssued(
            # Slack does not retry slash commands; the trigger id is unique per invocation.
            event_id=f"{COMMAND_PREFIX}:{command.trigger_id}",
            platform=PLATFORM,
            workspace=_command_workspace(command),
            channel=command.channel_id,
            actor=Actor(id=_required_user(command.user_id), name=command.user_name),
            text=to_typed_text(command.text),
            mentions=mentions_in(command.text),
            trigger=command.trigger_id,
        )
    )


def from_event_callback(
    envelope: Mapping[str, object], bot_user_id: str | None
) -> SlackEvent | None:
    """An Events API `event_callback` carrying a `message` event in a thread."""
    shape = _parse(SlackEnvelope, envelope, "event envelope")
    if shape.event.type != "message":
        return None
    # Only now that it is a message are its fields read, and checked.
    event = _parse(MessageEvent, envelope["event"], "message event")
    event_id = f"{EVENT_PREFIX}:{shape.event_id}"
    workspace = _envelope_workspace(shape)
    if event.subtype == "message_changed":
        message = event.message or Message()
        if _from_a_bot(message, bot_user_id) or not message.thread_ts:
            return None
        return _checked(
            MessageEdited(
                event_id=event_id,
                platform=PLATFORM,
                workspace=workspace,
                channel=event.channel,
                thread=message.thread_ts,
                actor=_actor(message),
                message_id=message.ts or "",
                text=to_typed_text(message.text or ""),
            )
        )
    if event.subtype == "message_deleted":
        previous = event.previous_message or Message()
        if _from_a_bot(previous, bot_user_id) or not previous.thread_ts:
            return None
        return _checked(
            MessageDeleted(
                event_id=event_id,
                platform=PLATFORM,
                workspace=workspace,
                channel=event.channel,
                thread=previous.thread_ts,
                actor=_actor(previous),
                message_id=event.deleted_ts or "",
            )
        )
    if event.subtype not in (None, "thread_broadcast", "file_share"):
        return None
    thread = event.thread_ts
    if not thread or thread == event.ts or _from_a_bot(event, bot_user_id):
        return None
    return _checked(
        MessagePosted(
            event_id=event_id,
            platform=PLATFORM,
            workspace=workspace,
            channel=event.channel,
            thread=thread,
            actor=_actor(event),
            message_id=event.ts or "",
            text=to_typed_text(event.text or ""),
            sent_at=ts_time(event.ts),
        )
    )


def from_block_actions(payload: Mapping[str, object]) -> ButtonPressed | None:
    shape = _parse(BlockActions, payload, "block_actions payload")
    if not shape.actions:
        return None
    action = _parse(Action, shape.actions[0], "action")
    action_id, channel = _action_identity(shape)
    # Buttons carry a value; menus (the root message's section picker) a selected option.
    value = action.value or (action.selected_option.value if action.selected_option else "")
    return _checked(
        ButtonPressed(
            # One click is one action_ts; a retried delivery of the same click repeats it.
            event_id=f"{ACTION_PREFIX}:{action_id}",
            platform=PLATFORM,
            workspace=_interaction_workspace(shape),
            channel=channel,
            actor=Actor(id=shape.user.id, name=shape.user.name or shape.user.username or ""),
            report_id=value.split(":", 1)[0] or None,
            action=action_name(action.action_id),
            value=value,
            trigger=shape.trigger_id,
            message_id=_pressed_message(shape),
            private_reply=_private_reply(shape),
        )
    )


def _private_reply(shape: BlockActions) -> str | None:
    """An ephemeral message's button: its response_url, which replaces that message."""
    container = shape.container
    if container is None or not container.is_ephemeral:
        return None
    return shape.response_url or None


def _pressed_message(shape: BlockActions) -> str | None:
    """The message whose button this was, when chat.update can change it (an ephemeral one
    cannot be)."""
    container = shape.container
    if container is None or container.is_ephemeral:
        return None
    return container.message_ts or None


def from_view_submission(payload: Mapping[str, object]) -> FormSubmitted | None:
    # Whose view it is comes first: only our own form's fields are read (and checked).
    if _parse(ViewGate, payload, "view_submission payload").view.callback_id != FORM_CALLBACK_ID:
        return None
    shape = _parse(ViewSubmission, payload, "view_submission payload")
    view_id, _ = _view_identity(shape)
    metadata = _metadata(shape.view.private_metadata)
    values: dict[str, str] = {}
    state = shape.view.state
    for block_id, block in ((state.values if state else None) or {}).items():
        field = block.get("value")
        if field is None:
            values[block_id] = ""
        elif "selected_options" in field.model_fields_set:
            # A multi-select, even with nothing selected (then null or []): "" is an answer.
            values[block_id] = ", ".join(o.value for o in field.selected_options or [])
        elif field.selected_option is not None:
            values[block_id] = field.selected_option.value
        else:
            values[block_id] = field.value or ""
    return _checked(
        FormSubmitted(
            event_id=f"{VIEW_PREFIX}:{view_id}",
            platform=PLATFORM,
            workspace=_interaction_workspace(shape),
            channel=metadata.channel,
            actor=Actor(id=shape.user.id, name=shape.user.name or ""),
            report_id=metadata.report_id,
            section_id=metadata.section_id,
            values=values,
        )
    )


def from_message_action(payload: Mapping[str, object]) -> ShortcutInvoked | None:
    """ "Add to JCDC report" on a message: the message, its author and its channel."""
    shape = _parse(MessageAction, payload, "message_action payload")
    if shape.callback_id != SHORTCUT_CALLBACK_ID:
        return None
    if not shape.trigger_id:
        raise BadPayload("a message shortcut without a trigger_id")
    message = shape.message
    # A bot's message has no user; its words are the bot's, named by its bot id.
    author = message.user or message.bot_id
    if not author or not message.ts:
        raise BadPayload("a message shortcut on a message without an author or a ts")
    profile = message.user_profile
    name = (profile.display_name or profile.real_name) if profile else None
    return _checked(
        ShortcutInvoked(
            # Each use of the shortcut is its own trigger_id; a retried delivery repeats it.
            event_id=f"{SHORTCUT_PREFIX}:{shape.trigger_id}",
            platform=PLATFORM,
            workspace=_interaction_workspace(shape),
            channel=(shape.channel.id if shape.channel else None) or "",
            thread=message.thread_ts,
            actor=Actor(id=_required_user(shape.user.id), name=shape.user.name or ""),
            message_id=message.ts,
            text=to_typed_text(message.text or ""),
            author=Actor(id=author, name=name or author),
            trigger=shape.trigger_id,
        )
    )


def from_shortcut_submission(payload: Mapping[str, object]) -> ShortcutSubmitted | None:
    """The shortcut's modal, submitted: the picked report and item and the edited text, for
    the message and author the modal's metadata names."""
    gate = _parse(ViewGate, payload, "view_submission payload")
    if gate.view.callback_id != SHORTCUT_VIEW_CALLBACK_ID:
        return None
    shape = _parse(ViewSubmission, payload, "view_submission payload")
    view_id, _ = _view_identity(shape)
    metadata = _shortcut_metadata(shape.view.private_metadata)
    values: dict[str, str] = {}
    for block_id, block in ((shape.view.state.values if shape.view.state else None) or {}).items():
        field = block.get("value")
        if field is not None:
            chosen = field.selected_option.value if field.selected_option else None
            values[block_id] = chosen if chosen is not None else (field.value or "")
    report_id = values.get(REPORT_BLOCK, "")
    if not report_id:
        raise BadPayload("a shortcut submission without a report")
    return _checked(
        ShortcutSubmitted(
            event_id=f"{VIEW_PREFIX}:{view_id}",
            platform=PLATFORM,
            workspace=_interaction_workspace(shape),
            channel=metadata.channel,
            actor=Actor(id=shape.user.id, name=shape.user.name or ""),
            report_id=report_id,
            item_id=values.get(ITEM_BLOCK, ""),
            text=values.get(TEXT_BLOCK, ""),
            author=Actor(id=metadata.author_id, name=metadata.author_name or metadata.author_id),
            message_id=metadata.message_id,
        )
    )


# --- identities -------------------------------------------------------------------------------


def _action_identity(shape: BlockActions) -> tuple[str, str]:
    """`<user id>:<action_ts>` of the first action, and the channel it was clicked in."""
    action = _parse(Action, (shape.actions or [{}])[0], "action")
    user = _required_user(shape.user.id)
    if not action.action_ts:
        raise BadPayload("an action without an action_ts")
    return f"{user}:{action.action_ts}", _action_channel(shape)


def _action_channel(shape: BlockActions) -> str:
    # A button in a message names its channel; one in a modal has only a container.
    channel = (shape.channel.id if shape.channel else None) or (
        shape.container.channel_id if shape.container else None
    )
    return channel or ""


def _view_identity(shape: ViewSubmission) -> tuple[str, str]:
    """`<view id>:<view hash>` (a re-submission of the same view state repeats both), and
    the form's channel, or the submitter when it names none."""
    if not shape.view.id or not shape.view.hash:
        raise BadPayload("a view without an id or a hash")
    user = _required_user(shape.user.id)
    channel = _metadata(shape.view.private_metadata).channel
    return f"{shape.view.id}:{shape.view.hash}", channel or user


# Which workspace a payload comes from: the Enterprise Grid org when there is one, else the
# team. An org-wide install serves every workspace of the org with one installation, and a
# report started in one of them may be answered from another channel of the same org, so the
# org is the boundary; without Grid the team is. A Slack Connect channel shared with another
# organisation delivers that organisation's events with its own team or org id: those will
# not match the workspace of a report started on our side, on purpose. Reports belong to the
# organisation that started them, and a partner in a shared channel does not get to answer
# or send them.


def _workspace(enterprises: tuple[str | None, ...], teams: tuple[str | None, ...]) -> str:
    for candidate in (*enterprises, *teams):
        if candidate:
            return candidate
    return ""


def _command_workspace(command: SlashCommand) -> str:
    # Slack sends `enterprise_id=` (empty) outside Grid.
    return _workspace((command.enterprise_id,), (command.team_id,))


def _envelope_workspace(envelope: SlackEnvelope) -> str:
    first = _first_authorization(envelope)
    return _workspace(
        (envelope.enterprise_id, first.enterprise_id if first else None), (envelope.team_id,)
    )


def _interaction_workspace(interaction: Interaction) -> str:
    return _workspace((_id_of(interaction.enterprise),), (_id_of(interaction.team),))


def _first_authorization(envelope: SlackEnvelope) -> Authorization | None:
    return envelope.authorizations[0] if envelope.authorizations else None


def _installed_bot_user(envelope: SlackEnvelope) -> str | None:
    """The bot's own user id as the envelope names it: the installation the event is for is a
    bot installation, whose user is the bot. Its own messages carry a bot_id anyway; this
    catches the rest without asking Slack."""
    first = _first_authorization(envelope)
    return first.user_id if first is not None and first.is_bot and first.user_id else None


def _id_of(named: Named | None) -> str | None:
    return named.id if named is not None else None


# --- helpers ------------------------------------------------------------------------------------


class _Typed(BaseModel):
    """Any body whose `type` is read first to tell what it is."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    type: str


def _body_type(body: Mapping[str, object]) -> str:
    return _parse(_Typed, body, "event body").type


def _parse(model: type[_Shape], data: object, what: str) -> _Shape:
    if not isinstance(data, Mapping):
        raise BadPayload(f"{what} is not an object")
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        raise BadPayload(f"{what}: {_first_problem(error)}") from None


def _first_problem(error: ValidationError) -> str:
    # Where and what, never the offending value: it is the sender's text and goes to a log.
    problem = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in problem["loc"]) or "body"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {problem['msg']}{more}"


def _metadata(raw: str | None) -> FormMetadata:
    """A modal's private_metadata: the JSON object `blocks.modal_view` wrote there."""
    try:
        value = loads_bounded(raw or "{}", max_bytes=_METADATA_MAX, max_depth=4)
    except UnreadableJson as error:
        raise BadPayload(f"private_metadata: {error}") from None
    return _parse(FormMetadata, value, "private_metadata")


def _shortcut_metadata(raw: str | None) -> ShortcutMetadata:
    """The shortcut modal's private_metadata: what `shortcut_view` wrote there."""
    try:
        value = loads_bounded(raw or "{}", max_bytes=_METADATA_MAX, max_depth=4)
    except UnreadableJson as error:
        raise BadPayload(f"private_metadata: {error}") from None
    return _parse(ShortcutMetadata, value, "private_metadata")


def _is_ssl_check(body: Mapping[str, object]) -> bool:
    # Slack checks a slash command's certificate with `ssl_check=1` and no command.
    return "ssl_check" in body and "command" not in body


def _delivery(delivery_id: str, workspace: str, channel: str, *, ignorable: bool) -> SlackDelivery:
    for name, value in (
        ("delivery id", delivery_id),
        ("workspace", workspace),
        ("channel", channel),
    ):
        if len(value) > ID_MAX:
            raise BadPayload(f"the {name} is longer than {ID_MAX} characters")
    if not ignorable and not delivery_id:
        raise BadPayload("a delivery without an id")
    return SlackDelivery(
        delivery_id=delivery_id, workspace=workspace, channel=channel, ignorable=ignorable
    )


_E = TypeVar(
    "_E",
    CommandIssued,
    MessagePosted,
    MessageEdited,
    MessageDeleted,
    ButtonPressed,
    FormSubmitted,
    ShortcutInvoked,
    ShortcutSubmitted,
)


def _checked(event: _E) -> _E:
    """The event, when it fits what the bot keeps (adapters.event_limits)."""
    reason = misfit(event)
    if reason is not None:
        raise BadPayload(reason)
    return event


def _required_user(user_id: str | None) -> str:
    if not user_id:
        raise BadPayload("no user id: who did it is part of every answer")
    return user_id


def _from_a_bot(message: Message, bot_user_id: str | None) -> bool:
    return (
        bool(message.bot_id)
        or message.subtype == "bot_message"
        or (bot_user_id is not None and message.user == bot_user_id)
    )


def _actor(message: Message) -> Actor:
    user = _required_user(message.user)
    profile = message.user_profile
    name = (profile.display_name or profile.real_name) if profile else None
    return Actor(id=user, name=name or user)
