"""Effects → Block Kit.

Text goes out as `rich_text` blocks, not mrkdwn: a rich-text `text` element is shown literally,
so an answer containing `<!channel>`, `<@U123>`, `*bold*` or `<http://x|click>` can neither
ping, mention, format nor link. Mentions exist only where the engine asked for one (a
`user` element), and the notification fallback text has Slack's three control characters
escaped.
"""

from __future__ import annotations

import json
from typing import Any

from conversations import actions
from conversations.effects import Button, FormField, RootCard, SectionForm
from conversations.richtext import RichText, Span, to_plain

Block = dict[str, Any]
COMMAND_PREFIX = "/jcdc"
FORM_CALLBACK_ID = "jcdc_section_form"
# The root message's block of its first question's buttons, apart from its own actions.
QUESTION_ACTIONS = "question_actions"
# Block Kit limits (characters).
_HEADER_MAX = 150
_MODAL_TITLE_MAX = 24
_LABEL_MAX = 2000
_OPTION_TEXT_MAX = 75
_INPUT_MAX = 3000


def escape(text: str) -> str:
    """Slack's escaping for text it would otherwise parse (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _element(span: Span) -> dict[str, Any]:
    if span.style == "mention" and span.user_id:
        return {"type": "user", "user_id": span.user_id}
    if span.style == "command":
        return {"type": "text", "text": f"{COMMAND_PREFIX} {span.text}", "style": {"code": True}}
    styles = {"strong": {"bold": True}, "emphasis": {"italic": True}, "code": {"code": True}}
    element: dict[str, Any] = {"type": "text", "text": span.text}
    if span.style in styles:
        element["style"] = styles[span.style]
    return element


def rich_text_block(text: RichText) -> Block:
    elements = [_element(span) for span in text if span.text or span.style == "mention"]
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}


def fallback_text(text: RichText, limit: int = 3000) -> str:
    """The `text` Slack shows in notifications: plain, escaped, never a mention or a link."""
    flat = escape(to_plain(text, COMMAND_PREFIX, backticks=False))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# Slack wants the action ids of one message unique; a question's choice buttons share their
# action, so the second and later get `#<n>` appended, which `action_name` takes off again.
_REPEAT = "#"


def actions_block(buttons: tuple[Button, ...]) -> Block:
    seen: dict[str, int] = {}
    elements = []
    for button in buttons:
        count = seen.get(button.action, 0)
        seen[button.action] = count + 1
        action_id = button.action if count == 0 else f"{button.action}{_REPEAT}{count}"
        elements.append(_button(button, action_id))
    return {"type": "actions", "elements": elements}


def action_name(action_id: str) -> str:
    """The engine's action of a button's action id (see `actions_block`)."""
    return action_id.partition(_REPEAT)[0]


def _button(button: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": button.label[:75]},
        "value": button.value,
    }
    if button.style is not None:
        element["style"] = button.style
    return element


def message_blocks(text: RichText, buttons: tuple[Button, ...] = ()) -> list[Block]:
    blocks = [rich_text_block(text)]
    if buttons:
        blocks.append(actions_block(buttons))
    return blocks


def root_blocks(card: RootCard) -> list[Block]:
    headline = card.headline
    title = headline if len(headline) <= _HEADER_MAX else headline[: _HEADER_MAX - 1] + "…"
    lines: list[dict[str, Any]] = [
        {"type": "text", "text": card.tlp, "style": {"bold": True, "code": True}},
        {"type": "text", "text": f"  ·  {card.status}  ·  lead "},
        {"type": "user", "user_id": card.lead.id},
        {"type": "text", "text": f"  ·  {card.answered}/{card.total} answered"},
    ]
    if card.essentials_total:
        essentials = f"  ·  essentials {card.essentials_answered}/{card.essentials_total}"
        lines.append({"type": "text", "text": essentials, "style": {"bold": True}})
    lines.append({"type": "text", "text": "\n"})
    for section in card.sections:
        lines.append(
            {
                "type": "text",
                # The count first, as plain text: bar art does not line up in a
                # proportional font, least of all on a phone.
                "text": f"{section.answered}/{section.total}  {section.number} {section.title}",
            }
        )
        if section.assignee is not None:
            lines += [
                {"type": "text", "text": " — "},
                {"type": "user", "user_id": section.assignee.id},
            ]
        lines.append({"type": "text", "text": "\n"})
    if card.current_question is not None:
        lines += [
            {"type": "text", "text": "Now asking: ", "style": {"bold": True}},
            {"type": "text", "text": card.current_question + "\n"},
        ]
    if card.open_conflicts:
        lines.append(
            {
                "type": "text",
                "text": "Open conflicts: " + ", ".join(card.open_conflicts) + "\n",
                "style": {"bold": True},
            }
        )
    if card.sending_note is not None:
        lines.append({"type": "text", "text": card.sending_note, "style": {"italic": True}})
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": False}},
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": lines}]},
    ]
    if card.question is not None:
        # The first question, as its own message would ask it, until the thread asks one;
        # the summary above it needs no blank line of its own.
        if lines[-1] == {"type": "text", "text": "\n"}:
            lines.pop()
        blocks += [{"type": "divider"}, rich_text_block(card.question.text)]
        if card.question.buttons:
            asked = actions_block(card.question.buttons)
            blocks.append({**asked, "block_id": QUESTION_ACTIONS})
    elements = [_button(b, b.action) for b in card.buttons]
    if card.sections:
        # "Answer a section": one menu instead of a button per section (a message holds 25
        # elements per actions block, and ten buttons would bury the others).
        elements.insert(0, _section_menu(card))
    if elements:
        blocks.append({"type": "actions", "block_id": "root_actions", "elements": elements})
    return blocks


def _section_menu(card: RootCard) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": actions.OPEN_FORM,
        "placeholder": {"type": "plain_text", "text": "Answer a section in a form"},
        "options": [
            _option(f"{card.report_id}:{s.section_id}", f"{s.number} {s.title}")
            for s in card.sections
        ],
    }


def root_fallback(card: RootCard) -> str:
    return escape(f"{card.tlp} JCDC report: {card.headline} ({card.answered}/{card.total})")


def modal_title(form: SectionForm) -> str:
    """A title within Slack's 24 characters, no word cut: "5 · Affected users" when it fits,
    else "Section 5 form" (the full title is the modal's first block)."""
    if form.number is None:
        return form.title if len(form.title) <= _MODAL_TITLE_MAX else "Section form"
    short = f"{form.number} \u00b7 {form.section_title}"
    return short if len(short) <= _MODAL_TITLE_MAX else f"Section {form.number} form"


def modal_view(form: SectionForm, channel: str) -> dict[str, Any]:
    heading: Block = {
        "type": "section",
        "text": {"type": "plain_text", "text": f"Section {form.title}"[:_LABEL_MAX]},
    }
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "private_metadata": json.dumps(
            {"report_id": form.report_id, "section_id": form.section_id, "channel": channel}
        ),
        "title": {"type": "plain_text", "text": modal_title(form)},
        "submit": {"type": "plain_text", "text": "Save answers"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [heading, *(_input_block(field) for field in form.fields)],
    }


def _input_block(field: FormField) -> Block:
    label = f"{field.number} {field.label}"
    element: dict[str, Any]
    if field.choices:
        multi = field.multiple
        element = {
            "type": "multi_static_select" if multi else "static_select",
            "action_id": "value",
            "options": [_option(c.value, c.label) for c in field.choices],
        }
        initial = [_option(c.value, c.label) for c in field.choices if c.value in field.selected]
        if initial:
            element["initial_options" if multi else "initial_option"] = (
                initial if multi else initial[0]
            )
    else:
        element = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": field.multiline,
            "max_length": _INPUT_MAX,
        }
        if field.initial:
            element["initial_value"] = field.initial[:_INPUT_MAX]
    return {
        "type": "input",
        "block_id": field.item_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label[:_LABEL_MAX]},
        # An open conflict comes first: what the person should know before changing the field.
        "hint": {"type": "plain_text", "text": _hint(field)[:_LABEL_MAX]},
        "element": element,
    }


def _hint(field: FormField) -> str:
    return f"{field.conflict} {field.help}" if field.conflict else field.help


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:_OPTION_TEXT_MAX]}, "value": value}
