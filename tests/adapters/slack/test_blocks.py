"""Block Kit rendering: everything a person typed stays literal text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.slack.blocks import (
    escape,
    fallback_text,
    message_blocks,
    modal_view,
    rich_text_block,
    root_blocks,
)
from conversations import actions
from conversations.checklist import AnswerKind
from conversations.effects import Choice, FormField, OpenForm, Post, SectionForm, UpdateRoot
from conversations.richtext import command_ref, mention, rich, strong, user_text
from tests.conversations.harness import ALICE, BOB, DANA, Harness

HOSTILE = "<!channel> *bold* _it_ `code` <http://evil.example|click> <@U0ADMIN> &amp;"


def elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for section in block["elements"] for e in section["elements"]]


def test_user_text_is_one_literal_text_element() -> None:
    block = rich_text_block(rich("Recorded from ", strong("Bob"), ": ", user_text(HOSTILE)))
    parts = elements(block)
    assert parts[-1] == {"type": "text", "text": HOSTILE}
    assert {p["type"] for p in parts} == {"text"}  # no user, broadcast or link elements
    assert parts[1] == {"type": "text", "text": "Bob", "style": {"bold": True}}


def test_mentions_and_commands_are_explicit() -> None:
    parts = elements(rich_text_block(rich(mention("U1", "Alice"), " run ", command_ref("send"))))
    assert parts[0] == {"type": "user", "user_id": "U1"}
    assert parts[2] == {"type": "text", "text": "/jcdc send", "style": {"code": True}}


def test_fallback_text_cannot_ping_or_link() -> None:
    text = fallback_text(rich("From ", mention("U1", "Alice"), ": ", user_text(HOSTILE)))
    assert "<" not in text
    assert ">" not in text
    assert "&lt;!channel&gt;" in text
    assert "&amp;amp;" in text
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_every_engine_effect_renders_to_valid_block_kit() -> None:
    h = Harness()
    h.start(title=HOSTILE)
    h.say(ALICE, "amber")
    h.say(BOB, HOSTILE)  # the organisation item is free text
    assigned = h.command(ALICE, "assign 2 <@U_DANA>", mentions=(DANA,))
    opened = h.press(BOB, actions.OPEN_FORM, "r:description")
    sent = h.command(ALICE, "send")
    root = next(e for e in assigned.effects if isinstance(e, UpdateRoot))
    blocks = root_blocks(root.card)
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"] == {"type": "plain_text", "text": HOSTILE, "emoji": False}
    assert {"type": "user", "user_id": DANA.id} in elements(blocks[1])
    assert [b["action_id"] for b in blocks[2]["elements"]] == [
        actions.OPEN_FORM,
        actions.STATUS,
        actions.PREVIEW,
        actions.SEND,
    ]
    menu = blocks[2]["elements"][0]
    assert menu["type"] == "static_select"
    assert [o["value"] for o in menu["options"]] == [
        f"{root.card.report_id}:{s.section_id}" for s in root.card.sections
    ]
    post = next(e for e in sent.effects if isinstance(e, Post))
    rendered = message_blocks(post.text, post.buttons)
    assert [b["action_id"] for b in rendered[1]["elements"]] == [
        actions.CONFIRM_SEND,
        actions.CANCEL_SEND,
    ]
    form = next(e for e in opened.effects if isinstance(e, OpenForm))
    view = modal_view(form.form, form.channel)
    assert view["callback_id"] == "jcdc_section_form"
    assert len(view["title"]["text"]) <= 24
    assert json.loads(view["private_metadata"])["section_id"] == "description"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"][1:]}
    assert kinds == {
        "description.event_type": "static_select",
        "description.cves": "plain_text_input",
        "description.confidence": "static_select",
    }
    json.dumps([blocks, rendered, view])  # all plain JSON


def test_a_modal_offers_the_choices_the_form_field_brings() -> None:
    # A kind the adapter has no list for: the choices can only come from the field.
    picker = FormField(
        item_id="x.pick",
        number="9.1",
        label="Pick",
        help="Any",
        kind=AnswerKind.TEXT,
        choices=(Choice(value="a", label="Alpha"), Choice(value="b", label="Beta")),
        multiple=True,
        selected=("b",),
    )
    form = SectionForm(report_id="r", section_id="x", title="9 X", fields=(picker,))
    (heading, block) = modal_view(form, "C1")["blocks"]
    assert heading["text"]["text"] == "Section 9 X"
    element = block["element"]
    assert element["type"] == "multi_static_select"
    assert [(o["value"], o["text"]["text"]) for o in element["options"]] == [
        ("a", "Alpha"),
        ("b", "Beta"),
    ]
    assert [o["value"] for o in element["initial_options"]] == ["b"]
    single = picker.model_copy(update={"multiple": False, "selected": ("a",)})
    (_, block) = modal_view(form.model_copy(update={"fields": (single,)}), "C1")["blocks"]
    assert block["element"]["type"] == "static_select"
    assert block["element"]["initial_option"]["value"] == "a"


def _root_of(h: Harness) -> Any:
    from conversations import messages
    from conversations.merge import merge_report

    assert h.state is not None
    return messages.root_card(
        h.state, merge_report(h.state, h.checklist, h.policy.default_tlp), h.checklist
    )


def test_root_message_golden_files_new_in_progress_and_sent_with_answers_since() -> None:
    from tests.adapters.teams.test_cards import busy_harness
    from tests.conversations.test_sending import sent_once
    from tests.golden import as_json, check_golden

    golden = Path(__file__).parent / "golden"
    new = Harness()
    new.start(title="Prompt injection in support copilot")
    created = root_blocks(_root_of(new))
    check_golden(golden / "root_new.json", as_json(created))
    # A new report's root asks the first question itself, below the summary: the welcome and
    # the question, then the question's buttons apart from the root's own.
    assert [b["type"] for b in created] == [
        "header",
        "rich_text",
        "divider",
        "rich_text",
        "actions",
        "actions",
    ]
    assert [b.get("block_id") for b in created[-2:]] == ["question_actions", "root_actions"]
    asked = json.dumps(created[3], ensure_ascii=False)
    assert "Report started by " in asked
    assert "0.1 Which TLP marking applies?" in asked
    assert {"type": "user", "user_id": "U_ALICE"} in created[3]["elements"][0]["elements"]
    assert "Now asking" not in json.dumps(created)
    busy, _, _ = busy_harness()
    in_progress = root_blocks(_root_of(busy))
    check_golden(golden / "root_in_progress_conflicts.json", as_json(in_progress))
    assert "Open conflicts: 2.2" in json.dumps(in_progress)
    sent = Harness()
    sent.start(title="Prompt injection in support copilot")
    sent_once(sent)
    sent.say(BOB, "2.2: 12")
    after = root_blocks(_root_of(sent))
    check_golden(golden / "root_sent_answers_since.json", as_json(after))
    assert "1 new answer since; /jcdc send mails a follow-up" in json.dumps(
        after, ensure_ascii=False
    )
    # No bar art: progress is counts in plain text, readable in a proportional font.
    assert not any(ch in json.dumps(after, ensure_ascii=False) for ch in "▓░")
