"""Effects → the JSON records the page renders. Pure.

A record is one thing on the page, found by its `id`: the report's root card, a post in a
thread (the bot's or a person's), or something private to one person (`to`: a notice, a
form to open as a dialog, a form's errors, a preview). The page builds every element with
`textContent`: text a person typed is never read as HTML, so nothing here escapes it; spans
keep their style so the page can show code, emphasis and mentions.
"""

from __future__ import annotations

from typing import Any

from conversations.effects import Button, RootCard, SectionForm
from conversations.richtext import DEFAULT_COMMAND_PREFIX, RichText
from conversations.state import Actor

Record = dict[str, Any]

BOT = {"id": "jcdc-bot", "name": "JCDC", "bot": True}


def spans(text: RichText, command_prefix: str) -> list[dict[str, str]]:
    out = []
    for span in text:
        shown = f"{command_prefix} {span.text}" if span.style == "command" else span.text
        out.append({"style": span.style, "text": shown})
    return out


def buttons(items: tuple[Button, ...]) -> list[dict[str, Any]]:
    return [button.model_dump(mode="json") for button in items]


def person(actor: Actor) -> dict[str, Any]:
    return {"id": actor.id, "name": actor.name, "bot": False}


def root_record(
    message_id: str, channel: str, card: RootCard, command_prefix: str = DEFAULT_COMMAND_PREFIX
) -> Record:
    shown = card.model_dump(mode="json")
    if card.question is not None:
        # The first question, asked on the root: its spans as a post's are, commands spelled.
        shown["question"] = {
            "item_id": card.question.item_id,
            "spans": spans(card.question.text, command_prefix),
            "buttons": buttons(card.question.buttons),
        }
    return {
        "id": message_id,
        "kind": "root",
        "channel": channel,
        "thread": None,
        "author": BOT,
        "card": shown,
    }


def post_record(
    message_id: str,
    channel: str,
    thread: str | None,
    text: RichText,
    items: tuple[Button, ...],
    command_prefix: str,
) -> Record:
    return {
        "id": message_id,
        "kind": "post",
        "channel": channel,
        "thread": thread,
        "author": BOT,
        "spans": spans(text, command_prefix),
        "buttons": buttons(items),
    }


def notice_record(
    record_id: str,
    channel: str,
    thread: str | None,
    to: Actor,
    text: RichText,
    items: tuple[Button, ...],
    command_prefix: str,
) -> Record:
    return {
        **post_record(record_id, channel, thread, text, items, command_prefix),
        "kind": "notice",
        "to": to.id,
    }


def said_record(
    message_id: str, channel: str, thread: str | None, author: Actor, text: str
) -> Record:
    """What a person typed, as everyone in the channel sees it."""
    return {
        "id": message_id,
        "kind": "said",
        "channel": channel,
        "thread": thread,
        "author": person(author),
        "text": text,
        "edited": False,
        "deleted": False,
    }


def form_record(record_id: str, channel: str, to: Actor, form: SectionForm) -> Record:
    return {
        "id": record_id,
        "kind": "form",
        "channel": channel,
        "to": to.id,
        "form": form.model_dump(mode="json"),
    }


def form_errors_record(record_id: str, to: Actor, errors: dict[str, str]) -> Record:
    return {"id": record_id, "kind": "form_errors", "to": to.id, "errors": dict(errors)}


def preview_record(
    record_id: str, channel: str, thread: str | None, to: Actor, title: str, text: str
) -> Record:
    return {
        "id": record_id,
        "kind": "preview",
        "channel": channel,
        "thread": thread,
        "to": to.id,
        "title": title,
        "text": text,
    }
