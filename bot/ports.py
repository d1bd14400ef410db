"""What the turn runner needs from a chat platform. Adapters implement it; bot/ wires them."""

from __future__ import annotations

from typing import Protocol

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
from documents.assembly import AssembledReport


class ChatPort(Protocol):
    async def post_root(self, effect: PostRoot) -> str:
        """Post the report's root message; return its message id (the thread id)."""
        ...

    async def update_root(self, effect: UpdateRoot) -> None: ...

    async def post(self, effect: Post) -> str:
        """Post in the report's thread; return the new message's id."""
        ...

    async def edit(self, effect: EditPost, message_id: str) -> None:
        """Replace the text and buttons of the bot's message `message_id` in the thread
        (the chat worker resolves the id). LookupError when the platform has no such
        message: the worker then posts the text instead."""
        ...

    async def replace_private(self, effect: ReplacePrivate) -> None:
        """Replace the private message `effect.reply_to` names (platforms without a way to
        do so leave it as it is)."""
        ...

    async def ephemeral(self, effect: Ephemeral) -> None: ...

    async def open_form(self, effect: OpenForm) -> None: ...

    async def open_shortcut_form(self, effect: OpenShortcutForm) -> None:
        """The "Add to JCDC report" form, for a message shortcut the platform sent."""
        ...

    async def reject_form(self, effect: FormRejected) -> None: ...

    async def show_preview(self, effect: ShowPreview, report: AssembledReport) -> None: ...
