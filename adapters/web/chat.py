"""WebChat: the turn runner's chat port for the browser playground.

Every effect becomes a record on the hub, pushed at once to the tabs that may see it: the
root card and thread posts to everyone, notices, forms, form errors and previews only to the
person they are for (the page shows private ones marked "only you can see this").
"""

from __future__ import annotations

import logging

from adapters.web.hub import Hub, new_id
from adapters.web.render import (
    form_errors_record,
    form_record,
    notice_record,
    post_record,
    preview_record,
    root_record,
)
from adapters.web.translate import COMMAND_PREFIX, NOTICE_PREFIX
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
from conversations.richtext import to_plain
from documents.assembly import AssembledReport
from documents.preview import fits_anything, page_text, preview_page

log = logging.getLogger(__name__)


class WebChat:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def post_root(self, effect: PostRoot) -> str:
        message_id = new_id("root")
        self.hub.publish(root_record(message_id, effect.channel, effect.card))
        return message_id

    async def update_root(self, effect: UpdateRoot) -> None:
        # After a restart the page no longer holds the card: it is shown again, updated.
        self.hub.publish(root_record(effect.message_id, effect.channel, effect.card))

    async def post(self, effect: Post) -> str:
        message_id = new_id("post")
        self._publish_post(message_id, effect)
        return message_id

    async def edit(self, effect: EditPost, message_id: str) -> None:
        # Published under the message's id, it replaces the post where it stands on the page.
        self._publish_post(message_id, effect)

    def _publish_post(self, message_id: str, effect: Post | EditPost) -> None:
        self.hub.publish(
            post_record(
                message_id,
                effect.channel,
                effect.thread,
                effect.text,
                effect.buttons,
                COMMAND_PREFIX,
            )
        )

    async def replace_private(self, effect: ReplacePrivate) -> None:
        """The pressed notice, rewritten in its place (its buttons gone) when it is the
        clicker's own; otherwise (another's, or gone with a restart) a new notice, so what
        it says is not lost."""
        record = self.hub.get(effect.reply_to)
        mine = record is not None and record["kind"] == "notice" and record["to"] == effect.user.id
        if record is None or not mine:
            if record is not None:
                log.warning("a press asked to replace another person's notice; told anew")
            await self.ephemeral(
                Ephemeral(channel=effect.channel, thread=None, user=effect.user, text=effect.text)
            )
            return
        self.hub.publish(
            notice_record(
                effect.reply_to,
                effect.channel,
                record["thread"],
                effect.user,
                effect.text,
                (),
                COMMAND_PREFIX,
            )
        )

    async def ephemeral(self, effect: Ephemeral) -> None:
        self.hub.publish(
            notice_record(
                new_id(NOTICE_PREFIX),
                effect.channel,
                effect.thread,
                effect.user,
                effect.text,
                effect.buttons,
                COMMAND_PREFIX,
            )
        )

    async def open_form(self, effect: OpenForm) -> None:
        self.hub.publish(form_record(new_id("form"), effect.channel, effect.user, effect.form))

    async def open_shortcut_form(self, effect: OpenShortcutForm) -> None:
        # The web chat has no message shortcut, so no turn of its own asks for this form.
        log.warning("no shortcut form in the web chat")

    async def reject_form(self, effect: FormRejected) -> None:
        self.hub.publish(form_errors_record(new_id("errors"), effect.user, effect.errors))

    async def show_preview(self, effect: ShowPreview, report: AssembledReport) -> None:
        # A browser dialog has no size limit: the whole preview is one page.
        page = preview_page(report, effect.page, fits_anything)
        if effect.here:
            text = page_text(page)
            self.hub.publish(
                post_record(new_id("post"), effect.channel, effect.thread, text, (), COMMAND_PREFIX)
            )
            return
        self.hub.publish(
            preview_record(
                new_id("preview"),
                effect.channel,
                effect.thread,
                effect.user,
                report.title,
                to_plain(page_text(page), COMMAND_PREFIX, backticks=False),
            )
        )
