"""Adaptive Card rendering: everything a person typed stays one literal TextRun.

Golden files hold the root card and a section form; regenerate them with UPDATE_GOLDEN=1 after
a deliberate change and review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.cards import (
    ADAPTIVE_CARD,
    addressed_to,
    form_activity,
    message_activity,
    plain_summary,
    rejected_activity,
    rich_blocks,
    root_activity,
)
from conversations import actions
from conversations.checklist import AnswerKind
from conversations.effects import (
    Choice,
    FormField,
    OpenForm,
    Post,
    PostRoot,
    SectionForm,
    UpdateRoot,
)
from conversations.richtext import code, command_ref, emphasis, mention, rich, strong, user_text
from tests.conversations.harness import ALICE, BOB, CAROL, DANA, Harness
from tests.golden import as_json, check_golden

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = (
    "**bold** _it_ [click](http://evil.example) <at>Dana</at> <script>x</script> &amp; @everyone"
)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts_outside_text_runs(node: Any) -> list[str]:
    """Strings Teams would read as Markdown: TextBlock texts, FactSet facts, titles."""
    found = []
    for element in walk(node):
        if element.get("type") == "TextBlock":
            found.append(element["text"])
        if element.get("type") == "FactSet":
            found += [f["title"] + f["value"] for f in element["facts"]]
    return found


def busy_harness() -> tuple[Harness, Any, Any]:
    h = Harness()
    h.start(title=HOSTILE)
    h.say(ALICE, "amber")
    h.say(BOB, "2.1: 203.0.113.7")
    # Two different counts for one single-valued item: an open conflict.
    h.say(BOB, "2.2: 12")
    h.say(CAROL, "2.2: 40")
    assigned = h.command(ALICE, "assign 2 <@U_DANA>", mentions=(DANA,))
    opened = h.press(BOB, actions.OPEN_FORM, "r:description")
    return h, assigned, opened


def test_root_card_matches_golden_file_and_keeps_the_title_literal() -> None:
    _, assigned, _ = busy_harness()
    root = next(e for e in assigned.effects if isinstance(e, UpdateRoot))
    activity = root_activity(root.card)
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    content = attachment["content"]
    check_golden(GOLDEN / "root_card.json", as_json(content))
    assert content["body"][0]["inlines"][0]["text"] == HOSTILE
    assert not any(HOSTILE in text for text in texts_outside_text_runs(content))
    # No mention entities: the only msteams keys are the card's width and the form button's
    # dialog (adapters.teams.task_module).
    plain = json.dumps(content).replace('"msteams": {"width": "Full"}', "")
    assert "msteams" not in plain.replace('"msteams": {"type": "task/fetch"}', "")
    titles = [a["title"] for a in content["actions"]]
    assert titles == ["Answer a section", "Status", "Preview", "Send to JCDC"]
    send = content["actions"][-1]
    assert send["style"] == "positive"
    assert send["data"] == {
        "jcdc": 1,
        "action": actions.SEND,
        "value": root.card.report_id,
        "report_id": root.card.report_id,
    }
    picker = content["actions"][0]["card"]["body"][0]
    assert [c["value"] for c in picker["choices"]] == [s.section_id for s in root.card.sections]
    flat = json.dumps(content, ensure_ascii=False)
    assert DANA.name in flat
    assert "TLP:AMBER" in flat
    assert root.card.open_conflicts
    assert content["body"][-1]["inlines"][0]["text"].startswith("Open conflicts: ")


def test_a_new_root_card_asks_the_first_question_and_matches_its_golden_file() -> None:
    """Until the thread asks anything, the root card carries the welcome and the first
    question as its message would: its lines, then its buttons in the card's body (apart
    from the root's own actions); the lead is a real mention."""
    h = Harness()
    h.start(title="Prompt injection in support copilot")
    (created,) = [e for e in h.created.effects if isinstance(e, PostRoot)]
    content = root_activity(created.card)["attachments"][0]["content"]
    check_golden(GOLDEN / "root_card_first_question.json", as_json(content))
    question = content["body"][-1]
    assert question["type"] == "Container"
    (welcome, *lines, buttons) = question["items"]
    assert welcome["type"] == "TextBlock"  # the line with the mention
    assert welcome["text"].startswith("Report started by <at>Alice</at> (lead)")
    assert content["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Alice</at>",
            "mentioned": {"id": ALICE.id, "name": ALICE.name},
        }
    ]
    assert "".join(r["text"] for r in lines[0]["inlines"]).startswith(
        "0.1 Which TLP marking applies?"
    )
    assert len(lines) <= 2  # with the welcome, at most three lines
    assert buttons["type"] == "ActionSet"
    titles = [a["title"] for a in buttons["actions"]]
    assert titles[-2:] == ["More", "Answer section 0 in a form"]
    assert "TLP:AMBER" in titles
    amber = next(a for a in buttons["actions"] if a["title"] == "TLP:AMBER")
    assert amber["data"]["report_id"] == created.card.report_id
    # The root's own actions are unchanged, and there is no "Now asking" line.
    assert [a["title"] for a in content["actions"]] == [
        "Answer a section",
        "Status",
        "Preview",
        "Send to JCDC",
    ]
    assert "Now asking" not in json.dumps(content)


