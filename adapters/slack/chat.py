"""The chat port on Slack: effects → Web API calls (chat.postMessage, chat.update,
chat.postEphemeral, views.open)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import (
    fallback_text,
    message_blocks,
    modal_view,
    root_blocks,
    root_fallback,
)
from adapters.slack.clients import SLACK_API_URL, NoToken, SlackClients, error_code
from adapters.slack.preview_blocks import fits, preview_blocks, preview_fallback
from adapters.slack.shortcut_view import shortcut_view
from adapters.slack.timestamps import ts_time
from conversations import actions
from conversations.effects import (
    Button,
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
from conversations.richtext import plain
from documents.assembly import AssembledReport
from documents.preview import preview_page

log = logging.getLogger(__name__)


# Answers that trying again will not change: the channel or the token is gone, or what we
# sent is refused as it is. (429s and 5xx are waited out by slack_sdk, then retried.)
_PERMANENT = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "token_revoked",
        "user_not_found",
    }
)


class SlackChat:
    def permanent_failure(self, error: Exception) -> bool:
        """Would performing the effect again fail the same way? (the chat worker asks)"""
        if isinstance(error, NoToken):
            return True
        return isinstance(error, SlackApiError) and error_code(error) in _PERMANENT

    def __init__(self, clients: SlackClients, api_url: str = SLACK_API_URL) -> None:
        # Posts are paced per channel by the chat worker (bot.chat_worker), which knows what
        # every replica posted; 429s that still happen are waited out by slack_sdk.
        self.clients = clients
        # A response_url is only ever posted to on Slack's own hosts (or the API host this
        # bot is configured with): a payload's URL is not a place to send to otherwise.
        self.response_origins = ("https://hooks.slack.com/", _origin(api_url))

    async def _call(self, channel: str, method: str, /, **arguments: Any) -> dict[str, Any]:
        client = await self.clients.for_channel(channel)
        response = await client.api_call(method, json=arguments)
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def post_root(self, effect: PostRoot) -> str:
        response = await self._call(
            effect.channel,
            "chat.postMessage",
            channel=effect.channel,
            text=root_fallback(effect.card),
            blocks=root_blocks(effect.card),
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    async def update_root(self, effect: UpdateRoot) -> None:
        # Updates do not count against the posting limit, and the latest one wins anyway.
        await self._call(
            effect.channel,
            "chat.update",
            channel=effect.channel,
            ts=effect.message_id,
            text=root_fallback(effect.card),
            blocks=root_blocks(effect.card),
        )

    def message_time(self, message_id: str) -> datetime | None:
        """When Slack stored the message: its ts."""
        return ts_time(message_id)

    async def post(self, effect: Post) -> str:
        arguments: dict[str, Any] = {
            "channel": effect.channel,
            "text": fallback_text(effect.text),
            "blocks": message_blocks(effect.text, effect.buttons),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if effect.thread is not None:
            arguments["thread_ts"] = effect.thread
        response = await self._call(effect.channel, "chat.postMessage", **arguments)
        return str(response["ts"])

    async def edit(self, effect: EditPost, message_id: str) -> None:
        try:
            await self._call(
                effect.channel,
                "chat.update",
                channel=effect.channel,
                ts=message_id,
                text=fallback_text(effect.text),
                blocks=message_blocks(effect.text, effect.buttons),
            )
        except SlackApiError as error:
            if error_code(error) in ("message_not_found", "cant_update_message"):
                raise LookupError(message_id) from error
            raise

    async def replace_private(self, effect: ReplacePrivate) -> None:
        # Refused (expired: 30 minutes, 5 uses): the prompt stays; a click on it is answered.
        await self._replace_original(
            effect.reply_to, fallback_text(effect.text), message_blocks(effect.text)
        )

    async def _replace_original(self, url: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        """Replace the ephemeral message whose button gave `url` (its response_url). Only
        Slack's own hook host (or the configured API host) is ever called: the URL came in a
        request. False when it was not used or was refused."""
        if not url.startswith(self.response_origins):
            log.warning("a response_url outside Slack was not used")
            return False
        body = {"replace_original": True, "text": text, "blocks": blocks}
        response = await AsyncWebhookClient(url).send_dict(body)
        if response.status_code >= 400:
            log.info("response_url refused the replacement (%s)", response.status_code)
            return False
        return True

    async def ephemeral(self, effect: Ephemeral) -> None:
        await self._ephemeral(
            effect.channel,
            effect.thread,
            effect.user.id,
            fallback_text(effect.text),
            message_blocks(effect.text, effect.buttons),
        )

    async def _ephemeral(
        self,
        channel: str,
        thread: str | None,
        user: str,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> None:
        arguments: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        arguments["blocks"] = blocks
        if thread is not None:
            arguments["thread_ts"] = thread
        try:
            await self._call(channel, "chat.postEphemeral", **arguments)
        except SlackApiError as error:
            # Someone outside the channel (or the channel is archived): tell them directly.
            if error_code(error) not in ("user_not_in_channel", "channel_not_found"):
                raise
            await self._call(channel, "chat.postMessage", channel=user, text=text, blocks=blocks)

    async def open_form(self, effect: OpenForm) -> None:
        if effect.trigger:
            try:
                await self._call(
                    effect.channel,
                    "views.open",
                    trigger_id=effect.trigger,
                    view=modal_view(effect.form, effect.channel),
                )
                return
            except SlackApiError as error:
                # Trigger ids live three seconds; a slow turn lets one expire.
                if error_code(error) not in ("expired_trigger_id", "invalid_trigger_id"):
                    raise
        # Typed as a message there is no trigger: a button gives the person a fresh one.
        section = effect.form.section_id
        button = Button(
            action=actions.OPEN_FORM,
            label=f"Open the form for {effect.form.title}"[:75],
            value=f"{effect.form.report_id}:{section}",
            style="primary",
        )
        text = (plain(f"Press the button to answer {effect.form.title} in a form."),)
        await self._ephemeral(
            effect.channel,
            None,
            effect.user.id,
            fallback_text(text),
            message_blocks(text, (button,)),
        )

    async def open_shortcut_form(self, effect: OpenShortcutForm) -> None:
        try:
            await self._call(
                effect.channel,
                "views.open",
                trigger_id=effect.trigger,
                view=shortcut_view(effect.form, effect.channel),
            )
            return
        except SlackApiError as error:
            # Trigger ids live three seconds; a slow turn lets one expire. Only the shortcut
            # itself makes a new one.
            if error_code(error) not in ("expired_trigger_id", "invalid_trigger_id"):
                raise
        text = (plain("That took too long to open. Use Add to JCDC report on the message again."),)
        await self._ephemeral(
            effect.channel, None, effect.user.id, fallback_text(text), message_blocks(text)
        )

    async def reject_form(self, effect: FormRejected) -> None:
        # Fields that do not parse are answered under the modal's inputs before anything is
        # stored (adapters.slack.deliveries); what the turn refuses later (a TLP set by
        # someone who may not) arrives after the modal closed: say it in a direct message.
        lines = "\n".join(f"{item}: {reason}" for item, reason in effect.errors.items())
        text = (plain(f"Nothing from your form was saved:\n{lines}"),)
        client = await self.clients.for_channel(effect.user.id)
        await client.chat_postMessage(
            channel=effect.user.id, text=fallback_text(text), blocks=message_blocks(text)
        )

    async def show_preview(self, effect: ShowPreview, report: AssembledReport) -> None:
        page = preview_page(report, effect.page, fits)
        text, blocks = preview_fallback(page), preview_blocks(page)
        if not effect.here:
            # A page button turns the page in place; a new page only when that cannot be.
            if effect.reply_to is not None and await self._replace_original(
                effect.reply_to, text, blocks
            ):
                return
            await self._ephemeral(effect.channel, effect.thread, effect.user.id, text, blocks)
            return
        arguments: dict[str, Any] = {"channel": effect.channel, "text": text, "blocks": blocks}
        if effect.thread is not None:
            arguments["thread_ts"] = effect.thread
        await self._call(
            effect.channel, "chat.postMessage", unfurl_links=False, unfurl_media=False, **arguments
        )


def _origin(url: str) -> str:
    """`https://slack.com/api/` → `https://slack.com/`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"
