"""An answer to an item that already holds thousands of contributions costs the same as one
to an empty item: counted in calls, not timed (the machine is shared; counts do not drift)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from conversations import merge, messages, recording
from conversations.checklist import default_checklist
from conversations.richtext import to_plain
from conversations.state import Actor, Contribution, ReportState
from tests.conversations.harness import ALICE, CAROL, T0, Harness

SIZE = 5000
OTHERS = [Actor(id=f"U{n:02d}", name=f"Responder {n}") for n in range(20)]


def counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls = [0]
    original: Callable[..., Any] = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def big_ioc_report() -> tuple[Harness, str]:
    h = Harness()
    h.start()
    assert h.state is not None
    item = h.checklist.item("detection.iocs")
    rows = tuple(
        Contribution(
            id=f"c{n}",
            item_id=item.id,
            author=OTHERS[n % len(OTHERS)],
            at=T0 + timedelta(seconds=n),
            via="direct",
            source_message_id=f"m{n}",
            raw=f"10.0.{n // 256}.{n % 256}",
            value=[f"10.0.{n // 256}.{n % 256}"],
        )
        for n in range(SIZE)
    )
    h.state = h.state.model_copy(update={"contributions": rows})
    return h, item.number


def test_one_more_indicator_checks_only_the_authors_own_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, number = big_ioc_report()
    h.say(CAROL, f"{number}: 172.16.0.1")  # warm: the first merge of the item sees them all
    is_me = counted(monkeypatch, recording, "is_me")
    same_value = counted(monkeypatch, recording, "same_value")
    merge_keys = counted(monkeypatch, merge, "value_key")

    h.say(CAROL, f"{number}: 172.16.0.2")

    assert h.state is not None
    assert len(h.state.contributions) == SIZE + 2
    # Carol's one earlier answer, not the 5,000 others'.
    assert is_me[0] <= 2
    assert same_value[0] == 1
    # The merge keys the new indicator, not the union again; the comparison with Carol's
    # earlier answer keys nothing (the values differ).
    assert merge_keys[0] <= 5


def test_the_same_answer_again_is_still_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    h, number = big_ioc_report()
    h.say(ALICE, f"{number}: 172.16.0.9")
    step = h.say(ALICE, f"{number}: 172.16.0.9")
    assert h.state is not None
    assert len(h.state.contributions) == SIZE + 1
    assert any("already gave that answer" in str(e) for e in step.effects)


def saved(h: Harness) -> None:
    """What storage does with a turn's result: the same state at the next version."""
    assert h.state is not None
    h.state = h.state.model_copy(update={"version": h.state.version + 1})


def test_a_turn_merges_only_the_item_it_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    h = Harness(default_checklist())
    h.start()
    for n, text in enumerate(("0.3: Example Corp", "0.5: a summary", "0.3: Example Inc")):
        h.say(OTHERS[n], text)
        saved(h)
    items_merged = counted(monkeypatch, merge, "merge_item")

    h.say(CAROL, "0.5: a longer summary")

    # The report holds answers to several of its many items; only 0.5's group changed.
    assert items_merged[0] == 1
    assert h.state is not None
    assert len(h.state.contributions) == 4  # the answer was recorded


def test_a_merge_taken_over_from_the_last_turn_equals_one_made_afresh() -> None:
    h = Harness(default_checklist())
    h.start()
    for n, text in enumerate(("0.3: Example Corp", "0.5: a summary", "0.3: Example Inc", "0.5: x")):
        h.say(OTHERS[n], text)
        saved(h)
    assert h.state is not None
    merged = merge.merge_report(h.state, h.checklist, h.policy.default_tlp)
    # Equal content, none of the same objects: nothing of the memo applies.
    fresh = merge.merge_report(
        ReportState.model_validate(h.state.model_dump()), h.checklist, h.policy.default_tlp
    )
    assert fresh is not merged
    assert fresh == merged


def test_a_list_items_question_message_shows_the_newest_answers_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answered question's message of a 5,000-answer indicator item names the newest few
    and counts the rest: its cost and its length do not grow with the list (before, every
    answer was rendered on every turn, ~160 ms at 5,000, into a message no chat would take)."""
    h, _ = big_ioc_report()
    assert h.state is not None
    item = h.checklist.item("detection.iocs")
    merged = merge.merge_item(item, h.state.contributions, None, False)
    rendered = counted(monkeypatch, messages, "display_value")

    text = to_plain(messages.answered(item, merged, "172.16.0.9"))

    assert rendered[0] <= messages.ANSWERS_SHOWN
    assert f"{SIZE - messages.ANSWERS_SHOWN:,} earlier answers, all in the preview" in text
    assert text.endswith("172.16.0.9 (Responder 19)")
    assert "10.0.0.0" not in text  # the oldest answer is counted, not shown
    assert len(text) < 600


def test_a_person_with_many_indicators_is_not_re_encoded_on_each_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h, number = big_ioc_report()
    for n in range(200):
        h.say(CAROL, f"{number}: 192.168.{n // 256}.{n % 256}")
    dumps = counted(monkeypatch, json, "dumps")

    h.say(CAROL, f"{number}: 172.16.0.3")

    assert h.state is not None
    assert len(h.state.contributions) == SIZE + 201
    # Her 200 earlier answers are compared as values, not each encoded as JSON.
    assert dumps[0] <= 10
