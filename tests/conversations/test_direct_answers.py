"""Direct answers written the way people type them under pressure (issue 11, rule 8)."""

from __future__ import annotations

import pytest

from tests.conversations.harness import ALICE, BOB, Harness, notices, posts


@pytest.mark.parametrize("reply", ["0.2 Example Corp", "0.2 - Example Corp", "0.2) Example Corp"])
def test_a_near_miss_direct_answer_goes_to_its_item(reply: str) -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    assert h.state.cursor == "handling.tlp"
    result = h.say(BOB, reply)
    assert h.active_values("handling.org") == ["Example Corp"]
    assert h.active_values("handling.tlp") == []
    # 0.2 has not been asked in the thread: only Bob is told, nobody else is notified.
    assert posts(result) == []
    assert any("Recorded 0.2 from Bob" in n for n in notices(result))


def test_a_nonexistent_item_names_the_items_of_its_section() -> None:
    h = Harness()
    h.start()
    result = h.say(BOB, "1.9 - something")
    assert notices(result) == [
        "There is no item 1.9; section 1 has 1.1 to 1.3. `/jcdc status` lists them all."
    ]
    assert h.state is not None
    assert not h.state.contributions


def test_a_loose_number_is_a_plain_answer_to_a_number_question() -> None:
    h = Harness()
    h.start()
    assert h.state is not None
    while h.state.cursor != "detection.users":
        h.say(ALICE, "skip")
    h.say(BOB, "1.5 million")
    assert h.active_values("detection.users") != []
    assert h.active_values("description.event_type") == []
    assert h.active_values("description.confidence") == []
