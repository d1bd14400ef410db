"""Effects → Adaptive Cards and the Bot Framework activities that carry them. Pure.

Every message the bot posts is an Adaptive Card, and all text in it that did not come from the
checklist is a `TextRun` inside a `RichTextBlock`. A TextRun is shown literally: the Adaptive
Cards spec gives it no Markdown, cards render no HTML, and with no `msteams.entities` on the
card Teams turns no `<at>…</at>` into a mention. So an answer containing `**bold**`,
`[click](http://x)`, `<at>Dana</at>` or `<script>` can neither format, link, ping nor inject
markup; it is one literal run of text. This is the Teams counterpart of Slack's rich_text
blocks.

Mentions: Teams notifies only for `<at>Name</at>` in a TextBlock (or FactSet) backed by a
mention entity in the card's `msteams.entities`; a TextRun never pings. So a line holding a
`mention` span becomes one TextBlock instead, and its other spans are escaped there: Markdown
characters get a backslash and `<` a zero-width joiner, so that only the entities the bot
adds (the engine's mentions, never text a person typed) can ping.

Private notices: Teams has no ephemeral messages in channels. TeamsChat sends them (status,
help, errors, previews, forms) to the person's personal chat with the bot, the closest thing
to "only you can see this"; see chat.py for the fallback when that chat cannot be opened.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.teams.translate import (
    CARD_MARKER,
    FORM_SUBMIT_ACTION,
    INPUT_PREFIX,
    SECTION_INPUT,
    TASK_FETCH,
)
from conversations import actions
from conversations.effects import Button, FormField, RootCard, SectionForm
from conversations.richtext import RichText, Span, to_plain

Card = dict[str, Any]
ActivityDict = dict[str, Any]

COMMAND_PREFIX = "@JCDC"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_SUMMARY_MAX = 200
_INPUT_MAX = 3000
_TLP_COLORS = {
    "TLP:RED": "Attention",
    "TLP:AMBER": "Warning",
    "TLP:AMBER+STRICT": "Warning",
    "TLP:GREEN": "Good",
}
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


def run(text: str, **style: Any) -> dict[str, Any]:
    """A literal run of text (never Markdown, never a mention)."""
    return {"type": "TextRun", "text": text, **style}


def _inline(span: Span) -> dict[str, Any]:
    match span.style:
        case "strong":
            return run(span.text, weight="Bolder")
        case "emphasis":
            return run(span.text, italic=True)
        case "code":
            return run(span.text, fontType="Monospace")
        case "command":
            return run(f"{COMMAND_PREFIX} {span.text}", fontType="Monospace")
        case "mention":
            return run(f"@{span.text}", weight="Bolder")
        case _:
            return run(span.text)


_MARKDOWN = re.compile(r"([\\`*_\[\]~#>|])")
_ZWJ = "\u200d"


def _escaped(text: str) -> str:
    """Literal text inside a TextBlock: no Markdown, and no `<at>` that could ping."""
    return _MARKDOWN.sub(r"\\\1", text).replace("<", "<" + _ZWJ)


def mention_tag(span: Span) -> str:
    # The display name is escaped too, so that it cannot close the tag or format.
    return f"<at>{_escaped(span.text)}</at>"


def _markdown(span: Span) -> str:
    match span.style:
        case "mention":
            return mention_tag(span)
        case "strong":
            return f"**{_escaped(span.text)}**"
        case "emphasis":
            return f"_{_escaped(span.text)}_"
        case "code" | "command":
            # Backticks would be Markdown too; a command reads as Teams spells it.
            text = span.text if span.style == "code" else f"{COMMAND_PREFIX} {span.text}"
            return _escaped(text)
        case _:
            return _escaped(span.text)


def _lines(text: RichText) -> list[list[Span]]:
    lines: list[list[Span]] = [[]]
    for span in text:
        for number, piece in enumerate(span.text.split("\n")):
            if number:
                lines.append([])
            if piece:
                lines[-1].append(span.model_copy(update={"text": piece}))
    return _trim_blank(lines)


def _block(line: list[Span]) -> dict[str, Any]:
    if any(span.style == "mention" and span.user_id for span in line):
        text = "".join(_markdown(span) for span in line)
        return {"type": "TextBlock", "text": text, "wrap": True}
    return {"type": "RichTextBlock", "inlines": [_inline(s) for s in line] or [run(" ")]}


def rich_blocks(text: RichText) -> list[dict[str, Any]]:
    """Spans as blocks, one per line: a line break is a new block, never markup."""
    return [_block(line) for line in _lines(text)]


def mention_entities(text: RichText) -> list[dict[str, Any]]:
    """The mention entities that make the `<at>` tags of `text` notify, one per person."""
    entities: dict[str, dict[str, Any]] = {}
    for span in text:
        if span.style == "mention" and span.user_id and span.user_id not in entities:
            entities[span.user_id] = {
                "type": "mention",
                "text": mention_tag(span),
                "mentioned": {"id": span.user_id, "name": span.text},
            }
    return list(entities.values())


def _trim_blank(lines: list[list[Span]]) -> list[list[Span]]:
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines or [[]]


def plain_summary(text: RichText) -> str:
    """What Teams shows in a notification: plain text, commands spelled the Teams way."""
    flat = " ".join(to_plain(text, COMMAND_PREFIX, backticks=False).split())
    return flat if len(flat) <= _SUMMARY_MAX else flat[: _SUMMARY_MAX - 1] + "…"


def submit_action(button: Button, report_id: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {CARD_MARKER: 1, "action": button.action, "value": button.value}
    if report_id is not None:
        data["report_id"] = report_id
    if button.action == actions.OPEN_FORM:
        data.update(OPENS_DIALOG)
    action: dict[str, Any] = {"type": "Action.Submit", "title": button.label, "data": data}
    if button.style is not None:
        action["style"] = _BUTTON_STYLES[button.style]
    return action


# A form button opens the form as a dialog (adapters.teams.task_module): Teams sends a
# `task/fetch` invoke instead of a card submit.
OPENS_DIALOG: dict[str, Any] = {"msteams": {"type": TASK_FETCH}}


def _report_of(button: Button) -> str | None:
    # The engine's buttons carry the report id first in their value ("report" or "report:x").
    return button.value.split(":", 1)[0] or None


def card(
    body: list[dict[str, Any]],
    card_actions: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> Card:
    msteams: dict[str, Any] = {"width": "Full"}
    if entities:
        msteams["entities"] = entities
    content: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": CARD_VERSION,
        "msteams": msteams,
        "body": body,
    }
    if card_actions:
        content["actions"] = card_actions
    return content


def card_activity(content: Card, summary: str) -> ActivityDict:
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}],
    }


def message_activity(text: RichText, buttons: tuple[Button, ...] = ()) -> ActivityDict:
    """A thread message (or a private notice): the spans, then the buttons."""
    content = card(
        rich_blocks(text),
        [submit_action(b, _report_of(b)) for b in buttons],
        mention_entities(text),
    )
    return card_activity(content, plain_summary(text))


def _essentials(card_data: RootCard) -> list[dict[str, Any]]:
    if not card_data.essentials_total:
        return []
    progress = f"essentials {card_data.essentials_answered}/{card_data.essentials_total}"
    return [run("  ·  "), run(progress, weight="Bolder")]


def root_card(card_data: RootCard) -> Card:
    tlp_style: dict[str, Any] = {"weight": "Bolder", "fontType": "Monospace"}
    if card_data.tlp in _TLP_COLORS:
        tlp_style["color"] = _TLP_COLORS[card_data.tlp]
    body: list[dict[str, Any]] = [
        {
            "type": "RichTextBlock",
            "inlines": [run(card_data.headline, size="Large", weight="Bolder")],
        },
        {
            "type": "RichTextBlock",
            "inlines": [
                run(card_data.tlp, **tlp_style),
                run(f"  ·  {card_data.status}  ·  lead "),
                run(card_data.lead.name, weight="Bolder"),
                run(f"  ·  {card_data.answered}/{card_data.total} answered"),
                *_essentials(card_data),
            ],
        },
    ]
    sections: list[dict[str, Any]] = []
    for section in card_data.sections:
        # The count first, as plain text: bar art does not line up on a phone.
        inlines = [
            run(f"{section.answered}/{section.total}", weight="Bolder"),
            run(f"  {section.number} {section.title}"),
        ]
        if section.assignee is not None:
            inlines.append(run(f" — {section.assignee.name}", italic=True))
        sections.append({"type": "RichTextBlock", "inlines": inlines})
    body.append({"type": "Container", "separator": True, "spacing": "Small", "items": sections})
    if card_data.current_question is not None:
        body.append(
            {
                "type": "RichTextBlock",
                "inlines": [run("Now asking: ", weight="Bolder"), run(card_data.current_question)],
            }
        )
    if card_data.open_conflicts:
        body.append(
            {
                "type": "RichTextBlock",
                "inlines": [
                    run(
                        "Open conflicts: " + ", ".join(card_data.open_conflicts),
                        weight="Bolder",
                        color="Attention",
                    )
                ],
            }
        )
    if card_data.sending_note is not None:
        body.append(
            {"type": "RichTextBlock", "inlines": [run(card_data.sending_note, italic=True)]}
        )
    entities: list[dict[str, Any]] = []
    if card_data.question is not None:
        body.append(_question_container(card_data))
        # The welcome names the lead: a real mention, as in any thread message.
        entities = mention_entities(card_data.question.text)
    return card(body, [_section_picker(card_data), *_root_buttons(card_data)], entities)


def _question_container(card_data: RootCard) -> dict[str, Any]:
    """The first question on the root card, as its own message would ask it (the welcome,
    the question, its buttons in the card's body, apart from the root's own actions)."""
    assert card_data.question is not None
    items = rich_blocks(card_data.question.text)
    if card_data.question.buttons:
        items.append(
            {
                "type": "ActionSet",
                "actions": [
                    submit_action(b, card_data.report_id) for b in card_data.question.buttons
                ],
            }
        )
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _root_buttons(card_data: RootCard) -> list[dict[str, Any]]:
    return [submit_action(b, card_data.report_id) for b in card_data.buttons]


def _section_picker(card_data: RootCard) -> dict[str, Any]:
    """ "Answer a section": pick one, and the form opens as a dialog."""
    return {
        "type": "Action.ShowCard",
        "title": "Answer a section",
        "card": {
            "type": "AdaptiveCard",
            "version": CARD_VERSION,
            "body": [
                {
                    "type": "Input.ChoiceSet",
                    "id": SECTION_INPUT,
                    "label": "Section",
                    "style": "compact",
                    "isRequired": True,
                    "errorMessage": "Pick a section",
                    "choices": [
                        {"title": f"{s.number} {s.title}", "value": s.section_id}
                        for s in card_data.sections
                    ],
                }
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Open the form",
                    "data": {
                        CARD_MARKER: 1,
                        "action": actions.OPEN_FORM,
                        "report_id": card_data.report_id,
                        "value": card_data.report_id,
                        **OPENS_DIALOG,
                    },
                }
            ],
        },
    }


def root_activity(card_data: RootCard) -> ActivityDict:
    summary = f"{card_data.tlp} JCDC report: {card_data.title} ({card_data.answered}/"
    summary += f"{card_data.total})"
    return card_activity(root_card(card_data), summary[:_SUMMARY_MAX])


def form_card(form: SectionForm) -> Card:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": f"Section {form.title}",
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            # What the form does with each field (conversations.forms).
            "text": (
                "The fields show what the report holds. Change what you know better; what you"
                " leave stays as it is, and clearing a field takes back only your own answer."
            ),
            "isSubtle": True,
            "wrap": True,
        },
    ]
    for field in form.fields:
        body.append(_input(field))
        if field.conflict:
            body.append(
                {
                    "type": "RichTextBlock",
                    "inlines": [run(field.conflict, color="Attention", size="Small")],
                    "spacing": "None",
                }
            )
        body.append(
            {
                "type": "RichTextBlock",
                "inlines": [run(field.help, isSubtle=True, size="Small")],
                "spacing": "None",
            }
        )
    submit = {
        "type": "Action.Submit",
        "title": "Save answers",
        "style": "positive",
        "data": {
            CARD_MARKER: 1,
            "action": FORM_SUBMIT_ACTION,
            "report_id": form.report_id,
            "section_id": form.section_id,
        },
    }
    return card(body, [submit])


def form_activity(form: SectionForm) -> ActivityDict:
    return card_activity(form_card(form), f"Form for section {form.title}")


def _input(field: FormField) -> dict[str, Any]:
    label = f"{field.number} {field.label}"
    element: dict[str, Any]
    if field.choices:
        element = {
            "type": "Input.ChoiceSet",
            "id": INPUT_PREFIX + field.item_id,
            "label": label,
            "style": "compact",
            "isMultiSelect": field.multiple,
            "choices": [{"title": c.label, "value": c.value} for c in field.choices],
        }
        if field.selected:
            element["value"] = ",".join(field.selected)
        return element
    element = {
        "type": "Input.Text",
        "id": INPUT_PREFIX + field.item_id,
        "label": label,
        "isMultiline": field.multiline,
        "maxLength": _INPUT_MAX,
    }
    if field.initial:
        element["value"] = field.initial[:_INPUT_MAX]
    return element


def rejected_activity(errors: dict[str, str]) -> ActivityDict:
    spans: list[Span] = [Span(style="strong", text="Your form answers were not saved:")]
    for item, reason in errors.items():
        spans += [
            Span(style="plain", text="\n"),
            Span(style="code", text=item),
            Span(style="plain", text=": "),
            Span(style="user", text=reason),
        ]
    return card_activity(card(rich_blocks(tuple(spans))), "Your form answers were not saved")


def about_report(headline: str, activity: ActivityDict) -> ActivityDict:
    """A private notice read away from the thread: say which report it is about, first."""
    content = activity["attachments"][0]["content"]
    header = {"type": "RichTextBlock", "inlines": [run(headline, weight="Bolder", isSubtle=True)]}
    named = {**content, "body": [header, *content["body"]]}
    return {**activity, "attachments": [{"contentType": ADAPTIVE_CARD, "content": named}]}


def with_thread_link(activity: ActivityDict, url: str) -> ActivityDict:
    """A private notice with a button back to the report's thread."""
    content = activity["attachments"][0]["content"]
    link = {"type": "Action.OpenUrl", "title": "Open the report's thread", "url": url}
    linked = {**content, "actions": [*content.get("actions", []), link]}
    return {**activity, "attachments": [{"contentType": ADAPTIVE_CARD, "content": linked}]}


def addressed_to(name: str, activity: ActivityDict) -> ActivityDict:
    """A private notice posted where others can see it: say whom it is for, first."""
    content = activity["attachments"][0]["content"]
    header = {"type": "RichTextBlock", "inlines": [run(f"For {name}:", weight="Bolder")]}
    addressed = {**content, "body": [header, *content["body"]]}
    return {**activity, "attachments": [{"contentType": ADAPTIVE_CARD, "content": addressed}]}
