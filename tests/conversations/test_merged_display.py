"""One merged-display rule for the thread and the report: what is shown is the merged value.

The engine's `back`/`resolve` messages and the report's assembly had a rule each; they
disagreed on accumulating items given twice (the thread repeated every contribution, the
report showed the union) and on single-valued text settled by the lead (the report ran the
losing answer in with the settled one). tests/documents/test_assembly.py checks the report
side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import JsonValue

from conversations.checklist import AnswerKind, Item, default_checklist
from conversations.merge import merge_item, merged_display
from conversations.state import Actor, Contribution, Resolution
from tests.conversations.harness import BOB, CAROL, Harness, posts

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
CHECKLIST = default_checklist()


def answer(item: Item, n: int, value: JsonValue) -> Contribution:
    return Contribution(
        id=f"c{n}",
        item_id=item.id,
        author=Actor(id=f"U{n}", name=f"P{n}"),
        at=T0 + timedelta(minutes=n),
        via="direct",
        source_message_id=f"m{n}",
        raw=str(value),
        value=value,
    )


def test_nothing_to_show_while_there_is_no_answer() -> None:
    item = CHECKLIST.item("description.confidence")
    assert merged_display(merge_item(item, (), None, False)) is None
    conflict = merge_item(
        item, (answer(item, 1, "confirmed"), answer(item, 2, "unverified")), None, False
    )
    assert merged_display(conflict) is None


def test_an_accumulating_item_shows_each_value_once() -> None:
    item = next(i for i in CHECKLIST.items() if i.kind is AnswerKind.CVES)
    both = (
        answer(item, 1, ["CVE-2024-3094"]),
        answer(item, 2, ["CVE-2024-3094", "CVE-2023-1234"]),
    )
    assert merged_display(merge_item(item, both, None, False)) == "CVE-2024-3094, CVE-2023-1234"


def test_free_texts_stand_side_by_side() -> None:
    item = next(i for i in CHECKLIST.items() if i.kind is AnswerKind.TEXT)
    assert item.accumulates
    texts = (answer(item, 1, "Seen on the proxy."), answer(item, 2, "And in the SIEM."))
    assert merged_display(merge_item(item, texts, None, False)) == (
        "Seen on the proxy.; And in the SIEM."
    )


def test_a_settled_single_text_shows_only_the_settled_answer() -> None:
    item = Item(
        id="x.summary",
        number="9.1",
        question="One line?",
        help="One.",
        kind=AnswerKind.TEXT,
        multiple=False,
    )
    texts = (answer(item, 1, "Prompt injection"), answer(item, 2, "Data poisoning"))
    settled = Resolution(
        item_id=item.id,
        value="Data poisoning",
        by=Actor(id="U9", name="Lead"),
        at=T0 + timedelta(hours=1),
    )
    assert merged_display(merge_item(item, texts, settled, False)) == "Data poisoning"
    agreed = (answer(item, 1, "Prompt injection"), answer(item, 2, "Prompt injection"))
    assert merged_display(merge_item(item, agreed, None, False)) == "Prompt injection"


def test_back_tells_the_merged_answer() -> None:
    h = Harness()
    h.start()
    for _ in range(3):  # 0.1, 0.2, 1.1: on to 1.2
        h.say(BOB, "next")
    assert h.state is not None
    assert h.state.cursor == "description.cves"
    h.say(BOB, "1.2: CVE-2024-3094")  # answers the current question: on to 1.3
    h.say(CAROL, "1.2: CVE-2024-3094 CVE-2023-1234")
    back = h.say(BOB, "back")
    assert "Back to 1.2 (so far: CVE-2024-3094, CVE-2023-1234)." in posts(back)[0]
