"""The shapes of the Slack payloads the bot reads, as pydantic models.

Lenient on purpose: Slack adds fields all the time, so unknown fields are ignored and only
what `translate.py` reads is checked (an object where an object is read, a string where a
string is read). A field the bot reads that is missing takes the default the translators
always used; a field with the wrong type makes the payload malformed.

Slack's field names are kept as Slack spells them, so the models read like its documentation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SlackShape(BaseModel):
    # extra="ignore": fields Slack adds tomorrow must not make today's payloads malformed.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Named(SlackShape):
    """`team`, `enterprise`, `channel`: objects of which only the id is read."""

    id: str | None = None


class Authorization(SlackShape):
    """One installation an event is visible to (Events API `authorizations[]`)."""

    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    is_bot: bool | None = None


class SlashCommand(SlackShape):
    """The form Slack posts for `/jcdc ...` (values are strings, as in any form)."""

    text: str = ""
    trigger_id: str = ""
    channel_id: str = ""
    user_id: str = ""
    user_name: str = ""
    team_id: str | None = None
    enterprise_id: str | None = None


# --- Events API -------------------------------------------------------------------------


class InnerEvent(SlackShape):
    """Any inner event: only its type is read before it is known to be a message. `channel`
    is an id in message events but an object in others (`channel_created`), so it stays
    unchecked here."""

    type: str
    channel: object = None


class SlackEnvelope(SlackShape):
    """An `event_callback` envelope."""

    type: str
    # Required even for events the bot ignores: without it no delivery can be told from its
    # re-delivery, and Slack always sends one.
    event_id: str = Field(min_length=1)
    team_id: str | None = None
    enterprise_id: str | None = None
    authorizations: list[Authorization] | None = None
    event: InnerEvent


class Profile(SlackShape):
    display_name: str | None = None
    real_name: str | None = None


class Message(SlackShape):
    """A message as it appears in a `message` event, or inside `message_changed` (`message`)
    and `message_deleted` (`previous_message`)."""

    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    user_profile: Profile | None = None


class MessageEvent(Message):
    channel: str = ""
    message: Message | None = None
    previous_message: Message | None = None
    deleted_ts: str | None = None


# --- Interactivity ------------------------------------------------------------------------


class User(SlackShape):
    id: str = ""
    name: str | None = None
    username: str | None = None


class Option(SlackShape):
    value: str


class Action(SlackShape):
    action_id: str = ""
    # Buttons carry a value; menus a selected option.
    value: str | None = None
    selected_option: Option | None = None
    action_ts: str = ""


class Container(SlackShape):
    channel_id: str | None = None
    # A button in a message: the message's ts, and whether only its reader sees it.
    message_ts: str | None = None
    is_ephemeral: bool = False


class Interaction(SlackShape):
    """What every interaction payload has that the bot reads: its type and its workspace."""

    # The dispatcher reads it; a translator called directly does not need it.
    type: str = ""
    team: Named | None = None
    enterprise: Named | None = None
    trigger_id: str | None = None


class MessageAction(Interaction):
    """A message shortcut: the message it was used on, where, and by whom."""

    callback_id: str = ""
    user: User = User()
    channel: Named | None = None
    message: Message = Message()


class BlockActions(Interaction):
    user: User = User()
    # Objects of any kind; only the first one is read (see `translate.from_block_actions`).
    actions: list[dict[str, Any]] | None = None
    channel: Named | None = None
    container: Container | None = None
    # Where to answer the action (and replace an ephemeral message that carried it).
    response_url: str | None = None


class ElementState(SlackShape):
    """The state of one input element in a submitted view."""

    value: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None


class ViewState(SlackShape):
    # block id -> action id -> the element's state.
    values: dict[str, dict[str, ElementState]] | None = None


class CallbackOnly(SlackShape):
    callback_id: str | None = None


class View(CallbackOnly):
    id: str = ""
    hash: str = ""
    team_id: str | None = None
    private_metadata: str | None = None
    state: ViewState | None = None


class ViewGate(SlackShape):
    """Just enough of a view submission to tell whether the view is ours."""

    view: CallbackOnly


class ViewSubmission(Interaction):
    user: User = User()
    view: View


class ShortcutMetadata(SlackShape):
    """What `blocks.shortcut_view` writes into the shortcut form's private_metadata: the
    message and its author, which the person cannot change (Slack keeps it server-side)."""

    channel: str
    message_id: str
    author_id: str
    author_name: str = ""


class FormMetadata(SlackShape):
    """What `blocks.modal_view` writes into a modal's private_metadata."""

    channel: str = ""
    report_id: str | None = None
    section_id: str = ""