def test_section_form_matches_golden_file() -> None:
    h, _, opened = busy_harness()
    form = next(e for e in opened.effects if isinstance(e, OpenForm))
    activity = form_activity(form.form)
    content = activity["attachments"][0]["content"]
    check_golden(GOLDEN / "section_form.json", as_json(content))
    inputs = {
        e["id"]: e for e in walk(content["body"]) if str(e.get("type", "")).startswith("Input.")
    }
    assert set(inputs) == {f"answer:{f.item_id}" for f in form.form.fields}
    assert {e["type"] for e in inputs.values()} == {"Input.Text", "Input.ChoiceSet"}
    (submit,) = content["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {
        "jcdc": 1,
        "action": "submit_form",
        "report_id": form.form.report_id,
        "section_id": "description",
    }
    assert h.state is not None


def test_form_is_prefilled_with_everybodys_answers_and_shows_the_conflict() -> None:
    h = Harness()
    h.start()
    h.form(CAROL, "description", {"description.cves": "CVE-2024-3094"})
    h.say(BOB, "1.2: CVE-2023-1234")
    h.say(BOB, "1.3: confirmed")
    h.say(CAROL, "1.3: speculative")
    h.say(CAROL, "1.1: incident")
    opened = h.press(DANA, actions.OPEN_FORM, "r:description")
    form = next(e for e in opened.effects if isinstance(e, OpenForm))
    content = form_activity(form.form)["attachments"][0]["content"]
    check_golden(GOLDEN / "prefilled_section_form.json", as_json(content))
    cves = next(e for e in walk(content) if e.get("id") == "answer:description.cves")
    assert cves["value"] == "CVE-2024-3094\nCVE-2023-1234"
    kind = next(e for e in walk(content) if e.get("id") == "answer:description.event_type")
    assert kind["value"] == "incident"
    confidence = next(e for e in walk(content) if e.get("id") == "answer:description.confidence")
    assert "value" not in confidence  # Dana has no side in the conflict
    conflict = "Conflict: confirmed (Bob) / speculative (Carol) \u2014 the lead resolves."
    assert any(e.get("text") == conflict for e in walk(content))


def test_user_text_is_one_literal_text_run_and_nothing_else() -> None:
    activity = message_activity(rich("Recorded from ", strong("Bob"), ": ", user_text(HOSTILE)))
    content = activity["attachments"][0]["content"]
    (block,) = content["body"]
    assert block["type"] == "RichTextBlock"
    assert block["inlines"][-1] == {"type": "TextRun", "text": HOSTILE}
    assert block["inlines"][1] == {"type": "TextRun", "text": "Bob", "weight": "Bolder"}
    assert texts_outside_text_runs(content) == []
    assert "entities" not in activity
    assert "msteams" not in content or "entities" not in content["msteams"]


def test_styles_and_commands() -> None:
    (block,) = rich_blocks(rich("run ", command_ref("send"), emphasis("now"), code("x")))
    assert block["inlines"] == [
        {"type": "TextRun", "text": "run "},
        {"type": "TextRun", "text": "@JCDC send", "fontType": "Monospace"},
        {"type": "TextRun", "text": "now", "italic": True},
        {"type": "TextRun", "text": "x", "fontType": "Monospace"},
    ]


