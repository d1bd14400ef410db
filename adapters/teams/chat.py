"""TeamsChat: the turn runner's chat port for Microsoft Teams.

Every effect is sent proactively, with the conversation reference stored for the effect's
channel: it works outside the inbound request, after a restart and from any replica.

- The root card is a new post in the channel; its id is the thread id. Later it is edited in
  place (update activity on the channel conversation).
- Thread messages go to `<channel>;messageid=<thread>`, which Teams files under that root.
- What only one person should see (notices, forms, form errors, previews) goes to that
  person's personal chat with the bot. Teams has no ephemeral messages in channels, and a
  personal chat is private. The chat is opened on first use (Teams returns the existing one)
  and remembered. When it cannot be opened (no reference for the person yet, or the app is
  not installed where Teams allows it), notices and previews fall back to the report's thread,
  headed "For <name>:"; forms and form errors have no thread to fall back to and fail loudly
  in the log.
- A preview the lead shares (`preview here`) is a thread message like any other; its page
  buttons, pressed there or in a personal chat, send the page to the presser privately.
- A notice in the personal chat opens with the report's name ("#2 Title") and, when the
  report has a thread, ends with a button back to it (a deep link, deep_links.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from adapters.teams.cards import (
    about_report,
    addressed_to,
    form_activity,
    message_activity,
    rejected_activity,
    root_activity,
    with_thread_link,
)
from adapters.teams.deep_links import thread_link
from adapters.teams.framework import BotFramework, ConnectorError, NotFound
from adapters.teams.preview_card import fits, preview_activity
from adapters.teams.references import ConversationReferences, user_key
from adapters.teams.timestamps import message_time
from adapters.teams.translate import thread_conversation_id
from conversations.effects import (
    EditPost,
    Ephemeral,
    FormRejected,
    OpenForm,
    OpenShortcutForm,
    Post,
    PostRoot,
    ReplacePrivate,
    ShowPreview,
    UpdateRoot,
)
from conversations.state import Actor
from documents.assembly import AssembledReport
from documents.preview import preview_page

log = logging.getLogger(__name__)

Json = dict[str, Any]


class UnknownConversation(LookupError):
    """No reference is stored for a conversation: the bot never heard from it."""


class TeamsChat:
    def __init__(self, framework: BotFramework, conversations: ConversationReferences) -> None:
        self.framework = framework
        self.conversations = conversations

    async def post_root(self, effect: PostRoot) -> str:
        reference = await self._reference(effect.channel)
        return await self.framework.send(reference, effect.channel, root_activity(effect.card))

    async def update_root(self, effect: UpdateRoot) -> None:
        reference = await self._reference(effect.channel)
        await self.framework.update(
            reference, effect.channel, effect.message_id, root_activity(effect.card)
        )

    def message_time(self, message_id: str) -> datetime | None:
        """When Teams stored the message: a channel message id is its millisecond."""
        return message_time(message_id)

    async def post(self, effect: Post) -> str:
        reference = await self._reference(effect.channel)
        return await self.framework.send(
            reference,
            thread_conversation_id(effect.channel, effect.thread),
            message_activity(effect.text, effect.buttons),
        )

    async def edit(self, effect: EditPost, message_id: str) -> None:
        reference = await self._reference(effect.channel)
        await self.framework.update(
            reference,
            thread_conversation_id(effect.channel, effect.thread),
            message_id,
            message_activity(effect.text, effect.buttons),
        )

    async def replace_private(self, effect: ReplacePrivate) -> None:
        """Replace a used prompt in the clicker's own personal chat (`reply_to` is the card's
        activity id there, from translate._private_card); its buttons go with it."""
        personal = await self._personal_chat(effect.user)
        conversation_id, activity = personal["conversation"]["id"], message_activity(effect.text)
        try:
            await self.framework.update(personal, conversation_id, effect.reply_to, activity)
        except NotFound:
            # The prompt is gone (deleted, or not this chat's): say it as a new message.
            await self.framework.send(personal, conversation_id, activity)

    async def ephemeral(self, effect: Ephemeral) -> None:
        activity = message_activity(effect.text, effect.buttons)
        if effect.report is not None:
            activity = about_report(effect.report, activity)
        await self._private(
            effect.user,
            activity,
            fallback=(effect.channel, effect.thread),
            back=(effect.channel, effect.thread),
        )

    async def open_form(self, effect: OpenForm) -> None:
        await self._private(effect.user, form_activity(effect.form), fallback=None)

    async def open_shortcut_form(self, effect: OpenShortcutForm) -> None:
        # Teams asks for a message action's form in the invoke itself and waits for it in the
        # HTTP answer; no stored turn comes back for it (see adapters.teams.message_action).
        log.warning("a shortcut form effect reached Teams; it is not sent")

    async def reject_form(self, effect: FormRejected) -> None:
        await self._private(effect.user, rejected_activity(effect.errors), fallback=None)

    async def show_preview(self, effect: ShowPreview, report: AssembledReport) -> None:
        activity = preview_activity(preview_page(report, effect.page, fits))
        if effect.here:
            reference = await self._reference(effect.channel)
            await self.framework.send(
                reference, thread_conversation_id(effect.channel, effect.thread), activity
            )
            return
        back = (effect.channel, effect.thread)
        if effect.reply_to is not None and await self._replace_in_personal_chat(
            effect.user, effect.reply_to, await self._linked(activity, back)
        ):
            return  # the pressed preview card shows the new page
        await self._private(effect.user, activity, fallback=back, back=back)

    async def _replace_in_personal_chat(self, user: Actor, card: str, activity: Json) -> bool:
        """Update the card `card` in `user`'s own personal chat (only theirs: the chat is
        looked up from the clicker, never taken from the click). False when it is gone."""
        try:
            personal = await self._personal_chat(user)
            await self.framework.update(personal, personal["conversation"]["id"], card, activity)
        except (NotFound, UnknownConversation):
            return False
        return True

    async def _reference(self, conversation_id: str) -> Json:
        reference = await self.conversations.load(conversation_id)
        if reference is None:
            raise UnknownConversation(conversation_id)
        return reference

    async def _private(
        self,
        user: Actor,
        activity: Json,
        fallback: tuple[str, str | None] | None,
        back: tuple[str, str | None] | None = None,
    ) -> None:
        try:
            personal = await self._personal_chat(user)
            linked = await self._linked(activity, back)
            await self.framework.send(personal, personal["conversation"]["id"], linked)
            return
        except (ConnectorError, UnknownConversation) as error:
            if fallback is None:
                raise
            log.info("no personal chat with %s (%s): posting in the thread", user.id, error)
        channel, thread = fallback
        reference = await self._reference(channel)
        await self.framework.send(
            reference, thread_conversation_id(channel, thread), addressed_to(user.name, activity)
        )

    async def _linked(self, activity: Json, back: tuple[str, str | None] | None) -> Json:
        """In a personal chat, a notice about a thread links back to it (not in the thread
        fallback: the reader is already there)."""
        channel, thread = back if back is not None else ("", None)
        if thread is None:
            return activity
        reference = await self.conversations.load(channel) or {}
        tenant = str((reference.get("conversation") or {}).get("tenantId") or "")
        return with_thread_link(activity, thread_link(channel, thread, tenant))

    async def _personal_chat(self, user: Actor) -> Json:
        key = user_key(user.id)
        known = await self.conversations.load(key)
        if known is None:
            raise UnknownConversation(key)
        if (known.get("conversation") or {}).get("conversationType") == "personal":
            return known
        personal = await self.framework.open_personal_chat(known, user.id)
        await self.conversations.save(key, personal)
        return personal
