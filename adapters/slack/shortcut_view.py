"""The "Add to JCDC report" modal: which report, which item, and the message's text.

The message's id and author travel in the view's private_metadata, which Slack keeps on its
side and hands back with the submission unchanged, so the person submitting cannot make the
words someone else's.
"""

from __future__ import annotations

import json
from typing import Any

from conversations.effects import Choice, ShortcutForm

# The shortcut in every message's menu (deploy/slack manifests), and the modal it opens.
SHORTCUT_CALLBACK_ID = "jcdc_add_to_report"
SHORTCUT_VIEW_CALLBACK_ID = "jcdc_shortcut_form"
REPORT_BLOCK = "report"
ITEM_BLOCK = "item"
TEXT_BLOCK = "text"
# Block Kit limits: an option's text, a static select's options, a text input, and what of
# a name we keep in the metadata (3,000 characters in all).
_OPTION_TEXT_MAX = 75
_OPTIONS_MAX = 100
_INPUT_MAX = 3000
_NAME_MAX = 200


def shortcut_view(form: ShortcutForm, channel: str) -> dict[str, Any]:
    metadata = {
        "channel": channel,
        "message_id": form.message_id,
        "author_id": form.author.id,
        "author_name": form.author.name[:_NAME_MAX],
    }
    report: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(c) for c in form.reports[:_OPTIONS_MAX]],
    }
    if len(form.reports) == 1:
        report["initial_option"] = _option(form.reports[0])
    text: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": _INPUT_MAX,
    }
    if form.text.strip():
        text["initial_value"] = form.text[:_INPUT_MAX]
    return {
        "type": "modal",
        "callback_id": SHORTCUT_VIEW_CALLBACK_ID,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Add to JCDC report"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "plain_text",
                        "text": f"Recorded as {form.author.name[:_NAME_MAX]}'s answer, "
                        "added by you.",
                    }
                ],
            },
            _input(REPORT_BLOCK, "Report", report),
            _input(
                ITEM_BLOCK,
                "Checklist item",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [_option(c) for c in form.items[:_OPTIONS_MAX]],
                },
            ),
            _input(TEXT_BLOCK, "Answer", text),
        ],
    }


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def _option(choice: Choice) -> dict[str, Any]:
    return {
        "text": {"type": "plain_text", "text": choice.label[:_OPTION_TEXT_MAX]},
        "value": choice.value,
    }