def test_a_mention_is_an_at_tag_backed_by_a_card_entity() -> None:
    text = rich(
        mention("29:1", "Alice"), ", ", strong("Bob*"), " [x](y)\n", mention("29:1", "Alice")
    )
    content = message_activity(text)["attachments"][0]["content"]
    assert content["body"] == [
        {"type": "TextBlock", "text": "<at>Alice</at>, **Bob\\*** \\[x\\](y)", "wrap": True},
        {"type": "TextBlock", "text": "<at>Alice</at>", "wrap": True},
    ]
    # One entity per person, whose text is exactly the tag the block carries.
    assert content["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Alice</at>", "mentioned": {"id": "29:1", "name": "Alice"}}
    ]


def test_text_beside_a_mention_cannot_format_or_ping() -> None:
    (block,) = rich_blocks(rich(mention("29:1", "Alice"), " ", user_text(HOSTILE)))
    text = block["text"]
    assert text.count("<at>") == 1
    assert text.startswith("<at>Alice</at> ")
    assert "**bold**" not in text
    assert "[click]" not in text
    assert "<script>" not in text
    assert "\\*\\*bold\\*\\*" in text
    assert "\\[click\\]" in text


def test_line_breaks_become_blocks_not_markup() -> None:
    blocks = rich_blocks(rich("one\n", user_text("two\n\nthree"), "\n"))
    assert [[i["text"] for i in b["inlines"]] for b in blocks] == [
        ["one"],
        ["two"],
        [" "],
        ["three"],
    ]


def test_post_buttons_become_submit_actions_with_the_report() -> None:
    h = Harness()
    h.start()
    sent = h.command(ALICE, "send")
    post = next(e for e in sent.effects if isinstance(e, Post))
    content = message_activity(post.text, post.buttons)["attachments"][0]["content"]
    assert [(a["data"]["action"], a.get("style")) for a in content["actions"]] == [
        (actions.CONFIRM_SEND, "positive"),
        (actions.CANCEL_SEND, "destructive"),
    ]
    assert {a["data"]["report_id"] for a in content["actions"]} == {h.state.id if h.state else ""}


def test_summary_is_plain_and_short() -> None:
    summary = plain_summary(rich("Try ", command_ref("help"), " ", user_text("x" * 500)))
    assert summary.startswith("Try @JCDC help x")
    assert len(summary) == 200


def test_rejected_form_lists_the_errors_literally() -> None:
    content = rejected_activity({"2.1": "not an IP: <at>x</at>"})["attachments"][0]["content"]
    assert content["body"][1]["inlines"] == [
        {"type": "TextRun", "text": "2.1", "fontType": "Monospace"},
        {"type": "TextRun", "text": ": "},
        {"type": "TextRun", "text": "not an IP: <at>x</at>"},
    ]


def test_addressed_notice_names_its_reader_first() -> None:
    activity = addressed_to("Bob Brown", message_activity(rich("Only for you")))
    body = activity["attachments"][0]["content"]["body"]
    assert body[0]["inlines"][0]["text"] == "For Bob Brown:"
    assert body[1]["inlines"][0]["text"] == "Only for you"


@pytest.mark.parametrize("tlp", ["TLP:RED", "TLP:CLEAR"])
def test_tlp_label_is_coloured_only_when_it_warns(tlp: str) -> None:
    h = Harness()
    h.start()
    assigned = h.command(ALICE, f"tlp {tlp.removeprefix('TLP:').lower()}")
    root = next(e for e in assigned.effects if isinstance(e, UpdateRoot))
    label = root_activity(root.card)["attachments"][0]["content"]["body"][1]["inlines"][0]
    assert label["text"] == tlp
    assert ("color" in label) == (tlp == "TLP:RED")


def test_a_form_card_offers_the_choices_the_form_field_brings() -> None:
    # A kind the adapter has no list for: the choices can only come from the field.
    picker = FormField(
        item_id="x.pick",
        number="9.1",
        label="Pick",
        help="Any",
        kind=AnswerKind.TEXT,
        choices=(Choice(value="a", label="Alpha"), Choice(value="b", label="Beta")),
        multiple=True,
        selected=("a", "b"),
    )
    form = SectionForm(report_id="r", section_id="x", title="9 X", fields=(picker,))
    content = form_activity(form)["attachments"][0]["content"]
    (choice_set,) = [e for e in walk(content["body"]) if e.get("type") == "Input.ChoiceSet"]
    assert choice_set["isMultiSelect"] is True
    assert choice_set["choices"] == [
        {"title": "Alpha", "value": "a"},
        {"title": "Beta", "value": "b"},
    ]
    assert choice_set["value"] == "a,b"
