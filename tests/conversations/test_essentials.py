"""Essentials first (issue 11, rule 9): the items that carry CISA's key elements are marked in
the checklist data, asked first, counted on the root message and named first in `status`."""

from __future__ import annotations

from conversations import messages
from conversations.checklist import default_checklist
from conversations.key_elements import KEY_ELEMENTS
from conversations.merge import merge_report
from tests.conversations.harness import ALICE, BOB, Harness, notices, posts


def test_the_essential_marks_are_the_key_elements_and_the_marking() -> None:
    checklist = default_checklist()
    marked = {item.id for item in checklist.items() if item.essential}
    key_items = {item_id for element in KEY_ELEMENTS for item_id in element.item_ids}
    assert marked == key_items | {"handling.tlp"}


def test_the_guide_asks_every_essential_before_any_other_item() -> None:
    checklist = default_checklist()
    h = Harness(checklist=checklist)
    h.start()
    asked: list[str] = []
    assert h.state is not None
    while h.state.cursor is not None and len(asked) < checklist.item_count:
        asked.append(h.state.cursor)
        h.say(ALICE, "skip")
    essentials = [i.id for i in checklist.items() if i.essential]
    assert asked[: len(essentials)] == essentials
    # Then the rest, section by section, in checklist order.
    rest = [i.id for i in checklist.items() if not i.essential]
    assert asked[len(essentials) :] == rest


def test_the_root_message_counts_the_essentials() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    h.say(BOB, "0.3: Example Corp")
    h.say(BOB, "9.4: none")  # not an essential
    assert h.state is not None
    card = messages.root_card(
        h.state, merge_report(h.state, h.checklist, h.policy.default_tlp), h.checklist
    )
    assert (card.essentials_answered, card.essentials_total) == (1, 15)


def test_status_names_the_missing_essentials_first() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    h.say(BOB, "0.3: Example Corp")
    status = notices(h.command(BOB, "status"))[0]
    line = next(line for line in status.splitlines() if line.startswith("Essentials"))
    assert line.startswith("Essentials: 1 of 15 answered; missing first: 0.1 ")
    assert "0.3" not in line
    assert status.index("Essentials") < status.index("\n0 Handling")


def test_the_send_confirmation_names_missing_essentials_then_counts_the_rest() -> None:
    h = Harness(checklist=default_checklist())
    h.start()
    h.say(BOB, "0.3: Example Corp")
    text = posts(h.command(BOB, "send"))[0]
    line = next(line for line in text.splitlines() if line.startswith("Missing essentials"))
    assert line.startswith("Missing essentials (14): 0.1 Which TLP 2.0 marking")
    assert "0.3" not in line
    rest = next(line for line in text.splitlines() if line.startswith("Other unanswered"))
    assert rest == (
        "Other unanswered (54): §0: 1, §1: 5, §2: 7, §3: 4, §4: 6, §5: 3, §6: 6, §7: 3,"
        " §8: 11, §9: 8"
    )
    assert text.index("Missing essentials") < text.index("Other unanswered")
